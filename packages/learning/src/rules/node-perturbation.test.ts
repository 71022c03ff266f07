import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import type { ImageDataset } from '../dataset.ts';
import { trainNetwork } from '../engine/train.ts';
import { networkParams } from '../network.ts';
import type { Tensor } from '../tensor.ts';
import { nodePerturbationRule, nodePerturbationUpdate } from './node-perturbation.ts';
import { digits, syntheticBatch, testOps, tinyMlp } from './rule-test-kit.ts';

const sizes = { input: 6, hidden: [5, 4], classes: 3 };

/** Noise for every dense layer's output, N(0, σ²). */
function drawNoise(network: ReturnType<typeof tinyMlp>, n: number, sigma: number, rng: Rng): (Tensor | undefined)[] {
  return network.layers.map((layer) => {
    if (layer.kind !== 'dense') return undefined;
    const data = new Float64Array(n * layer.outFeatures);
    rng.fillNormal(data, 0, sigma);
    return { data, shape: [n, layer.outFeatures] };
  });
}

/**
 * An independent transcription (plain loops, float64): noisy forward pass, per-sample softmax cross-entropy,
 * ΔW_l = mean_n (δL_n/σ²)·ξ_{l,n}·x_{l,n}ᵀ with x the clean input of layer l.
 */
function referenceUpdate(
  weights: { w: Float64Array; b: Float64Array; inF: number; outF: number }[],
  x: Float64Array,
  labels: Int32Array,
  noise: Float64Array[],
  sigma: number,
): { gw: Float64Array[]; gb: Float64Array[] } {
  const n = labels.length;
  const forward = (withNoise: boolean) => {
    const inputs: Float64Array[] = [];
    let h = x;
    weights.forEach((l, k) => {
      inputs.push(h);
      const a = new Float64Array(n * l.outF);
      for (let r = 0; r < n; r++)
        for (let o = 0; o < l.outF; o++) {
          let s = l.b[o];
          for (let i = 0; i < l.inF; i++) s += h[r * l.inF + i] * l.w[o * l.inF + i];
          a[r * l.outF + o] = s + (withNoise ? noise[k][r * l.outF + o] : 0);
        }
      h = k + 1 < weights.length ? a.map(Math.tanh) : a;
    });
    const c = weights[weights.length - 1].outF;
    const losses = Array.from({ length: n }, (_, r) => {
      const row = Array.from(h.subarray(r * c, (r + 1) * c));
      const m = Math.max(...row);
      return Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0)) + m - row[labels[r]];
    });
    return { inputs, losses };
  };
  const clean = forward(false);
  const noisy = forward(true);
  const gw = weights.map((l) => new Float64Array(l.outF * l.inF));
  const gb = weights.map((l) => new Float64Array(l.outF));
  weights.forEach((l, k) => {
    for (let r = 0; r < n; r++) {
      const c = (noisy.losses[r] - clean.losses[r]) / (sigma * sigma * n);
      for (let o = 0; o < l.outF; o++) {
        const e = c * noise[k][r * l.outF + o];
        gb[k][o] += e;
        for (let i = 0; i < l.inF; i++) gw[k][o * l.inF + i] += e * clean.inputs[k][r * l.inF + i];
      }
    }
  });
  return { gw, gb };
}

describe('node-perturbation', () => {
  it('matches a plain-loop transcription of the update (noisy minus clean loss times the noise) to 1e-5', () => {
    const network = tinyMlp(sizes);
    const batch = syntheticBatch(network, 8);
    const sigma = 0.05;
    const noise = drawNoise(network, 8, sigma, new Rng(4));
    const state = testOps.forward(network, batch.x);
    for (const p of networkParams(network)) p.grad.fill(0);
    nodePerturbationUpdate(testOps, network, state, batch.labels, 'cross-entropy', noise, sigma);
    const dense = network.layers.flatMap((l) => (l.kind === 'dense' ? [l] : []));
    const ref = referenceUpdate(
      dense.map((l) => ({
        w: l.weight.value as Float64Array,
        b: l.bias.value as Float64Array,
        inF: l.inFeatures,
        outF: l.outFeatures,
      })),
      batch.x.data as Float64Array,
      batch.labels,
      network.layers.flatMap((_, i) => (noise[i] ? [noise[i]?.data as Float64Array] : [])),
      sigma,
    );
    dense.forEach((l, k) => {
      l.weight.grad.forEach((v, e) => {
        expect(Math.abs(v - ref.gw[k][e])).toBeLessThan(1e-5);
      });
      l.bias.grad.forEach((v, e) => {
        expect(Math.abs(v - ref.gb[k][e])).toBeLessThan(1e-5);
      });
    });
  });

  it('every layer correlates its own noise with one broadcast scalar per sample (no error vector is fed back)', () => {
    // With one sample, ΔW_l = c·ξ_l·x_lᵀ: the bias update of every layer divided by its noise gives the same c.
    const network = tinyMlp(sizes);
    const batch = syntheticBatch(network, 1);
    const sigma = 0.05;
    const noise = drawNoise(network, 1, sigma, new Rng(8));
    for (const p of networkParams(network)) p.grad.fill(0);
    nodePerturbationUpdate(
      testOps,
      network,
      testOps.forward(network, batch.x),
      batch.labels,
      'cross-entropy',
      noise,
      sigma,
    );
    const ratios = network.layers.flatMap((l, i) =>
      l.kind === 'dense' ? [...l.bias.grad].map((g, j) => g / (noise[i]?.data[j] ?? Number.NaN)) : [],
    );
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0], 10);
  });

  it('averaged over noise draws it follows the backpropagated gradient (cosine > 0.9) for small σ', () => {
    const network = tinyMlp(sizes, 3);
    const batch = syntheticBatch(network, 4);
    const state = testOps.forward(network, batch.x);
    const params = networkParams(network);
    for (const p of params) p.grad.fill(0);
    testOps.backward(
      network,
      state,
      testOps.loss('cross-entropy', state.outputs[state.outputs.length - 1], batch.labels).grad,
    );
    const exact = params.flatMap((p) => [...p.grad]);
    for (const p of params) p.grad.fill(0);
    const rng = new Rng(2);
    const draws = 3000;
    for (let t = 0; t < draws; t++)
      nodePerturbationUpdate(
        testOps,
        network,
        state,
        batch.labels,
        'cross-entropy',
        drawNoise(network, 4, 1e-3, rng),
        1e-3,
      );
    const mean = params.flatMap((p) => [...p.grad].map((v) => v / draws));
    let dot = 0;
    let na = 0;
    let nb = 0;
    exact.forEach((x, i) => {
      dot += x * mean[i];
      na += x * x;
      nb += mean[i] * mean[i];
    });
    expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.9);
  });
});

describe.skipIf(!digits())('node-perturbation trains [skipped without Debian python3-sklearn digits]', () => {
  it('digits, 64-32-10 tanh MLP: test accuracy above 0.8 (chance 0.1) after 20 epochs', () => {
    const r = trainNetwork({
      rule: nodePerturbationRule,
      arch: 'mlp',
      dataset: digits() as ImageDataset,
      seed: 1,
      training: { hidden: [32], epochs: 20, batch: 32, lr: 1e-2 },
    });
    // Measured: 0.94 (seed 1).
    expect(r.testAccuracy).toBeGreaterThan(0.8);
  });
});
