import { Matrix, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { type DenseStack, predictiveCodingStep } from './predictive-coding-inference.ts';
import { RelaxationDivergedError } from './relaxation-error.ts';
import { angleDegrees, flatGrads } from './rule-test-kit.ts';

/** A small float64 tanh stack with random weights. */
function makeStack(sizes: number[], seed: number, scale = 0.6): DenseStack {
  const rng = new Rng(seed);
  const weights: Matrix[] = [];
  const biases: Float64Array[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const w = Matrix.zeros(sizes[l], sizes[l - 1]);
    rng.fillNormal(w.data as Float64Array, 0, (scale / Math.sqrt(sizes[l - 1])) * 1.5);
    weights.push(w);
    biases.push(rng.fillNormal(new Float64Array(sizes[l]), 0, 0.1));
  }
  return { weights, biases, hidden: 'tanh' };
}

/** Backprop written out with plain loops (independent of the rule's gemm code): mean-over-batch gradients. */
function bpGradients(stack: DenseStack, x: Matrix, y: Matrix, loss: 'mse' | 'cross-entropy'): number[][] {
  const L = stack.weights.length;
  const n = x.rows;
  const pre: number[][][] = [];
  const post: number[][][] = [[]];
  for (let s = 0; s < n; s++) post[0].push(Array.from(x.data.slice(s * x.cols, (s + 1) * x.cols)));
  for (let l = 0; l < L; l++) {
    const w = stack.weights[l];
    const z: number[][] = [];
    const a: number[][] = [];
    for (let s = 0; s < n; s++) {
      const row: number[] = [];
      for (let o = 0; o < w.rows; o++) {
        let v = stack.biases[l][o];
        for (let i = 0; i < w.cols; i++) v += w.data[o * w.cols + i] * post[l][s][i];
        row.push(v);
      }
      z.push(row);
      a.push(l < L - 1 ? row.map(Math.tanh) : row);
    }
    pre.push(z);
    post.push(a);
  }
  // dLoss/dlogits per sample.
  let delta: number[][] = pre[L - 1].map((z, s) => {
    const t = Array.from(y.data.slice(s * y.cols, (s + 1) * y.cols));
    if (loss === 'mse') return z.map((v, j) => v - t[j]);
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((p, q) => p + q, 0);
    return e.map((v, j) => v / sum - t[j]);
  });
  const grads: number[][] = new Array(2 * L);
  for (let l = L - 1; l >= 0; l--) {
    const w = stack.weights[l];
    const gw = new Array(w.rows * w.cols).fill(0);
    const gb = new Array(w.rows).fill(0);
    for (let s = 0; s < n; s++)
      for (let o = 0; o < w.rows; o++) {
        gb[o] += delta[s][o] / n;
        for (let i = 0; i < w.cols; i++) gw[o * w.cols + i] += (delta[s][o] * post[l][s][i]) / n;
      }
    grads[2 * l] = gw;
    grads[2 * l + 1] = gb;
    if (l > 0)
      delta = delta.map((d, s) => {
        const back: number[] = [];
        for (let i = 0; i < w.cols; i++) {
          let v = 0;
          for (let o = 0; o < w.rows; o++) v += d[o] * w.data[o * w.cols + i];
          const t = Math.tanh(pre[l - 1][s][i]);
          back.push(v * (1 - t * t));
        }
        return back;
      });
  }
  return grads;
}

function batch(n: number, inputs: number, classes: number, seed: number): { x: Matrix; y: Matrix } {
  const rng = new Rng(seed);
  const x = Matrix.zeros(n, inputs);
  rng.fillUniform(x.data as Float64Array);
  const y = Matrix.zeros(n, classes);
  for (let s = 0; s < n; s++) y.data[s * classes + rng.int(classes)] = 1;
  return { x, y };
}

const site = { rule: 'predictive-coding', batch: 3 };

describe('predictive coding inference', () => {
  const stack = makeStack([6, 5, 4, 3], 1);
  const { x, y } = batch(8, 6, 3, 2);

  it('with no inference step only the output layer learns, and it learns BP’s gradient there', () => {
    const r = predictiveCodingStep(
      stack,
      x,
      y,
      { steps: 0, inferenceRate: 0.1, fixedPrediction: false, loss: 'cross-entropy' },
      site,
    );
    const bp = bpGradients(stack, x, y, 'cross-entropy');
    expect(Math.max(...r.weightGrads[0].data.map(Math.abs))).toBe(0);
    expect(Math.max(...r.weightGrads[1].data.map(Math.abs))).toBe(0);
    r.weightGrads[2].data.forEach((v, i) => {
      expect(v).toBeCloseTo(bp[4][i], 12);
    });
  });

  it('under the fixed-prediction assumption the converged errors give BP’s gradients exactly (small rate, many steps)', () => {
    const r = predictiveCodingStep(
      stack,
      x,
      y,
      { steps: 400, inferenceRate: 0.05, fixedPrediction: true, loss: 'cross-entropy' },
      site,
    );
    const pc = flatGrads(r.weightGrads, r.biasGrads);
    const bp = bpGradients(stack, x, y, 'cross-entropy').flat();
    expect(angleDegrees(pc, bp)).toBeLessThan(1e-4);
    pc.forEach((v, i) => {
      expect(v).toBeCloseTo(bp[i], 7);
    });
    // Too few steps leave the lower layers' errors short of BP's: the angle is then clearly nonzero.
    const short = predictiveCodingStep(
      stack,
      x,
      y,
      { steps: 3, inferenceRate: 0.05, fixedPrediction: true, loss: 'cross-entropy' },
      site,
    );
    expect(angleDegrees(flatGrads(short.weightGrads, short.biasGrads), bp)).toBeGreaterThan(1);
  });

  it('standard PC approaches BP as the output precision gets small (Whittington & Bogacz’s limit), with small rate and many steps', () => {
    const bp = bpGradients(stack, x, y, 'mse').flat();
    const angles = [1, 1e-3].map((outputPrecision) => {
      const r = predictiveCodingStep(
        stack,
        x,
        y,
        { steps: 600, inferenceRate: 0.05, fixedPrediction: false, loss: 'mse', outputPrecision },
        site,
      );
      return angleDegrees(flatGrads(r.weightGrads, r.biasGrads), bp);
    });
    expect(angles[1]).toBeLessThan(0.5);
    expect(angles[1]).toBeLessThan(angles[0]);
  });

  it('the energy decreases monotonically during inference', () => {
    for (const loss of ['cross-entropy', 'mse'] as const) {
      const r = predictiveCodingStep(
        stack,
        x,
        y,
        { steps: 100, inferenceRate: 0.1, fixedPrediction: false, loss },
        site,
      );
      for (let t = 1; t < r.energies.length; t++) expect(r.energies[t]).toBeLessThanOrEqual(r.energies[t - 1] + 1e-12);
      expect(r.energies[100]).toBeLessThan(r.energies[0] * 0.999);
    }
  });

  it('runs in float32 on whole batches (the training dtype) and stays close to float64', () => {
    const s32: DenseStack = {
      weights: stack.weights.map((w) => w.astype('float32')),
      biases: stack.biases.map((b) => Float32Array.from(b)),
      hidden: 'tanh',
    };
    const opts = { steps: 20, inferenceRate: 0.1, fixedPrediction: false, loss: 'cross-entropy' } as const;
    const a = predictiveCodingStep(s32, x.astype('float32'), y.astype('float32'), opts, site);
    const b = predictiveCodingStep(stack, x, y, opts, site);
    expect(a.weightGrads[0].dtype).toBe('float32');
    expect(angleDegrees(flatGrads(a.weightGrads, a.biasGrads), flatGrads(b.weightGrads, b.biasGrads))).toBeLessThan(
      0.01,
    );
  });

  it('a diverging relaxation is a typed error naming the rule, layer and batch', () => {
    const big = makeStack([6, 5, 4, 3], 1, 40);
    let caught: unknown;
    try {
      predictiveCodingStep(big, x, y, { steps: 200, inferenceRate: 30, fixedPrediction: false, loss: 'mse' }, site);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RelaxationDivergedError);
    const err = caught as RelaxationDivergedError;
    expect(err.code).toBe('ERR_LEARNING_RELAXATION_DIVERGED');
    expect(err.message).toMatch(/^predictive-coding: .*layer [12] .*batch 4/);
    expect(err.details.rule).toBe('predictive-coding');
  });
});
