/**
 * The network a learning rule trains: an ordered list of layers (parametric: dense, conv2d; non-parametric:
 * activation, pooling, flatten) whose parameters are `Param`s, and the forward state of a batch (every layer's
 * output, which is what rules read and what ONNX export names).
 *
 * A "block" is a parametric layer with the non-parametric layers after it up to the next parametric layer (dense →
 * tanh, or conv → relu → pool): the unit that FA/DFA/local rules call "layer l". `blocks(network)` lists them.
 */
import type { DType, FloatArray } from '@concord/core';
import type { Tensor } from './tensor.ts';

/** One trainable array. `grad` has the value's shape; rules write the descent direction into it. */
export interface Param {
  /** Stable name, used in checkpoints and ONNX initialisers: e.g. 'fc1.weight', 'fa.B2'. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: FloatArray;
  readonly grad: FloatArray;
  /** False freezes it (the optimiser skips it, moments included), e.g. a Hebbian layer while its readout trains. */
  trainable: boolean;
}

export type ActivationName = 'tanh' | 'relu' | 'leaky-relu' | 'hard-sigmoid' | 'sigmoid' | 'softmax' | 'identity';
export const ACTIVATION_NAMES: readonly ActivationName[] = [
  'tanh',
  'relu',
  'leaky-relu',
  'hard-sigmoid',
  'sigmoid',
  'softmax',
  'identity',
];

/** y = x·Wᵀ + b; weight is out×in (PyTorch's layout), bias has out entries. */
export interface DenseLayer {
  readonly kind: 'dense';
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Param;
  readonly bias: Param;
}

/** Cross-correlation as in PyTorch/ONNX Conv; weight is outC×inC×k×k. Input [N, inC, H, W]. */
export interface Conv2dLayer {
  readonly kind: 'conv2d';
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  /** Input spatial size [H, W] (fixed by the architecture); output size follows. */
  readonly inSize: readonly [number, number];
  readonly outSize: readonly [number, number];
  readonly weight: Param;
  readonly bias: Param;
}

export interface ActivationLayer {
  readonly kind: 'activation';
  readonly name: string;
  readonly fn: ActivationName;
  /** Negative slope of leaky ReLU (default 0.01). */
  readonly slope?: number;
}

export interface PoolLayer {
  readonly kind: 'maxpool' | 'avgpool';
  readonly name: string;
  readonly size: number;
  readonly stride: number;
  readonly channels: number;
  readonly inSize: readonly [number, number];
  readonly outSize: readonly [number, number];
}

/** [N, C, H, W] → [N, C·H·W] (no copy). */
export interface FlattenLayer {
  readonly kind: 'flatten';
  readonly name: string;
}

export type ParametricLayer = DenseLayer | Conv2dLayer;
export type Layer = ParametricLayer | ActivationLayer | PoolLayer | FlattenLayer;

export type ArchitectureName = 'mlp' | 'cnn';
export const ARCHITECTURE_NAMES: readonly ArchitectureName[] = ['mlp', 'cnn'];

export interface Network {
  readonly arch: ArchitectureName;
  /** Shape of one sample: [features] for an MLP, [C, H, W] for a CNN. */
  readonly inputShape: readonly number[];
  readonly nClasses: number;
  readonly layers: readonly Layer[];
  readonly dtype: DType;
}

/** The forward pass of one batch: `outputs[i]` is the output of `layers[i]`; the last is the logits. */
export interface ForwardState {
  readonly input: Tensor;
  readonly outputs: Tensor[];
  /** Per-layer values a backward step needs (max-pool argmax, conv im2col columns); opaque to rules. */
  readonly caches: unknown[];
}

/** A parametric layer and the non-parametric layers following it. */
export interface Block {
  /** Index of the parametric layer in `network.layers`. */
  readonly param: number;
  /** Index of the block's last layer (its output is the block's post-activation). */
  readonly last: number;
  readonly layer: ParametricLayer;
}

export function isParametric(layer: Layer): layer is ParametricLayer {
  return layer.kind === 'dense' || layer.kind === 'conv2d';
}

export function blocks(network: Network): Block[] {
  const out: Block[] = [];
  network.layers.forEach((layer, i) => {
    if (isParametric(layer)) {
      const prev = out.at(-1);
      if (prev) out[out.length - 1] = { ...prev, last: i - 1 };
      out.push({ param: i, last: network.layers.length - 1, layer });
    }
  });
  return out;
}

/** Every parameter of the network, in layer order (weight then bias). */
export function networkParams(network: Network): Param[] {
  const out: Param[] = [];
  for (const l of network.layers) if (isParametric(l)) out.push(l.weight, l.bias);
  return out;
}

/** The input of layer i in a forward state. */
export function layerInput(state: ForwardState, i: number): Tensor {
  return i === 0 ? state.input : state.outputs[i - 1];
}

/** The logits (last layer's output). */
export function logitsOf(state: ForwardState): Tensor {
  return state.outputs[state.outputs.length - 1];
}

/** A zero-initialised parameter (rules create their own: feedback matrices, inverses, local classifiers). */
export function createParam(name: string, shape: readonly number[], dtype: DType, trainable = true): Param {
  let n = 1;
  for (const d of shape) n *= d;
  const value = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  const grad = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  return { name, shape: [...shape], value, grad, trainable };
}
