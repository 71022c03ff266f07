/**
 * Oja's subspace rule / Sanger's generalised Hebbian algorithm as a rule: the hidden layer (identity units) learns
 * the principal subspace (Oja) or the ordered principal components (Sanger) of the centred inputs, then a linear
 * readout trains on it (hebbian-readout.ts). The input mean is a running mean over the Hebbian epochs, folded into
 * the hidden bias (b = −W·mean), so the exported network computes W·(x − mean) → readout.
 */

import { Matrix } from '@concord/core';
import type { UpdateRule } from '../rule.ts';
import { HEBBIAN_SCHEDULE_HYPER, hebbianWithReadout } from './hebbian-readout.ts';
import { ojaSangerIncrease } from './hebbian-updates.ts';

export const ojaRule: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'oja',
    family: 'Hebbian learning',
    variant: "Sanger's generalised Hebbian algorithm (Oja's subspace rule as an option) + linear readout",
    reference:
      'Oja 1982, A simplified neuron model as a principal component analyzer, J. Math. Biol. 15:267; Sanger 1989, Optimal unsupervised learning in a single-layer linear feedforward neural network, Neural Networks 2:459',
    // Hidden layer: no feedback weights, a purely local Hebbian update, one pass per sample. The readout is a
    // single supervised layer (a delta rule on local quantities).
    criteria: { asymmetricWeights: true, localErrors: true, singlePhase: true },
    architectures: ['mlp'],
    hyperParameters: {
      ...HEBBIAN_SCHEDULE_HYPER,
      hebbianEpochs: { ...HEBBIAN_SCHEDULE_HYPER.hebbianEpochs, default: 5 },
      hebbianRate: {
        default: 0.02,
        min: 0,
        max: 1,
        description: 'Hebbian learning rate η₀ (decays linearly over the Hebbian epochs)',
      },
      variant: {
        default: 'sanger',
        choices: ['sanger', 'oja'],
        description: "'sanger' (ordered components) or 'oja' (subspace)",
      },
    },
    training: { hidden: [64], activation: 'identity', epochs: 10, batch: 32, optimizer: 'adam', lr: 1e-2 },
    readout: 'linear readout (softmax cross-entropy) trained on the frozen Hebbian hidden layer',
  },
  create(setup) {
    return hebbianWithReadout(setup, 'oja', (stack) => {
      const w = stack.weights[0];
      const bias = stack.biases[0];
      const d = w.cols;
      const mean = new Float64Array(d);
      const seen = new Float64Array(1);
      // Small random start (the engine's init), as Oja/Sanger need no particular scale.
      return {
        update(x, rate, ctx) {
          // Running mean of the inputs, then the update on the centred batch.
          const n = x.rows;
          const total = seen[0] + n;
          for (let j = 0; j < d; j++) {
            let s = 0;
            for (let i = 0; i < n; i++) s += x.data[i * d + j];
            mean[j] += (s - n * mean[j]) / total;
          }
          seen[0] = total;
          const xc = Matrix.zeros(n, d, x.dtype);
          for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) xc.data[i * d + j] = x.data[i * d + j] - mean[j];
          const inc = ojaSangerIncrease(w, xc, ctx.hyper.variant === 'oja' ? 'oja' : 'sanger').data;
          for (let i = 0; i < inc.length; i++) w.data[i] += rate * inc[i];
          for (let k = 0; k < w.rows; k++) {
            let s = 0;
            for (let j = 0; j < d; j++) s += w.data[k * d + j] * mean[j];
            bias[k] = -s;
          }
        },
        saveState: () => ({ mean: Float64Array.from(mean), seen: Float64Array.from(seen) }),
        loadState(s) {
          if (s.mean) mean.set(s.mean);
          if (s.seen) seen.set(s.seen);
        },
      };
    });
  },
};
