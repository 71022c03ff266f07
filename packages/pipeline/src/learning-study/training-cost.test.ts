/**
 * The plan starts the costliest training first: on the full profile of the shipped study, greedy scheduling of the
 * plan's order on 2 workers stays within Graham's LPT bound and is no worse than the study file's order, and the
 * reordering changes only the order of the items, never a network's item nor a random baseline's.
 */
import { repoPath } from '@concord/core/testing';
import { debianFashionMnistDir } from '@concord/learning';
import { describe, expect, it } from 'vitest';
import { loadLearningStudy, type PlannedNetwork } from './load-study.ts';
import { planLearningStudy } from './plan-study.ts';
import { costliestFirst, estimatedTrainingSeconds } from './training-cost.ts';

/** Wall time of list scheduling: each job goes to the worker that frees up first, in the given order. */
function makespan(costs: number[], workers: number): number {
  const free = new Array<number>(workers).fill(0);
  for (const c of costs) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] ?? 0) + c;
  }
  return Math.max(...free);
}

const net = (rule: string, over: Partial<PlannedNetwork> = {}): PlannedNetwork =>
  ({ id: `${rule}/seed-0`, name: rule, rule, seed: 0, epochs: 10, hyper: {}, training: {}, ...over }) as PlannedNetwork;

describe('training cost estimate', () => {
  it('scales with epochs and with the share of the training set; the rule default applies without epochs', () => {
    expect(estimatedTrainingSeconds(net('bp', { epochs: 20 }))).toBeCloseTo(2 * estimatedTrainingSeconds(net('bp')));
    expect(estimatedTrainingSeconds(net('bp', { limitTrain: 6000 }))).toBeCloseTo(
      estimatedTrainingSeconds(net('bp')) / 10,
    );
    const { epochs: _e, ...noEpochs } = net('bp');
    expect(estimatedTrainingSeconds(noEpochs as PlannedNetwork)).toBeGreaterThan(0);
    // an unknown (user-registered) rule counts as BP
    expect(estimatedTrainingSeconds(net('bp'))).toBe(estimatedTrainingSeconds({ ...net('bp'), rule: 'x' }));
  });

  it('orders costliest first, equal estimates in the study order', () => {
    const nets = [net('bp', { id: 'a' }), net('predictive-coding'), net('bp', { id: 'b' })];
    expect(costliestFirst(nets).map((n) => n.id)).toEqual(['predictive-coding/seed-0', 'a', 'b']);
  });
});

const fashion = debianFashionMnistDir() !== null;
describe.skipIf(!fashion)(
  `the full profile's plan${fashion ? '' : ' (skipped: Debian dataset-fashion-mnist is not installed)'}`,
  () => {
    it('puts the longest training first: within LPT’s bound on 2 workers, and no worse than the file’s order', () => {
      const study = loadLearningStudy(repoPath('data/studies/learning-rules.yaml'), { profile: 'full' });
      const plan = planLearningStudy(study);
      const byId = new Map(study.networks.map((n) => [`train/${n.id}`, n]));
      const planned = plan.items.flatMap((it) => {
        const n = byId.get(it.id);
        return n ? [estimatedTrainingSeconds(n)] : [];
      });
      expect(planned).toHaveLength(study.networks.length);
      const fileOrder = study.networks.map(estimatedTrainingSeconds);
      const total = fileOrder.reduce((a, b) => a + b, 0);
      const lowerBound = Math.max(total / 2, ...fileOrder);
      expect(makespan(planned, 2)).toBeLessThanOrEqual((4 / 3 - 1 / 6) * lowerBound);
      expect(makespan(planned, 2)).toBeLessThanOrEqual(makespan(fileOrder, 2));
      // only the order changed: the same item ids, and each network's training item is the same whatever the order
      // (rules in reverse order, each rule's seeds kept in order: the sensitivity rows take each rule's first seed)
      const byRule = study.networks.slice().sort((a, b) => (a.rule < b.rule ? 1 : a.rule > b.rule ? -1 : 0));
      const reversed = planLearningStudy({ ...study, networks: byRule });
      expect(reversed.items.map((it) => it.id).sort()).toEqual(plan.items.map((it) => it.id).sort());
      const randoms = plan.items.filter((it) => it.id.startsWith('train/random-')).map((it) => it.id);
      expect(randoms.length % study.randomSeeds.length).toBe(0); // every architecture × the random seeds
      expect(randoms.length).toBeGreaterThan(0);
      for (const id of [...byId.keys(), ...randoms])
        expect(reversed.items.find((it) => it.id === id)).toEqual(plan.items.find((it) => it.id === id));
      expect(plan.items.find((it) => it.kind === 'learning-train')?.id).toBe('train/node-perturbation/seed-0');
    });
  },
);
