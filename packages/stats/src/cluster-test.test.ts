import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { type ClusterTestOptions, type DataMatrix, permutationCluster1sampTest } from './cluster-test.ts';
import { describeWithMne, expectClose, hasMne, runPython } from './mne-python.ts';

interface MneOut {
  t: (number | null)[];
  clusters: number[][];
  p: number[];
  H0: number[];
}

interface Case {
  name: string;
  X: DataMatrix;
  shape: number[];
  /** keyword arguments of MNE's permutation_cluster_1samp_test */
  kwargs: string;
  adjacency?: number[][];
  options: ClusterTestOptions;
}

/** MNE's permutation_cluster_1samp_test on every case in one Python process; clusters as flat indices. */
function runMneCases(cases: Case[]): MneOut[] {
  return runPython<MneOut[]>(
    `import mne
from scipy import sparse
mne.set_log_level('ERROR')
out = []
for c in inp:
    X = np.array(c['data'], dtype=float).reshape([c['rows']] + c['shape'])
    adj = None
    if c['adjacency'] is not None:
        rows = [i for i, nb in enumerate(c['adjacency']) for j in nb]
        cols = [j for nb in c['adjacency'] for j in nb]
        adj = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(X.shape[1], X.shape[1]))
    t, clusters, p, H0 = eval('mne.stats.permutation_cluster_1samp_test(X, adjacency=adj, out_type="indices", ' + c['kwargs'] + ')')
    flat = [np.ravel_multi_index(cl, X.shape[1:]).tolist() for cl in clusters]
    out.append({'t': t.ravel(), 'clusters': flat, 'p': p, 'H0': H0})
emit(out)`,
    cases.map((c) => ({
      data: Array.from(c.X.data),
      rows: c.X.rows,
      shape: c.shape,
      adjacency: c.adjacency ?? null,
      kwargs: c.kwargs,
    })),
  );
}

function randomData(rows: number, cols: number, seed: number, signal: (j: number) => number): DataMatrix {
  const rng = new Rng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = rng.normal() + signal(j);
  return { rows, cols, data };
}

function expectSame(got: ReturnType<typeof permutationCluster1sampTest>, want: MneOut, tol = 1e-12) {
  expectClose(got.tObs, want.t, tol);
  expect(got.clusters.map((c) => Array.from(c))).toEqual(want.clusters);
  expectClose(got.pValues, want.p, tol);
  expectClose(got.H0, want.H0, tol);
}

const bump = (j: number) => (j >= 10 && j < 18 ? 0.9 : j >= 30 && j < 33 ? -0.8 : 0);
const X1 = randomData(9, 45, 1, bump);
const X2 = randomData(8, 12 * 10, 2, (j) =>
  Math.floor(j / 10) > 3 && Math.floor(j / 10) < 8 && j % 10 > 2 && j % 10 < 7 ? 0.8 : 0,
);
const ring = Array.from({ length: 40 }, (_, i) => [(i + 1) % 40, ...(i % 7 === 0 ? [(i + 13) % 40] : [])]);
const XG = randomData(8, 40, 3, (j) => (j % 9 < 3 ? 0.7 : 0));
const chain = Array.from({ length: 45 }, (_, i) => (i + 1 < 45 ? [i + 1] : []));
const XT = randomData(7, 6 * 7, 4, (j) => (j % 7 > 3 ? 0.8 : 0));

