/** Test helper (not exported): seeded random matrices. */
import { Matrix, type Rng } from '@concord/core';

export function randn(rng: Rng, r: number, c: number): Matrix {
  return new Matrix(r, c, rng.fillNormal(new Float64Array(r * c)));
}

/** y + f·x on the first min(cols) columns, so the two sides share some structure. */
export function mix(x: Matrix, y: Matrix, f: number): Matrix {
  const out = y.clone();
  const k = Math.min(x.cols, y.cols);
  for (let i = 0; i < y.rows; i++) for (let j = 0; j < k; j++) out.data[i * y.cols + j] += f * x.data[i * x.cols + j];
  return out;
}

export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}
