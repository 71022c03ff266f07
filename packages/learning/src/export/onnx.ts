/**
 * ONNX export of a trained network (opset 13, encoded with onnx-proto/protobufjs): input `input` (float32 images in
 * [0, 1]; N×features for the MLP, N×C×H×W for the CNN), one node per layer whose output carries the layer's name,
 * and every layer's output (pre- and post-nonlinearity, pools) as a graph output, in layer order, the last being the
 * logits before softmax. Flatten is a reshape, not a representation: it is computed but not listed. Weights are
 * written as float32 initialisers (a float64 test network is narrowed).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConcordError, type FloatArray } from '@concord/core';
import onnxProto from 'onnx-proto';
import type { Layer, Network } from '../network.ts';
import type { InputNormalization } from '../rule.ts';

const { onnx } = onnxProto;

export const ONNX_OPSET = 13;
export const ONNX_INPUT_NAME = 'input';

function floatTensor(name: string, dims: readonly number[], values: FloatArray) {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  return { name, dims: [...dims], dataType: 1, rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength).slice() };
}

function valueInfo(name: string, shape: readonly (number | string)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: 1,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

const intsAttr = (name: string, ints: number[]) => ({ name, type: 7, ints });
const intAttr = (name: string, i: number) => ({ name, type: 2, i });
const floatAttr = (name: string, f: number) => ({ name, type: 1, f });

/** The per-sample output shape of each layer. */
export function layerShapes(network: Network): number[][] {
  const shapes: number[][] = [];
  let cur = [...network.inputShape];
  for (const l of network.layers) {
    if (l.kind === 'dense') cur = [l.outFeatures];
    else if (l.kind === 'conv2d') cur = [l.outChannels, ...l.outSize];
    else if (l.kind === 'maxpool' || l.kind === 'avgpool') cur = [l.channels, ...l.outSize];
    else if (l.kind === 'flatten') cur = [cur.reduce((a, b) => a * b, 1)];
    shapes.push(cur);
  }
  return shapes;
}

/** Names of the exported activations, in order (every layer but flatten); the last is the logits. */
export function exportedLayerNames(network: Network): string[] {
  return network.layers.filter((l) => l.kind !== 'flatten').map((l) => l.name);
}

function nodeFor(layer: Layer, input: string) {
  const base = { input: [input], output: [layer.name], name: `${layer.name}_node` };
  switch (layer.kind) {
    case 'dense':
      return {
        ...base,
        opType: 'Gemm',
        input: [input, layer.weight.name, layer.bias.name],
        attribute: [intAttr('transB', 1)],
      };
    case 'conv2d':
      return {
        ...base,
        opType: 'Conv',
        input: [input, layer.weight.name, layer.bias.name],
        attribute: [
          intsAttr('kernel_shape', [layer.kernel, layer.kernel]),
          intsAttr('strides', [layer.stride, layer.stride]),
          intsAttr('pads', [layer.padding, layer.padding, layer.padding, layer.padding]),
        ],
      };
    case 'maxpool':
    case 'avgpool':
      return {
        ...base,
        opType: layer.kind === 'maxpool' ? 'MaxPool' : 'AveragePool',
        attribute: [
          intsAttr('kernel_shape', [layer.size, layer.size]),
          intsAttr('strides', [layer.stride, layer.stride]),
        ],
      };
    case 'flatten':
      return { ...base, opType: 'Flatten', attribute: [intAttr('axis', 1)] };
    case 'activation':
      switch (layer.fn) {
        case 'tanh':
          return { ...base, opType: 'Tanh' };
        case 'relu':
          return { ...base, opType: 'Relu' };
        case 'leaky-relu':
          return { ...base, opType: 'LeakyRelu', attribute: [floatAttr('alpha', layer.slope ?? 0.01)] };
        case 'hard-sigmoid':
          // Our hard sigmoid is clamp(x, 0, 1): ONNX HardSigmoid with alpha 1, beta 0.
          return { ...base, opType: 'HardSigmoid', attribute: [floatAttr('alpha', 1), floatAttr('beta', 0)] };
        case 'sigmoid':
          return { ...base, opType: 'Sigmoid' };
        case 'softmax':
          return { ...base, opType: 'Softmax', attribute: [intAttr('axis', -1)] };
        case 'identity':
          return { ...base, opType: 'Identity' };
      }
  }
}

