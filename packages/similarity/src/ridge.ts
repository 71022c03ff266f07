/**
 * Ridge encoding model, the Brain-Score way of scoring neural predictivity: from model features X (n×p) predict
 * every target (channel/voxel) column of Y (n×v) with ridge regression, k-fold cross-validated; per target, the Pearson
 * r between held-out predictions and responses is averaged over folds; the summary is the median over targets
 * (Brain-Score) with the mean beside it.
 *
 * Inside each training fold the ridge penalty is chosen from a grid as scikit-learn's RidgeCV does by default:
 * efficient leave-one-out (generalised cross-validation) errors with an unpenalised intercept, one alpha for all
 * targets (mean LOO squared error) or, with `alphaPerTarget`, one per target. One eigendecomposition of the smaller
 * Gram matrix per fold (the thin SVD of the centred training features) serves every alpha.
 */
import {
  crossProduct,
  eigh,
  gram,
  gramT,
  Matrix,
  matmul,
  type ProgressCallback,
  ProgressReporter,
} from '@concord/core';
import {
  centerWithMeans,
  columnPearson,
  type FoldOptions,
  kFoldSplits,
  subtractMeans,
  summarize,
  trainIndices,
} from './cross-validation.ts';
import { badOption } from './errors.ts';
import {
  booleanOption,
  checkPair,
  checkVariance,
  integerOption,
  positiveNumber,
  type SimilarityResult,
} from './result.ts';

/** Default alpha grid: 10 values, 10⁻³ … 10⁶ (logspace(-3, 6, 10)); features are not standardised, so wide. */
export const DEFAULT_RIDGE_ALPHAS: readonly number[] = Array.from({ length: 10 }, (_, i) => 10 ** (i - 3));

export interface RidgeOptions extends FoldOptions {
  alphas?: readonly number[];
  /** Choose alpha per target instead of one for all targets (RidgeCV alpha_per_target). Default false. */
  alphaPerTarget?: boolean;
  /** Bound on the temporary memory for per-alpha residuals and predictions (targets are processed in chunks). Default 256. */
  memoryBudgetMiB?: number;
  onProgress?: ProgressCallback;
}

/** Thin SVD of centred training features through the smaller Gram matrix: U (m×r), s (r), and A = X_test,c·V (t×r). */
function foldDecomposition(xtr: Matrix, xte: Matrix): { u: Matrix; s: Float64Array; a: Matrix } {
  const m = xtr.rows;
  const p = xtr.cols;
  const dual = m <= p;
  const e = eigh(dual ? gram(xtr) : gramT(xtr));
  const k = e.values.length;
  const lmax = e.values[k - 1];
  const tol = Math.max(lmax, 0) * Math.max(m, p) * 2.220446049250313e-16;
  const keep: number[] = [];
  for (let j = k - 1; j >= 0; j--) if (e.values[j] > tol) keep.push(j);
  const r = keep.length;
  const s = Float64Array.from(keep, (j) => Math.sqrt(e.values[j]));
  const vecs = e.vectors.selectCols(keep); // (m or p) × r, largest first
  if (dual) {
    // U = eigenvectors of X Xᵀ; A = X_te·V = X_te·X_trᵀ·U·diag(1/s)
    const a = matmul(crossProduct(xte, xtr), vecs);
    for (let i = 0; i < a.rows; i++) for (let j = 0; j < r; j++) a.data[i * r + j] /= s[j];
    return { u: vecs, s, a };
  }
  // V = eigenvectors of XᵀX; U = X·V·diag(1/s); A = X_te·V
  const u = matmul(xtr, vecs);
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < r; j++) u.data[i * r + j] /= s[j];
  return { u, s, a: matmul(xte, vecs) };
}

/**
 * Leave-one-out squared error summed over all targets, per alpha, without forming the m×v residuals of each alpha.
 * With B = UᵀY, f = s²/(s²+α) and fitted rows (U·diag(f)·B)_i, row i's residual energy is
 *   ‖y_i‖² − 2·Σ_j U_ij f_j (B·Yᵀ)_ji + Σ_jk U_ij f_j (B·Bᵀ)_jk f_k U_ik,
 * and B·Yᵀ = Uᵀ·(Y·Yᵀ), B·Bᵀ = Uᵀ·(Y·Yᵀ)·U come from one m×m Gram matrix of the responses; each alpha then costs
 * O(m·r²) instead of O(m·r·v). The error of alpha a is Σ_i (residual energy_i) / (1 − h_i(a))².
 */
