/**
 * The local losses of Nøkland & Eidnes (2019), "Training neural networks with local error signals" (ICML;
 * reference code anokland/local-loss): every hidden layer learns from a loss computed on its own output h and the
 * labels alone, and no gradient passes between layers.
 *   pred: cross-entropy of a local linear classifier on h (weights zero-initialised, as in the reference);
 *   sim:  mean squared difference between the batch's adjusted-cosine similarity matrix of h·Sᵀ (S a learned square
 *         projection, bias-free) and that of the one-hot labels;
 *   predsim: (1 − β)·pred + β·sim (β = 0.99 in the reference).
 * The functions here return the loss and the gradient with respect to h and to the auxiliary weights; the rule files
 * (local-pred.ts, local-sim.ts, local-predsim.ts) carry it through the layer's own nonlinearity and weights.
 */
import { type FloatArray, Matrix, matmul } from '@concord/core';

/** C = op(A)·op(B): core's `matmul` by default; the rule passes the run's training kernels (`--backend`). */
export type MatMul = (a: Matrix, b: Matrix, opts?: { transA?: boolean; transB?: boolean }) => Matrix;

/** Offset of the norm in the similarity matrix (the reference's 1e-8), so a constant row does not divide by zero. */
const NORM_EPSILON = 1e-8;

/**
 * The reference's `similarity_matrix`: rows centred on their own mean, divided by (ε + their norm), R = Xn·Xnᵀ
 * clamped to [−1, 1]. Returns R and the normalised rows (the backward pass needs them).
 */
export function similarityMatrix(
  x: Matrix,
  mm: MatMul = matmul,
): { r: Matrix; normalized: Matrix; norms: Float64Array } {
  const n = x.rows;
  const f = x.cols;
  const normalized = Matrix.zeros(n, f, x.dtype);
  const norms = new Float64Array(n);
  const src = x.data;
  const dst = normalized.data;
  for (let i = 0; i < n; i++) {
    const off = i * f;
    let mean = 0;
    for (let j = 0; j < f; j++) mean += src[off + j];
    mean /= f;
    let ss = 0;
    for (let j = 0; j < f; j++) {
      const c = src[off + j] - mean;
      dst[off + j] = c;
      ss += c * c;
    }
    norms[i] = Math.sqrt(ss);
    const scale = 1 / (NORM_EPSILON + norms[i]);
    for (let j = 0; j < f; j++) dst[off + j] *= scale;
  }
  const r = mm(normalized, normalized, { transB: true });
  for (let k = 0; k < r.data.length; k++) r.data[k] = Math.min(1, Math.max(-1, r.data[k]));
  return { r, normalized, norms };
}

/**
 * Backward of `similarityMatrix`: given dLoss/dR, dLoss/dX. The clamp passes the gradient where −1 ≤ R ≤ 1 (as
 * torch.clamp does); `rRaw` is R before clamping, needed for that test.
 */
function similarityBackward(dR: Matrix, rRaw: Matrix, normalized: Matrix, norms: Float64Array, mm: MatMul): Matrix {
  const n = dR.rows;
  const f = normalized.cols;
  // Symmetrised incoming gradient with the clamp mask: dXn = (G + Gᵀ)·Xn.
  const g = Matrix.zeros(n, n, dR.dtype);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const a = rRaw.data[i * n + j];
      const b = rRaw.data[j * n + i];
      g.data[i * n + j] = (a >= -1 && a <= 1 ? dR.data[i * n + j] : 0) + (b >= -1 && b <= 1 ? dR.data[j * n + i] : 0);
    }
  const dXn = mm(g, normalized);
  // xn = xc / s with s = ε + |xc|: dxc = dxn / s − xc·(dxn·xc) / (s²·|xc|); then remove the row mean (centring).
  const out = dXn;
  const xn = normalized.data;
  for (let i = 0; i < n; i++) {
    const off = i * f;
    const s = NORM_EPSILON + norms[i];
    // xc = xn·s, so the second term xc·(dxn·xc)/(s²·|xc|) is xn·(dxn·xn)/|xc|.
    let dot = 0;
    for (let j = 0; j < f; j++) dot += out.data[off + j] * xn[off + j];
    const radial = norms[i] > 0 ? dot / norms[i] : 0;
    let mean = 0;
    for (let j = 0; j < f; j++) {
      const v = out.data[off + j] / s - xn[off + j] * radial;
      out.data[off + j] = v;
      mean += v;
    }
    mean /= f;
    for (let j = 0; j < f; j++) out.data[off + j] -= mean;
  }
  return out;
}

/** One-hot rows (N × nClasses) of the labels, in the given dtype. */
export function oneHot(labels: ArrayLike<number>, nClasses: number, dtype: 'float32' | 'float64' = 'float32'): Matrix {
  const y = Matrix.zeros(labels.length, nClasses, dtype);
  for (let i = 0; i < labels.length; i++) y.data[i * nClasses + labels[i]] = 1;
  return y;
}

export interface SimilarityLossResult {
  /** mean((R(h·Sᵀ) − R(Y))²) over the N² entries (F.mse_loss). */
  loss: number;
  /** dLoss/dh (N × F). */
  dH: Matrix;
  /** dLoss/dS (F × F). */
  dS: Matrix;
}

