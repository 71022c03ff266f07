/**
 * Model evaluation: bad input (typed errors naming the parameter), determinism of seeded draws, the fast weighted
 * path against the literal sample (compareRdms on the sample RDMs rsatoolbox would build), and calibration of the
 * subject bootstrap's pairwise t-test under a true null (exchangeable models) over seeded repetitions.
 */
import { Matrix, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { drawBootstrapSamples } from './bootstrap-sample.ts';
import {
  evalBootstrap,
  evalBootstrapParallel,
  evalBootstrapPattern,
  evalBootstrapRdm,
  evalDualBootstrap,
  evalFixed,
} from './evaluate.ts';
import { evaluateExpanded } from './expanded-sample.ts';
import { WeightedEvaluator } from './weighted-evaluator.ts';

const rng = new Rng(5);
function random(rows: number, cols: number): Matrix {
  const m = Matrix.zeros(rows, cols);
  rng.fillUniform(m.data as Float64Array);
  return m;
}
const data = random(4, 45); // 4 subjects × 10 conditions
const models = random(3, 45);

describe('model evaluation: bad input', () => {
  it('models over other conditions than the data: ERR_STATS_CONDITIONS naming models[i]', () => {
    expect(() => evalFixed(random(2, 36), data, { method: 'corr' })).toThrow(
      expect.objectContaining({
        code: 'ERR_STATS_CONDITIONS',
        details: expect.objectContaining({ field: 'models[0]' }),
      }),
    );
  });
  it('fewer than 3 conditions: ERR_STATS_TOO_FEW naming data', () => {
    expect(() => evalBootstrapPattern(random(1, 1), random(3, 1), { method: 'corr' })).toThrow(
      expect.objectContaining({ code: 'ERR_STATS_TOO_FEW', details: expect.objectContaining({ field: 'data' }) }),
    );
  });
  it('draws out of range or missing: ERR_STATS_INDICES naming draws[i].patterns[k] / .rdms', () => {
    expect(() => evalBootstrapPattern(models, data, { draws: [{ patterns: [0, 1, 2, 10] }] })).toThrow(
      expect.objectContaining({
        code: 'ERR_STATS_INDICES',
        message: expect.stringMatching(/^draws\[0\]\.patterns\[3\]/),
      }),
    );
    expect(() => evalBootstrap(models, data, { draws: [{ patterns: [0, 1, 2] }] })).toThrow(
      expect.objectContaining({ code: 'ERR_STATS_INDICES', message: expect.stringMatching(/^draws\[0\]\.rdms/) }),
    );
    expect(() => evalBootstrapRdm(models, data, { draws: [{ rdms: [0, 1.5] }] })).toThrow(
      expect.objectContaining({ code: 'ERR_STATS_INDICES' }),
    );
  });
  it('unknown comparator: ERR_STATS_UNKNOWN_METHOD listing the valid ones', () => {
    expect(() => evalFixed(models, data, { method: 'pearson' })).toThrow(/method: expected one of .*'corr'/);
  });
  it('t-tests on one subject without a bootstrap: ERR_STATS_NO_VARIANCE', () => {
    const r = evalFixed(models, random(1, 45), { method: 'corr' });
    expect(() => r.testPairwise()).toThrow(expect.objectContaining({ code: 'ERR_STATS_NO_VARIANCE' }));
  });
  it('theta of the wrong length: ERR_STATS_MODEL naming theta', () => {
    expect(() => evalFixed(models, data, { theta: [undefined] })).toThrow(
      expect.objectContaining({ code: 'ERR_STATS_MODEL', details: expect.objectContaining({ field: 'theta' }) }),
    );
  });
});

describe('model evaluation: determinism and the weighted fast path', () => {
  it('same seed → same bytes; another seed → other draws', () => {
    const a = evalBootstrap(models, data, { method: 'spearman', nSamples: 30, seed: 3 });
    const b = evalBootstrap(models, data, { method: 'spearman', nSamples: 30, seed: 3 });
    const c = evalBootstrap(models, data, { method: 'spearman', nSamples: 30, seed: 4 });
    expect(Array.from(a.evaluations.data)).toEqual(Array.from(b.evaluations.data));
    expect(Array.from(a.evaluations.data)).not.toEqual(Array.from(c.evaluations.data));
  });

  it('worker threads (2) give the same bytes as the calling thread (pattern spearman, dual tau-a)', async () => {
    const one = evalBootstrapPattern(models, data, { method: 'spearman', nSamples: 60, seed: 11 });
    const two = await evalBootstrapParallel('pattern', models, data, {
      method: 'spearman',
      nSamples: 60,
      seed: 11,
      threads: 2,
    });
    expect(Buffer.from(two.evaluations.data.buffer)).toEqual(Buffer.from(one.evaluations.data.buffer));
    expect(Array.from(two.variances?.data ?? [])).toEqual(Array.from(one.variances?.data ?? []));
    const d1 = evalDualBootstrap(models, data, { method: 'tau-a', nSamples: 30, seed: 2 });
    const d2 = await evalBootstrapParallel('dual', models, data, {
      method: 'tau-a',
      nSamples: 30,
      seed: 2,
      threads: 2,
    });
    expect(Array.from(d2.evaluations.data)).toEqual(Array.from(d1.evaluations.data));
    expect(Array.from(d2.testPairwise().data)).toEqual(Array.from(d1.testPairwise().data));
  }, 60_000);

  it('weighted evaluation equals compareRdms on the literal sample RDMs (with repeats) for cosine, corr, spearman, rho-a', () => {
    const n = 10;
    const tied = Matrix.from([Array.from({ length: 45 }, (_, k) => (k % 3) * 1.0)]); // a model with many ties
    const preds = [
      ...Array.from({ length: 3 }, (_, i) => Float64Array.from(models.row(i))),
      Float64Array.from(tied.row(0)),
    ];
    const vecs = Array.from({ length: 4 }, (_, i) => Float64Array.from(data.row(i)));
    const groups = [0, 0, 1, 2]; // two RDMs of one subject
    for (const method of ['cosine', 'corr', 'spearman', 'rho-a'] as const) {
      const fast = new WeightedEvaluator(preds, vecs, n, groups, method);
      for (const d of drawBootstrapSamples('both', n, 4, 5, 9)) {
        const condMult = new Float64Array(n);
        for (const c of Array.from(d.patterns ?? [])) condMult[c]++;
        const rdmMult = new Float64Array(4);
        for (const r of Array.from(d.rdms ?? [])) rdmMult[r]++;
        const sel = Int32Array.from(d.patterns ?? []).sort();
        const rows = Array.from(d.rdms ?? []);
        const got = fast.evaluate(condMult, rdmMult, true);
        const want = evaluateExpanded(preds, vecs, n, rows, sel, groups, method, true);
        for (let m = 0; m < preds.length; m++) expect(got.evaluations[m]).toBeCloseTo(want.evaluations[m], 12);
        expect(got.lower).toBeCloseTo(want.lower, 12);
        expect(got.upper).toBeCloseTo(want.upper, 12);
      }
    }
  });
});

describe('calibration under a true null', () => {
  it('subject bootstrap: pairwise t-test of two exchangeable models rejects at ≈5% (binomial 99.9% band) over 300 seeded datasets', () => {
    // Subjects' RDMs = t + isotropic noise; models a = t + e and b = t − e with e centred and orthogonal to the
    // centred t. The reflection flipping e maps (a, subject noise) to (b, noise of the same distribution) and keeps
    // correlations, so both models have the same expected evaluation over subjects: H0 holds exactly.
    const reps = 300;
    const nSubj = 20;
    const pairs = 45;
    let rejections = 0;
    const gen = new Rng(2023);
    const centre = (v: Float64Array) => {
      const m = v.reduce((x, y) => x + y, 0) / v.length;
      return v.map((x) => x - m);
    };
    for (let rep = 0; rep < reps; rep++) {
      const t = centre(Float64Array.from({ length: pairs }, () => gen.normal()));
      let e = centre(Float64Array.from({ length: pairs }, () => gen.normal()));
      const proj = e.reduce((s, x, k) => s + x * t[k], 0) / t.reduce((s, x) => s + x * x, 0);
      e = e.map((x, k) => x - proj * t[k]);
      const subj = Matrix.zeros(nSubj, pairs);
      for (let s = 0; s < nSubj; s++)
        for (let k = 0; k < pairs; k++) subj.data[s * pairs + k] = t[k] + 2 * gen.normal();
      const a = t.map((x, k) => x + e[k]);
      const b = t.map((x, k) => x - e[k]);
      const r = evalBootstrapRdm(Matrix.from([Array.from(a), Array.from(b)]), subj, {
        method: 'corr',
        nSamples: 200,
        seed: rep,
      });
      if (r.testPairwise().get(0, 1) < 0.05) rejections++;
    }
    const rate = rejections / reps;
    const sd = Math.sqrt((0.05 * 0.95) / reps);
    console.log(
      `subject-bootstrap pairwise t-test under H0: rejection rate ${rate.toFixed(3)} (nominal 0.05 ± ${(3.3 * sd).toFixed(3)})`,
    );
    expect(rate).toBeGreaterThan(0.05 - 3.3 * sd);
    expect(rate).toBeLessThan(0.05 + 3.3 * sd);
  }, 120_000);
});
