/**
 * Shape metrics (Williams, Kunz, Kornblith & Linderman 2021, the netrep package's LinearMetric): distances between
 * representations up to rotation/reflection, after centring and optional partial whitening.
 * alpha = 1 (default): no whitening (orthogonal Procrustes); alpha = 0: full whitening (CCA-like).
 */
import { type Matrix, matmul, svd } from '@concord/core';
import { type Basis, centeredBasis } from './basis.ts';
import { checkPair, checkVariance, type SimilarityResult, unitInterval } from './result.ts';

/** netrep's floor for covariance eigenvalues in the whitening. */
const EIGVAL_TOL = 1e-7;

/**
 * Singular values of the partially whitened, centred X as netrep computes it: both sides zero-padded to
 * P = max(p, q) features, eigenvalues λ of XᵀX floored at 1e-7, scale d = α + (1 − α)/√λ, rescaled so the total
 * variance is preserved.
 */
export function whitenedSingularValues(b: Basis, alpha: number, paddedFeatures: number): Float64Array {
  if (alpha > 1 - EIGVAL_TOL) return b.s.slice();
  const lam = Array.from(b.s, (s) => Math.max(s * s, EIGVAL_TOL));
  const extra = paddedFeatures - lam.length; // null directions: λ floored at the tolerance
  const newVar = (l: number) => alpha * alpha * l + 2 * alpha * (1 - alpha) * Math.sqrt(l) + (1 - alpha) ** 2;
  let sumLam = extra * EIGVAL_TOL;
  let sumNew = extra * newVar(EIGVAL_TOL);
  for (const l of lam) {
    sumLam += l;
    sumNew += newVar(l);
  }
  const c = Math.sqrt(sumLam / sumNew);
  return Float64Array.from(b.s, (s, i) => s * (alpha + (1 - alpha) / Math.sqrt(lam[i])) * c);
}

interface ShapeParts {
  normX: number;
  normY: number;
  /** Nuclear norm of X̃ᵀỸ: the largest ⟨X̃, Ỹ·Q⟩ over orthogonal Q. */
  nuclear: number;
  alpha: number;
}

function shapeParts(metric: string, x: Matrix, y: Matrix, alphaOpt: unknown): ShapeParts {
  const alpha = unitInterval('alpha', alphaOpt, 1);
  checkPair(metric, x, y, 2);
  const bx = centeredBasis(x);
  const by = centeredBasis(y);
  const padded = Math.max(x.cols, y.cols);
  const sx = whitenedSingularValues(bx, alpha, padded);
  const sy = whitenedSingularValues(by, alpha, padded);
  // X̃ᵀỸ has the singular values of diag(sx)·U_Xᵀ·U_Y·diag(sy)
  const m = matmul(bx.u, by.u, { transA: true });
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] *= sx[i] * sy[j];
  const nuclear = m.size ? svd(m).s.reduce((a, v) => a + v, 0) : 0;
  const norm = (s: Float64Array) => Math.sqrt(s.reduce((a, v) => a + v * v, 0));
  return { normX: norm(sx), normY: norm(sy), nuclear, alpha };
}

/**
 * Orthogonal Procrustes distance min_Q ‖X̃ − Ỹ·Q‖_F over orthogonal Q (X̃, Ỹ centred, partially whitened, zero-padded
 * to equal width): √(‖X̃‖² + ‖Ỹ‖² − 2‖X̃ᵀỸ‖_*). 0 for rotated/reflected copies; in the data's units (not normalised).
 */
export function procrustesDistance(x: Matrix, y: Matrix, opts: { alpha?: number } = {}): SimilarityResult {
  const p = shapeParts('procrustes', x, y, opts.alpha);
  const sq = Math.max(0, p.normX * p.normX + p.normY * p.normY - 2 * p.nuclear);
  return {
    metric: 'procrustes',
    value: Math.sqrt(sq),
    details: { alpha: p.alpha, normX: p.normX, normY: p.normY, nuclearNorm: p.nuclear, distance: 'euclidean' },
  };
}

/**
 * Angular shape metric arccos(‖X̃ᵀỸ‖_* / (‖X̃‖_F‖Ỹ‖_F)) in radians, in [0, π/2]: netrep's LinearMetric with
 * score_method='angular'. Invariant to rotations and isotropic scaling of either side. A side without variance is an error.
 */
export function angularShapeMetric(x: Matrix, y: Matrix, opts: { alpha?: number } = {}): SimilarityResult {
  const p = shapeParts('angular', x, y, opts.alpha);
  if (p.normX === 0) checkVariance('angular', 'X', x);
  if (p.normY === 0) checkVariance('angular', 'Y', y);
  const c = p.nuclear / (p.normX * p.normY);
  return {
    metric: 'angular',
    value: Math.acos(Math.min(1, Math.max(-1, c))),
    details: { alpha: p.alpha, cosine: c, distance: 'angular' },
  };
}
