/**
 * neg_riem_dist (rsatoolbox compare_neg_riemannian_distance): RDMs become second-moment matrices relative to
 * condition 0, G_ab = ½(d_0a + d_0b − d_ab) ((n−1)×(n−1)); the distance is
 * min over θ of √Σ log² λ_k, λ = generalized eigenvalues of (e^θ₀·G1 + e^θ₁·Σ̂, G2), Σ̂ = P·Σ·Pᵀ, P = [−1 | I],
 * minimised with scipy's Nelder–Mead from θ = (0, 0) as rsatoolbox does.
 */
import { ConcordRangeError, cholesky, eigh, Matrix } from '@concord/core';
import { RSA_ERRORS } from './errors.ts';
import { nelderMead } from './nelder-mead.ts';

/** G relative to condition 0 from a full pair vector of n conditions. */
export function secondMomentFromFirst(v: ArrayLike<number>, n: number): Matrix {
  const m = n - 1;
  const g = Matrix.zeros(m, m);
  // d_0a is at index a-1 for a = 1..n-1
  for (let a = 0; a < m; a++) g.data[a * m + a] = v[a];
  let k = n - 1;
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      const val = 0.5 * v[a] + 0.5 * v[b] - 0.5 * v[k++];
      g.data[a * m + b] = val;
      g.data[b * m + a] = val;
    }
  }
  return g;
}

/** Σ̂ = P·Σ·Pᵀ with P = [−1 | I]. */
export function projectSigma(sigma: Matrix): Matrix {
  const n = sigma.rows;
  const m = n - 1;
  const s = sigma.data;
  const out = Matrix.zeros(m, m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) out.data[a * m + b] = s[(a + 1) * n + (b + 1)] - s[(a + 1) * n] - s[b + 1] + s[0];
  }
  return out;
}

function forwardSolveInverse(l: Matrix): Matrix {
  const n = l.rows;
  const out = Matrix.zeros(n, n);
  for (let col = 0; col < n; col++) {
    for (let i = col; i < n; i++) {
      let s = i === col ? 1 : 0;
      for (let k = col; k < i; k++) s -= l.data[i * n + k] * out.data[k * n + col];
      out.data[i * n + col] = s / l.data[i * n + i];
    }
  }
  return out;
}

/** A whitener for the generalized problem A·x = λ·G2·x: L⁻¹ with G2 = L·Lᵀ. */
export function generalizedWhitener(g2: Matrix, which: string): Matrix {
  try {
    return forwardSolveInverse(cholesky(g2));
  } catch {
    throw new ConcordRangeError(
      RSA_ERRORS.NOT_POSITIVE_DEFINITE,
      `compareRdms(neg_riem_dist): the second-moment matrix of ${which} is not positive definite (e.g. a categorical model RDM with ties); rsatoolbox fails here too (LinAlgError)`,
      { field: which },
    );
  }
}

function congruence(li: Matrix, a: Matrix): Matrix {
  const m = a.rows;
  const tmp = new Float64Array(m * m);
  const out = Matrix.zeros(m, m);
  // tmp = L⁻¹·A (L⁻¹ lower triangular)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k <= i; k++) s += li.data[i * m + k] * a.data[k * m + j];
      tmp[i * m + j] = s;
    }
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k <= j; k++) s += tmp[i * m + k] * li.data[j * m + k];
      out.data[i * m + j] = s;
      out.data[j * m + i] = s;
    }
  }
  return out;
}

export function negRiemannianDistance(g1: Matrix, g2Whitener: Matrix, sigmaHat: Matrix): number {
  const m = g1.rows;
  const a = Matrix.zeros(m, m);
  const fun = (theta: Float64Array) => {
    const e0 = Math.exp(theta[0]);
    const e1 = Math.exp(theta[1]);
    for (let k = 0; k < a.data.length; k++) a.data[k] = e0 * g1.data[k] + e1 * sigmaHat.data[k];
    const { values } = eigh(congruence(g2Whitener, a));
    let s = 0;
    for (let k = 0; k < values.length; k++) {
      const l = Math.log(values[k]);
      s += l * l;
    }
    return Math.sqrt(s);
  };
  return -nelderMead(fun, [0, 0]).fun;
}
