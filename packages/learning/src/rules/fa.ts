/**
 * Feedback alignment (Lillicrap, Cownden, Tweed & Akerman 2016): the error travels backward through fixed random
 * matrices B_l (one per parametric layer, the shape of W_l) instead of W_lᵀ. B_l is drawn uniform in ±1/sqrt(fan_in),
 * the forward weights' own initial distribution; it never changes and is regenerated from the seed on resume.
 */
import type { FloatArray } from '@concord/core';
import { isParametric } from '../network.ts';
import type { UpdateRule } from '../rule.ts';
import { outputError, uniformArray } from './common.ts';

export const fa: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'fa',
    family: 'feedback alignment',
    variant: 'FA',
    reference:
      'Lillicrap, Cownden, Tweed & Akerman 2016, Random synaptic feedback weights support error backpropagation for deep learning, Nat. Commun. 7:13276',
    criteria: { asymmetricWeights: true, localErrors: false, singlePhase: false },
    architectures: ['mlp', 'cnn'],
    hyperParameters: {},
  },
  create(ctx) {
    const feedback = new Map<number, FloatArray>();
    ctx.network.layers.forEach((layer, i) => {
      if (!isParametric(layer)) return;
      const fanIn = layer.weight.value.length / layer.weight.shape[0];
      feedback.set(i, uniformArray(layer.weight.value, layer.weight.value.length, 1 / Math.sqrt(fanIn), ctx.rng));
    });
    return {
      auxParams: [],
      /** Exposed for tests (FA with B = W reproduces BP). */
      feedback,
      step(s) {
        const { value, grad } = outputError(s);
        s.ops.backward(s.network, s.forward, grad, { feedback: (i) => feedback.get(i) });
        return { loss: value };
      },
    };
  },
};
