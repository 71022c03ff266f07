/**
 * The 'onnx' backend: matrix products on onnxruntime-node (one-node Gemm models, 2 intra-op threads), for machines
 * without the native OpenBLAS addon. onnxruntime's `run` is asynchronous while Concord's kernel API is synchronous,
 * so the sessions live in a dedicated worker thread (onnx-worker.mjs): the job is posted and the main thread blocks in
 * Atomics.wait on a shared control word until the worker has written the result into a SharedArrayBuffer and
 * notified. Operands travel as copies in ordinary ArrayBuffers moved (transferred, not cloned) to the worker:
 * onnxruntime-node refuses tensors over a SharedArrayBuffer ("Invalid argument"), so a shared input buffer would
 * cost a second copy in the worker.
 * Decompositions are not offered here (onnxruntime has none); they fall through to the js backend.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { CORE_ERRORS, InternalError } from '../errors.ts';
import type { BackendLoadResult, LinalgBackend, Operation } from '../kernels/backend.ts';
import { jsBackend } from '../kernels/js-backend.ts';
import { allocate, assertShape, type DType, type FloatArray, Matrix } from '../matrix.ts';

// Control word states written by onnx-worker.mjs: 0 pending, 1 done, 2 failed.
const PENDING = 0;
const FAILED = 2;

/** A shared output buffer above this size is released after each call instead of being kept for the next one. */
const KEEP_BUFFER_BYTES = 64 * 1024 * 1024;
/** Worker start-up (loading onnxruntime's native library) must finish within this time. */
const STARTUP_TIMEOUT_MS = 30_000;

/** Time allowed for one product: a generous base plus a pessimistic 0.1 GFLOP/s; CONCORD_ONNX_TIMEOUT_MS overrides. */
function timeoutFor(flops: number): number {
  const env = Number(process.env.CONCORD_ONNX_TIMEOUT_MS);
  if (Number.isFinite(env) && env > 0) return env;
  return 60_000 + flops / 1e5;
}

interface WorkerHandle {
  worker: Worker;
  control: Int32Array;
  replies: MessagePort;
  dead: boolean;
}

interface GemmJob {
  type: 'gemm';
  dtype: DType;
  transA: boolean;
  transB: boolean;
  aRows: number;
  aCols: number;
  bRows: number;
  bCols: number;
  m: number;
  n: number;
  /** A's elements (a copy, transferred to the worker). */
  a: ArrayBuffer;
  /** B's elements, or null when B is A (X·Xᵀ or Xᵀ·X through one graph input). */
  b: ArrayBuffer | null;
  c: SharedArrayBuffer;
}

const threadCount = availableParallelism();
let handle: WorkerHandle | undefined;
let onnxVersion = 'unknown';
let outputBuffer: SharedArrayBuffer | undefined;

function startWorker(): WorkerHandle {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./onnx-worker.mjs', import.meta.url), {
    workerData: { control: control.buffer, replyPort: port2, threads: threadCount },
    transferList: [port2],
    // Plain .mjs: no loader needed, and inheriting the parent's (tsx, -e, ...) can stall the worker's start.
    execArgv: [],
  });
  // Never keep the process alive for the worker's sake.
  worker.unref();
  port1.unref();
  const h: WorkerHandle = { worker, control, replies: port1, dead: false };
  worker.on('exit', () => {
    h.dead = true;
  });
  worker.on('error', () => {
    h.dead = true;
  });
  return h;
}

/**
 * Retire a worker: it finishes the job it is running (if any), then closes its ports and ends by itself.
 * worker.terminate() is not used: stopping a thread inside onnxruntime's native run aborts the whole process, which
 * is also why a busy worker is ref'd again — the process then waits for that job to end before exiting.
 */
function retireWorker(h: WorkerHandle, busy = false): void {
  h.dead = true;
  if (busy) h.worker.ref();
  h.worker.postMessage({ type: 'quit' });
  h.replies.close();
  if (handle === h) handle = undefined;
}

/** Post one message and block until the worker reports; returns the reply message, if any. */
function call(
  message: GemmJob | { type: 'warmup' },
  timeoutMs: number,
  what: string,
): { error?: string; version?: string } | undefined {
  if (!handle || handle.dead) handle = startWorker();
  const h = handle;
  Atomics.store(h.control, 0, PENDING);
  const transfer = message.type === 'gemm' ? [message.a, ...(message.b ? [message.b] : [])] : [];
  h.worker.postMessage(message, transfer);
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(h.control, 0) === PENDING) {
    const left = deadline - Date.now();
    if (left <= 0) {
      retireWorker(h, true);
      throw new InternalError(
        CORE_ERRORS.ONNX_TIMEOUT,
        `onnx backend: ${what} did not finish within ${Math.round(timeoutMs)} ms; the worker is retired (set CONCORD_ONNX_TIMEOUT_MS to allow longer)`,
        { field: 'CONCORD_ONNX_TIMEOUT_MS', received: timeoutMs },
      );
    }
    Atomics.wait(h.control, 0, PENDING, left);
  }
  const reply = receiveMessageOnPort(h.replies)?.message as { error?: string; version?: string } | undefined;
  if (Atomics.load(h.control, 0) === FAILED) {
    throw new InternalError(
      CORE_ERRORS.ONNX_FAILED,
      `onnx backend: ${what} failed in onnxruntime: ${reply?.error ?? 'no message'}`,
    );
  }
  return reply;
}

