/**
 * Kernel matrices and HSIC estimators shared by CKA, minibatch CKA and CKNNA. Kernels are n×n float64 matrices
 * (examples × examples).
 */
import { centerColumns, gram, type Matrix, squaredDistances } from '@concord/core';
import { badOption } from './errors.ts';

/** Linear kernel X·Xᵀ of the column-centred data. */
export function linearKernel(x: Matrix): Matrix {
  return gram(centerColumns(x, 'float64'));
}

/** Σ_ij A_ij·B_ij (= tr(A·Bᵀ)). */
export function frobeniusInner(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** k-th smallest value (0-based) of `values`, which is reordered in place (Hoare quickselect, O(n) expected). */
export function kthSmallest(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    // median of three as pivot keeps sorted inputs linear
    const mid = (lo + hi) >>> 1;
    const a = values[lo];
    const b = values[mid];
    const c = values[hi];
    const pivot = a < b ? (b < c ? b : Math.max(a, c)) : a < c ? a : Math.max(b, c);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/** numpy.median: the middle value, or the mean of the two middle values for an even count. `values` is reordered. */
export function median(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const hi = kthSmallest(values, n >> 1);
  if (n % 2 === 1) return hi;
  return (leftMax(values, n >> 1) + hi) / 2;
}

/**
 * How the RBF bandwidth is derived from the data:
 * - 'full': σ² = threshold² · median of the full n×n squared-distance matrix, zero diagonal included
 *   (Kornblith et al. 2019 reference code, the default);
 * - 'pairs': σ = threshold · median Euclidean distance over distinct pairs i < j.
 */
export type RbfMedian = 'full' | 'pairs';
export const RBF_MEDIANS: readonly RbfMedian[] = ['full', 'pairs'];

export function rbfSigma(sqDist: Matrix, threshold: number, convention: RbfMedian): number {
  const n = sqDist.rows;
  const pairs = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs[k++] = sqDist.data[i * n + j];
  if (convention === 'full') return threshold * Math.sqrt(fullMatrixMedian(pairs, n));
  for (let p = 0; p < pairs.length; p++) pairs[p] = Math.sqrt(pairs[p]);
  return threshold * median(pairs);
}

/**
 * The median of a full n×n symmetric matrix with a zero diagonal and entries ≥ 0 (squared distances), from its
 * upper triangle `pairs` (reordered in place): sorted, the full matrix is its n diagonal zeros followed by every
 * pair value twice, so its order statistics are the pairs' — half the values to select among, no n² copy.
 */
export function fullMatrixMedian(pairs: Float64Array, n: number): number {
  const total = n * n;
  if (total === 0) return Number.NaN;
  const pairIndex = (m: number) => Math.floor((m - n) / 2);
  const hiAt = total >> 1; // for odd totals the median itself
  const loAt = total % 2 === 0 ? hiAt - 1 : hiAt;
  if (hiAt < n) return 0;
  const hi = kthSmallest(pairs, pairIndex(hiAt));
  if (loAt < n) return hi / 2;
  const lo = pairIndex(loAt) === pairIndex(hiAt) ? hi : leftMax(pairs, pairIndex(hiAt));
  return (lo + hi) / 2;
}

/** After kthSmallest(values, k): the largest value left of position k (the (k−1)-th smallest). */
function leftMax(values: Float64Array, k: number): number {
  let m = -Infinity;
  for (let i = 0; i < k; i++) if (values[i] > m) m = values[i];
  return m;
}

/** K_ij = exp(−|x_i − x_j|² / (2σ²)); σ fixed or from the median heuristic. */
export function rbfKernel(
  x: Matrix,
  opts: { sigma?: number; threshold?: number; median?: RbfMedian } = {},
): { kernel: Matrix; sigma: number } {
  const d = squaredDistances(x.astype('float64'));
  const sigma = opts.sigma ?? rbfSigma(d, opts.threshold ?? 0.8, opts.median ?? 'full');
  if (!(sigma > 0)) {
    throw badOption(
      'sigma',
      'the RBF bandwidth came out as 0 (the median distance between examples is 0: more than half of the pairs coincide); pass a fixed sigma > 0',
      sigma,
    );
  }
  const f = -1 / (2 * sigma * sigma);
  const k = d.data;
  for (let i = 0; i < k.length; i++) k[i] = Math.exp(k[i] * f);
  return { kernel: d, sigma };
}

/**
 * Unbiased HSIC (Song et al. 2012), on the kernels with their diagonals ignored:
 * [tr(K̃L̃ᵀ) + 1ᵀK̃1·1ᵀL̃1/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3)). Kernels need not be symmetric (CKNNA
 * masks them row-wise), which is why the trace term pairs K̃_ij with L̃_ji and 1ᵀK̃L̃1 = (K̃ᵀ1)·(L̃1).
 */
export function hsicUnbiased(k: Matrix, l: Matrix): number {
  const n = k.rows;
  const kd = k.data;
  const ld = l.data;
  let trace = 0;
  let sumK = 0;
  let sumL = 0;
  const colK = new Float64Array(n); // K̃ᵀ1
  const rowL = new Float64Array(n); // L̃1
  for (let i = 0; i < n; i++) {
    const off = i * n;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const kij = kd[off + j];
      const lij = ld[off + j];
      trace += kij * ld[j * n + i];
      sumK += kij;
      sumL += lij;
      colK[j] += kij;
      rowL[i] += lij;
    }
  }
  const cross = frobeniusInner(colK, rowL);
  return (trace + (sumK * sumL) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * cross) / (n * (n - 3));
}

/** Row sums of a symmetric matrix without its diagonal, reading the upper triangle only. */
function offDiagonalRowSums(k: Matrix): Float64Array {
  const n = k.rows;
  const d = k.data;
  const rows = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * n;
    let s = 0;
    for (let j = i + 1; j < n; j++) {
      const v = d[off + j];
      s += v;
      rows[j] += v;
    }
    rows[i] += s;
  }
  return rows;
}

