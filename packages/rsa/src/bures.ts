/**
 * Bures similarity and squared Bures metric between RDMs (rsatoolbox compare_bures_similarity / _metric, the
 * "first way"): G = double-centred −D/2; √A from the eigendecomposition with negative eigenvalues clipped to 0;
 * fidelity F = Σ √max(0, eig(√A·B·√A)). similarity = F / √(tr A · tr B); metric = tr A + tr B − 2F.
 */
import { eigh, Matrix, matmul } from '@concord/core';

export function doubleCenteredKernel(v: ArrayLike<number>, n: number): Matrix {
  const g = Matrix.zeros(n, n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const w = -0.5 * v[k++];
      g.data[i * n + j] = w;
      g.data[j * n + i] = w;
    }
  }
  const colMean = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) colMean[j] += g.data[i * n + j] / n;
  let grand = 0;
  for (let j = 0; j < n; j++) grand += colMean[j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g.data[i * n + j] += grand - colMean[i] - colMean[j];
  return g;
}

export interface BuresPrepared {
  kernel: Matrix;
  sqrt: Matrix;
  trace: number;
}

export function prepareBures(v: ArrayLike<number>, n: number): BuresPrepared {
  const kernel = doubleCenteredKernel(v, n);
  const { values, vectors } = eigh(kernel);
  const scaled = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) scaled.data[i * n + k] = vectors.data[i * n + k] * Math.sqrt(Math.max(values[k], 0));
  const sqrt = matmul(scaled, vectors, { transB: true });
  let trace = 0;
  for (let i = 0; i < n; i++) trace += kernel.data[i * n + i];
  return { kernel, sqrt, trace };
}

export function fidelity(a: BuresPrepared, b: BuresPrepared): number {
  const m = matmul(matmul(a.sqrt, b.kernel), a.sqrt);
  const n = m.rows;
  // symmetrise rounding noise before the symmetric eigensolver
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = 0.5 * (m.data[i * n + j] + m.data[j * n + i]);
      m.data[i * n + j] = s;
      m.data[j * n + i] = s;
    }
  }
  const { values } = eigh(m);
  let f = 0;
  for (let k = 0; k < values.length; k++) f += Math.sqrt(Math.max(values[k], 0));
  return f;
}

export function buresSimilarity(a: BuresPrepared, b: BuresPrepared): number {
  return fidelity(a, b) / Math.sqrt(a.trace * b.trace);
}

export function buresMetric(a: BuresPrepared, b: BuresPrepared): number {
  return a.trace + b.trace - 2 * fidelity(a, b);
}
