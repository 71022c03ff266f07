/**
 * EvaluationResult: rsatoolbox's inference.Result — evaluations per sample, noise ceiling, the covariance of the
 * evaluations (plus noise-ceiling rows when bootstrapped), and the tests on them (util/inference_util.py):
 * - t-tests: pairwise (two-sided, on the variance of each difference), against 0 (one-sided, greater), against
 *   the lower noise ceiling (two-sided); variances are corrected by n/(n−1) for the number of resampled subjects or
 *   conditions (_correct_1d), or combined from the three bootstraps of a dual bootstrap (_dual_bootstrap).
 * - bootstrap tests: pairwise 2·min(P(a<b), P(a>b)) shrunk towards 1/N as rsatoolbox does; against 0 and the
 *   noise ceiling (#(≤) + 1)/N.
 * Optional multiple-comparison correction (bonferroni, holm, fdr_bh, fdr_by) over each test's family.
 */
import { checkChoice, Matrix, ParameterError } from '@concord/core';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { STATS_ERRORS } from './errors.ts';
import type { Model } from './models.ts';
import { correctPValues } from './multiple-comparisons.ts';

export interface NdArray {
  data: Float64Array;
  shape: number[];
}

export const TEST_TYPES = ['t-test', 'bootstrap'] as const;
export type TestType = (typeof TEST_TYPES)[number];

export interface TestOptions {
  testType?: string;
  /** Multiple-comparison correction over the family of tests (statsmodels' names). */
  correction?: string;
}

export interface ResultInit {
  models: readonly Model[];
  evaluations: NdArray;
  method: string;
  cvMethod: string;
  noiseCeiling: NdArray;
  /** Covariance: (models [+2]) square, or 3 stacked for a dual bootstrap; undefined when there is none. */
  variances?: NdArray;
  dof: number;
  nRdm?: number;
  nPattern?: number;
}

const EPS = 2.220446049250313e-16;

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** numpy nanmean over the last axis. */
function nanmeanLast(a: NdArray): NdArray {
  const last = a.shape[a.shape.length - 1];
  const outer = size(a.shape) / last;
  const out = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    let s = 0;
    let c = 0;
    for (let k = 0; k < last; k++) {
      const v = a.data[o * last + k];
      if (!Number.isNaN(v)) {
        s += v;
        c++;
      }
    }
    out[o] = c > 0 ? s / c : Number.NaN;
  }
  return { data: out, shape: a.shape.slice(0, -1) };
}

/** numpy nanmean over the first axis. */
function nanmeanFirst(a: NdArray): NdArray {
  const first = a.shape[0];
  const inner = size(a.shape) / first;
  const out = new Float64Array(inner);
  for (let i = 0; i < inner; i++) {
    let s = 0;
    let c = 0;
    for (let k = 0; k < first; k++) {
      const v = a.data[k * inner + i];
      if (!Number.isNaN(v)) {
        s += v;
        c++;
      }
    }
    out[i] = c > 0 ? s / c : Number.NaN;
  }
  return { data: out, shape: a.shape.slice(1) };
}

/** pairwise_contrast(arange(m)) applied as C·x for every pair (i<j): x_i − x_j. */
function pairDiffs(x: ArrayLike<number>): Float64Array {
  const m = x.length;
  const out = new Float64Array((m * (m - 1)) / 2);
  let k = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) out[k++] = x[i] - x[j];
  return out;
}

/** diag(C·V·Cᵀ): V_ii + V_jj − 2·V_ij for every pair. */
function pairVariances(v: Matrix, m: number): Float64Array {
  const out = new Float64Array((m * (m - 1)) / 2);
  let k = 0;
  for (let i = 0; i < m; i++)
    for (let j = i + 1; j < m; j++) out[k++] = v.get(i, i) + v.get(j, j) - v.get(i, j) - v.get(j, i);
  return out;
}

interface Variances {
  model: Float64Array;
  diff: Float64Array;
  /** model × 2 (lower, upper) */
  noise: Matrix;
}