// MNE's exact branch: an integer n_permutations >= 2^(n - (tail == 0)); ours: 'all'
const CASES: Case[] = [
  ...([0, 1, -1] as const).map((tail) => ({
    name: `1-D time course, tail ${tail}`,
    X: X1,
    shape: [45],
    kwargs: `threshold=${tail === -1 ? -1.5 : 1.5}, tail=${tail}, n_permutations=2**9`,
    options: { threshold: tail === -1 ? -1.5 : 1.5, tail, nPermutations: 'all' as const },
  })),
  ...[0, 2].map((tPower) => ({
    name: `1-D, t_power ${tPower} (${tPower === 0 ? 'cluster size' : 'squared t'})`,
    X: X1,
    shape: [45],
    kwargs: `threshold=1.2, t_power=${tPower}, n_permutations=2**9`,
    options: { threshold: 1.2, tPower, nPermutations: 'all' as const },
  })),
  {
    name: '2-D time × time map (lattice, face neighbours)',
    X: X2,
    shape: [12, 10],
    kwargs: 'threshold=1.0, n_permutations=2**8',
    options: { threshold: 1.0, shape: [12, 10], nPermutations: 'all' },
  },
  {
    name: 'adjacency graph (a ring with chords), tail 1',
    X: XG,
    shape: [40],
    adjacency: ring,
    kwargs: 'threshold=0.9, tail=1, n_permutations=2**8',
    options: { threshold: 0.9, tail: 1, adjacency: ring, nPermutations: 'all' },
  },
  {
    // MNE 1.3 without adjacency gives every 1-D cluster extent 1 in TFCE (len() of find_objects' tuple); with the
    // chain adjacency it uses the true extent, as we do
    name: 'TFCE, 1-D time course (MNE given the chain adjacency)',
    X: X1,
    shape: [45],
    adjacency: chain,
    kwargs: 'threshold=dict(start=0.2, step=0.3), n_permutations=2**9',
    options: { threshold: { start: 0.2, step: 0.3 }, nPermutations: 'all' },
  },
  {
    name: 'TFCE, 2-D map, tail 1, h_power 1.5, e_power 1',
    X: XT,
    shape: [6, 7],
    kwargs: 'threshold=dict(start=0.2, step=0.3, h_power=1.5, e_power=1), tail=1, n_permutations=2**7',
    options: {
      threshold: { start: 0.2, step: 0.3, hPower: 1.5, ePower: 1 },
      tail: 1,
      shape: [6, 7],
      nPermutations: 'all',
    },
  },
];
const X12 = randomData(12, 60, 5, (j) => (j > 20 && j < 28 ? 0.6 : j > 40 && j < 44 ? 0.5 : 0));
const MNE_RANDOM: Case[] = [
  {
    name: 'exact',
    X: X12,
    shape: [60],
    kwargs: 'threshold=1.3, n_permutations=2**12',
    options: {},
  },
  {
    name: 'random',
    X: X12,
    shape: [60],
    kwargs: 'threshold=1.3, n_permutations=400, seed=1',
    options: {},
  },
];
const X3 = randomData(7, 4 * 5 * 3, 6, (j) => (j % 15 < 6 ? 0.9 : 0));
CASES.push(
  {
    name: '3-D lattice (channels × frequencies × times)',
    X: X3,
    shape: [4, 5, 3],
    kwargs: 'threshold=1.0, n_permutations=2**7',
    options: { threshold: 1.0, shape: [4, 5, 3], nPermutations: 'all' },
  },
  {
    name: 'TFCE, tail -1, adjacency graph',
    X: { ...XG, data: Float64Array.from(XG.data, (v) => -v) },
    shape: [40],
    adjacency: ring,
    kwargs: 'threshold=dict(start=-0.1, step=-0.4), tail=-1, n_permutations=2**8',
    options: { threshold: { start: -0.1, step: -0.4 }, tail: -1, adjacency: ring, nPermutations: 'all' },
  },
);
const MNE_ALL: Case = {
  name: "MNE's literal 'all'",
  X: X1,
  shape: [45],
  kwargs: "threshold=1.5, n_permutations='all', seed=3",
  options: { threshold: 1.5, nPermutations: 'all' },
};

describeWithMne('permutationCluster1sampTest: exact parity with MNE 1.3 (all sign flips)', () => {
  const refs = hasMne ? runMneCases([...CASES, MNE_ALL, ...MNE_RANDOM]) : [];
  CASES.forEach((c, k) => {
    it(`${c.name}: same t, clusters, p-values and H0 (1e-12)`, () => {
      const got = permutationCluster1sampTest(c.X, c.options);
      expect(got.exact).toBe(true);
      expect(refs[k].clusters.length).toBeGreaterThan(1);
      expectSame(got, refs[k]);
    });
  });
  it("MNE's own 'all' (which omits one random sign flip) gives an H0 that is ours less one entry", () => {
    const got = permutationCluster1sampTest(MNE_ALL.X, MNE_ALL.options);
    const want = refs[CASES.length];
    expect(want.H0.length).toBe(got.H0.length - 1);
    const ours = Array.from(got.H0).sort((a, b) => a - b);
    const theirs = [...want.H0].sort((a, b) => a - b);
    let k = 0;
    let skipped = 0;
    for (const v of ours) {
      if (k < theirs.length && v === theirs[k]) k++;
      else skipped++;
    }
    expect(k).toBe(theirs.length);
    expect(skipped).toBe(1);
  });

  it("random sign flips: p-values agree with the exact ones (ours and MNE's draws) within Monte-Carlo error", () => {
    const exact = refs[CASES.length + 1];
    const mneRandom = refs[CASES.length + 2];
    expect(exact.p.length).toBeGreaterThan(1);
    for (const seed of [1, 2]) {
      const got = permutationCluster1sampTest(X12, { threshold: 1.3, nPermutations: 400, seed });
      expect(got.exact).toBe(false);
      expect(got.H0.length).toBe(400);
      expect(got.clusters.map((c) => Array.from(c))).toEqual(exact.clusters);
      got.pValues.forEach((p, i) => {
        // 4 standard errors of a proportion over 399 draws, plus the observed labelling's 1/400
        const se = Math.sqrt((exact.p[i] * (1 - exact.p[i])) / 399);
        expect(Math.abs(p - exact.p[i])).toBeLessThanOrEqual(4 * se + 1 / 400);
        expect(Math.abs(mneRandom.p[i] - exact.p[i])).toBeLessThanOrEqual(4 * se + 1 / 400);
      });
    }
  });
});

