/**
 * Supervised predictive coding on a dense stack (Whittington & Bogacz 2017, "An approximation of the error
 * backpropagation algorithm in a predictive coding network with local Hebbian synaptic plasticity", Neural Comput.
 * 29:1229), and its fixed-prediction variant (Millidge, Tschantz & Buckley 2020, "Predictive coding approximates
 * backprop along arbitrary computation graphs", arXiv:2006.04182).
 *
 * Value nodes v_l are the pre-activations of layer l (v_0 = the input, clamped). Layer l predicts the next one,
 * μ_{l+1} = W_{l+1}·f(v_l) + b_{l+1} (f = identity on the input), and ε_l = v_l − μ_l is its prediction error.
 * The output is clamped to the label through the loss: ε_L = y − softmax(μ_L) for cross-entropy (energy term
 * CE(y, softmax μ_L)), ε_L = y − μ_L for MSE (½|ε_L|²). Inference is gradient descent on the energy
 * F = Σ_{l<L} ½|ε_l|² + output term over the hidden value nodes, for T steps with rate γ:
 *     v_l ← v_l + γ(−ε_l + f'(v_l) ⊙ (ε_{l+1}·W_{l+1}))
 * and the weight update is local and Hebbian: ΔW_l ∝ ε_lᵀ·f(v_{l−1}), Δb_l ∝ Σ ε_l.
 * Fixed prediction (FPA): predictions, Jacobians and presynaptic activities stay at their feedforward values; the
 * errors then converge to BP's deltas exactly.
 *
 * Everything runs on whole batches: each inference step is L forward-sized and L−1 backward-sized products
 * through core's gemm (BLAS on the native backend).
 */
import { type FloatArray, Matrix } from '@concord/core';
import { applyPointwise, multiplyByDerivative, type PointwiseName } from './pointwise.ts';
import { firstNonFiniteIndex, RelaxationDivergedError, type RelaxationSite } from './relaxation-error.ts';
import { affine, backThrough, columnSum, crossEntropy, outerSum, softmaxRows, sumOfSquares } from './settle-ops.ts';

/** A dense stack: W_l out×in (views over the network's params), biases, and the hidden nonlinearity. */
export interface DenseStack {
  readonly weights: readonly Matrix[];
  readonly biases: readonly FloatArray[];
  readonly hidden: PointwiseName;
}

export interface PredictiveCodingOptions {
  /** Inference steps T. */
  readonly steps: number;
  /** Inference rate γ. */
  readonly inferenceRate: number;
  /** Millidge et al.'s fixed-prediction assumption. */
  readonly fixedPrediction: boolean;
  readonly loss: 'cross-entropy' | 'mse';
  /**
   * Precision λ of the output error relative to the hidden ones (Whittington & Bogacz's Σ_L⁻¹; default 1): the
   * energy's output term and ε_L are scaled by λ. PC's equilibrium approaches BP (times λ) as λ → 0.
   */
  readonly outputPrecision?: number;
}

export interface PredictiveCodingResult {
  /** Descent directions (the negated Hebbian updates), averaged over the batch, one per layer. */
  readonly weightGrads: Matrix[];
  readonly biasGrads: FloatArray[];
  /** Mean energy per sample before each inference step and after the last (T + 1 values). */
  readonly energies: Float64Array;
  /** The feedforward logits and their loss (what the network predicts; inference does not change it). */
  readonly logits: Matrix;
  readonly loss: number;
}

/** Output error y − softmax(z) (cross-entropy) or y − z (MSE), and the energy term per batch (summed). */
function outputError(
  z: Matrix,
  y: Matrix,
  loss: 'cross-entropy' | 'mse',
  precision: number,
): { eps: Matrix; energy: number } {
  const e = loss === 'cross-entropy' ? softmaxRows(z) : z.clone();
  const d = e.data;
  const t = y.data;
  for (let i = 0; i < d.length; i++) d[i] = t[i] - d[i];
  const energy = precision * (loss === 'cross-entropy' ? crossEntropy(z, y) * z.rows : 0.5 * sumOfSquares(e));
  if (precision !== 1) for (let i = 0; i < d.length; i++) d[i] *= precision;
  return { eps: e, energy };
}

function subtract(a: Matrix, b: Matrix): Matrix {
  const out = a.clone();
  const d = out.data;
  const s = b.data;
  for (let i = 0; i < d.length; i++) d[i] -= s[i];
  return out;
}