/**
 * HSIC₁(K, L), HSIC₁(K, K), HSIC₁(L, L) of two symmetric kernels, U-centring (Székely & Rizzo 2014) on the fly:
 * off the diagonal Ũ_ij = K_ij − r_i/(n−2) − r_j/(n−2) + S/((n−1)(n−2)) (r row sums, S the total, diagonal ignored),
 * and HSIC₁(K, L) = ⟨Ũ(K), Ũ(L)⟩ / (n(n−3)) — algebraically Song et al.'s formula (hsicUnbiased), but centring before
 * multiplying avoids the cancellation between its three large terms. Two passes over the upper triangles and no n×n
 * temporary; the kernels are not modified.
 */
export function unbiasedTripletSymmetric(k: Matrix, l: Matrix): { xy: number; xx: number; yy: number } {
  const n = k.rows;
  const rk = offDiagonalRowSums(k);
  const rl = offDiagonalRowSums(l);
  let tk = 0;
  let tl = 0;
  for (let i = 0; i < n; i++) {
    tk += rk[i];
    tl += rl[i];
    rk[i] /= n - 2;
    rl[i] /= n - 2;
  }
  const shiftK = tk / ((n - 1) * (n - 2));
  const shiftL = tl / ((n - 1) * (n - 2));
  const kd = k.data;
  const ld = l.data;
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < n; i++) {
    const off = i * n;
    const ai = shiftK - rk[i];
    const bi = shiftL - rl[i];
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let j = i + 1; j < n; j++) {
      const u = kd[off + j] + ai - rk[j];
      const v = ld[off + j] + bi - rl[j];
      sxy += u * v;
      sxx += u * u;
      syy += v * v;
    }
    xy += sxy;
    xx += sxx;
    yy += syy;
  }
  // both triangles, and the diagonal of a U-centred matrix is 0
  const f = 2 / (n * (n - 3));
  return { xy: xy * f, xx: xx * f, yy: yy * f };
}

/** ⟨A, B⟩, ⟨A, A⟩, ⟨B, B⟩ of two symmetric n×n matrices from their upper triangles (diagonal once, the rest twice). */
export function symmetricInnerTriplet(am: Matrix, bm: Matrix): { xy: number; xx: number; yy: number } {
  const n = am.rows;
  const a = am.data;
  const b = bm.data;
  let xy = 0;
  let xx = 0;
  let yy = 0;
  let dxy = 0;
  let dxx = 0;
  let dyy = 0;
  for (let i = 0; i < n; i++) {
    const off = i * n;
    const u0 = a[off + i];
    const v0 = b[off + i];
    dxy += u0 * v0;
    dxx += u0 * u0;
    dyy += v0 * v0;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let j = i + 1; j < n; j++) {
      const u = a[off + j];
      const v = b[off + j];
      sxy += u * v;
      sxx += u * u;
      syy += v * v;
    }
    xy += sxy;
    xx += sxx;
    yy += syy;
  }
  return { xy: 2 * xy + dxy, xx: 2 * xx + dxx, yy: 2 * yy + dyy };
}
