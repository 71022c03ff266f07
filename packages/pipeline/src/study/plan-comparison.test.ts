/**
 * The comparison study as a graph: one item per stage and entity, dependencies as the data flows (a simulation
 * waits for the network it copies, scores for their dataset and network, the report for everything), and a bad
 * metric refused at planning, before any item runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StudyConfig } from './config.ts';
import { planComparisonStudy } from './plan-comparison.ts';

const config = (over: Partial<StudyConfig> = {}): StudyConfig => ({
  name: 'graph',
  output: '/tmp/concord-graph/out',
  stimuli: { generate: { perCategory: 2, size: 16, seed: 1 } },
  networks: [
    { name: 'a', activations: '/x/a.npz', layers: ['l1', 'l2'] },
    { name: 'b', activations: '/x/b.npz', layers: ['l1'] },
  ],
  brain: [
    { name: 'eeg', type: 'eeg', simulate: { network: 'b', layer: 'l1' } },
    { name: 'ready', type: 'rdms', file: '/x/rdms.mat' },
  ],
  metrics: [{ type: 'rsa' }, { type: 'cka' }],
  ...over,
});

describe('planComparisonStudy', () => {
  it('plans stimuli → activations per network → brain per dataset → scores per pair → the report', () => {
    const plan = planComparisonStudy(config());
    const deps = Object.fromEntries(plan.items.map((it) => [it.id, it.deps]));
    expect(Object.keys(deps)).toEqual([
      'stimuli',
      'activations/a',
      'activations/b',
      'brain/eeg',
      'brain/ready',
      'scores/eeg/a',
      'scores/eeg/b',
      'scores/ready/a',
      'scores/ready/b',
      'study',
    ]);
    expect(deps['activations/a']).toEqual(['stimuli']);
    // the first network orders the conditions; the simulation copies network b
    expect(deps['brain/eeg']).toEqual(['activations/a', 'activations/b']);
    expect(deps['brain/ready']).toEqual(['activations/a']);
    expect(deps['scores/ready/b']).toEqual(['brain/ready', 'activations/b']);
    expect(new Set(deps.study)).toEqual(new Set(Object.keys(deps).filter((id) => id !== 'study')));
    expect(plan.final).toBe('study');
    expect(plan.outputDir).toBe('/tmp/concord-graph/out');
  });

  it('keeps the output folder out of every item (the same study written elsewhere is the same computation)', () => {
    const a = planComparisonStudy(config());
    const b = planComparisonStudy(config({ output: '/elsewhere/out', cache: '/tmp/concord-graph/.concord-cache' }));
    expect(JSON.stringify(a.items)).not.toContain('/tmp/concord-graph/out');
    expect(b.items).toEqual(a.items);
  });

  it("fingerprints the files an item reads: replacing a recording in place changes that dataset's items only", () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-fingerprint-'));
    try {
      const file = join(dir, 'rdms.mat');
      writeFileSync(file, 'first');
      const c = config({ brain: [{ name: 'ready', type: 'rdms', file }] });
      const before = planComparisonStudy(c).items;
      writeFileSync(file, 'second version'); // another size: another fingerprint, whatever the clock
      const after = planComparisonStudy(c).items;
      const changed = after.filter((it, i) => JSON.stringify(it) !== JSON.stringify(before[i])).map((it) => it.id);
      expect(changed).toEqual(['brain/ready']);
      expect(JSON.stringify(after.find((it) => it.id === 'brain/ready')?.params)).toContain('"14:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown comparator at planning, naming the entry', () => {
    expect(() => planComparisonStudy(config({ metrics: [{ type: 'rsa', compare: 'pearsonish' }] }))).toThrow(
      /metrics\[0\]\.compare.*pearsonish/,
    );
  });
});
