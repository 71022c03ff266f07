/**
 * The few batch-wide dense operations the settling rules (predictive coding, equilibrium propagation, Hebbian
 * rules) repeat inside their inference loops. Weights are stored out×in (PyTorch's and ONNX Gemm(transB=1)'s
 * layout); a batch is N×features, one sample per row. Products go through core's gemm, so they run on BLAS when
 * the native backend is present.
 */
import { allocate, type FloatArray, Matrix, matmul } from '@concord/core';

/** N×out = X·Wᵀ + b for X N×in, W out×in (b may be empty: no bias). */
export function affine(x: Matrix, w: Matrix, b?: FloatArray): Matrix {
  const out = matmul(x, w, { transB: true });
  if (b?.length) addRowVector(out, b);
  return out;
}

/** N×in = E·W for E N×out, W out×in: errors sent back through the forward weights. */
export function backThrough(e: Matrix, w: Matrix): Matrix {
  return matmul(e, w);
}

/** out×in = scale·Eᵀ·A for E N×out, A N×in (a batch-summed outer product). */
export function outerSum(e: Matrix, a: Matrix, scale = 1): Matrix {
  const g = matmul(e, a, { transA: true });
  if (scale !== 1) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) d[i] *= scale;
  }
  return g;
}

/** Column sums of E (N×out) times scale, in E's dtype. */
export function columnSum(e: Matrix, scale = 1): FloatArray {
  const out = allocate(e.dtype, e.cols);
  const d = e.data;
  const c = e.cols;
  for (let i = 0; i < e.rows; i++) for (let j = 0; j < c; j++) out[j] += d[i * c + j];
  if (scale !== 1) for (let j = 0; j < c; j++) out[j] *= scale;
  return out;
}

/** Add a row vector to every row, in place. */
export function addRowVector(m: Matrix, v: FloatArray): void {
  const d = m.data;
  const c = m.cols;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < c; j++) d[i * c + j] += v[j];
}

/** A matrix of the same shape and dtype filled by fn(value, index). */
export function mapMatrix(m: Matrix, fn: (v: number, i: number) => number): Matrix {
  const out = allocate(m.dtype, m.data.length);
  const d = m.data;
  for (let i = 0; i < d.length; i++) out[i] = fn(d[i], i);
  return new Matrix(m.rows, m.cols, out);
}

/** Row-wise softmax (numerically stable), in z's dtype. */
export function softmaxRows(z: Matrix): Matrix {
  const out = allocate(z.dtype, z.data.length);
  const d = z.data;
  const c = z.cols;
  for (let i = 0; i < z.rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, d[i * c + j]);
    let s = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(d[i * c + j] - max);
      out[i * c + j] = e;
      s += e;
    }
    for (let j = 0; j < c; j++) out[i * c + j] /= s;
  }
  return new Matrix(z.rows, c, out);
}

/** Mean over rows of −Σ y·log softmax(z) (cross-entropy of logits z against targets y). */
export function crossEntropy(z: Matrix, y: Matrix): number {
  const d = z.data;
  const t = y.data;
  const c = z.cols;
  let total = 0;
  for (let i = 0; i < z.rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, d[i * c + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp(d[i * c + j] - max);
    const lse = max + Math.log(s);
    for (let j = 0; j < c; j++) total -= t[i * c + j] * (d[i * c + j] - lse);
  }
  return total / z.rows;
}

/** Σ of squares of all entries (float64 accumulation). */
export function sumOfSquares(m: Matrix): number {
  let s = 0;
  const d = m.data;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return s;
}

/** Index of the largest entry in each row. */
export function argmaxRows(m: Matrix): Int32Array {
  const out = new Int32Array(m.rows);
  const c = m.cols;
  const d = m.data;
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (d[i * c + j] > d[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}
