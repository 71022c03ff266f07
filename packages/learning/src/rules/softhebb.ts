/**
 * SoftHebb (Moraitis et al. 2022; Journé et al. 2023) as a rule: a soft winner-take-all hidden layer learns without
 * labels (hebbian-updates.ts, softHebbIncrease), from weights on the unit sphere, with a linearly decaying rate;
 * then it is frozen and a linear readout trains on relu(W·x) (hebbian-readout.ts). Journé et al.'s deep version
 * (soft anti-Hebbian plasticity for non-winners, triangle activations, convolutions) is not implemented.
 */
import type { UpdateRule } from '../rule.ts';
import { HEBBIAN_SCHEDULE_HYPER, hebbianWithReadout } from './hebbian-readout.ts';
import { softHebbIncrease } from './hebbian-updates.ts';

export const softHebbRule: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'softhebb',
    family: 'Hebbian learning',
    variant: 'soft winner-take-all (SoftHebb) + linear readout',
    reference:
      'Moraitis et al. 2022, SoftHebb: Bayesian inference in unsupervised Hebbian soft winner-take-all networks, Neuromorph. Comput. Eng. 2:044017; Journé et al. 2023, Hebbian deep learning without feedback, ICLR',
    criteria: { asymmetricWeights: true, localErrors: true, singlePhase: true },
    architectures: ['mlp'],
    hyperParameters: {
      ...HEBBIAN_SCHEDULE_HYPER,
      hebbianEpochs: { ...HEBBIAN_SCHEDULE_HYPER.hebbianEpochs, default: 5 },
      hebbianRate: { default: 0.05, min: 0, max: 10, description: 'Hebbian learning rate η₀ (decays linearly)' },
      temperature: { default: 0.1, min: 1e-6, max: 1e6, description: 'softmax temperature τ of the soft competition' },
    },
    training: { hidden: [1000], activation: 'relu', epochs: 10, batch: 100, optimizer: 'adam', lr: 1e-2 },
    readout: 'linear readout (softmax cross-entropy) trained on relu of the frozen soft-WTA hidden layer',
  },
  create(setup) {
    return hebbianWithReadout(setup, 'softhebb', (stack) => {
      const w = stack.weights[0];
      setup.rng.fillNormal(w.data);
      for (let u = 0; u < w.rows; u++) {
        let norm = 0;
        for (let i = 0; i < w.cols; i++) norm += w.data[u * w.cols + i] ** 2;
        const scale = 1 / Math.sqrt(norm);
        for (let i = 0; i < w.cols; i++) w.data[u * w.cols + i] *= scale;
      }
      stack.biases[0].fill(0);
      return {
        update(x, rate, ctx) {
          const inc = softHebbIncrease(w, x, Number(ctx.hyper.temperature)).data;
          for (let i = 0; i < inc.length; i++) w.data[i] += rate * inc[i];
        },
      };
    });
  },
};