/** Throw when a layer's value nodes or its energy term (terms[l], layer l = 1..L) stopped being finite. */
function checkFinite(site: RelaxationSite, values: readonly Matrix[], terms: Float64Array, step: number): void {
  for (let l = 1; l < terms.length; l++) {
    const i = l < values.length ? firstNonFiniteIndex(values[l].data) : -1;
    if (i >= 0)
      throw new RelaxationDivergedError(
        site,
        l,
        step,
        'non-finite',
        `value node ${i % values[l].cols} of sample ${Math.floor(i / values[l].cols)} is ${values[l].data[i]}; lower the inference rate`,
      );
    if (!Number.isFinite(terms[l]))
      throw new RelaxationDivergedError(
        site,
        l,
        step,
        'non-finite',
        `its prediction-error energy is ${terms[l]}; lower the inference rate`,
      );
  }
}

/**
 * Run inference on a batch (x N×in, y N×classes one-hot or soft targets, same dtype as the weights) and return the
 * weight updates. Throws RelaxationDivergedError when a value node becomes non-finite.
 */
export function predictiveCodingStep(
  stack: DenseStack,
  x: Matrix,
  y: Matrix,
  opts: PredictiveCodingOptions,
  site: RelaxationSite,
): PredictiveCodingResult {
  const { weights, biases, hidden } = stack;
  const depth = weights.length;
  const n = x.rows;
  const act = (l: number, v: Matrix): Matrix =>
    l === 0 ? v : new Matrix(v.rows, v.cols, applyPointwise(hidden, v.data));

  // Feedforward pass: value nodes start at the predictions (all hidden errors zero).
  const values: Matrix[] = [x];
  const acts: Matrix[] = [x];
  const preds: Matrix[] = [x];
  for (let l = 1; l <= depth; l++) {
    const mu = affine(acts[l - 1], weights[l - 1], biases[l - 1]);
    preds.push(mu);
    values.push(mu.clone());
    acts.push(l < depth ? act(l, mu) : mu);
  }
  const logits = preds[depth];
  const precision = opts.outputPrecision ?? 1;
  const ffOut = outputError(logits, y, opts.loss, precision);
  const ffActs = acts.slice();

  const energies = new Float64Array(opts.steps + 1);
  const errors: Matrix[] = new Array(depth + 1);

  // Errors (and energy) at the current value nodes; under FPA the predictions stay the feedforward ones.
  const terms = new Float64Array(depth + 1);
  const computeErrors = (step: number): void => {
    // The clamped input's prediction of layer 1 never changes: only layers 2..L are predicted again.
    if (!opts.fixedPrediction && step > 0)
      for (let l = 2; l <= depth; l++) {
        acts[l - 1] = act(l - 1, values[l - 1]);
        preds[l] = affine(acts[l - 1], weights[l - 1], biases[l - 1]);
      }
    for (let l = 1; l < depth; l++) {
      errors[l] = subtract(values[l], preds[l]);
      terms[l] = 0.5 * sumOfSquares(errors[l]);
    }
    const out = opts.fixedPrediction ? ffOut : outputError(preds[depth], y, opts.loss, precision);
    errors[depth] = out.eps;
    terms[depth] = out.energy;
    let energy = 0;
    for (let l = 1; l <= depth; l++) energy += terms[l];
    energies[step] = energy / n;
    checkFinite(site, values, terms, step);
  };

  for (let t = 0; t < opts.steps; t++) {
    computeErrors(t);
    for (let l = 1; l < depth; l++) {
      // f'(v_l) ⊙ (ε_{l+1}·W_{l+1}) − ε_l, at the feedforward point under FPA.
      const g = backThrough(errors[l + 1], weights[l]);
      // f'(v) from f(v) where that is cheaper (tanh: 1 − f²), at the feedforward point under FPA.
      if (opts.fixedPrediction) multiplyByDerivative(hidden, preds[l].data, g.data, ffActs[l].data);
      else multiplyByDerivative(hidden, values[l].data, g.data, acts[l].data);
      const v = values[l].data;
      const e = errors[l].data;
      const gd = g.data;
      const rate = opts.inferenceRate;
      for (let i = 0; i < v.length; i++) v[i] += rate * (gd[i] - e[i]);
    }
  }
  computeErrors(opts.steps);

  const weightGrads: Matrix[] = [];
  const biasGrads: FloatArray[] = [];
  for (let l = 1; l <= depth; l++) {
    const pre = opts.fixedPrediction ? ffActs[l - 1] : acts[l - 1];
    weightGrads.push(outerSum(errors[l], pre, -1 / n));
    biasGrads.push(columnSum(errors[l], -1 / n));
  }
  return { weightGrads, biasGrads, energies, logits, loss: ffOut.energy / precision / n };
}
