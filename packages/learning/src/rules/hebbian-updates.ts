/**
 * The unsupervised Hebbian updates, as pure batch functions (the rule modules oja.ts and krotov-hopfield.ts wrap
 * them for the engine).
 *
 * - Oja's subspace rule (Oja 1989, "Neural networks, principal components, and subspaces", Int. J. Neural Syst.
 *   1:61) and Sanger's generalised Hebbian algorithm (Sanger 1989, "Optimal unsupervised learning in a single-layer
 *   linear feedforward neural network", Neural Networks 2:459): y = W·x, ΔW = η(y·xᵀ − M(y·yᵀ)·W) with M the lower
 *   triangle (Sanger: rows converge to the ordered principal components) or the full matrix (Oja: an orthonormal
 *   basis of the principal subspace).
 * - Krotov & Hopfield 2019 ("Unsupervised learning by competing hidden units", PNAS 116:7723): currents
 *   I_μ = Σ_i sign(W_μi)|W_μi|^{p−1} v_i; per sample the strongest unit gets g = 1 and the k-th strongest g = −Δ
 *   (anti-Hebbian); ΔW_μ = Σ_samples g_μ·(v − I_μ·W_μ), divided by its largest absolute entry (as in the authors'
 *   code), so that the learning rate is the largest change of any synapse.
 */
import { type FloatArray, Matrix, matmul } from '@concord/core';

/** Batch-mean Hebbian increase for Oja (full) or Sanger (lower-triangular) on centred inputs x (N×d), W k×d. */
export function ojaSangerIncrease(w: Matrix, x: Matrix, variant: 'oja' | 'sanger'): Matrix {
  const n = x.rows;
  const y = matmul(x, w, { transB: true }); // N×k
  const yx = matmul(y, x, { transA: true }); // k×d
  const yy = matmul(y, y, { transA: true }); // k×k
  const k = w.rows;
  if (variant === 'sanger') for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) yy.data[i * k + j] = 0;
  const decay = matmul(yy, w);
  const out = yx.data;
  const dd = decay.data;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - dd[i]) / n;
  return yx;
}

export interface KrotovHopfieldOptions {
  /** Lebesgue norm p of the synapses (p = 2: Euclidean). */
  readonly p: number;
  /** Rank of the unit that receives the anti-Hebbian update. */
  readonly rank: number;
  /** Strength Δ of the anti-Hebbian update. */
  readonly delta: number;
}

/** sign(W)·|W|^{p−1}, elementwise. */
export function pNormWeights(w: Matrix, p: number): Matrix {
  const out = w.clone();
  const d = out.data;
  if (p === 2) return out;
  if (p === 3) for (let i = 0; i < d.length; i++) d[i] *= Math.abs(d[i]);
  else for (let i = 0; i < d.length; i++) d[i] = Math.sign(d[i]) * Math.abs(d[i]) ** (p - 1);
  return out;
}

/**
 * The Krotov–Hopfield increase of W (K×d) for a batch x (N×d): ΔW divided by max|ΔW| (the authors' normalisation;
 * `precision` guards a zero maximum). Also returns the winner of each sample.
 */
export function krotovHopfieldIncrease(
  w: Matrix,
  x: Matrix,
  opts: KrotovHopfieldOptions,
  precision = 1e-30,
): { increase: Matrix; winners: Int32Array } {
  const kUnits = w.rows;
  const d = w.cols;
  const n = x.rows;
  const currents = matmul(x, pNormWeights(w, opts.p), { transB: true }).data; // N×K
  const ds = Matrix.zeros(kUnits, d, w.dtype);
  const dd = ds.data;
  const xd = x.data;
  const xx = new Float64Array(kUnits);
  const winners = new Int32Array(n);
  const rank = Math.min(opts.rank, kUnits);
  const best = new Int32Array(rank);
  for (let s = 0; s < n; s++) {
    const row = s * kUnits;
    // The `rank` strongest units by current, in order (insertion into a short list: O(K·rank), not a sort).
    let filled = 0;
    for (let j = 0; j < kUnits; j++) {
      const c = currents[row + j];
      if (filled === rank && c <= currents[row + best[rank - 1]]) continue;
      let at = filled < rank ? filled++ : rank - 1;
      while (at > 0 && currents[row + best[at - 1]] < c) {
        best[at] = best[at - 1];
        at--;
      }
      best[at] = j;
    }
    const top = best[0];
    const other = best[rank - 1];
    winners[s] = top;
    const pairs: [number, number][] =
      rank > 1
        ? [
            [top, 1],
            [other, -opts.delta],
          ]
        : [[top, 1]];
    for (const [unit, g] of pairs) {
      xx[unit] += g * currents[row + unit];
      const off = unit * d;
      const xo = s * d;
      for (let i = 0; i < d; i++) dd[off + i] += g * xd[xo + i];
    }
  }
  const wd = w.data;
  let max = 0;
  for (let u = 0; u < kUnits; u++) {
    const off = u * d;
    for (let i = 0; i < d; i++) {
      dd[off + i] -= xx[u] * wd[off + i];
      max = Math.max(max, Math.abs(dd[off + i]));
    }
  }
  const scale = 1 / Math.max(max, precision);
  for (let i = 0; i < dd.length; i++) dd[i] *= scale;
  return { increase: ds, winners };
}

/** Hidden features of the frozen Krotov–Hopfield layer: relu(W·v)^n (the paper's f(x) = x^n for x ≥ 0). */
export function rectifiedPower(currents: FloatArray, n: number): void {
  for (let i = 0; i < currents.length; i++) currents[i] = currents[i] > 0 ? currents[i] ** n : 0;
}

/**
 * SoftHebb (Moraitis et al. 2022, "SoftHebb: Bayesian inference in unsupervised Hebbian soft winner-take-all
 * networks", Neuromorph. Comput. Eng. 2:044017; the layer rule of Journé et al. 2023, "Hebbian deep learning without
 * feedback", ICLR): u = W·x, y = softmax(u/τ) over the units, ΔW_k = y_k·(x − u_k·W_k), averaged over the batch.
 */
export function softHebbIncrease(w: Matrix, x: Matrix, temperature: number): Matrix {
  const n = x.rows;
  const k = w.rows;
  const u = matmul(x, w, { transB: true }); // N×K
  const y = u.clone();
  const yd = y.data;
  const ud = u.data;
  const decay = new Float64Array(k);
  for (let s = 0; s < n; s++) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, ud[s * k + j] / temperature);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(ud[s * k + j] / temperature - max);
      yd[s * k + j] = e;
      sum += e;
    }
    for (let j = 0; j < k; j++) {
      yd[s * k + j] /= sum;
      decay[j] += yd[s * k + j] * ud[s * k + j];
    }
  }
  const inc = matmul(y, x, { transA: true }); // K×d
  const d = w.cols;
  const id = inc.data;
  const wd = w.data;
  for (let j = 0; j < k; j++)
    for (let i = 0; i < d; i++) id[j * d + i] = (id[j * d + i] - decay[j] * wd[j * d + i]) / n;
  return inc;
}