export interface EncodeOnnxOptions {
  producer?: string;
  docString?: string;
  normalizeInputs?: InputNormalization;
}

/**
 * x / (‖x‖₂ + ε) per row as ReduceL2 (axes [1], keepdims) → Add ε → Div; the nodes are named after the layer
 * they feed (`<layer>_input_l2`, `<layer>_input_norm`, `<layer>_input_normalized`) and are not graph outputs.
 */
function normalizationNodes(layer: Layer, input: string, epsilon: number) {
  const eps = `${layer.name}_input_eps`;
  const l2 = `${layer.name}_input_l2`;
  const norm = `${layer.name}_input_norm`;
  const out = `${layer.name}_input_normalized`;
  return {
    out,
    initializer: floatTensor(eps, [], Float32Array.of(epsilon)),
    nodes: [
      {
        input: [input],
        output: [l2],
        name: `${l2}_node`,
        opType: 'ReduceL2',
        attribute: [intsAttr('axes', [1]), intAttr('keepdims', 1)],
      },
      { input: [l2, eps], output: [norm], name: `${norm}_node`, opType: 'Add' },
      { input: [input, norm], output: [out], name: `${out}_node`, opType: 'Div' },
    ],
  };
}

/** The ONNX model bytes of a network. */
export function encodeOnnx(network: Network, opts: EncodeOnnxOptions = {}): Uint8Array {
  const nodes = [];
  const initializer = [];
  const normalized = new Set(opts.normalizeInputs?.layers ?? []);
  let prev = ONNX_INPUT_NAME;
  for (const [i, layer] of network.layers.entries()) {
    if (opts.normalizeInputs && normalized.has(i)) {
      const n = normalizationNodes(layer, prev, opts.normalizeInputs.epsilon);
      nodes.push(...n.nodes);
      initializer.push(n.initializer);
      prev = n.out;
    }
    nodes.push(nodeFor(layer, prev));
    if (layer.kind === 'dense' || layer.kind === 'conv2d') {
      initializer.push(floatTensor(layer.weight.name, layer.weight.shape, layer.weight.value));
      initializer.push(floatTensor(layer.bias.name, layer.bias.shape, layer.bias.value));
    }
    prev = layer.name;
  }
  const shapes = layerShapes(network);
  const outputs = network.layers
    .map((l, i) => ({ l, shape: shapes[i] }))
    .filter(({ l }) => l.kind !== 'flatten')
    .map(({ l, shape }) => valueInfo(l.name, ['N', ...shape]));
  const model = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: opts.producer ?? 'concord-learning',
    docString: opts.docString ?? '',
    graph: {
      name: `concord-${network.arch}`,
      node: nodes,
      initializer,
      input: [valueInfo(ONNX_INPUT_NAME, ['N', ...network.inputShape])],
      output: outputs,
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Write files atomically (each to a temp file, then all renamed), so a failure leaves no partial output. */
export function writeFilesAtomic(files: { path: string; data: Uint8Array | string }[]): void {
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = join(dirname(f.path), `.${basename(f.path)}.${process.pid}.tmp`);
      writeFileSync(tmp, f.data);
      temps.push(tmp);
    }
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    const bad = files[temps.length]?.path ?? files[0]?.path;
    throw new ConcordError('ERR_LEARNING_OUTPUT', `${bad}: cannot write the output (${(e as Error).message})`, {
      file: bad,
    });
  }
  for (let i = 0; i < files.length; i++) renameSync(temps[i], files[i].path);
}
