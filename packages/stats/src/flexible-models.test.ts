/**
 * Flexible models, fitters and cross-validation against rsatoolbox itself (fixtures/rsatoolbox-evaluation.json,
 * key "flexible", written by scripts/rsatoolbox-evaluation-references.py with np.random.shuffle and
 * np.random.randint replayed, so sets_k_fold's folds and the bootstrap draws are the same here).
 * Tolerances: 1e-9, except fit_interpolate (scipy's bounded Brent stops at xatol 1e-5; ours at 1e-10): 2e-5.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix } from '@concord/core';
import { pearsonReference } from '@concord/core/testing';
import { compareRdms, Rdms } from '@concord/rsa';
import { describe, expect, it } from 'vitest';
import { bootstrapCrossval, crossval, evalDualBootstrapCrossval, SampleRdms, setsKFold } from './crossval.ts';
import {
  fitInterpolate,
  fitOptimize,
  fitRegress,
  fitRegressNn,
  fitSelect,
  ModelInterpolate,
  ModelSelect,
  ModelWeighted,
  predictionOver,
} from './flexible-models.ts';
import { ModelFixed } from './models.ts';
import { expectClose, type Nested } from './testing/rsatoolbox-fixture.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const f = JSON.parse(readFileSync(join(here, 'fixtures', 'rsatoolbox-evaluation.json'), 'utf8')).flexible;
const basis = Matrix.from(f.basis as number[][]);
const data = new Rdms(Matrix.from(f.data as number[][]));
const n = f.n_cond as number;

describe('fitters vs rsatoolbox (fit_regress_nn, fit_regress, fit_select, fit_interpolate)', () => {
  const sampleRows = (f.data as number[][]).map((r) =>
    Array.from(predictionOver(Float64Array.from(r), n, f.pattern_idx)),
  );
  const sample = new Rdms(Matrix.from(sampleRows));
  for (const [name, d, patternIdx] of [
    ['full', data, undefined],
    ['bootstrap sample', sample, f.pattern_idx as number[]],
  ] as const) {
    const ref = f.fits[name];
    it(`${name}: least squares (non-negative and free) for cosine and corr`, () => {
      for (const method of ['cosine', 'corr']) {
        const opts = { method, ...(patternIdx ? { patternIdx } : {}) };
        expectClose(fitRegressNn(new ModelWeighted('w', basis), d, opts), ref[`regress_nn ${method}`], `nn ${method}`);
        expectClose(fitRegress(new ModelWeighted('w', basis), d, opts), ref[`regress ${method}`], `ls ${method}`);
      }
    });
    it(`${name}: selection and interpolation for corr and spearman`, () => {
      for (const method of ['corr', 'spearman']) {
        const opts = { method, ...(patternIdx ? { patternIdx } : {}) };
        expect(fitSelect(new ModelSelect('s', basis), d, opts)[0]).toBe(ref[`select ${method}`]);
        const m = new ModelInterpolate('i', basis);
        const theta = fitInterpolate(m, d, opts);
        if (method === 'corr') expectClose(theta, ref[`interpolate ${method}`], `interpolate ${method}`, 2e-5);
        else {
          // spearman's loss is a step function of the weight: Brent and golden-section search stop on different
          // steps; ours must be at least as good as rsatoolbox's up to one step.
          const score = (t: ArrayLike<number>) =>
            Array.from(compareRdms(predictionOver(m.predictRdm(t), n, patternIdx), d, { method }).data).reduce(
              (a, b) => a + b,
              0,
            );
          expect(score(theta)).toBeGreaterThanOrEqual(score(ref[`interpolate ${method}`]) - 1e-3);
        }
      }
    });
  }

  it('fitOptimize reaches the comparator optimum (at least as good as the least-squares weights) and is seeded', () => {
    const m = new ModelWeighted('w', basis);
    const opts = { method: 'corr', seed: 3 };
    const theta = fitOptimize(m, data, opts);
    expect(Array.from(fitOptimize(m, data, opts))).toEqual(Array.from(theta));
    const score = (t: ArrayLike<number>) => {
      const pred = m.predictRdm(t);
      const r = data.getVectors();
      let s = 0;
      for (let i = 0; i < r.rows; i++) {
        s += pearsonReference(pred, r.row(i)) / r.rows;
      }
      return s;
    };
    expect(score(theta)).toBeGreaterThanOrEqual(score(fitRegress(m, data, { method: 'corr' })) - 1e-6);
  });
});

describe('sets_k_fold + crossval and bootstrap_crossval vs rsatoolbox (replayed shuffles and draws)', () => {
  const models = () => [
    new ModelFixed('fixed', basis.row(0)),
    new ModelSelect('select', basis),
    new ModelWeighted('weighted', basis),
  ];
  for (const method of ['corr', 'cosine']) {
    it(`crossval ${method}: 2 subject folds × 3 condition folds, fixed / select / non-negative weighted models`, () => {
      const folds = setsKFold(SampleRdms.of(data), { kRdm: 2, kPattern: 3, permutations: f.kfold_permutations });
      const r = crossval(models(), data, folds, { method });
      expectClose(r.evaluations.data, f.crossval[method].evaluations, `${method} evaluations`);
      expectClose(r.noiseCeiling.data, f.crossval[method].noise_ceiling, `${method} noise ceiling`);
    });
  }
  it('bootstrap_crossval corr (k = 2 × 2, 2 repetitions, variance correction)', () => {
    const b = f.bootstrap_crossval;
    const r = bootstrapCrossval(models().slice(0, 2), data, {
      method: 'corr',
      kPattern: 2,
      kRdm: 2,
      nCv: 2,
      draws: b.draws,
      permutations: b.permutations,
    });
    expectClose(r.evaluations.data, b.evaluations as Nested, 'evaluations');
    expectClose(r.noiseCeiling.data, b.noise_ceiling as Nested, 'noise ceiling');
    expectClose(r.variances?.data ?? [], b.variances as Nested, 'covariance');
    expectClose(r.getMeans(), b.means as Nested, 'means');
    expectClose(r.testPairwise().data, b.p_pairwise_t as Nested, 'pairwise p');
  });

  it('eval_dual_bootstrap with cross-validation (k = 2 × 2, 2 repetitions): evaluations, noise ceilings, covariances, tests', () => {
    const b = f.dual_bootstrap_crossval;
    const r = evalDualBootstrapCrossval(models().slice(0, 2), data, {
      method: 'corr',
      kPattern: 2,
      kRdm: 2,
      nCv: 2,
      draws: f.bootstrap_crossval.draws,
      permutations: b.permutations,
    });
    expectClose(r.evaluations.data, b.evaluations as Nested, 'evaluations');
    expectClose(r.noiseCeiling.data, b.noise_ceiling as Nested, 'noise ceiling');
    expectClose(r.variances?.data ?? [], b.variances as Nested, 'covariances');
    expectClose(r.getMeans(), b.means as Nested, 'means');
    expectClose(r.testPairwise().data, b.p_pairwise_t as Nested, 'pairwise p');
    expectClose(r.testZero(), b.p_zero_t as Nested, 'zero p');
    expectClose(r.testNoise(), b.p_noise_t as Nested, 'noise p');
  });
});
