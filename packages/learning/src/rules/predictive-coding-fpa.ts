/**
 * Predictive coding under the fixed-prediction assumption (Millidge, Tschantz & Buckley 2020): predictions, their
 * Jacobians and the presynaptic activities stay at the feedforward pass during inference, so the converged errors
 * are BP's deltas (checked in predictive-coding-inference.test.ts).
 */
import type { UpdateRule } from '../rule.ts';
import { fixedPredictionRule, PC_HYPER } from './predictive-coding.ts';

export const predictiveCodingFpaRule: UpdateRule = fixedPredictionRule({
  name: 'predictive-coding-fpa',
  family: 'predictive coding',
  variant: 'fixed prediction assumption',
  reference:
    'Millidge, Tschantz & Buckley 2020, Predictive coding approximates backprop along arbitrary computation graphs, arXiv:2006.04182',
  criteria: { asymmetricWeights: false, localErrors: true, singlePhase: false },
  architectures: ['mlp'],
  hyperParameters: PC_HYPER,
  training: { optimizer: 'adam', lr: 1e-3, batch: 128, epochs: 20 },
});
