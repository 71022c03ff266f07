/**
 * Direct feedback alignment (Nøkland 2016): the output error e = dL/d(logits) goes straight to every hidden block
 * through a fixed random matrix B_l (classes × units of the block's activation): δ_l = (e·B_l) ⊙ f'(a_l), then
 * ΔW_l ∝ δ_lᵀ·x_l. The output layer learns from e itself. In convolutional blocks the signal enters at the
 * activation's output (before pooling) and reaches the kernels through the activation's derivative. B_l is uniform in
 * ±1/sqrt(classes), fixed, regenerated from the seed on resume.
 */
import type { FloatArray } from '@concord/core';
import { blocks } from '../network.ts';
import type { UpdateRule } from '../rule.ts';
import { injectionLayer, outputError, uniformArray, unitsOf } from './common.ts';

export const dfa: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'dfa',
    family: 'feedback alignment',
    variant: 'DFA',
    reference:
      'Nøkland 2016, Direct feedback alignment provides learning in deep neural networks, NeurIPS (arXiv:1609.01596)',
    criteria: { asymmetricWeights: true, localErrors: false, singlePhase: false },
    architectures: ['mlp', 'cnn'],
    hyperParameters: {},
  },
  create(ctx) {
    const net = ctx.network;
    const k = net.nClasses;
    const hidden = blocks(net).slice(0, -1);
    const feedback = new Map<number, FloatArray>();
    for (const b of hidden) {
      const units = unitsOf(net, injectionLayer(net, b.param));
      feedback.set(b.param, uniformArray(b.layer.weight.value, k * units, 1 / Math.sqrt(k), ctx.rng));
    }
    return {
      auxParams: [],
      /** Exposed for tests: B_l per hidden block (keyed by the block's parametric layer), classes × units. */
      feedback,
      step(s) {
        const { value, grad: e } = outputError(s);
        const n = e.shape[0];
        const all = blocks(s.network);
        const out = all[all.length - 1];
        // Output block: its ordinary gradient from e (layers from the logits down to its parametric layer).
        s.ops.backward(s.network, s.forward, e, { to: out.param, input: false });
        for (const b of hidden) {
          const at = injectionLayer(s.network, b.param);
          const shape = s.forward.outputs[at].shape;
          const units = unitsOf(s.network, at);
          const bl = feedback.get(b.param) as FloatArray;
          const g = e.data instanceof Float32Array ? new Float32Array(n * units) : new Float64Array(n * units);
          s.ops.gemm(e.data, bl, g, n, units, k, false, false);
          s.ops.backward(s.network, s.forward, { data: g, shape }, { from: at, to: b.param, input: false });
        }
        return { loss: value };
      },
    };
  },
};