export function totalLooErrors(
  u: Matrix,
  s2: Float64Array,
  ytr: Matrix,
  alphas: readonly number[],
  leverage: Float64Array[],
): Float64Array {
  const m = u.rows;
  const r = u.cols;
  const ky = gram(ytr); // m×m
  const c = matmul(u, ky, { transA: true }); // r×m = B·Yᵀ
  const g = matmul(c, u).data; // r×r = B·Bᵀ
  const cd = c.data;
  const yy = new Float64Array(m);
  for (let i = 0; i < m; i++) yy[i] = ky.data[i * m + i];
  const out = new Float64Array(alphas.length);
  const q = Matrix.zeros(m, r);
  alphas.forEach((alpha, ai) => {
    const f = Float64Array.from(s2, (v) => v / (v + alpha));
    for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) q.data[i * r + j] = u.data[i * r + j] * f[j];
    const qg = matmul(q, new Matrix(r, r, g)).data; // m×r
    const h = leverage[ai];
    let total = 0;
    for (let i = 0; i < m; i++) {
      let cross = 0;
      let fitted = 0;
      for (let j = 0; j < r; j++) {
        const qij = q.data[i * r + j];
        cross += qij * cd[j * m + i];
        fitted += qg[i * r + j] * qij;
      }
      const energy = Math.max(0, yy[i] - 2 * cross + fitted);
      const gi = 1 / (1 - h[i]);
      total += energy * gi * gi;
    }
    out[ai] = total;
  });
  return out;
}

/**
 * Leave-one-out squared error of every target under every alpha (for alphaPerTarget), from the residuals
 * (Y − U·diag(f)·UᵀY) / (1 − h), targets taken in chunks of `chunk` columns to bound the temporaries.
 */
function perTargetLooErrors(
  u: Matrix,
  s2: Float64Array,
  ytr: Matrix,
  uty: Matrix,
  alphas: readonly number[],
  leverage: Float64Array[],
  chunk: number,
): Float64Array[] {
  const m = u.rows;
  const r = u.cols;
  const v = ytr.cols;
  const looErr = alphas.map(() => new Float64Array(v));
  for (let c0 = 0; c0 < v; c0 += chunk) {
    const c1 = Math.min(v, c0 + chunk);
    const w = c1 - c0;
    const yc = columnSlice(ytr, c0, c1);
    const b = columnSlice(uty, c0, c1);
    const scaled = Matrix.zeros(r, w);
    for (let ai = 0; ai < alphas.length; ai++) {
      for (let j = 0; j < r; j++) {
        const f = s2[j] / (s2[j] + alphas[ai]);
        for (let t = 0; t < w; t++) scaled.data[j * w + t] = b.data[j * w + t] * f;
      }
      const fit = matmul(u, scaled); // m×w fitted centred responses
      const err = looErr[ai];
      const h = leverage[ai];
      for (let i = 0; i < m; i++) {
        const g = 1 / (1 - h[i]);
        for (let t = 0; t < w; t++) {
          const e = (yc.data[i * w + t] - fit.data[i * w + t]) * g;
          err[c0 + t] += e * e;
        }
      }
    }
  }
  return looErr;
}

/** Columns [c0, c1) of m as a new matrix (m itself when that is all of it). */
function columnSlice(m: Matrix, c0: number, c1: number): Matrix {
  if (c0 === 0 && c1 === m.cols) return m;
  const w = c1 - c0;
  const out = Matrix.zeros(m.rows, w);
  for (let i = 0; i < m.rows; i++) out.data.set(m.data.subarray(i * m.cols + c0, i * m.cols + c1), i * w);
  return out;
}

