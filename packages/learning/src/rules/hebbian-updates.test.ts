import { eigh, Matrix, matmul, Rng, svd } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { krotovHopfieldIncrease, ojaSangerIncrease, softHebbIncrease } from './hebbian-updates.ts';

/** A Gaussian sample with covariance U·diag(λ)·Uᵀ, U a random orthonormal basis (from an eigendecomposition). */
function gaussian(n: number, eigenvalues: number[], seed: number): { x: Matrix; basis: Matrix } {
  const d = eigenvalues.length;
  const rng = new Rng(seed);
  const a = Matrix.zeros(d, d);
  rng.fillNormal(a.data as Float64Array);
  const sym = matmul(a, a, { transB: true });
  const basis = eigh(sym).vectors; // columns orthonormal
  const z = Matrix.zeros(n, d);
  rng.fillNormal(z.data as Float64Array);
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) z.data[s * d + j] *= Math.sqrt(eigenvalues[j]);
  return { x: matmul(z, basis, { transB: true }), basis };
}

/** Largest principal angle (degrees) between the row space of A (k×d) and the span of columns `cols` of B. */
function subspaceAngle(a: Matrix, b: Matrix, cols: number[]): number {
  const qa = svd(a).vt; // k×d orthonormal rows spanning A's rows
  const d = b.rows;
  const qb = Matrix.zeros(cols.length, d);
  cols.forEach((c, r) => {
    for (let i = 0; i < d; i++) qb.data[r * d + i] = b.data[i * b.cols + c];
  });
  const s = svd(matmul(qa, qb, { transB: true })).s;
  return (Math.acos(Math.min(1, s[s.length - 1])) * 180) / Math.PI;
}

function rowAngle(a: Matrix, r: number, b: Matrix, c: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.cols; i++) {
    const u = a.data[r * a.cols + i];
    const v = b.data[i * b.cols + c];
    ab += u * v;
    aa += u * u;
    bb += v * v;
  }
  return (Math.acos(Math.min(1, Math.abs(ab) / Math.sqrt(aa * bb))) * 180) / Math.PI;
}

describe('Oja and Sanger', () => {
  const eigenvalues = [0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 3, 5, 8];
  const { x, basis } = gaussian(20000, eigenvalues, 5);
  const top = [9, 8, 7]; // eigh orders ascending: the last columns are the top components

  function train(variant: 'oja' | 'sanger'): Matrix {
    const rng = new Rng(1);
    const w = Matrix.zeros(3, 10);
    rng.fillNormal(w.data as Float64Array, 0, 0.1);
    const batch = 20;
    for (let epoch = 0; epoch < 3; epoch++) {
      const lr = 0.01 / (1 + epoch);
      for (let s = 0; s < x.rows; s += batch) {
        const xb = new Matrix(batch, 10, x.data.slice(s * 10, (s + batch) * 10));
        const inc = ojaSangerIncrease(w, xb, variant).data;
        for (let i = 0; i < inc.length; i++) w.data[i] += lr * inc[i];
      }
    }
    return w;
  }

  it('Oja’s subspace rule spans the top principal subspace (principal angle < 5° against the eigendecomposition)', () => {
    const w = train('oja');
    expect(subspaceAngle(w, basis, top)).toBeLessThan(5);
    // …and not a lower one (the check can fail).
    expect(subspaceAngle(w, basis, [0, 1, 2])).toBeGreaterThan(80);
    // Rows become orthonormal.
    const g = matmul(w, w, { transB: true });
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(g.get(i, j)).toBeCloseTo(i === j ? 1 : 0, 1);
  });

  it('Sanger’s rule finds the ordered components themselves', () => {
    const w = train('sanger');
    expect(subspaceAngle(w, basis, top)).toBeLessThan(5);
    for (const [r, c] of top.entries()) expect(rowAngle(w, r, basis, c)).toBeLessThan(5);
  });
});

/** The authors' update transcribed with a full argsort per sample (plain loops, float64). */
function krotovReference(w: Matrix, x: Matrix, p: number, k: number, delta: number): number[] {
  const K = w.rows;
  const d = w.cols;
  const ds = new Array(K * d).fill(0);
  const xx = new Array(K).fill(0);
  for (let s = 0; s < x.rows; s++) {
    const tot: number[] = [];
    for (let u = 0; u < K; u++) {
      let t = 0;
      for (let i = 0; i < d; i++) {
        const v = w.data[u * d + i];
        t += Math.sign(v) * Math.abs(v) ** (p - 1) * x.data[s * d + i];
      }
      tot.push(t);
    }
    const order = tot.map((_, i) => i).sort((a, b) => tot[a] - tot[b]);
    const g = new Array(K).fill(0);
    g[order[K - 1]] = 1;
    g[order[K - k]] = -delta;
    for (let u = 0; u < K; u++) {
      xx[u] += g[u] * tot[u];
      for (let i = 0; i < d; i++) ds[u * d + i] += g[u] * x.data[s * d + i];
    }
  }
  for (let u = 0; u < K; u++) for (let i = 0; i < d; i++) ds[u * d + i] -= xx[u] * w.data[u * d + i];
  const nc = Math.max(...ds.map(Math.abs));
  return ds.map((v) => v / nc);
}

