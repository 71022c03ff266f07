/**
 * PLS encoding model: scikit-learn PLSRegression (NIPALS PLS2, regression deflation, power-method inner loop with
 * max_iter 500 and tol 1e-6, as sklearn) fitted per training fold; per-target Pearson r of held-out predictions,
 * averaged over folds; summary = median over targets (Brain-Score), mean beside it.
 * Defaults: 25 components (Brain-Score), capped at min(p, n_train − 1); scale = true (sklearn's default; Brain-Score's
 * pls_regression passes scale=False — set `scale: false` to reproduce it).
 */
import { Matrix, matmul, type ProgressCallback, ProgressReporter, pinv } from '@concord/core';
import { columnPearson, type FoldOptions, kFoldSplits, summarize, trainIndices } from './cross-validation.ts';
import {
  booleanOption,
  checkPair,
  checkVariance,
  integerOption,
  positiveNumber,
  type SimilarityResult,
} from './result.ts';

export interface PlsOptions extends FoldOptions {
  nComponents?: number;
  scale?: boolean;
  maxIter?: number;
  tol?: number;
  onProgress?: ProgressCallback;
}

const EPS = 2.220446049250313e-16;

/** Column means and sample standard deviations (ddof 1; 0 replaced by 1 as sklearn does). */
function moments(m: Matrix, scale: boolean): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(m.cols);
  const std = new Float64Array(m.cols).fill(1);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mean[j] += m.data[i * m.cols + j];
  for (let j = 0; j < m.cols; j++) mean[j] /= m.rows;
  if (scale) {
    const ss = new Float64Array(m.cols);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) ss[j] += (m.data[i * m.cols + j] - mean[j]) ** 2;
    for (let j = 0; j < m.cols; j++) {
      const s = Math.sqrt(ss[j] / (m.rows - 1));
      std[j] = s === 0 ? 1 : s;
    }
  }
  return { mean, std };
}

function standardize(m: Matrix, mean: Float64Array, std: Float64Array): Matrix {
  const out = Matrix.zeros(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] = (m.data[i * m.cols + j] - mean[j]) / std[j];
  return out;
}

/** Mᵀ·v (M r×c, v length r), through the product kernel (BLAS when built). */
function tdot(m: Matrix, v: Float64Array): Float64Array<ArrayBuffer> {
  return matmul(m, new Matrix(v.length, 1, v), { transA: true }).data as Float64Array<ArrayBuffer>;
}

/** M·v. */
function dot(m: Matrix, v: Float64Array): Float64Array<ArrayBuffer> {
  return matmul(m, new Matrix(v.length, 1, v)).data as Float64Array<ArrayBuffer>;
}

function vdot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** sklearn's _get_first_singular_vectors_power_method (mode A, norm_y_weights=False). */
function firstSingularVectors(
  x: Matrix,
  y: Matrix,
  maxIter: number,
  tol: number,
): { xw: Float64Array; yw: Float64Array; iterations: number } | undefined {
  let col = -1;
  for (let j = 0; j < y.cols && col < 0; j++)
    for (let i = 0; i < y.rows; i++)
      if (Math.abs(y.data[i * y.cols + j]) > EPS) {
        col = j;
        break;
      }
  if (col < 0) return undefined; // Y residual is constant: sklearn stops adding components
  let yScore = Float64Array.from({ length: y.rows }, (_, i) => y.data[i * y.cols + col]);
  let xwOld: Float64Array | undefined;
  let xw = new Float64Array(0);
  let yw = new Float64Array(0);
  let it = 0;
  for (; it < maxIter; it++) {
    xw = tdot(x, yScore);
    const ys2 = vdot(yScore, yScore);
    for (let j = 0; j < xw.length; j++) xw[j] /= ys2;
    const nrm = Math.sqrt(vdot(xw, xw)) + EPS;
    for (let j = 0; j < xw.length; j++) xw[j] /= nrm;
    const xScore = dot(x, xw);
    yw = tdot(y, xScore);
    const xs2 = vdot(xScore, xScore);
    for (let j = 0; j < yw.length; j++) yw[j] /= xs2;
    yScore = dot(y, yw);
    const yw2 = vdot(yw, yw) + EPS;
    for (let i = 0; i < yScore.length; i++) yScore[i] /= yw2;
    let diff = Infinity;
    if (xwOld) {
      diff = 0;
      for (let j = 0; j < xw.length; j++) diff += (xw[j] - xwOld[j]) ** 2;
    }
    if (diff < tol || y.cols === 1) break;
    xwOld = xw;
  }
  return { xw, yw, iterations: Math.min(it + 1, maxIter) };
}

export interface PlsModel {
  xMean: Float64Array;
  xStd: Float64Array;
  yMean: Float64Array;
  yStd: Float64Array;
  /** p×c x-rotations W(PᵀW)⁺: standardised X·rotations = X scores. */
  rotations: Matrix;
  /** v×c y-loadings. */
  yLoadings: Matrix;
  components: number;
}

