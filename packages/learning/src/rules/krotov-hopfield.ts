/**
 * Krotov & Hopfield 2019 competing hidden units as a rule: the hidden layer learns without labels (p-norm currents,
 * the strongest unit Hebbian, the k-th anti-Hebbian; hebbian-updates.ts), from N(0, 1) weights and no bias as in the
 * authors' code, with ε₀ decaying linearly; then it is frozen and a linear readout trains on relu(W·v)
 * (hebbian-readout.ts). Deviation: the paper's readout uses relu(W·v)^n with n up to 4.5 and a tanh/power loss; the
 * engine's layers have no power unit, so n = 1 and softmax cross-entropy (README).
 */
import type { UpdateRule } from '../rule.ts';
import { HEBBIAN_SCHEDULE_HYPER, hebbianWithReadout } from './hebbian-readout.ts';
import { krotovHopfieldIncrease } from './hebbian-updates.ts';

export const krotovHopfieldRule: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'krotov-hopfield',
    family: 'Hebbian learning',
    variant: 'competing hidden units + linear readout',
    reference: 'Krotov & Hopfield 2019, Unsupervised learning by competing hidden units, PNAS 116:7723',
    criteria: { asymmetricWeights: true, localErrors: true, singlePhase: true },
    architectures: ['mlp'],
    hyperParameters: {
      ...HEBBIAN_SCHEDULE_HYPER,
      hebbianRate: {
        default: 0.02,
        min: 0,
        max: 1,
        description: 'ε₀: the largest synapse change per batch (decays linearly)',
      },
      p: { default: 3, min: 1, max: 100, description: 'Lebesgue norm p of the synapses' },
      rank: {
        default: 7,
        min: 1,
        max: 100000,
        description: 'rank k of the unit that receives the anti-Hebbian update',
      },
      delta: { default: 0.4, min: 0, max: 10, description: 'strength Δ of the anti-Hebbian update' },
      init: {
        default: 'normal',
        choices: ['normal', 'unit-norm'],
        description:
          "initial synapses: 'normal' N(0, 1) as in the authors' code; 'unit-norm' the same scaled to unit p-norm (collapses: one unit wins every image)",
      },
    },
    training: { hidden: [2000], activation: 'relu', epochs: 30, batch: 100, optimizer: 'adam', lr: 1e-2 },
    readout: 'linear readout (softmax cross-entropy) trained on relu of the frozen unsupervised hidden layer',
  },
  create(setup) {
    return hebbianWithReadout(setup, 'krotov-hopfield', (stack) => {
      const w = stack.weights[0];
      // N(0, 1) as in the authors' code. Its large norm (‖W_μ‖₃ ≈ 11) is what keeps the competition open: a winner's
      // −I·W term, with I large, shrinks it, so other units win other images. Starting on the unit p-sphere (the
      // dynamics' fixed point; init 'unit-norm') removes that brake: the first winner moves to the mean image and
      // wins every image, the others are only ever pushed away as k-th ranked (Fashion-MNIST: one winner after an
      // epoch, 25.7 % readout accuracy on the full set). Kept as an option to show the failure.
      setup.rng.fillNormal(w.data);
      const p = Number(setup.hyper.p);
      for (let u = 0; setup.hyper.init === 'unit-norm' && u < w.rows; u++) {
        let norm = 0;
        for (let i = 0; i < w.cols; i++) norm += Math.abs(w.data[u * w.cols + i]) ** p;
        const scale = 1 / norm ** (1 / p);
        for (let i = 0; i < w.cols; i++) w.data[u * w.cols + i] *= scale;
      }
      stack.biases[0].fill(0);
      return {
        update(x, rate, ctx) {
          const { increase } = krotovHopfieldIncrease(w, x, {
            p: Number(ctx.hyper.p),
            rank: Number(ctx.hyper.rank),
            delta: Number(ctx.hyper.delta),
          });
          const inc = increase.data;
          for (let i = 0; i < inc.length; i++) w.data[i] += rate * inc[i];
        },
      };
    });
  },
};
