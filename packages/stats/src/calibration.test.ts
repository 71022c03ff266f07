/**
 * Calibration (property tests): under a true null (data generated here), each permutation test rejects at its
 * nominal rate within binomial error over many seeded repetitions, familywise corrections hold the familywise rate,
 * and Benjamini–Hochberg / Benjamini–Yekutieli hold the false discovery rate. Bounds: the nominal count ± 3.5
 * binomial standard deviations (a false alarm about once in 2,000 runs of a correct implementation; everything
 * is seeded, so a given build passes or fails deterministically).
 */
import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { permutationCluster1sampTest } from './cluster-test.ts';
import { bonferroni, fdrBh, fdrBy, holm } from './multiple-comparisons.ts';
import { permutationTTest, signFlipTest } from './permutation-t-test.ts';
import { rdmPermutationTest } from './rdm-permutation-test.ts';

/** The count of R Bernoulli(rate) outcomes is within 3.5 sd of R·rate (the upper side only when `atMost`). */
function expectBinomial(count: number, repetitions: number, rate: number, atMost = false) {
  const sd = Math.sqrt(repetitions * rate * (1 - rate));
  const hi = repetitions * rate + 3.5 * sd + 1;
  const lo = repetitions * rate - 3.5 * sd - 1;
  expect(count, `${count} of ${repetitions} at nominal ${rate}`).toBeLessThanOrEqual(hi);
  if (!atMost) expect(count, `${count} of ${repetitions} at nominal ${rate}`).toBeGreaterThanOrEqual(lo);
}

function normalMatrix(rng: Rng, rows: number, cols: number) {
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => rng.normal()) };
}

describe('calibration under the null', () => {
  it('sign-flip test (exact, 8 subjects): P(p <= 0.05) = 6/128, the largest attainable level below 0.05', () => {
    const rng = new Rng(100);
    const R = 600;
    let rejected = 0;
    for (let r = 0; r < R; r++) {
      const x = Array.from({ length: 8 }, () => rng.normal());
      if (signFlipTest(x, { nPermutations: 'all' }).p <= 0.05) rejected++;
    }
    expectBinomial(rejected, R, 6 / 128);
  });

  it('max-statistic permutation t-test holds the familywise rate over 20 tests', () => {
    const rng = new Rng(101);
    const R = 300;
    let anyRejected = 0;
    for (let r = 0; r < R; r++) {
      const res = permutationTTest(normalMatrix(rng, 10, 20), { nPermutations: 200, seed: r });
      if (res.pValues.some((p) => p <= 0.05)) anyRejected++;
    }
    expectBinomial(anyRejected, R, 0.05);
  });

  it('cluster-based permutation test holds the familywise rate over a 30-point time course', () => {
    const rng = new Rng(102);
    const R = 300;
    let anyRejected = 0;
    for (let r = 0; r < R; r++) {
      const res = permutationCluster1sampTest(normalMatrix(rng, 10, 30), {
        threshold: 1.5,
        nPermutations: 200,
        seed: r,
      });
      if (Array.from(res.pValues).some((p) => p <= 0.05)) anyRejected++;
    }
    // P(min cluster p <= 0.05) <= 0.05 for a valid test; equality up to the discreteness of the null
    expectBinomial(anyRejected, R, 0.05);
  });

  it('RDM condition-label permutation test (10 unrelated conditions) rejects at 5%', () => {
    const rng = new Rng(103);
    const R = 400;
    let rejected = 0;
    for (let r = 0; r < R; r++) {
      const a = Float64Array.from({ length: 45 }, () => rng.normal());
      const b = Float64Array.from({ length: 45 }, () => rng.normal());
      if (rdmPermutationTest(a, b, { method: r % 2 ? 'spearman' : 'corr', nPermutations: 200, seed: r }).p <= 0.05)
        rejected++;
    }
    expectBinomial(rejected, R, 0.05);
  });
});

describe('multiple comparisons: error rates on simulated families', () => {
  const rng = new Rng(104);
  const R = 500;
  const m = 40;
  const m0 = 30;
  /** m0 true nulls (uniform p) and m − m0 false nulls (p uniform on [0, 0.002]), nulls first. */
  const family = () => Float64Array.from({ length: m }, (_, i) => (i < m0 ? rng.random() : rng.random() * 0.002));

  it('Bonferroni and Holm hold the familywise rate (<= 5%) when every hypothesis is null', () => {
    let bonf = 0;
    let holmAny = 0;
    for (let r = 0; r < R; r++) {
      const p = Float64Array.from({ length: m }, () => rng.random());
      if (bonferroni(p).reject.some(Boolean)) bonf++;
      if (holm(p).reject.some(Boolean)) holmAny++;
    }
    // under independence the familywise rate is 1 − 0.95^(1/40·40) ≈ 0.0488 for both
    expectBinomial(bonf, R, 1 - (1 - 0.05 / m) ** m);
    expectBinomial(holmAny, R, 1 - (1 - 0.05 / m) ** m);
  });

  it('BH and BY control the false discovery rate at 5% (expected FDR = 5% · m0/m for BH)', () => {
    let fdpBh = 0;
    let fdpBy = 0;
    let discoveries = 0;
    for (let r = 0; r < R; r++) {
      const p = family();
      for (const [res, add] of [
        [fdrBh(p), (v: number) => (fdpBh += v)],
        [fdrBy(p), (v: number) => (fdpBy += v)],
      ] as const) {
        const rejected = res.reject.filter(Boolean).length;
        const falses = res.reject.slice(0, m0).filter(Boolean).length;
        add(rejected > 0 ? falses / rejected : 0);
        discoveries += rejected;
      }
    }
    expect(discoveries).toBeGreaterThan(R * 5);
    // mean false discovery proportion over R families: BH's expectation is exactly 0.05·m0/m = 0.0375 under
    // independence; its per-family sd is below 0.2, so 3.5 sd/√R bounds the mean
    const bound = (3.5 * 0.2) / Math.sqrt(R);
    expect(Math.abs(fdpBh / R - (0.05 * m0) / m)).toBeLessThanOrEqual(bound);
    expect(fdpBy / R).toBeLessThanOrEqual((0.05 * m0) / m + bound);
  });
});