/** Fit PLSRegression on X (m×p) → Y (m×v). */
export function fitPls(
  x: Matrix,
  y: Matrix,
  nComponents: number,
  opts: { scale?: boolean; maxIter?: number; tol?: number } = {},
): PlsModel {
  const scale = opts.scale ?? true;
  const { mean: xMean, std: xStd } = moments(x, scale);
  const { mean: yMean, std: yStd } = moments(y, scale);
  const xk = standardize(x, xMean, xStd);
  const ssX = vdot(xk.data as Float64Array, xk.data as Float64Array);
  const yk = standardize(y, yMean, yStd);
  const p = x.cols;
  const v = y.cols;
  const ws: Float64Array[] = [];
  const ps: Float64Array[] = [];
  const qs: Float64Array[] = [];
  for (let c = 0; c < nComponents; c++) {
    // sklearn zeroes Y columns whose residual is numerically zero before the power method
    for (let j = 0; j < v; j++) {
      let all = true;
      for (let i = 0; i < yk.rows && all; i++) if (Math.abs(yk.data[i * v + j]) >= 10 * EPS) all = false;
      if (all) for (let i = 0; i < yk.rows; i++) yk.data[i * v + j] = 0;
    }
    const sv = firstSingularVectors(xk, yk, opts.maxIter ?? 500, opts.tol ?? 1e-6);
    if (!sv) break;
    const { xw, yw } = sv;
    // _svd_flip_1d: make the largest |x weight| positive
    let big = 0;
    for (let j = 1; j < p; j++) if (Math.abs(xw[j]) > Math.abs(xw[big])) big = j;
    if (xw[big] < 0) {
      for (let j = 0; j < p; j++) xw[j] = -xw[j];
      for (let j = 0; j < v; j++) yw[j] = -yw[j];
    }
    const t = dot(xk, xw);
    const tt = vdot(t, t);
    // X is exhausted (its rank is below the components asked for): the scores are rounding noise (relative size
    // ~1e-16); sklearn would keep fitting that noise, we stop
    if (!(tt > 1e-24 * ssX)) break;
    const pl = tdot(xk, t);
    for (let j = 0; j < p; j++) pl[j] /= tt;
    const ql = tdot(yk, t);
    for (let j = 0; j < v; j++) ql[j] /= tt;
    for (let i = 0; i < xk.rows; i++) {
      const ti = t[i];
      for (let j = 0; j < p; j++) xk.data[i * p + j] -= ti * pl[j];
      for (let j = 0; j < v; j++) yk.data[i * v + j] -= ti * ql[j];
    }
    ws.push(xw);
    ps.push(pl);
    qs.push(ql);
  }
  const c = ws.length;
  const w = Matrix.zeros(p, c);
  const pm = Matrix.zeros(p, c);
  const q = Matrix.zeros(v, c);
  for (let k = 0; k < c; k++) {
    for (let j = 0; j < p; j++) {
      w.data[j * c + k] = ws[k][j];
      pm.data[j * c + k] = ps[k][j];
    }
    for (let j = 0; j < v; j++) q.data[j * c + k] = qs[k][j];
  }
  const rotations = c ? matmul(w, pinv(matmul(pm, w, { transA: true }))) : w;
  return { xMean, xStd, yMean, yStd, rotations, yLoadings: q, components: c };
}

/** Predictions for new rows: ((X − x̄)/s_x)·rotations·Qᵀ·s_y + ȳ. */
export function predictPls(model: PlsModel, x: Matrix): Matrix {
  const v = model.yMean.length;
  if (model.components === 0) {
    const out = Matrix.zeros(x.rows, v);
    for (let i = 0; i < x.rows; i++) out.data.set(model.yMean, i * v);
    return out;
  }
  const scores = matmul(standardize(x, model.xMean, model.xStd), model.rotations);
  const out = matmul(scores, model.yLoadings, { transB: true });
  for (let i = 0; i < out.rows; i++)
    for (let j = 0; j < v; j++) out.data[i * v + j] = out.data[i * v + j] * model.yStd[j] + model.yMean[j];
  return out;
}

export function plsEncoding(x: Matrix, y: Matrix, opts: PlsOptions = {}): SimilarityResult {
  const nFolds = integerOption('folds', opts.folds, 5, 2);
  const seed = integerOption('seed', opts.seed, 0, Number.MIN_SAFE_INTEGER);
  const requested = integerOption('nComponents', opts.nComponents, 25, 1);
  const scale = booleanOption('scale', opts.scale, true);
  const maxIter = integerOption('maxIter', opts.maxIter, 500, 1);
  const tol = positiveNumber('tol', opts.tol, 1e-6);
  checkPair('pls', x, y, Math.max(nFolds, 3));
  checkVariance('pls', 'X', x);
  const n = x.rows;
  const v = y.cols;
  const splits = kFoldSplits(n, nFolds, seed);
  const rSum = new Float64Array(v);
  const rCount = new Int32Array(v);
  const used: number[] = [];
  const progress = new ProgressReporter('pls', nFolds, opts.onProgress);
  for (const test of splits) {
    const train = trainIndices(n, test);
    const comps = Math.min(requested, x.cols, train.length - 1);
    const model = fitPls(x.selectRows(train).astype('float64'), y.selectRows(train).astype('float64'), comps, {
      scale,
      maxIter,
      tol,
    });
    used.push(model.components);
    const r = columnPearson(predictPls(model, x.selectRows(test)), y.selectRows(test).astype('float64'));
    for (let t = 0; t < v; t++) {
      if (!Number.isNaN(r[t])) {
        rSum[t] += r[t];
        rCount[t]++;
      }
    }
    progress.tick();
  }
  const perTarget = Float64Array.from(rSum, (s, t) => (rCount[t] ? s / rCount[t] : Number.NaN));
  const sum = summarize(perTarget);
  return {
    metric: 'pls',
    value: sum.median,
    details: {
      median: sum.median,
      mean: sum.mean,
      nanTargets: sum.nanTargets,
      perTarget: Array.from(perTarget),
      folds: nFolds,
      seed,
      nComponents: requested,
      componentsUsed: used,
      scale,
    },
  };
}