/** The shared output buffer, at least `bytes` long; reused between calls while it is small. */
function sharedOutput(bytes: number): SharedArrayBuffer {
  if (outputBuffer && outputBuffer.byteLength >= bytes) return outputBuffer;
  const buf = new SharedArrayBuffer(Math.max(8, bytes));
  outputBuffer = bytes <= KEEP_BUFFER_BYTES ? buf : undefined;
  return buf;
}

/** A's elements in `dtype`, in a fresh ArrayBuffer that can be transferred. */
function transferableCopy(m: Matrix, dtype: DType): ArrayBuffer {
  const copy = allocate(dtype, m.size);
  copy.set(m.data);
  return copy.buffer as ArrayBuffer;
}

function readResult(buf: SharedArrayBuffer, dtype: DType, length: number): FloatArray {
  const out = allocate(dtype, length);
  out.set(dtype === 'float32' ? new Float32Array(buf, 0, length) : new Float64Array(buf, 0, length));
  return out;
}

/** Run op(A)·op(B) (B omitted: the same matrix as A) in the worker. */
function product(a: Matrix, b: Matrix | undefined, transA: boolean, transB: boolean, dtype: DType): Matrix {
  const bb = b ?? a;
  const [m, k] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
  const n = transB ? bb.rows : bb.cols;
  if (m === 0 || n === 0 || k === 0) return Matrix.zeros(m, n, dtype);
  const job: GemmJob = {
    type: 'gemm',
    dtype,
    transA,
    transB,
    aRows: a.rows,
    aCols: a.cols,
    bRows: bb.rows,
    bCols: bb.cols,
    m,
    n,
    a: transferableCopy(a, dtype),
    b: b ? transferableCopy(b, dtype) : null,
    c: sharedOutput(m * n * (dtype === 'float32' ? 4 : 8)),
  };
  call(job, timeoutFor(2 * m * n * k), `the ${m}×${k} by ${k}×${n} ${dtype} product`);
  return new Matrix(m, n, readResult(job.c, dtype, m * n));
}

/** Make an n×n result exactly symmetric (onnxruntime's Gemm computes both triangles independently). */
function mirrorUpper(c: Matrix): Matrix {
  const n = c.rows;
  const d = c.data;
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) d[i * n + j] = d[j * n + i];
  return c;
}

const onnxBackend: LinalgBackend = {
  name: 'onnx',
  operations: new Set<Operation>(['gemm', 'syrk']),
  threads: () => threadCount,
  describe: () =>
    `onnxruntime-node ${onnxVersion} (Gemm in a worker thread, ${threadCount} intra-op threads); decompositions by the js backend`,

  gemm(a, b, transA, transB) {
    const k1 = transA ? a.rows : a.cols;
    const k2 = transB ? b.cols : b.rows;
    assertShape(
      k1 === k2,
      `gemm: op(A) is ${transA ? a.cols : a.rows}×${k1} and op(B) is ${k2}×${transB ? b.rows : b.cols}; inner dimensions differ`,
    );
    const dtype = a.dtype === 'float32' && b.dtype === 'float32' ? 'float32' : 'float64';
    return product(a, b, transA, transB, dtype);
  },

  syrk(a, trans, into) {
    // X·Xᵀ = Gemm(X, X, transB) and Xᵀ·X = Gemm(X, X, transA), with X sent once.
    const g = mirrorUpper(product(a, undefined, trans, !trans, a.dtype));
    if (!into) return g;
    into.set(g.data);
    return new Matrix(g.rows, g.cols, into);
  },

  eigh: (a) => jsBackend.eigh(a),
  svd: (a) => jsBackend.svd(a),
  cholesky: (a) => jsBackend.cholesky(a),
  inverse: (a) => jsBackend.inverse(a),
};

/** Start the worker and load onnxruntime in it (synchronously); `{reason}` when that fails. */
export function loadOnnxBackend(): BackendLoadResult {
  try {
    const reply = call({ type: 'warmup' }, STARTUP_TIMEOUT_MS, 'loading onnxruntime-node');
    onnxVersion = reply?.version ?? 'unknown';
    return { backend: onnxBackend };
  } catch (e) {
    if (handle) retireWorker(handle);
    return { reason: e instanceof Error ? e.message : String(e) };
  }
}
