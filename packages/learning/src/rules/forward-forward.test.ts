import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import type { ImageDataset } from '../dataset.ts';
import { trainNetwork } from '../engine/train.ts';
import type { DenseLayer, Network } from '../network.ts';
import { embedLabels, forwardForwardRule, normalizeRows } from './forward-forward.ts';
import { createInstance, digits, stepGrads, syntheticBatch, testOps, tinyMlp } from './rule-test-kit.ts';

const sizes = { input: 12, hidden: [6, 5], classes: 3 };

function denseLayers(network: Network): DenseLayer[] {
  return network.layers.flatMap((l) => (l.kind === 'dense' ? [l] : []));
}

/**
 * Hinton 2022's forward-forward step for a ReLU MLP, transcribed with plain loops: label in the first pixels,
 * goodness = mean(h²), per-layer loss mean softplus(θ − G⁺) + mean softplus(G⁻ − θ), inputs above the first layer
 * divided by (‖h‖ + 1e-4), and the output layer's cross-entropy on the plain image's last hidden activity.
 */
function referenceFF(
  dense: DenseLayer[],
  x: Float64Array,
  n: number,
  labels: Int32Array,
  wrong: Int32Array,
  theta: number,
) {
  const inF = dense[0].inFeatures;
  const c = dense[dense.length - 1].outFeatures;
  const embed = (lab: Int32Array | undefined) => {
    const e = x.slice();
    if (lab)
      for (let r = 0; r < n; r++) {
        e.fill(0, r * inF, r * inF + c);
        e[r * inF + lab[r]] = 1;
      }
    return e;
  };
  const layer = (l: DenseLayer, input: Float64Array, relu: boolean) => {
    const out = new Float64Array(n * l.outFeatures);
    for (let r = 0; r < n; r++)
      for (let o = 0; o < l.outFeatures; o++) {
        let s = l.bias.value[o];
        for (let i = 0; i < l.inFeatures; i++) s += input[r * l.inFeatures + i] * l.weight.value[o * l.inFeatures + i];
        out[r * l.outFeatures + o] = relu ? Math.max(0, s) : s;
      }
    return out;
  };
  const norm = (h: Float64Array, f: number) => {
    const out = h.slice();
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += h[r * f + j] ** 2;
      for (let j = 0; j < f; j++) out[r * f + j] /= Math.sqrt(s) + 1e-4;
    }
    return out;
  };
  const gw = dense.map((l) => new Float64Array(l.outFeatures * l.inFeatures));
  const gb = dense.map((l) => new Float64Array(l.outFeatures));
  const hidden = dense.length - 1;
  for (const [lab, sign] of [
    [labels, 1],
    [wrong, -1],
  ] as const) {
    let input = embed(lab);
    for (let k = 0; k < hidden; k++) {
      const l = dense[k];
      if (k > 0) input = norm(input, l.inFeatures);
      const h = layer(l, input, true);
      for (let r = 0; r < n; r++) {
        let g = 0;
        for (let o = 0; o < l.outFeatures; o++) g += h[r * l.outFeatures + o] ** 2 / l.outFeatures;
        const z = sign * (theta - g);
        const dG = -sign / (1 + Math.exp(-z)) / n;
        for (let o = 0; o < l.outFeatures; o++) {
          const hv = h[r * l.outFeatures + o];
          const d = hv > 0 ? (dG * 2 * hv) / l.outFeatures : 0;
          gb[k][o] += d;
          for (let i = 0; i < l.inFeatures; i++) gw[k][o * l.inFeatures + i] += d * input[r * l.inFeatures + i];
        }
      }
      input = h;
    }
  }
  // Readout: the plain image through the hidden layers (normalised inputs), then softmax cross-entropy.
  let input = embed(undefined);
  for (let k = 0; k < hidden; k++) input = layer(dense[k], k > 0 ? norm(input, dense[k].inFeatures) : input, true);
  const top = dense[hidden];
  const logits = layer(top, input, false);
  for (let r = 0; r < n; r++) {
    const row = Array.from(logits.subarray(r * c, (r + 1) * c));
    const m = Math.max(...row);
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0);
    for (let j = 0; j < c; j++) {
      const d = (Math.exp(row[j] - m) / z - (j === labels[r] ? 1 : 0)) / n;
      gb[hidden][j] += d;
      for (let i = 0; i < top.inFeatures; i++) gw[hidden][j * top.inFeatures + i] += d * input[r * top.inFeatures + i];
    }
  }
  return { gw, gb };
}