export function ridgeEncoding(x: Matrix, y: Matrix, opts: RidgeOptions = {}): SimilarityResult {
  const alphas = opts.alphas ?? DEFAULT_RIDGE_ALPHAS;
  if (
    !Array.isArray(alphas) ||
    alphas.length === 0 ||
    alphas.some((a) => typeof a !== 'number' || !(a > 0) || !Number.isFinite(a))
  ) {
    throw badOption('alphas', 'expected a non-empty array of finite numbers > 0', alphas);
  }
  const nFolds = integerOption('folds', opts.folds, 5, 2);
  const seed = integerOption('seed', opts.seed, 0, Number.MIN_SAFE_INTEGER);
  const perTarget = booleanOption('alphaPerTarget', opts.alphaPerTarget, false);
  const budget = positiveNumber('memoryBudgetMiB', opts.memoryBudgetMiB, 256) * 2 ** 20;
  checkPair('ridge', x, y, Math.max(nFolds, 3));
  checkVariance('ridge', 'X', x);
  const n = x.rows;
  const v = y.cols;
  const na = alphas.length;
  const splits = kFoldSplits(n, nFolds, seed);
  if (splits.some((s) => n - s.length < 3))
    throw badOption('folds', 'leaves fewer than 3 training examples in a fold', nFolds);
  const rSum = new Float64Array(v);
  const rCount = new Int32Array(v);
  const chosen: number[][] = [];
  const progress = new ProgressReporter('ridge', nFolds, opts.onProgress);

  for (const test of splits) {
    const train = trainIndices(n, test);
    const m = train.length;
    const { centered: xtr, means: xm } = centerWithMeans(x.selectRows(train), true);
    const xte = subtractMeans(x.selectRows(test), xm, true);
    const { centered: ytr, means: ym } = centerWithMeans(y.selectRows(train), true);
    const yte = y.selectRows(test).astype('float64');
    const { u, s, a } = foldDecomposition(xtr, xte);
    const r = s.length;
    const s2 = Float64Array.from(s, (v) => v * v);
    // leverage of each training example under each alpha (the 1/m is the unpenalised intercept)
    const lev: Float64Array[] = alphas.map((alpha) => {
      const h = new Float64Array(m).fill(1 / m);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < r; j++) h[i] += (u.data[i * r + j] ** 2 * s2[j]) / (s2[j] + alpha);
      return h;
    });
    // targets per chunk so the per-chunk temporaries (responses and fits m×w, coefficients 2·r×w, predictions and
    // held-out responses 2·t×w) stay within the budget
    const chunk = Math.max(1, Math.min(v, Math.floor(budget / (8 * 2 * (m + r + test.length)))));
    const uty = matmul(u, ytr, { transA: true }); // r×v, reused for every alpha
    // the chosen alpha (index) of each target
    const pick = new Int32Array(v);
    if (perTarget) {
      const looErr = perTargetLooErrors(u, s2, ytr, uty, alphas, lev, chunk);
      for (let t = 0; t < v; t++) {
        let best = 0;
        for (let ai = 1; ai < na; ai++) if (looErr[ai][t] < looErr[best][t]) best = ai;
        pick[t] = best;
      }
    } else {
      const totalErr = totalLooErrors(u, s2, ytr, alphas, lev);
      let best = 0;
      for (let ai = 1; ai < na; ai++) if (totalErr[ai] < totalErr[best]) best = ai;
      pick.fill(best);
    }
    const counts = new Array(na).fill(0);
    for (const p of pick) counts[p]++;
    chosen.push(counts);
    // held-out predictions ȳ + A·diag(s/(s²+α_t))·Uᵀy_t, chunked like above
    for (let c0 = 0; c0 < v; c0 += chunk) {
      const c1 = Math.min(v, c0 + chunk);
      const w = c1 - c0;
      const coef = Matrix.zeros(r, w);
      for (let j = 0; j < r; j++) {
        for (let t = 0; t < w; t++)
          coef.data[j * w + t] = (uty.data[j * v + c0 + t] * s[j]) / (s2[j] + alphas[pick[c0 + t]]);
      }
      const pred = matmul(a, coef);
      for (let i = 0; i < pred.rows; i++) for (let t = 0; t < w; t++) pred.data[i * w + t] += ym[c0 + t];
      const rr = columnPearson(pred, columnSlice(yte, c0, c1));
      for (let t = 0; t < w; t++) {
        if (!Number.isNaN(rr[t])) {
          rSum[c0 + t] += rr[t];
          rCount[c0 + t]++;
        }
      }
    }
    progress.tick();
  }
  const perTargetR = Float64Array.from(rSum, (s, t) => (rCount[t] ? s / rCount[t] : Number.NaN));
  const sum = summarize(perTargetR);
  return {
    metric: 'ridge',
    value: sum.median,
    details: {
      median: sum.median,
      mean: sum.mean,
      nanTargets: sum.nanTargets,
      perTarget: Array.from(perTargetR),
      folds: nFolds,
      seed,
      alphas: [...alphas],
      alphaPerTarget: perTarget,
      alphaSelection: 'efficient leave-one-out (GCV) within each training fold',
      chosenAlphaCounts: chosen,
    },
  };
}