/** rsatoolbox extract_variances for one covariance matrix (uncorrected). */
function variancesOf(v: Matrix, nModels: number): Variances {
  const ncIncluded = v.cols !== nModels;
  const model = new Float64Array(nModels);
  for (let i = 0; i < nModels; i++) model[i] = v.get(i, i);
  const noise = Matrix.zeros(nModels, 2);
  for (let i = 0; i < nModels; i++)
    for (let b = 0; b < 2; b++)
      noise.set(i, b, ncIncluded ? model[i] - 2 * v.get(i, nModels + b) + v.get(nModels + b, nModels + b) : model[i]);
  return { model, diff: pairVariances(v, nModels), noise };
}

function scale(a: Float64Array, f: number): Float64Array {
  return a.map((x) => x * f);
}

/** rsatoolbox _dual_bootstrap with both n_rdm and n_pattern (small-sample formula), elementwise. */
function dualCombine(
  both: ArrayLike<number>,
  rdm: ArrayLike<number>,
  pattern: ArrayLike<number>,
  nRdm: number,
  nPattern: number,
): Float64Array {
  const fr = nRdm / (nRdm - 1);
  const fp = nPattern / (nPattern - 1);
  const out = new Float64Array(both.length);
  for (let i = 0; i < out.length; i++) {
    let v =
      fr * rdm[i] +
      fp * pattern[i] -
      ((nPattern * nRdm) / (nPattern - 1) / (nRdm - 1)) * (both[i] - rdm[i] - pattern[i]);
    v = Math.max(Math.max(v, fr * rdm[i]), fp * pattern[i]);
    out[i] = Math.min(v, both[i]);
  }
  return out;
}

export class EvaluationResult {
  readonly models: readonly Model[];
  readonly nModels: number;
  /** Evaluations: samples × models × (inner dims: subjects for 'fixed'; folds, repetitions, bootstrap types). */
  readonly evaluations: NdArray;
  readonly method: string;
  readonly cvMethod: string;
  /** Noise ceiling: [lower, upper] (fixed) or 2 × samples (× inner dims). */
  readonly noiseCeiling: NdArray;
  readonly variances: NdArray | undefined;
  readonly dof: number;
  readonly nRdm: number | undefined;
  readonly nPattern: number | undefined;
  readonly modelVar: Float64Array | undefined;
  readonly diffVar: Float64Array | undefined;
  /** Variance of each model's difference from the lower (column 0) and upper (column 1) noise ceiling. */
  readonly noiseCeilVar: Matrix | undefined;

  constructor(init: ResultInit) {
    this.models = init.models;
    this.nModels = init.models.length;
    this.evaluations = init.evaluations;
    this.method = init.method;
    this.cvMethod = init.cvMethod;
    this.noiseCeiling = init.noiseCeiling;
    this.variances = init.variances;
    this.dof = init.dof;
    this.nRdm = init.nRdm;
    this.nPattern = init.nPattern;
    const v = init.variances;
    if (v === undefined) return;
    const m = this.nModels;
    if (v.shape.length === 3) {
      const d = v.shape[1];
      const parts = [0, 1, 2].map((k) => variancesOf(new Matrix(d, d, v.data.slice(k * d * d, (k + 1) * d * d)), m));
      const nR = init.nRdm ?? 2;
      const nP = init.nPattern ?? 2;
      this.modelVar = dualCombine(parts[0].model, parts[1].model, parts[2].model, nR, nP);
      this.diffVar = dualCombine(parts[0].diff, parts[1].diff, parts[2].diff, nR, nP);
      this.noiseCeilVar = new Matrix(
        m,
        2,
        dualCombine(parts[0].noise.data, parts[1].noise.data, parts[2].noise.data, nR, nP),
      );
      return;
    }
    const d = v.shape[0];
    const parts = variancesOf(new Matrix(d, d, Float64Array.from(v.data)), m);
    // _correct_1d: n = min(n_rdm, n_pattern) when both were resampled, else the one that was
    const n =
      init.nRdm !== undefined && init.nPattern !== undefined
        ? Math.min(init.nRdm, init.nPattern)
        : (init.nRdm ?? init.nPattern);
    const f = n === undefined ? 1 : n / (n - 1);
    this.modelVar = scale(parts.model, f);
    this.diffVar = scale(parts.diff, f);
    this.noiseCeilVar = new Matrix(m, 2, scale(parts.noise.data as Float64Array, f));
  }

