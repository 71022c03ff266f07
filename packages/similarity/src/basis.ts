/**
 * The thin SVD of centred data, truncated at numerical rank: the orthonormal basis CCA and the shape metrics work in.
 * Every orthogonally invariant quantity of X (n×p) only depends on U·diag(s), so p may be far larger than n.
 */
import { centerColumns, type Matrix, svd } from '@concord/core';

export interface Basis {
  /** n×r left singular vectors of the centred data (columns orthonormal). */
  u: Matrix;
  /** r singular values, descending. */
  s: Float64Array;
  /** Numerical rank r (singular values above max(n, p)·eps·s₀, numpy.linalg.matrix_rank's cutoff). */
  rank: number;
  /** Number of features p. */
  features: number;
}

export function centeredBasis(x: Matrix): Basis {
  const { u, s } = svd(centerColumns(x, 'float64'));
  const tol = Math.max(x.rows, x.cols) * 2.220446049250313e-16 * (s[0] ?? 0);
  let r = 0;
  while (r < s.length && s[r] > tol) r++;
  return { u: firstColumns(u, r), s: s.slice(0, r), rank: r, features: x.cols };
}

/** The first k columns of m (a copy). */
export function firstColumns(m: Matrix, k: number): Matrix {
  if (k === m.cols) return m;
  return m.selectCols(Int32Array.from({ length: k }, (_, i) => i));
}