describe('permutationCluster1sampTest: determinism, properties and bad input', () => {
  it('same seed, same result; different seeds, different draws', () => {
    const a = permutationCluster1sampTest(X12, { threshold: 1.3, nPermutations: 300, seed: 9 });
    const b = permutationCluster1sampTest(X12, { threshold: 1.3, nPermutations: 300, seed: 9 });
    const c = permutationCluster1sampTest(X12, { threshold: 1.3, nPermutations: 300, seed: 10 });
    expect(Array.from(a.H0)).toEqual(Array.from(b.H0));
    expect(Array.from(a.H0)).not.toEqual(Array.from(c.H0));
  });

  it('a large effect gives the smallest possible p-value, exactly 1 / 2^(n-1) with all flips', () => {
    const X = randomData(6, 20, 8, (j) => (j >= 5 && j < 15 ? 4 : 0));
    const r = permutationCluster1sampTest(X, { threshold: 2, nPermutations: 'all' });
    expect(r.H0.length).toBe(32);
    const strongest = r.clusterStats.reduce((k, v, i, all) => (Math.abs(v) > Math.abs(all[k]) ? i : k), 0);
    expect(r.pValues[strongest]).toBe(1 / 32);
  });

  it('no supra-threshold point: no clusters, empty H0 and p-values (as MNE)', () => {
    const r = permutationCluster1sampTest(X12, { threshold: 1e6 });
    expect(r.clusters).toEqual([]);
    expect(r.H0.length).toBe(0);
    expect(r.pValues.length).toBe(0);
  });

  it('typed errors naming the parameter', () => {
    const one = { rows: 1, cols: 3, data: new Float64Array(3) };
    expect(() => permutationCluster1sampTest(one)).toThrow(/X: a one-sample test needs at least 2 subjects/);
    expect(() => permutationCluster1sampTest(X12, { threshold: -1, tail: 1 })).toThrow(/threshold: incompatible tail/);
    expect(() => permutationCluster1sampTest(X12, { tail: 2 as 0 })).toThrow(/tail: expected -1, 0 or 1/);
    expect(() => permutationCluster1sampTest(X12, { nPermutations: 0 })).toThrow(/nPermutations/);
    expect(() => permutationCluster1sampTest(X12, { shape: [7, 7] })).toThrow(
      /shape \[7, 7\] has 49 points, but X has 60/,
    );
    expect(() => permutationCluster1sampTest(X12, { adjacency: [[1]] })).toThrow(
      /adjacency: expected one neighbour list per test \(60\)/,
    );
    const bad = Array.from({ length: 60 }, (_, i) => (i === 3 ? [60] : []));
    expect(() => permutationCluster1sampTest(X12, { adjacency: bad })).toThrow(
      /neighbour 60 of test 3 is not an index in 0..59/,
    );
    const fractional = Array.from({ length: 60 }, (_, i) => (i === 5 ? [1.5] : []));
    expect(() => permutationCluster1sampTest(X12, { adjacency: fractional })).toThrow(/neighbour 1.5 of test 5/);
    const nan = { rows: 2, cols: 2, data: [1, 2, Number.NaN, 3] };
    expect(() => permutationCluster1sampTest(nan)).toThrow(expect.objectContaining({ code: 'ERR_STATS_NON_FINITE' }));
    const many = randomData(40, 3, 1, () => 0);
    expect(() => permutationCluster1sampTest(many, { nPermutations: 'all' })).toThrow(/more than the 4194304 allowed/);
  });
});
