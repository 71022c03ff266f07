/**
 * Sign symmetry, uniform sign-concordant feedback (uSF; Liao, Leibo & Poggio 2016): the error travels backward
 * through sign(W_l), recomputed from the current forward weights at every step: feedback shares the forward weights'
 * signs but not their magnitudes. `scale: 'mean-abs'` multiplies sign(W) by mean|W| (the batch-manhattan-free
 * scaling some reproductions use); the reference's uSF is unscaled (the default).
 */
import type { FloatArray } from '@concord/core';
import { isParametric } from '../network.ts';
import type { UpdateRule } from '../rule.ts';
import { outputError } from './common.ts';

export function signFeedback(w: FloatArray, scale: 'none' | 'mean-abs', into?: FloatArray): FloatArray {
  const out = into ?? (w instanceof Float32Array ? new Float32Array(w.length) : new Float64Array(w.length));
  let s = 1;
  if (scale === 'mean-abs') {
    s = 0;
    for (let i = 0; i < w.length; i++) s += Math.abs(w[i]);
    s /= Math.max(1, w.length);
  }
  for (let i = 0; i < w.length; i++) out[i] = w[i] > 0 ? s : w[i] < 0 ? -s : 0;
  return out;
}

export const signSymmetry: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'sign-symmetry',
    family: 'feedback alignment',
    variant: 'uSF',
    reference:
      'Liao, Leibo & Poggio 2016, How important is weight symmetry in backpropagation?, AAAI (arXiv:1510.05067)',
    criteria: { asymmetricWeights: true, localErrors: false, singlePhase: false },
    architectures: ['mlp', 'cnn'],
    hyperParameters: {
      scale: { default: 'none', choices: ['none', 'mean-abs'], description: 'scaling of sign(W) (uSF: none)' },
    },
  },
  create(ctx) {
    const scale = ctx.hyper.scale === 'mean-abs' ? 'mean-abs' : 'none';
    const buffers = new Map<number, FloatArray>();
    return {
      auxParams: [],
      step(s) {
        const { value, grad } = outputError(s);
        s.ops.backward(s.network, s.forward, grad, {
          feedback: (i) => {
            const layer = s.network.layers[i];
            if (!isParametric(layer)) return undefined;
            const b = signFeedback(layer.weight.value, scale, buffers.get(i));
            buffers.set(i, b);
            return b;
          },
        });
        return { loss: value };
      },
    };
  },
};