describe('Krotov–Hopfield competing hidden units', () => {
  it('matches a transcription of the authors’ update (p = 3, k = 2, Δ = 0.4)', () => {
    const rng = new Rng(2);
    const w = Matrix.zeros(7, 12);
    rng.fillNormal(w.data as Float64Array);
    const x = Matrix.zeros(9, 12);
    rng.fillUniform(x.data as Float64Array);
    const ref = krotovReference(w, x, 3, 2, 0.4);
    const got = krotovHopfieldIncrease(w, x, { p: 3, rank: 2, delta: 0.4 }).increase.data;
    for (const [i, v] of ref.entries()) expect(got[i]).toBeCloseTo(v, 10);
  });

  it('winning units’ weights converge to unit p-norm and become prototypes of the input clusters', () => {
    const rng = new Rng(3);
    const d = 20;
    // Three clusters around prototypes with disjoint support.
    const protos = [0, 1, 2].map((c) => Array.from({ length: d }, (_, i) => (Math.floor(i / 7) === c ? 1 : 0)));
    const n = 600;
    const x = Matrix.zeros(n, d);
    for (let s = 0; s < n; s++)
      for (let i = 0; i < d; i++) x.data[s * d + i] = Math.max(0, protos[s % 3][i] + rng.normal(0, 0.1));
    const w = Matrix.zeros(6, d);
    rng.fillNormal(w.data as Float64Array, 0, 1);
    const p = 2;
    const epochs = 200;
    for (let e = 0; e < epochs; e++) {
      const eps = 0.05 * (1 - e / epochs);
      for (let s = 0; s < n; s += 60) {
        const xb = new Matrix(60, d, x.data.slice(s * d, (s + 60) * d));
        const inc = krotovHopfieldIncrease(w, xb, { p, rank: 2, delta: 0.4 }).increase.data;
        for (let i = 0; i < inc.length; i++) w.data[i] += eps * inc[i];
      }
    }
    const { winners } = krotovHopfieldIncrease(w, x, { p, rank: 2, delta: 0.4 });
    const used = new Set(winners);
    for (const u of used) {
      let norm = 0;
      for (let i = 0; i < d; i++) norm += Math.abs(w.data[u * d + i]) ** p;
      expect(norm ** (1 / p)).toBeGreaterThan(0.9);
      expect(norm ** (1 / p)).toBeLessThan(1.1);
    }
    // Each cluster has a winning unit aligned with its prototype.
    for (const proto of protos) {
      let bestCos = 0;
      for (const u of used) {
        let ab = 0;
        let aa = 0;
        for (let i = 0; i < d; i++) {
          ab += w.data[u * d + i] * proto[i];
          aa += w.data[u * d + i] ** 2;
        }
        bestCos = Math.max(bestCos, ab / Math.sqrt(aa * 7));
      }
      expect(bestCos).toBeGreaterThan(0.85);
    }
    // …and the clusters are won by different units (competition, not one unit for everything).
    const majority = [0, 1, 2].map((c) => {
      const counts = new Map<number, number>();
      for (let s = c; s < n; s += 3) counts.set(winners[s], (counts.get(winners[s]) ?? 0) + 1);
      return [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    });
    expect(new Set(majority).size).toBe(3);
  });
});

describe('SoftHebb', () => {
  it('matches a per-sample transcription of Δw_k = y_k (x − u_k w_k), y = softmax(u/τ)', () => {
    const rng = new Rng(4);
    const w = Matrix.zeros(5, 8);
    rng.fillNormal(w.data as Float64Array);
    const x = Matrix.zeros(6, 8);
    rng.fillUniform(x.data as Float64Array);
    const tau = 0.7;
    const ref = new Array(40).fill(0);
    for (let s = 0; s < 6; s++) {
      const u = [0, 1, 2, 3, 4].map((k) => {
        let v = 0;
        for (let i = 0; i < 8; i++) v += w.data[k * 8 + i] * x.data[s * 8 + i];
        return v;
      });
      const e = u.map((v) => Math.exp(v / tau));
      const z = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < 5; k++)
        for (let i = 0; i < 8; i++) ref[k * 8 + i] += ((e[k] / z) * (x.data[s * 8 + i] - u[k] * w.data[k * 8 + i])) / 6;
    }
    const got = softHebbIncrease(w, x, tau).data;
    for (const [i, v] of ref.entries()) expect(got[i]).toBeCloseTo(v, 12);
  });

  it('weights of winning units converge to the unit sphere', () => {
    const rng = new Rng(5);
    const d = 12;
    const w = Matrix.zeros(4, d);
    rng.fillNormal(w.data as Float64Array, 0, 0.2);
    const x = Matrix.zeros(400, d);
    rng.fillUniform(x.data as Float64Array);
    for (let e = 0; e < 300; e++) {
      const inc = softHebbIncrease(w, x, 0.5).data;
      for (let i = 0; i < inc.length; i++) w.data[i] += 0.5 * inc[i];
    }
    let maxNorm = 0;
    for (let k = 0; k < 4; k++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += w.data[k * d + i] ** 2;
      maxNorm = Math.max(maxNorm, Math.sqrt(s));
    }
    expect(maxNorm).toBeGreaterThan(0.95);
    expect(maxNorm).toBeLessThan(1.05);
  });
});