  /** Evaluations per sample and model (inner dimensions averaged, NaN ignored): samples × models. */
  perSample(): Matrix {
    let e = this.evaluations;
    while (e.shape.length > 2) e = nanmeanLast(e);
    return new Matrix(e.shape[0], e.shape[1], e.data);
  }

  /** rsatoolbox get_means. */
  getMeans(): Float64Array {
    if (this.cvMethod === 'fixed' || this.cvMethod === 'crossvalidation') {
      let e = this.evaluations;
      // mean over the first axis (plain mean), then nanmean over the rest
      const first = e.shape[0];
      const inner = size(e.shape) / first;
      const out = new Float64Array(inner);
      for (let i = 0; i < inner; i++) {
        let s = 0;
        for (let k = 0; k < first; k++) s += e.data[k * inner + i];
        out[i] = s / first;
      }
      e = { data: out, shape: e.shape.slice(1) };
      while (e.shape.length > 1) e = nanmeanLast(e);
      return e.data;
    }
    const p = this.perSample();
    const out = new Float64Array(this.nModels);
    let count = 0;
    for (let s = 0; s < p.rows; s++) {
      if (Number.isNaN(p.get(s, 0))) continue;
      count++;
      for (let j = 0; j < this.nModels; j++) out[j] += p.get(s, j);
    }
    return out.map((x) => x / count);
  }

  getSem(): Float64Array | undefined {
    return this.modelVar?.map((v) => Math.sqrt(Math.max(v, 0)));
  }

  /** Mean noise ceiling bounds (np.nanmean of each row). */
  noiseCeilingBounds(): { lower: number; upper: number } {
    const half = this.noiseCeiling.data.length / 2;
    const mean = (a: Float64Array) => nanmeanLast({ data: a, shape: [a.length] }).data[0];
    return { lower: mean(this.noiseCeiling.data.slice(0, half)), upper: mean(this.noiseCeiling.data.slice(half)) };
  }

  /** Per-model means for the t-tests: nanmean over samples, then over every inner dimension. */
  private testMeans(): Float64Array {
    let e = nanmeanFirst(this.evaluations);
    while (e.shape.length > 1) e = nanmeanLast(e);
    return e.data;
  }

  private requireVariances(test: string): { model: Float64Array; diff: Float64Array; noise: Matrix } {
    if (this.modelVar === undefined || this.diffVar === undefined || this.noiseCeilVar === undefined)
      throw new ParameterError(
        STATS_ERRORS.NO_VARIANCE,
        'testType',
        `${test}: t-tests need a variance estimate, and this ${this.cvMethod} result has none (it needs at least 2 subjects, or a bootstrap); use a bootstrap evaluation`,
      );
    return { model: this.modelVar, diff: this.diffVar, noise: this.noiseCeilVar };
  }

  private bootstrapMatrix(test: string): Matrix {
    if (this.evaluations.shape.length !== 2)
      throw new ParameterError(
        STATS_ERRORS.UNKNOWN_METHOD,
        'testType',
        `${test}: bootstrap p-values need one evaluation per bootstrap sample and model (a pattern, rdm or both bootstrap); this is a ${this.cvMethod} result`,
      );
    return new Matrix(this.evaluations.shape[0], this.evaluations.shape[1], this.evaluations.data);
  }

  private tp(t: number, twoSided: boolean): number {
    return twoSided ? 2 * (1 - tCdf(Math.abs(t), this.dof)) : 1 - tCdf(t, this.dof);
  }

