/**
 * The CCA family: mean canonical correlation, SVCCA (Raghu et al. 2017) and PWCCA (Morcos, Raghu & Bengio 2018).
 * Canonical correlations are the singular values of U_Xᵀ·U_Y, where U are orthonormal bases of the centred data
 * (numerically stabler than inverting covariance matrices, and defined when features outnumber examples).
 */
import { centerColumns, type Matrix, matmul, svd } from '@concord/core';
import { type Basis, centeredBasis, firstColumns } from './basis.ts';
import { constantFeatures } from './errors.ts';
import { checkPair, checkVariance, type SimilarityResult, unitInterval } from './result.ts';

interface CcaParts {
  /** Canonical correlations, descending, clipped to [0, 1]; min(r_X, r_Y) of them. */
  rho: Float64Array;
  /** Coefficients of the canonical variates in the bases: variates of X are U_X·a (columns), of Y U_Y·b. */
  a: Matrix;
  b: Matrix;
}

function canonical(bx: Basis, by: Basis): CcaParts {
  const m = matmul(bx.u, by.u, { transA: true }); // r_X × r_Y
  const { u, s, vt } = svd(m);
  const rho = Float64Array.from(s, (v) => Math.min(1, Math.max(0, v)));
  return { rho, a: u, b: vt.transpose() };
}

function bases(metric: string, x: Matrix, y: Matrix): [Basis, Basis] {
  checkPair(metric, x, y, 2);
  checkVariance(metric, 'X', x);
  checkVariance(metric, 'Y', y);
  const bx = centeredBasis(x);
  const by = centeredBasis(y);
  if (bx.rank === 0) throw constantFeatures(metric, 'X', `${x.rows}×${x.cols}`);
  if (by.rank === 0) throw constantFeatures(metric, 'Y', `${y.rows}×${y.cols}`);
  return [bx, by];
}

function mean(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

/**
 * Mean canonical correlation between X (n×p) and Y (n×q) after centring columns: the average of the
 * min(rank X, rank Y) canonical correlations. Invariant to invertible linear maps of either side. When
 * rank X + rank Y ≥ n − 1 the correlations are trivially 1 (too few examples for the dimensions): reduce first (SVCCA).
 */
export function meanCca(x: Matrix, y: Matrix): SimilarityResult {
  const [bx, by] = bases('cca', x, y);
  const { rho } = canonical(bx, by);
  return {
    metric: 'cca',
    value: mean(rho),
    details: { correlations: Array.from(rho), rankX: bx.rank, rankY: by.rank },
  };
}

/** How many leading directions keep `threshold` of the summed singular values (anatome's svd reduction). */
export function keptDimensions(s: Float64Array, threshold: number): number {
  let total = 0;
  for (const v of s) total += v;
  let cum = 0;
  let below = 0;
  for (const v of s) {
    cum += v;
    if (cum / total < threshold) below++;
  }
  return Math.min(s.length, below + 1);
}

/**
 * SVCCA: each side is reduced to the leading singular directions whose singular values sum to `threshold` (default
 * 0.99) of the total (the convention of anatome and of Raghu et al.'s tutorial: singular values, not their squares),
 * then value = mean canonical correlation of the reduced sides.
 */
export function svcca(x: Matrix, y: Matrix, opts: { threshold?: number } = {}): SimilarityResult {
  const threshold = unitInterval('threshold', opts.threshold, 0.99, { openLow: true });
  const [bx, by] = bases('svcca', x, y);
  const kx = keptDimensions(bx.s, threshold);
  const ky = keptDimensions(by.s, threshold);
  const rx: Basis = { ...bx, u: firstColumns(bx.u, kx), s: bx.s.slice(0, kx), rank: kx };
  const ry: Basis = { ...by, u: firstColumns(by.u, ky), s: by.s.slice(0, ky), rank: ky };
  const { rho } = canonical(rx, ry);
  return {
    metric: 'svcca',
    value: mean(rho),
    details: { threshold, dimsX: kx, dimsY: ky, correlations: Array.from(rho) },
  };
}

/**
 * PWCCA: canonical correlations weighted by how much of the representation each canonical variate accounts for,
 * α_i ∝ Σ_j |⟨h_i, x_j⟩| (h_i the unit-norm canonical variates, x_j the centred features), on the side with the
 * smaller rank (X on ties), as Morcos et al.'s code weights the side with fewer neurons.
 * Differs from that code in one documented way: weights use centred features (their code projects the uncentred
 * activations, which makes the weights depend on the features' means).
 */
export function pwcca(x: Matrix, y: Matrix): SimilarityResult {
  const [bx, by] = bases('pwcca', x, y);
  const { rho, a, b } = canonical(bx, by);
  const useX = bx.rank <= by.rank;
  const basis = useX ? bx : by;
  const coef = useX ? a : b;
  const k = rho.length;
  const variates = matmul(basis.u, firstColumns(coef, k)); // n×k, orthonormal columns
  const proj = matmul(variates, centerColumns(useX ? x : y, 'float64'), { transA: true }); // k×p
  const w = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < proj.cols; j++) s += Math.abs(proj.data[i * proj.cols + j]);
    w[i] = s;
    total += s;
  }
  let value = 0;
  for (let i = 0; i < k; i++) {
    w[i] /= total;
    value += w[i] * rho[i];
  }
  return {
    metric: 'pwcca',
    value,
    details: {
      weightedSide: useX ? 'X' : 'Y',
      weights: Array.from(w),
      correlations: Array.from(rho),
      rankX: bx.rank,
      rankY: by.rank,
    },
  };
}
