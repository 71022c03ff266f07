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
 * architecture) over all of Fashion-MNIST, native backend, one BLAS thread: packages/learning/README.md "Full runs".
 * STDP's epoch is one pass of spiking presentations. A rule not listed counts as BP. Only the ratios matter.
 */
const SECONDS_PER_EPOCH: Readonly<Record<string, number>> = {
  bp: 12.5,
  fa: 12.5,
  dfa: 10.7,
  'sign-symmetry': 17.4,
  dtp: 25,
  'local-pred': 15,
  'local-sim': 18,
  'local-predsim': 20.7,
  'forward-forward': 21.7,
  'node-perturbation': 15.4,
  'forward-gradient': 30,
  'predictive-coding': 145,
  'predictive-coding-fpa': 145,
  'equilibrium-propagation': 33,
  oja: 12.5,
  'krotov-hopfield': 10,
  softhebb: 12.5,
  stdp: 860,
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
