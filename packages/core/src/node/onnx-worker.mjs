/**
 * Worker thread of the 'onnx' backend (plain JavaScript so it needs no TypeScript loader). It owns the
 * onnxruntime-node sessions — one-node Gemm models with symbolic dimensions, built here with onnx-proto and cached
 * per (dtype, transA, transB, shared input) — and runs the products the main thread posts.
 *
 * Protocol (see onnx-backend.ts): the main thread sets control[0] = 0, posts a job (operands in transferred
 * ArrayBuffers, the output in a SharedArrayBuffer) and blocks in Atomics.wait. This worker runs the session, writes C into the shared
 * output buffer, sets control[0] = 1 (done) or 2 (failed, with the message posted on the error port first) and
 * calls Atomics.notify.
 */
import { availableParallelism } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

const DONE = 1;
const FAILED = 2;

const { control: controlBuffer, replyPort, threads } = workerData;
const control = new Int32Array(controlBuffer);

let ortPromise;
function loadLibraries() {
  ortPromise ??= Promise.all([import('onnxruntime-node'), import('onnx-proto')]).then(([ortModule, protoModule]) => ({
    ort: ortModule.default ?? ortModule,
    onnx: (protoModule.default ?? protoModule).onnx,
  }));
  return ortPromise;
}

/** Serialised ONNX model with one Gemm node; `shared`: both Gemm inputs are the one graph input X (for X·Xᵀ). */
function gemmModel(onnx, dtype, transA, transB, shared) {
  const elemType = dtype === 'float32' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.DOUBLE;
  const valueInfo = (name, dims) =>
    onnx.ValueInfoProto.create({
      name,
      type: onnx.TypeProto.create({
        tensorType: onnx.TypeProto.Tensor.create({
          elemType,
          shape: onnx.TensorShapeProto.create({
            dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create({ dimParam: d })),
          }),
        }),
      }),
    });
  const intAttr = (name, value) =>
    onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value ? 1 : 0 });
  const inputs = shared ? [valueInfo('X', ['r', 'c'])] : [valueInfo('A', ['a0', 'a1']), valueInfo('B', ['b0', 'b1'])];
  const graph = onnx.GraphProto.create({
    name: 'concord_gemm',
    node: [
      onnx.NodeProto.create({
        opType: 'Gemm',
        input: shared ? ['X', 'X'] : ['A', 'B'],
        output: ['C'],
        attribute: [intAttr('transA', transA), intAttr('transB', transB)],
      }),
    ],
    input: inputs,
    output: [valueInfo('C', ['m', 'n'])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'concord',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

const sessions = new Map();

async function session(dtype, transA, transB, shared) {
  const key = `${dtype}/${transA}/${transB}/${shared}`;
  let s = sessions.get(key);
  if (!s) {
    const { ort, onnx } = await loadLibraries();
    s = ort.InferenceSession.create(gemmModel(onnx, dtype, transA, transB, shared), {
      intraOpNumThreads: threads || availableParallelism(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
    });
    sessions.set(key, s);
    s.catch(() => sessions.delete(key));
  }
  return s;
}

function view(dtype, buffer, length) {
  return dtype === 'float32' ? new Float32Array(buffer, 0, length) : new Float64Array(buffer, 0, length);
}

async function run(job) {
  const { ort } = await loadLibraries();
  const { dtype, transA, transB, aRows, aCols, bRows, bCols, m, n } = job;
  const shared = job.b === null;
  const s = await session(dtype, transA, transB, shared);
  const type = dtype === 'float32' ? 'float32' : 'float64';
  const feeds = shared
    ? { X: new ort.Tensor(type, view(dtype, job.a, aRows * aCols), [aRows, aCols]) }
    : {
        A: new ort.Tensor(type, view(dtype, job.a, aRows * aCols), [aRows, aCols]),
        B: new ort.Tensor(type, view(dtype, job.b, bRows * bCols), [bRows, bCols]),
      };
  const out = await s.run(feeds);
  const c = out.C;
  if (c.dims.length !== 2 || c.dims[0] !== m || c.dims[1] !== n) {
    throw new Error(`onnxruntime returned shape [${c.dims.join(', ')}], expected [${m}, ${n}]`);
  }
  view(dtype, job.c, m * n).set(c.data);
  for (const t of Object.values(out)) t.dispose?.();
}

function finish(state) {
  Atomics.store(control, 0, state);
  Atomics.notify(control, 0);
}

let pending = false;

function fail(e) {
  replyPort.postMessage({ error: e instanceof Error ? e.message : String(e) });
  pending = false;
  finish(FAILED);
}

// A failure anywhere (even outside a job) must wake the main thread rather than leave it waiting.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
process.on('exit', () => {
  if (pending) fail(new Error('the onnxruntime worker exited during a job'));
});

function succeed() {
  pending = false;
  finish(DONE);
}

parentPort.on('message', (job) => {
  if (job.type === 'quit') {
    // Retired after a time-out: close the ports so the thread ends once nothing is left to run.
    parentPort.close();
    replyPort.close();
    return;
  }
  pending = true;
  if (job.type === 'warmup') {
    loadLibraries().then(({ ort }) => {
      replyPort.postMessage({ version: ort.env?.versions?.common ?? 'unknown' });
      succeed();
    }, fail);
    return;
  }
  run(job).then(succeed, fail);
});
