/**
 * The view the settling and Hebbian rules take of an MLP: its dense layers as matrices sharing memory with the
 * params (W out×in), the hidden nonlinearity, and batch helpers (inputs as a matrix, one-hot targets, writing an
 * update into a param's grad).
 */
import { allocate, type FloatArray, Matrix, ParameterError } from '@concord/core';
import type { DenseLayer, Network, Param } from '../network.ts';
import type { Batch } from '../rule.ts';
import type { Tensor } from '../tensor.ts';
import { checkPointwise, type PointwiseName } from './pointwise.ts';

export interface DenseStackView {
  readonly layers: readonly DenseLayer[];
  readonly weights: readonly Matrix[];
  readonly biases: readonly FloatArray[];
  readonly hidden: PointwiseName;
}

/** The MLP as dense layers with one elementwise hidden activation; anything else is refused naming the rule. */
export function denseStack(network: Network, rule: string): DenseStackView {
  const layers: DenseLayer[] = [];
  let hidden: PointwiseName | undefined;
  for (const l of network.layers) {
    if (l.kind === 'dense') layers.push(l);
    else if (l.kind === 'activation') {
      const fn = checkPointwise(l.fn);
      if (hidden && hidden !== fn)
        throw new ParameterError(
          'ERR_LEARNING_ARCH_UNSUPPORTED',
          'activation',
          `${rule} needs one hidden activation; the network has ${hidden} and ${fn}`,
        );
      hidden = fn;
    } else if (l.kind !== 'flatten')
      throw new ParameterError(
        'ERR_LEARNING_ARCH_UNSUPPORTED',
        'arch',
        `${rule} runs on dense layers (the MLP); layer '${l.name}' is ${l.kind}`,
      );
  }
  return {
    layers,
    weights: layers.map((l) => new Matrix(l.outFeatures, l.inFeatures, l.weight.value)),
    biases: layers.map((l) => l.bias.value),
    hidden: hidden ?? 'identity',
  };
}

/** A batch's inputs (or any [N, ...] tensor) as an N×features matrix sharing memory. */
export function asMatrix(t: Tensor): Matrix {
  const n = t.shape[0];
  return new Matrix(n, n === 0 ? 0 : t.data.length / n, t.data);
}

/** One-hot targets (with label smoothing ε: (1 − ε)·onehot + ε/K, PyTorch's convention) in the batch's dtype. */
export function oneHot(batch: Batch, nClasses: number, smoothing = 0): Matrix {
  const n = batch.labels.length;
  const y = new Matrix(
    n,
    nClasses,
    allocate(batch.x.data instanceof Float32Array ? 'float32' : 'float64', n * nClasses),
  );
  for (let i = 0; i < n; i++)
    for (let j = 0; j < nClasses; j++)
      y.data[i * nClasses + j] = (j === batch.labels[i] ? 1 - smoothing : 0) + smoothing / nClasses;
  return y;
}

/** grad += values (the engine hands grads in zeroed). */
export function addToGrad(param: Param, values: ArrayLike<number>): void {
  const g = param.grad;
  for (let i = 0; i < g.length; i++) g[i] += values[i];
}

/** A tensor over a matrix's data. */
export function asTensor(m: Matrix): Tensor {
  return { data: m.data, shape: [m.rows, m.cols] };
}
