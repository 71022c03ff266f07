/**
 * The study's architectures: the MLP (default 784-1024-512-256-10, tanh hidden units: the default MLP of Lv et al.'s
 * follow-up work) and a LeNet-5-shaped CNN (conv 5×5×6, pool 2, conv 5×5×16, pool 2, 120, 84, classes; no padding,
 * so 28×28 inputs give 16·4·4 = 256 features and 32×32 inputs 16·5·5 = 400). Initialisation is PyTorch's default
 * for nn.Linear/nn.Conv2d (weights and biases uniform in ±1/sqrt(fan_in)), so the PyTorch reference and the
 * benchmarks start from the same distribution.
 */
import { ConcordRangeError, convOutputSize, type DType, ParameterError, type Rng } from '@concord/core';
import {
  type ActivationName,
  type ArchitectureName,
  type Conv2dLayer,
  createParam,
  type DenseLayer,
  type Layer,
  type Network,
  type PoolLayer,
} from './network.ts';

export const DEFAULT_MLP_HIDDEN: readonly number[] = [1024, 512, 256];

export interface ArchitectureOptions {
  arch: ArchitectureName;
  /** One sample: [C, H, W]. The MLP flattens it. */
  imageShape: readonly [number, number, number];
  nClasses: number;
  hidden?: readonly number[];
  activation?: ActivationName;
  dtype?: DType;
  rng: Rng;
}

function fillUniform(a: Float32Array | Float64Array, bound: number, rng: Rng): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-bound, bound);
}

export function denseLayer(name: string, inF: number, outF: number, dtype: DType, rng: Rng): DenseLayer {
  const weight = createParam(`${name}.weight`, [outF, inF], dtype);
  const bias = createParam(`${name}.bias`, [outF], dtype);
  const bound = 1 / Math.sqrt(inF);
  fillUniform(weight.value, bound, rng);
  fillUniform(bias.value, bound, rng);
  return { kind: 'dense', name, inFeatures: inF, outFeatures: outF, weight, bias };
}

export function conv2dLayer(
  name: string,
  inC: number,
  outC: number,
  kernel: number,
  inSize: readonly [number, number],
  dtype: DType,
  rng: Rng,
  stride = 1,
  padding = 0,
): Conv2dLayer {
  const outSize: [number, number] = [
    convOutputSize(inSize[0], kernel, stride, padding),
    convOutputSize(inSize[1], kernel, stride, padding),
  ];
  const weight = createParam(`${name}.weight`, [outC, inC, kernel, kernel], dtype);
  const bias = createParam(`${name}.bias`, [outC], dtype);
  const bound = 1 / Math.sqrt(inC * kernel * kernel);
  fillUniform(weight.value, bound, rng);
  fillUniform(bias.value, bound, rng);
  return {
    kind: 'conv2d',
    name,
    inChannels: inC,
    outChannels: outC,
    kernel,
    stride,
    padding,
    inSize: [inSize[0], inSize[1]],
    outSize,
    weight,
    bias,
  };
}

export function poolLayer(
  name: string,
  kind: 'maxpool' | 'avgpool',
  channels: number,
  size: number,
  inSize: readonly [number, number],
): PoolLayer {
  const outSize: [number, number] = [
    Math.floor((inSize[0] - size) / size) + 1,
    Math.floor((inSize[1] - size) / size) + 1,
  ];
  return { kind, name, size, stride: size, channels, inSize: [inSize[0], inSize[1]], outSize };
}

export function buildNetwork(opts: ArchitectureOptions): Network {
  const dtype = opts.dtype ?? 'float32';
  const act = opts.activation ?? 'tanh';
  const [c, h, w] = opts.imageShape;
  const layers: Layer[] = [];
  if (opts.arch === 'mlp') {
    const sizes = [c * h * w, ...(opts.hidden ?? DEFAULT_MLP_HIDDEN), opts.nClasses];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(denseLayer(`fc${i + 1}`, sizes[i], sizes[i + 1], dtype, opts.rng));
      if (i + 2 < sizes.length) layers.push({ kind: 'activation', name: `fc${i + 1}_${act}`, fn: act });
    }
    return { arch: 'mlp', inputShape: [c * h * w], nClasses: opts.nClasses, layers, dtype };
  }
  if (opts.arch === 'cnn') {
    const conv1 = conv2dLayer('conv1', c, 6, 5, [h, w], dtype, opts.rng);
    if (conv1.outSize[0] < 2 || conv1.outSize[1] < 2)
      throw new ConcordRangeError(
        'ERR_LEARNING_INPUT_SIZE',
        `cnn: images of ${c}×${h}×${w} are too small for LeNet-5 (5×5 convolutions, 2×2 pools; needs at least 16×16)`,
        { received: [c, h, w] },
      );
    const pool1 = poolLayer('pool1', 'maxpool', 6, 2, conv1.outSize);
    const conv2 = conv2dLayer('conv2', 6, 16, 5, pool1.outSize, dtype, opts.rng);
    if (conv2.outSize[0] < 2 || conv2.outSize[1] < 2)
      throw new ConcordRangeError(
        'ERR_LEARNING_INPUT_SIZE',
        `cnn: images of ${c}×${h}×${w} are too small for LeNet-5 (5×5 convolutions, 2×2 pools; needs at least 16×16)`,
        { received: [c, h, w] },
      );
    const pool2 = poolLayer('pool2', 'maxpool', 16, 2, conv2.outSize);
    const flat = 16 * pool2.outSize[0] * pool2.outSize[1];
    layers.push(
      conv1,
      { kind: 'activation', name: `conv1_${act}`, fn: act },
      pool1,
      conv2,
      { kind: 'activation', name: `conv2_${act}`, fn: act },
      pool2,
      { kind: 'flatten', name: 'flatten' },
      denseLayer('fc1', flat, 120, dtype, opts.rng),
      { kind: 'activation', name: `fc1_${act}`, fn: act },
      denseLayer('fc2', 120, 84, dtype, opts.rng),
      { kind: 'activation', name: `fc2_${act}`, fn: act },
      denseLayer('fc3', 84, opts.nClasses, dtype, opts.rng),
    );
    return { arch: 'cnn', inputShape: [c, h, w], nClasses: opts.nClasses, layers, dtype };
  }
  throw new ParameterError('ERR_LEARNING_UNKNOWN_ARCH', 'arch', `unknown architecture '${opts.arch}'; valid: mlp, cnn`);
}