describe('forward-forward', () => {
  it('label embedding and length normalisation', () => {
    const x = { data: Float64Array.from({ length: 8 }, (_, i) => i / 8), shape: [2, 4] };
    expect([...embedLabels(x, [2, 0], 3).data]).toEqual([0, 0, 1, 3 / 8, 1, 0, 0, 7 / 8]);
    const u = normalizeRows({ data: Float64Array.from([3, 4, 0, 0]), shape: [2, 2] });
    expect(u.data[0]).toBeCloseTo(3 / (5 + 1e-4), 12);
    expect(u.data[2]).toBe(0);
  });

  it('one step matches a plain-loop transcription of Hinton 2022 (goodness losses, normalised inputs, readout) to 1e-5', () => {
    const network = tinyMlp(sizes, 1, 'relu');
    const batch = syntheticBatch(network, 8);
    const instance = createInstance(forwardForwardRule, network, { threshold: 0.05 });
    const { grads } = stepGrads(forwardForwardRule, instance, network, batch, { seed: 4 });
    // The rule draws one wrong label per sample, uniformly among the other classes.
    const rng = new Rng(4);
    const wrong = Int32Array.from(batch.labels, (y) => (y + 1 + rng.int(2)) % 3);
    const ref = referenceFF(denseLayers(network), batch.x.data as Float64Array, 8, batch.labels, wrong, 0.05);
    denseLayers(network).forEach((_, k) => {
      for (let e = 0; e < ref.gw[k].length; e++) expect(Math.abs(grads[2 * k][e] - ref.gw[k][e])).toBeLessThan(1e-5);
      for (let e = 0; e < ref.gb[k].length; e++)
        expect(Math.abs(grads[2 * k + 1][e] - ref.gb[k][e])).toBeLessThan(1e-5);
    });
    expect(Math.max(...grads[0].map(Math.abs))).toBeGreaterThan(0);
  });

  it('with normalize: false the readout prediction is exactly the exported (plain) network forward pass', () => {
    const network = tinyMlp(sizes, 1, 'relu');
    const batch = syntheticBatch(network, 5);
    const instance = createInstance(forwardForwardRule, network, { normalize: false, predictBy: 'readout' });
    const scores = instance.predict?.(network, batch.x, testOps);
    const logits = testOps.forward(network, batch.x).outputs.at(-1);
    expect(scores && [...scores.data]).toEqual(logits && [...logits.data]);
  });

  it('C2: replacing the layers above block 1 leaves its update unchanged', () => {
    const network = tinyMlp(sizes, 1, 'relu');
    const batch = syntheticBatch(network, 8);
    const instance = createInstance(forwardForwardRule, network, { threshold: 0.05 });
    const before = stepGrads(forwardForwardRule, instance, network, batch, { seed: 2 }).grads;
    const rng = new Rng(99);
    for (const l of denseLayers(network).slice(1)) rng.fillNormal(l.weight.value as Float64Array);
    const after = stepGrads(forwardForwardRule, instance, network, batch, { seed: 2 }).grads;
    expect([...after[0]]).toEqual([...before[0]]);
    expect([...after[1]]).toEqual([...before[1]]);
    expect(after[2]).not.toEqual(before[2]);
  });

  it('C3 (declared false): the update depends on the negative pass (other wrong labels, other update)', () => {
    const network = tinyMlp(sizes, 1, 'relu');
    const batch = syntheticBatch(network, 8);
    const instance = createInstance(forwardForwardRule, network, { threshold: 0.05 });
    const a = stepGrads(forwardForwardRule, instance, network, batch, { seed: 2 }).grads[0];
    const b = stepGrads(forwardForwardRule, instance, network, batch, { seed: 3 }).grads[0];
    expect(a).not.toEqual(b);
  });
});

describe.skipIf(!digits())('forward-forward trains [skipped without Debian python3-sklearn digits]', () => {
  for (const predictBy of ['goodness', 'readout'] as const)
    it(`digits, 64-100-100-10 ReLU MLP, prediction by ${predictBy}: test accuracy above ${predictBy === 'goodness' ? 0.8 : 0.6} (chance 0.1) after 20 epochs`, () => {
      const r = trainNetwork({
        rule: forwardForwardRule,
        arch: 'mlp',
        dataset: digits() as ImageDataset,
        seed: 1,
        training: { hidden: [100, 100], epochs: 20, batch: 32 },
        hyper: { predictBy },
      });
      // Measured (seed 1): goodness 0.94, readout 0.86.
      expect(r.testAccuracy).toBeGreaterThan(predictBy === 'goodness' ? 0.8 : 0.6);
    });
});
