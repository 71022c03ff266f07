/**
 * Which networks a plan starts first. With N workers a study's wall time is at least its longest network's training,
 * and a long network started last leaves the other workers idle at the end; starting the costliest first (longest
 * processing time first, Graham 1969) keeps that tail short. The estimate only orders the plan's items: it changes
 * no item, key or byte.
 */
import { getRule, resolveTraining } from '@concord/learning';
import type { PlannedNetwork } from './load-study.ts';

/**
 * Seconds per epoch of each rule on the full profile's network (MLP 784-1024-512-256-10, or the rule's own default
 * architecture) over all 60,000 Fashion-MNIST training images, native backend, one BLAS thread, two workers sharing
 * the 2 cores: measured by the full profile's seed 0 (`--seeds 0`, 2026-12-03; pipeline README). STDP's epoch is one
 * pass of spiking presentations; local-sim and the PC variant were not in that run (their siblings' values). A rule
 * not listed counts as BP. Only the ratios matter.
 */
const SECONDS_PER_EPOCH: Readonly<Record<string, number>> = {
  bp: 10.9,
  fa: 10.7,
  dfa: 9.5,
  'sign-symmetry': 16.5,
  dtp: 35.7,
  'local-pred': 10.4,
  'local-sim': 22.4,
  'local-predsim': 22.4,
  'forward-forward': 28.3,
  'node-perturbation': 17,
  'forward-gradient': 29.7,
  'predictive-coding': 153,
  'predictive-coding-fpa': 153,
  'equilibrium-propagation': 27.4,
  oja: 0.64,
  'krotov-hopfield': 9.7,
  softhebb: 3.4,
  stdp: 598,
};

/** Training images of a full pass, for networks trained on a subset (`limitTrain`). */
const FULL_PASS_IMAGES = 60_000;

/** Estimated seconds of training one network (epochs × seconds per epoch, scaled by `limitTrain`). */
export function estimatedTrainingSeconds(n: PlannedNetwork): number {
  const epochs = n.epochs ?? resolveTraining(getRule(n.rule).declaration, {}).epochs;
  const perEpoch = SECONDS_PER_EPOCH[n.rule] ?? SECONDS_PER_EPOCH.bp;
  const share = n.limitTrain !== undefined ? Math.min(1, n.limitTrain / FULL_PASS_IMAGES) : 1;
  return epochs * (perEpoch ?? 1) * share;
}

/** The networks, costliest first (stable: equal estimates keep the study's order). */
export function costliestFirst(networks: readonly PlannedNetwork[]): PlannedNetwork[] {
  return networks
    .map((n, i) => ({ n, i, cost: estimatedTrainingSeconds(n) }))
    .sort((a, b) => b.cost - a.cost || a.i - b.i)
    .map((x) => x.n);
}
