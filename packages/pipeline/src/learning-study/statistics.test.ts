import { describe, expect, it } from 'vitest';
import { crossValidatedBestLayer, fdrOverList, pairwiseTests } from './statistics.ts';

describe('best layer by leave-one-subject-out cross-validation', () => {
  it('chooses each fold’s layer on the other subjects only, and scores it on the held-out one', () => {
    // Layer A is best on subjects 0–2, layer B only on subject 3 (by a lot). Picked on the tested subject, subject 3
    // would get B (0.9); cross-validation takes A there (best on subjects 0–2) and reports A's 0.1.
    const b = crossValidatedBestLayer('r', [
      { seed: 's0', layer: 'A', perSubject: [0.5, 0.5, 0.5, 0.1] },
      { seed: 's0', layer: 'B', perSubject: [0.2, 0.2, 0.2, 0.9] },
    ]);
    // Fold k (k < 3): others' means A = (1.0 + 0.1)/3 = 0.367, B = (0.4 + 0.9)/3 = 0.433 → B chosen, scores 0.2.
    // Fold 3: A = 0.5, B = 0.2 → A, scores 0.1.
    expect(b?.heldOut).toEqual([0.2, 0.2, 0.2, 0.1]);
    expect(b?.value).toBeCloseTo(0.175, 12);
    expect(b?.layer).toBe('B');
    const sd = Math.sqrt((3 * 0.025 ** 2 + 0.075 ** 2) / 3);
    expect(b?.ciUpper).toBeCloseTo(0.175 + (1.959963984540054 * sd) / 2, 12);
  });

  it('averages seeds before choosing and reports each seed’s own cross-validated value', () => {
    const b = crossValidatedBestLayer('r', [
      { seed: 's0', layer: 'A', perSubject: [0.4, 0.4] },
      { seed: 's1', layer: 'A', perSubject: [0.2, 0.2] },
      { seed: 's0', layer: 'B', perSubject: [0.1, 0.1] },
      { seed: 's1', layer: 'B', perSubject: [0.1, 0.1] },
    ]);
    expect(b?.heldOut.map((v) => Number(v.toFixed(12)))).toEqual([0.3, 0.3]);
    expect(b?.perSeed.map((v) => Number(v.toFixed(12)))).toEqual([0.4, 0.2]);
  });

  it('returns null when no layer has finite scores', () => {
    expect(crossValidatedBestLayer('r', [{ seed: 's', layer: 'A', perSubject: [Number.NaN, 1] }])).toBeNull();
  });
});

describe('pairwise tests', () => {
  it('paired t-test over subjects with Benjamini–Hochberg over all pairs', () => {
    const mk = (group: string, heldOut: number[]) => ({
      group,
      heldOut,
      value: 0,
      ciLower: 0,
      ciUpper: 0,
      layer: 'x',
      perSeed: [],
    });
    const t = pairwiseTests([mk('a', [1, 2, 3, 4]), mk('b', [0, 1, 1, 3]), mk('c', [1, 2, 3, 4])]);
    expect(t.map((p) => `${p.a}-${p.b}`)).toEqual(['a-b', 'a-c', 'b-c']);
    // a − b = [1, 1, 2, 1]: mean 1.25, sd 0.5, t = 5, df 3 → two-sided p = 0.015392 (scipy.stats.ttest_1samp).
    expect(t[0].difference).toBeCloseTo(1.25, 12);
    expect(t[0].p).toBeCloseTo(0.0153915, 5);
    expect(t[1].p).toBe(1); // identical scores: no difference to test
    // BH: sorted p (0.0154, p_bc, 1) → corrected min(1, p·m/rank) with monotonicity.
    const sorted = [...t].sort((x, y) => x.p - y.p);
    expect(sorted[0].pCorrected).toBeCloseTo(Math.min(sorted[0].p * 3, sorted[1].p * 1.5, 1), 10);
  });

  it('FDR over a list keeps nulls', () => {
    const r = fdrOverList([0.01, null, 0.04]);
    expect(r[1]).toBeNull();
    expect(r[0]).toBeCloseTo(0.02, 12);
    expect(r[2]).toBeCloseTo(0.04, 12);
  });
});
