/**
 * Elementwise hidden-unit nonlinearities and their derivatives for the settle loops, which need f(v) and f'(v)
 * at value nodes that are not a forward pass's outputs (so the engine's activation layers cannot be reused there).
 * Definitions match the engine's activation layers (hard sigmoid: clip(x, 0, 1) as in Laborieux et al. 2021).
 */
import { allocate, type FloatArray, ParameterError } from '@concord/core';

export type PointwiseName = 'tanh' | 'relu' | 'leaky-relu' | 'sigmoid' | 'hard-sigmoid' | 'identity';
export const POINTWISE_NAMES: readonly PointwiseName[] = [
  'tanh',
  'relu',
  'leaky-relu',
  'sigmoid',
  'hard-sigmoid',
  'identity',
];

const LEAK = 0.01;

export function checkPointwise(name: string): PointwiseName {
  if ((POINTWISE_NAMES as readonly string[]).includes(name)) return name as PointwiseName;
  throw new ParameterError(
    'ERR_LEARNING_ACTIVATION',
    'activation',
    `a settling rule needs an elementwise hidden activation, one of ${POINTWISE_NAMES.join(', ')}; received '${name}'`,
  );
}

/** y = f(x), a new array of x's dtype. */
export function applyPointwise(name: PointwiseName, x: FloatArray): FloatArray {
  const y = allocate(x instanceof Float32Array ? 'float32' : 'float64', x.length);
  switch (name) {
    case 'tanh':
      for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
      break;
    case 'relu':
      for (let i = 0; i < x.length; i++) y[i] = Math.max(x[i], 0);
      break;
    case 'leaky-relu':
      for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : LEAK * x[i];
      break;
    case 'sigmoid':
      for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
      break;
    case 'hard-sigmoid':
      for (let i = 0; i < x.length; i++) y[i] = x[i] < 0 ? 0 : Math.min(x[i], 1);
      break;
    case 'identity':
      y.set(x);
      break;
  }
  return y;
}

/** g ⊙ f'(x), in place into g (x is the pre-activation; fx = f(x) when known, used for tanh). */
export function multiplyByDerivative(name: PointwiseName, x: FloatArray, g: FloatArray, fx?: FloatArray): void {
  switch (name) {
    case 'tanh':
      if (fx) {
        for (let i = 0; i < x.length; i++) g[i] *= 1 - fx[i] * fx[i];
        break;
      }
      for (let i = 0; i < x.length; i++) {
        const t = Math.tanh(x[i]);
        g[i] *= 1 - t * t;
      }
      break;
    case 'relu':
      for (let i = 0; i < x.length; i++) if (!(x[i] > 0)) g[i] = 0;
      break;
    case 'leaky-relu':
      for (let i = 0; i < x.length; i++) if (!(x[i] > 0)) g[i] *= LEAK;
      break;
    case 'sigmoid':
      for (let i = 0; i < x.length; i++) {
        const s = 1 / (1 + Math.exp(-x[i]));
        g[i] *= s * (1 - s);
      }
      break;
    case 'hard-sigmoid':
      for (let i = 0; i < x.length; i++) if (!(x[i] > 0 && x[i] < 1)) g[i] = 0;
      break;
    case 'identity':
      break;
  }
}
