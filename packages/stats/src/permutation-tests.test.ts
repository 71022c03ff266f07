import { Rng } from '@concord/core';
import { compareRdms } from '@concord/rsa';
import { describe, expect, it } from 'vitest';
import { describeWithMne, expectClose, hasMne, runPython } from './mne-python.ts';
import { permutationTTest, signFlipTest } from './permutation-t-test.ts';
import { rdmPermutationTest, rdmPermutationTestParallel } from './rdm-permutation-test.ts';

function rdmVector(n: number, rng: Rng, signal?: Float64Array, noise = 1): Float64Array {
  const m = (n * (n - 1)) / 2;
  return Float64Array.from({ length: m }, (_, k) => (signal ? signal[k] : 0) + noise * rng.normal());
}

describe('rdmPermutationTest (condition-label randomisation)', () => {
  const rng = new Rng(11);
  const n = 12;
  const base = rdmVector(n, rng);
  const related = rdmVector(n, rng, base, 1.5);
  const unrelated = rdmVector(n, rng);

  it('its observed value is compareRdms for every method, and the identity reproduces it', () => {
    for (const method of ['corr', 'spearman', 'cosine', 'rho-a', 'tau-a', 'kendall']) {
      const r = rdmPermutationTest(base, related, { method, nPermutations: 20, seed: 1 });
      expect(Math.abs(r.value - compareRdms(base, related, { method }).data[0])).toBeLessThanOrEqual(1e-12);
      expect(r.nPermutations).toBe(20);
      expect(r.null[0]).toBe(r.value);
    }
  });

  it('each permuted value equals compareRdms on the explicitly permuted RDM', () => {
    // with 4 conditions every permutation is enumerated (4! = 24), in lexicographic order
    const a = Float64Array.of(1, 4, 2, 6, 3, 5);
    const b = Float64Array.of(2, 1, 5, 3, 7, 4);
    const square = (v: Float64Array, k: number) => (i: number, j: number) => {
      if (i === j) return 0;
      const [lo, hi] = i < j ? [i, j] : [j, i];
      return v[lo * k - (lo * (lo + 1)) / 2 + (hi - lo - 1)];
    };
    const perms: number[][] = [];
    const rec = (p: number[], rest: number[]) => {
      if (rest.length === 0) perms.push(p);
      for (const x of rest)
        rec(
          [...p, x],
          rest.filter((y) => y !== x),
        );
    };
    rec([], [0, 1, 2, 3]);
    for (const method of ['corr', 'spearman', 'tau-a']) {
      const r = rdmPermutationTest(a, b, { method, nPermutations: 100 });
      expect(r.exact).toBe(true);
      expect(r.nPermutations).toBe(24);
      perms.forEach((p, k) => {
        const B = square(b, 4);
        const pb: number[] = [];
        for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) pb.push(B(p[i], p[j]));
        expect(Math.abs(r.null[k] - compareRdms(a, pb, { method }).data[0])).toBeLessThanOrEqual(1e-12);
      });
      const reach = perms.filter((_, k) => r.null[k] >= r.value - 1e-14 * Math.abs(r.value)).length;
      expect(r.p).toBe(reach / 24);
    }
  });

  it('related RDMs give a small p, unrelated ones not; seeded and thread-count independent', async () => {
    const rel = rdmPermutationTest(base, related, { method: 'spearman', nPermutations: 2000, seed: 5 });
    expect(rel.p).toBeLessThan(0.01);
    const un = rdmPermutationTest(base, unrelated, { method: 'corr', nPermutations: 2000, seed: 5 });
    expect(un.p).toBeGreaterThan(0.01);
    const again = await rdmPermutationTestParallel(base, unrelated, {
      method: 'corr',
      nPermutations: 2000,
      seed: 5,
      threads: 2,
    });
    expect(Array.from(again.null)).toEqual(Array.from(un.null));
    expect(again.p).toBe(un.p);
  }, 60_000);

  it('bad input: typed errors naming the parameter', () => {
    expect(() => rdmPermutationTest([1, 2, 3], [1, 2, 3, 4, 5, 6])).toThrow(
      /b: the two RDM vectors must have the same length/,
    );
    expect(() => rdmPermutationTest([1], [1])).toThrow(/a: expected an RDM vector over at least 3 conditions/);
    expect(() => rdmPermutationTest([1, 2, 4], [1, 2, 3], { method: 'pearson' })).toThrow(/method: expected one of/);
    expect(() => rdmPermutationTest([1, Number.NaN, 3], [1, 2, 3])).toThrow(
      expect.objectContaining({ code: 'ERR_STATS_NON_FINITE' }),
    );
    expect(() => rdmPermutationTest([1, 2, 3], [1, 2, 3], { nPermutations: 0 })).toThrow(/nPermutations/);
    expect(() => rdmPermutationTest([1, 2, 3], [1, 2, 3], { nPermutations: 1e8 })).toThrow(
      /from 1 to 10000000; received 100000000/,
    );
  });
});

interface TTestRef {
  t: number[];
  p: number[];
  H0: number[];
}

describeWithMne('permutationTTest: parity with mne.stats.permutation_t_test', () => {
  const rng = new Rng(21);
  const rows = 9;
  const cols = 15;
  const data = Float64Array.from({ length: rows * cols }, (_, i) => rng.normal() + (i % cols < 4 ? 1 : 0));
  const refs = hasMne
    ? runPython<TTestRef[]>(
        `import mne
mne.set_log_level('ERROR')
X = np.array(inp, dtype=float).reshape(${rows}, ${cols})
out = []
for tail in (0, 1, -1):
    t, p, H0 = mne.stats.permutation_t_test(X, n_permutations=2**${rows}, tail=tail)
    out.append({'t': t, 'p': p, 'H0': H0})
emit(out)`,
        Array.from(data),
      )
    : [];
  ([0, 1, -1] as const).forEach((tail, k) => {
    it(`all sign flips, tail ${tail}: same t, p-values and H0`, () => {
      const got = permutationTTest({ rows, cols, data }, { nPermutations: 'all', tail });
      const want = refs[k];
      expect(got.exact).toBe(true);
      expect(got.H0.length).toBe(want.H0.length);
      expectClose(got.tObs, want.t, 1e-12);
      expectClose(got.H0, want.H0, 1e-12);
      expectClose(got.pValues, want.p, 1e-12);
    });
  });
});

describe('signFlipTest', () => {
  it('exact p for a clear effect is the smallest possible, 1 / 2^(n-1) two-tailed', () => {
    const r = signFlipTest([1.1, 0.9, 1.3, 0.7, 1.2, 1.05], { nPermutations: 'all' });
    expect(r.exact).toBe(true);
    expect(r.nPermutations).toBe(32);
    expect(r.p).toBe(1 / 32);
  });
  it('needs two subjects', () => {
    expect(() => signFlipTest([1])).toThrow(/at least 2 subjects/);
  });
});