  /** p-values of every model pair (models × models, 1 on the diagonal). */
  testPairwise(opts: TestOptions = {}): Matrix {
    const testType = checkChoice('testType', opts.testType ?? 't-test', TEST_TYPES, STATS_ERRORS.UNKNOWN_METHOD);
    const m = this.nModels;
    const p = Matrix.zeros(m, m);
    if (testType === 't-test') {
      const { diff } = this.requireVariances('testPairwise');
      const d = pairDiffs(this.testMeans());
      let k = 0;
      for (let i = 0; i < m; i++)
        for (let j = i + 1; j < m; j++, k++) {
          const v = this.tp(d[k] / Math.sqrt(Math.max(diff[k], EPS)), true);
          p.set(i, j, v);
          p.set(j, i, v);
        }
    } else {
      const e = this.bootstrapMatrix('testPairwise');
      const n = e.rows;
      for (let i = 0; i < m; i++)
        for (let j = i + 1; j < m; j++) {
          let less = 0;
          let equal = 0;
          for (let s = 0; s < n; s++) {
            if (e.get(s, i) < e.get(s, j)) less++;
            else if (e.get(s, i) === e.get(s, j)) equal++;
          }
          const prop = less / (n - equal);
          const v = ((n - 1) / n) * Math.min(prop, 1 - prop) * 2 + 1 / n;
          p.set(i, j, v);
          p.set(j, i, v);
        }
    }
    for (let i = 0; i < m; i++) p.set(i, i, 1);
    if (opts.correction !== undefined && m > 1) {
      const family: number[] = [];
      for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) family.push(p.get(i, j));
      const c = correctPValues(family, opts.correction).pCorrected;
      let k = 0;
      for (let i = 0; i < m; i++)
        for (let j = i + 1; j < m; j++, k++) {
          p.set(i, j, c[k]);
          p.set(j, i, c[k]);
        }
    }
    return p;
  }

  /** p-values of each model's evaluation being greater than 0. */
  testZero(opts: TestOptions = {}): Float64Array {
    const testType = checkChoice('testType', opts.testType ?? 't-test', TEST_TYPES, STATS_ERRORS.UNKNOWN_METHOD);
    let p: Float64Array;
    if (testType === 't-test') {
      const { model } = this.requireVariances('testZero');
      const means = this.testMeans();
      p = means.map((x, i) => this.tp(x / Math.sqrt(Math.max(model[i], EPS)), false));
    } else {
      const e = this.bootstrapMatrix('testZero');
      p = new Float64Array(this.nModels);
      for (let j = 0; j < this.nModels; j++) {
        let c = 0;
        for (let s = 0; s < e.rows; s++) if (e.get(s, j) <= 0) c++;
        p[j] = (c + 1) / e.rows;
      }
    }
    return this.corrected(p, opts.correction);
  }

  /** p-values of each model's evaluation differing from the lower noise ceiling. */
  testNoise(opts: TestOptions = {}): Float64Array {
    const testType = checkChoice('testType', opts.testType ?? 't-test', TEST_TYPES, STATS_ERRORS.UNKNOWN_METHOD);
    let p: Float64Array;
    if (testType === 't-test') {
      const { noise } = this.requireVariances('testNoise');
      const means = this.testMeans();
      const lower = this.noiseCeilingBounds().lower;
      p = means.map((x, i) => this.tp((x - lower) / Math.sqrt(Math.max(noise.get(i, 0), EPS)), true));
    } else {
      // rsatoolbox compares each sample's evaluation with that sample's lower bound. (At f1f83ca its reshape of
      // the lower bounds to (noise_ceil.shape[0], 1) = (2, 1) fails for N ≠ 2; this is what it means to do.)
      const e = this.bootstrapMatrix('testNoise');
      const lowerPerSample = this.noiseCeiling.data.subarray(0, this.noiseCeiling.data.length / 2);
      if (lowerPerSample.length !== e.rows)
        throw new ParameterError(
          STATS_ERRORS.UNKNOWN_METHOD,
          'testType',
          'testNoise: bootstrap p-values need a noise ceiling per bootstrap sample (bootNoiseCeil: true)',
        );
      p = new Float64Array(this.nModels);
      for (let j = 0; j < this.nModels; j++) {
        let c = 0;
        for (let s = 0; s < e.rows; s++) if (lowerPerSample[s] - e.get(s, j) <= 0) c++;
        p[j] = (c + 1) / e.rows;
      }
    }
    return this.corrected(p, opts.correction);
  }

  private corrected(p: Float64Array, correction: string | undefined): Float64Array {
    return correction === undefined ? p : correctPValues(p, correction).pCorrected;
  }
}