/** The `sim` loss of one layer: h is N×F, S is the F×F projection (the reference's `linear_loss`, no bias). */
export function similarityLoss(
  h: Matrix,
  s: Matrix,
  labels: ArrayLike<number>,
  nClasses: number,
  mm: MatMul = matmul,
): SimilarityLossResult {
  const n = h.rows;
  const z = mm(h, s, { transB: true });
  const sim = similarityMatrix(z, mm);
  // R before clamping, for the clamp's gradient mask.
  const rRaw = mm(sim.normalized, sim.normalized, { transB: true });
  const ry = similarityMatrix(oneHot(labels, nClasses, h.dtype), mm).r;
  const dR = Matrix.zeros(n, n, h.dtype);
  let loss = 0;
  const scale = 2 / (n * n);
  for (let k = 0; k < n * n; k++) {
    const d = sim.r.data[k] - ry.data[k];
    loss += d * d;
    dR.data[k] = scale * d;
  }
  loss /= n * n;
  const dZ = similarityBackward(dR, rRaw, sim.normalized, sim.norms, mm);
  return { loss, dH: mm(dZ, s), dS: mm(dZ, h, { transA: true }) };
}

export interface PredictionLossResult {
  /** Mean cross-entropy of the local classifier. */
  loss: number;
  /** Fraction of the batch the local classifier gets right. */
  accuracy: number;
  dH: Matrix;
  /** dLoss/dD (nClasses × F) and dLoss/db (nClasses). */
  dWeight: Matrix;
  dBias: FloatArray;
}

/** Softmax cross-entropy of logits (N × C) against integer labels: mean loss, accuracy, dLoss/dlogits. */
export function softmaxCrossEntropy(
  logits: Matrix,
  labels: ArrayLike<number>,
): { loss: number; accuracy: number; dLogits: Matrix } {
  const n = logits.rows;
  const c = logits.cols;
  const d = Matrix.zeros(n, c, logits.dtype);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const off = i * c;
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < c; j++)
      if (logits.data[off + j] > max) {
        max = logits.data[off + j];
        arg = j;
      }
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(logits.data[off + j] - max);
    const logSum = Math.log(sum) + max;
    loss += logSum - logits.data[off + labels[i]];
    if (arg === labels[i]) correct++;
    for (let j = 0; j < c; j++) d.data[off + j] = Math.exp(logits.data[off + j] - logSum) / n;
    d.data[off + labels[i]] -= 1 / n;
  }
  return { loss: loss / n, accuracy: correct / n, dLogits: d };
}

/** The `pred` loss of one layer: a linear classifier (weight C×F, bias C) on h. */
export function predictionLoss(
  h: Matrix,
  weight: Matrix,
  bias: FloatArray,
  labels: ArrayLike<number>,
  mm: MatMul = matmul,
): PredictionLossResult {
  const logits = mm(h, weight, { transB: true });
  const c = weight.rows;
  for (let i = 0; i < h.rows; i++) for (let j = 0; j < c; j++) logits.data[i * c + j] += bias[j];
  const { loss, accuracy, dLogits } = softmaxCrossEntropy(logits, labels);
  const dBias = new (h.data instanceof Float32Array ? Float32Array : Float64Array)(c);
  for (let i = 0; i < h.rows; i++) for (let j = 0; j < c; j++) dBias[j] += dLogits.data[i * c + j];
  return { loss, accuracy, dH: mm(dLogits, weight), dWeight: mm(dLogits, h, { transA: true }), dBias };
}

/** Which of the three local losses a rule uses. */
export type LocalLossKind = 'pred' | 'sim' | 'predsim';

export const LOCAL_LOSS_REFERENCE =
  'Nøkland & Eidnes 2019, "Training Neural Networks with Local Error Signals", ICML, arXiv:1901.06656 (code: anokland/local-loss)';

/**
 * The local loss of one hidden layer's output h (N×F) under `kind`, combined as the reference does: pred alone,
 * sim alone, or (1 − β)·pred + β·sim. Missing auxiliary weights are simply not used by the kind.
 */
export function localLoss(
  kind: LocalLossKind,
  h: Matrix,
  labels: ArrayLike<number>,
  nClasses: number,
  aux: { decoderWeight?: Matrix; decoderBias?: FloatArray; projection?: Matrix },
  beta: number,
  mm: MatMul = matmul,
): {
  loss: number;
  accuracy?: number;
  dH: Matrix;
  dDecoderWeight?: Matrix;
  dDecoderBias?: FloatArray;
  dProjection?: Matrix;
} {
  const wPred = kind === 'pred' ? 1 : kind === 'predsim' ? 1 - beta : 0;
  const wSim = kind === 'sim' ? 1 : kind === 'predsim' ? beta : 0;
  const dH = Matrix.zeros(h.rows, h.cols, h.dtype);
  let loss = 0;
  let accuracy: number | undefined;
  let dDecoderWeight: Matrix | undefined;
  let dDecoderBias: FloatArray | undefined;
  let dProjection: Matrix | undefined;
  if (wPred > 0 && aux.decoderWeight && aux.decoderBias) {
    const p = predictionLoss(h, aux.decoderWeight, aux.decoderBias, labels, mm);
    loss += wPred * p.loss;
    accuracy = p.accuracy;
    addScaled(dH.data, p.dH.data, wPred);
    dDecoderWeight = scaled(p.dWeight, wPred);
    dDecoderBias = p.dBias.map((v) => v * wPred);
  }
  if (wSim > 0 && aux.projection) {
    const s = similarityLoss(h, aux.projection, labels, nClasses, mm);
    loss += wSim * s.loss;
    addScaled(dH.data, s.dH.data, wSim);
    dProjection = scaled(s.dS, wSim);
  }
  return { loss, accuracy, dH, dDecoderWeight, dDecoderBias, dProjection };
}

function addScaled(into: FloatArray, x: FloatArray, a: number): void {
  for (let i = 0; i < into.length; i++) into[i] += a * x[i];
}

function scaled(m: Matrix, a: number): Matrix {
  if (a !== 1) for (let i = 0; i < m.data.length; i++) m.data[i] *= a;
  return m;
}
