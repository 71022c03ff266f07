/**
 * Whitened RDM representations for `cosine_cov` / `corr_cov` (rsatoolbox _cov_weighting). The cosine between two
 * RDMs after whitening with the covariance of RDM entries equals the cosine (Frobenius) between their
 * double-centred second-moment matrices G = −½·H·D·H — linear CKA of the implied kernels — so no
 * nPairs × nPairs matrix is ever built: O(n²) per RDM without sigma_k, O(n³) with a full sigma_k.
 *
 * Every RDM becomes a vector [√2·G_ij (i<j) …, G_ii …] whose dot products are ⟨G, G'⟩_F.
 *
 * sigma_k:
 * - none or 1-D (per-condition variances): rsatoolbox's fast path, reproduced exactly: H-centring, then
 *   G_ij / √(σ_i σ_j).
 * - 2-D (full covariance): the exact whitening: Σ⁻¹-weighted centring W = I − 1·(1ᵀΣ⁻¹)/(1ᵀΣ⁻¹1), G = −½·W·D·Wᵀ,
 *   inner product tr(Σ⁻¹·G·Σ⁻¹·G'), i.e. Frobenius after G ↦ L⁻¹·G·L⁻ᵀ with Σ = L·Lᵀ. This equals
 *   vᵀV⁻¹w with V = (CΣCᵀ)∘(CΣCᵀ) exactly; rsatoolbox solves that system with conjugate gradients at scipy's
 *   default tolerance 1e-5, so its values differ from the exact ones by up to ~1e-5 (relative).
 */
import { ConcordRangeError, cholesky, inverse, Matrix, matmul } from '@concord/core';
import { RSA_ERRORS } from './errors.ts';

export type SigmaK = { kind: 'none' } | { kind: 'diag'; values: Float64Array } | { kind: 'full'; matrix: Matrix };

/**
 * Packed [√2·G_ij (i<j), G_ii] of G = double-centred −½·D in one pass over the pairs (no n×n matrix): row means
 * of −½·D from the pair sums, then G_ij = w_ij − r_i − r_j + grand; G_ii = −2·r_i + grand. With per-condition
 * variances σ, G_ij / √(σ_i σ_j).
 */
function packedCentred(
  v: ArrayLike<number>,
  n: number,
  out: Float64Array,
  sd: Float64Array | undefined,
  offset: number,
): void {
  const rowMean = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i + 1; j < n; j++) {
      const w = -0.5 * (v[k++] - offset);
      s += w;
      rowMean[j] += w;
    }
    rowMean[i] += s;
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += rowMean[i];
    rowMean[i] /= n;
  }
  const grand = total / (n * n);
  k = 0;
  for (let i = 0; i < n; i++) {
    const ri = rowMean[i];
    for (let j = i + 1; j < n; j++) {
      const g = -0.5 * (v[k] - offset) - ri - rowMean[j] + grand;
      out[k++] = sd ? (Math.SQRT2 * g) / (sd[i] * sd[j]) : Math.SQRT2 * g;
    }
  }
  for (let i = 0; i < n; i++) {
    const g = grand - 2 * rowMean[i];
    out[k++] = sd ? g / (sd[i] * sd[i]) : g;
  }
}

/** Pack a symmetric n×n G into [√2·G_ij (i<j), G_ii]. */
function pack(g: Float64Array, n: number, out: Float64Array): void {
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[k++] = Math.SQRT2 * g[i * n + j];
  for (let i = 0; i < n; i++) out[k++] = g[i * n + i];
}

function lowerInverse(l: Matrix): Matrix {
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

/** Whitening for a full sigma_k: L⁻¹ (Σ = L·Lᵀ) and the Σ⁻¹-weighted centring matrix W. */
function fullSigmaParts(sigma: Matrix): { li: Matrix; w: Matrix } {
  const n = sigma.rows;
  let l: Matrix;
  try {
    l = cholesky(sigma);
  } catch (e) {
    throw new ConcordRangeError(
      RSA_ERRORS.NOISE,
      `sigmaK: the ${n}×${n} matrix is not positive definite (${(e as Error).message})`,
      { field: 'sigmaK' },
    );
  }
  const si = inverse(sigma);
  const rowSums = new Float64Array(n); // 1ᵀΣ⁻¹ (Σ⁻¹ symmetric)
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) rowSums[j] += si.data[i * n + j];
  }
  for (let j = 0; j < n; j++) total += rowSums[j];
  const w = Matrix.identity(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w.data[i * n + j] -= rowSums[j] / total;
  return { li: lowerInverse(l), w };
}

