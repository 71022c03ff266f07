/**
 * Kernels of the training engine (@concord/learning): products accumulating into a given output with alpha/beta
 * (sgemm with transposes), im2col/col2im for convolutions, tanh in place, and the Adam step. The native backend
 * implements them over OpenBLAS (native/training.cc); `jsTrainingKernels` is the TypeScript twin, checked against it
 * in backends.test.ts. Row-major arrays; callers validate sizes.
 */

import type { FloatArray } from '../matrix.ts';
import type { BackendName } from './backend.ts';

export interface TrainingKernels {
  readonly name: BackendName;
  /** C = alpha·op(A)·op(B) + beta·C; A is m×k (k×m when transA), B k×n (n×k when transB); one dtype for all. */
  gemmInto(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    alpha: number,
    beta: number,
  ): void;
  /**
   * One image x (c×h×w) to columns (c·k·k rows × oh·ow columns; row (ci, ki, kj), column (oy, ox)); zero padding.
   */
  im2col(
    x: FloatArray,
    cols: FloatArray,
    c: number,
    h: number,
    w: number,
    k: number,
    stride: number,
    pad: number,
  ): void;
  /** The adjoint of im2col: ADDS the columns back into x (c×h×w); the caller zeroes x first when needed. */
  col2im(
    cols: FloatArray,
    x: FloatArray,
    c: number,
    h: number,
    w: number,
    k: number,
    stride: number,
    pad: number,
  ): void;
  tanhInPlace(x: FloatArray): void;
  /**
   * PyTorch's Adam step (weight decay as L2 added to the gradient): m, v updated; p -= lr/bias1 · m/(sqrt(v)/sqrt(bias2) + eps),
   * bias1 = 1 - beta1^t, bias2 = 1 - beta2^t. Float32 arrays only.
   */
  adamStep(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    bias1: number,
    bias2: number,
  ): void;
  /**
   * Set the BLAS thread count of this process (no-op for the TypeScript twin). Process-wide: it also changes how
   * every later product splits its sums, hence their last bits; a caller restores the count it found (threads()).
   */
  setThreads(n: number): void;
  /** The BLAS thread count of this process (1 for the TypeScript twin). */
  threads(): number;
}

export function convOutputSize(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/** C = alpha·op(A)·op(B) + beta·C in TypeScript: rows of op(A) against rows of op(B)ᵀ, unrolled by four columns. */
function gemmIntoTypeScript(
  a: FloatArray,
  b: FloatArray,
  c: FloatArray,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
): void {
  // Bring op(A) to m×k rows and op(B)ᵀ to n×k rows (contiguous dot products).
  const left = transA ? transposed(a, k, m) : a;
  const right = transB ? b : transposed(b, k, n);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    const ci = i * n;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s0 = 0;
      let s1 = 0;
      let t = 0;
      for (; t + 1 < k; t += 2) {
        s0 += left[ai + t] * right[bj + t];
        s1 += left[ai + t + 1] * right[bj + t + 1];
      }
      if (t < k) s0 += left[ai + t] * right[bj + t];
      const prod = alpha * (s0 + s1);
      c[ci + j] = beta === 0 ? prod : prod + beta * c[ci + j];
    }
  }
}

/** The transpose of a rows×cols row-major array. */
function transposed(x: FloatArray, rows: number, cols: number): FloatArray {
  const out = new (x.constructor as Float64ArrayConstructor | Float32ArrayConstructor)(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}

function im2colTypeScript(
  x: FloatArray,
  cols: FloatArray,
  c: number,
  h: number,
  w: number,
  k: number,
  stride: number,
  pad: number,
): void {
  const oh = convOutputSize(h, k, stride, pad);
  const ow = convOutputSize(w, k, stride, pad);
  for (let ci = 0; ci < c; ci++)
    for (let ki = 0; ki < k; ki++)
      for (let kj = 0; kj < k; kj++) {
        const row = ((ci * k + ki) * k + kj) * oh * ow;
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * stride - pad + ki;
          const out = row + oy * ow;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * stride - pad + kj;
            cols[out + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(ci * h + iy) * w + ix] : 0;
          }
        }
      }
}

function col2imTypeScript(
  cols: FloatArray,
  x: FloatArray,
  c: number,
  h: number,
  w: number,
  k: number,
  stride: number,
  pad: number,
): void {
  const oh = convOutputSize(h, k, stride, pad);
  const ow = convOutputSize(w, k, stride, pad);
  for (let ci = 0; ci < c; ci++)
    for (let ki = 0; ki < k; ki++)
      for (let kj = 0; kj < k; kj++) {
        const row = ((ci * k + ki) * k + kj) * oh * ow;
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * stride - pad + ki;
          if (iy < 0 || iy >= h) continue;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * stride - pad + kj;
            if (ix >= 0 && ix < w) x[(ci * h + iy) * w + ix] += cols[row + oy * ow + ox];
          }
        }
      }
}

function adamStepTypeScript(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  weightDecay: number,
  bias1: number,
  bias2: number,
): void {
  // Math.fround at each step so the twin follows the native float32 arithmetic closely.
  const f = Math.fround;
  const stepSize = f(lr / bias1);
  const sqrtBias2 = f(Math.sqrt(bias2));
  const b1 = f(beta1);
  const b2 = f(beta2);
  const wd = f(weightDecay);
  for (let i = 0; i < p.length; i++) {
    const gi = wd !== 0 ? f(g[i] + f(wd * p[i])) : g[i];
    m[i] = f(f(b1 * m[i]) + f(f(1 - b1) * gi));
    v[i] = f(f(b2 * v[i]) + f(f(f(1 - b2) * gi) * gi));
    const denom = f(f(f(Math.sqrt(v[i])) / sqrtBias2) + f(eps));
    p[i] = f(p[i] - f(f(stepSize * m[i]) / denom));
  }
}

export const jsTrainingKernels: TrainingKernels = {
  name: 'js',
  gemmInto: gemmIntoTypeScript,
  im2col: im2colTypeScript,
  col2im: col2imTypeScript,
  tanhInPlace(x) {
    for (let i = 0; i < x.length; i++) x[i] = Math.tanh(x[i]);
  },
  adamStep: adamStepTypeScript,
  setThreads() {},
  threads: () => 1,
};