/**
 * Whitened representation of every row of `vectors` (n conditions, no NaN): rows × (nPairs + n).
 */
export function whitenedComplete(vectors: Matrix, n: number, sigma: SigmaK, centre = false): Matrix {
  const len = vectors.cols + n;
  const out = Matrix.zeros(vectors.rows, len);
  const full = sigma.kind === 'full' ? fullSigmaParts(sigma.matrix) : undefined;
  const sd = sigma.kind === 'diag' ? sigma.values.map(Math.sqrt) : undefined;
  for (let r = 0; r < vectors.rows; r++) {
    const v = vectors.row(r);
    const o = out.data.subarray(r * len, (r + 1) * len) as Float64Array;
    // corr_cov: the vector's mean is subtracted first (rsatoolbox compare_correlation_cov_weighted)
    let offset = 0;
    if (centre) {
      for (let k = 0; k < v.length; k++) offset += v[k];
      offset /= v.length;
    }
    if (!full) {
      packedCentred(v, n, o, sd, offset);
      continue;
    }
    const d = new Matrix(n, n, new Float64Array(n * n));
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        d.data[i * n + j] = -0.5 * (v[k] - offset);
        d.data[j * n + i] = -0.5 * (v[k++] - offset);
      }
    }
    const gw = matmul(matmul(full.w, d), full.w, { transB: true });
    pack(matmul(matmul(full.li, gw), full.li, { transB: true }).data as Float64Array, n, o);
  }
  return out;
}

/**
 * With missing entries (NaN pairs removed; `valid` marks the kept pairs of the full n-condition vector):
 * rsatoolbox's least-squares double centring with missing values, then the optional 1-D sigma_k scaling.
 */
export function whitenedWithMissing(vectors: Matrix, n: number, valid: Uint8Array, sigma: SigmaK): Matrix {
  if (sigma.kind === 'full') {
    throw new ConcordRangeError(
      RSA_ERRORS.NAN_POSITIONS,
      'sigmaK: a full (2-D) sigma_k cannot be combined with NaN entries (rsatoolbox: "cannot handle sigma_k and nans"); pass per-condition variances (1-D) or complete RDMs',
      {
        field: 'sigmaK',
      },
    );
  }
  const pi: number[] = [];
  const pj: number[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (valid[k++]) {
        pi.push(i);
        pj.push(j);
      }
    }
  }
  const m = pi.length;
  // M = ½·Σ_valid (e_i + e_j)(e_i + e_j)ᵀ + I
  const mm = Matrix.identity(n);
  for (let p = 0; p < m; p++) {
    const i = pi[p];
    const j = pj[p];
    mm.data[i * n + i] += 0.5;
    mm.data[j * n + j] += 0.5;
    mm.data[i * n + j] += 0.5;
    mm.data[j * n + i] += 0.5;
  }
  const mi = inverse(mm);
  const len = m + n;
  const out = Matrix.zeros(vectors.rows, len);
  const sd = sigma.kind === 'diag' ? sigma.values.map(Math.sqrt) : undefined;
  for (let r = 0; r < vectors.rows; r++) {
    const v = vectors.row(r);
    const u = new Float64Array(n);
    for (let p = 0; p < m; p++) {
      const w = -0.5 * v[p];
      u[pi[p]] += w;
      u[pj[p]] += w;
    }
    const z = new Float64Array(n);
    for (let a = 0; a < n; a++) {
      let s = 0;
      for (let b = 0; b < n; b++) s += u[b] * mi.data[b * n + a];
      z[a] = s;
    }
    const o = out.data.subarray(r * len, (r + 1) * len);
    for (let p = 0; p < m; p++) {
      let w = -0.5 * v[p] - 0.5 * (z[pi[p]] + z[pj[p]]);
      if (sd) w /= sd[pi[p]] * sd[pj[p]];
      o[p] = Math.SQRT2 * w;
    }
    for (let a = 0; a < n; a++) o[m + a] = sd ? -z[a] / (sd[a] * sd[a]) : -z[a];
  }
  return out;
}
