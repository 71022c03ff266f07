import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { assignLabels, classify, DIEHL_COOK, DiehlCookNetwork, poissonSchedule } from './stdp-network.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** A few Fashion-MNIST images read directly from Debian's IDX files (independent of the engine's reader). */
function fashion(split: 'train' | 't10k', n: number): { images: Float32Array; labels: Int32Array } {
  const img = gunzipSync(readFileSync(`${FASHION}/${split}-images-idx3-ubyte.gz`));
  const lab = gunzipSync(readFileSync(`${FASHION}/${split}-labels-idx1-ubyte.gz`));
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) images[i] = img[16 + i] / 255;
  return { images, labels: Int32Array.from(lab.subarray(8, 8 + n)) };
}

describe('Diehl & Cook spiking network', () => {
  it('Poisson inputs fire at pixel/8·intensity Hz', () => {
    const rng = new Rng(1);
    const rates = [63.75, 20, 0, 5];
    const steps = 700; // 350 ms
    const totals = [0, 0, 0, 0];
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      const s = poissonSchedule(rates, steps, 0.5, rng);
      expect(s.starts[steps]).toBe(s.inputs.length);
      for (const i of s.inputs) totals[i]++;
    }
    rates.forEach((r, i) => {
      const expected = r * 0.35 * trials;
      // Poisson: sd = sqrt(mean); 4 sd.
      expect(Math.abs(totals[i] - expected)).toBeLessThanOrEqual(4 * Math.sqrt(expected) + 1e-9);
    });
  });

  it('weight normalisation makes every neuron’s input weights sum to 78 before each training example', () => {
    const net = new DiehlCookNetwork(50, 7, new Rng(2));
    net.normalizeWeights();
    for (let j = 0; j < 7; j++) {
      let s = 0;
      for (let i = 0; i < 50; i++) s += net.weights[i * 7 + j];
      expect(s).toBeCloseTo(78, 3);
    }
  });

  it('the adaptive threshold rises by 0.05 mV per spike in training and stays fixed in testing', () => {
    const net = new DiehlCookNetwork(64, 10, new Rng(3));
    const image = new Float32Array(64).fill(0.8);
    const before = Float64Array.from(net.theta);
    const r = net.present(image, { learn: true });
    let total = 0;
    for (let j = 0; j < 10; j++) {
      total += r.counts[j];
      // Decay over 500 ms with τ = 10⁷ ms is 5·10⁻⁵ relative: below this tolerance.
      expect(net.theta[j] - before[j]).toBeCloseTo(0.05 * r.counts[j], 2);
    }
    expect(total).toBeGreaterThanOrEqual(DIEHL_COOK.minSpikes);
    const frozen = Float64Array.from(net.theta);
    const weights = Float32Array.from(net.weights);
    net.present(image, { learn: false });
    expect(Array.from(net.theta)).toEqual(Array.from(frozen));
    expect(Array.from(net.weights)).toEqual(Array.from(weights));
  });

  it('more spikes mean a higher threshold: repeated presentations lower a winner’s later response', () => {
    const net = new DiehlCookNetwork(64, 10, new Rng(4));
    const image = new Float32Array(64).fill(0.6);
    const first = net.present(image, { learn: true });
    for (let k = 0; k < 30; k++) net.present(image, { learn: true });
    const winner = first.counts.indexOf(Math.max(...first.counts));
    expect(net.theta[winner]).toBeGreaterThan(DIEHL_COOK.thetaInit + 0.05 * first.counts[winner] - 1e-9);
  });

  it('trace STDP: depression by post1 at a presynaptic spike, potentiation by pre·post2 at a postsynaptic spike', () => {
    // 80 inputs spiking together onto one excitatory neuron, all weights 0.5: bursts drive postsynaptic spikes.
    const nIn = 80;
    const net = new DiehlCookNetwork(nIn, 1, new Rng(5));
    net.inhibition = false;
    net.weights.fill(0.5);
    // Pre spikes at 0 ms ... drive post spikes; record when they occur.
    const steps = 200;
    const starts = new Int32Array(steps + 1);
    const spikeSteps = [
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
    ];
    for (const s of spikeSteps) starts[s + 1] = nIn;
    for (let s = 0; s < steps; s++) starts[s + 1] += starts[s];
    const inputs = new Int32Array(spikeSteps.length * nIn);
    for (let k = 0; k < inputs.length; k++) inputs[k] = k % nIn;
    const schedule = { starts, inputs };
    const record: number[] = [];
    net.simulate(steps, schedule, true, new Int32Array(1), record);
    const post = record.filter((_, i) => i % 2 === 0);
    expect(post.length).toBeGreaterThanOrEqual(2);
    // Replay the rule on the spike times by hand (steps of 0.5 ms), in the simulator's order within a step:
    // presynaptic depression, then postsynaptic potentiation, then trace decay.
    const { nuPre, nuPost, tauPre, tauPost1, tauPost2, dt } = DIEHL_COOK;
    let w = 0.5;
    let lastPre = Number.NEGATIVE_INFINITY;
    let lastPost = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < steps; s++) {
      if (spikeSteps.includes(s)) {
        w = Math.max(0, w - nuPre * (lastPost > -1e9 ? Math.exp((-(s - lastPost) * dt) / tauPost1) : 0));
        lastPre = s;
      }
      if (post.includes(s)) {
        const post2 = lastPost > -1e9 ? Math.exp((-(s - lastPost) * dt) / tauPost2) : 0;
        w = Math.min(1, w + nuPost * Math.exp((-(s - lastPre) * dt) / tauPre) * post2);
        lastPost = s;
      }
    }
    for (let i = 0; i < nIn; i++) expect(net.weights[i]).toBeCloseTo(w, 6);
    // Both terms acted: the second burst's spikes potentiate (post2 > 0), and pre spikes after a post spike depress.
    expect(Math.abs(w - 0.5)).toBeGreaterThan(1e-4);
  });

  it('lateral inhibition makes the excitatory neurons compete (fewer distinct neurons fire)', () => {
    const image = new Float32Array(100);
    for (let i = 0; i < 100; i++) image[i] = (i % 10) / 10;
    const active = (inhibition: boolean): number => {
      const net = new DiehlCookNetwork(100, 40, new Rng(6));
      net.inhibition = inhibition;
      net.normalizeWeights();
      const r = net.present(image, { learn: false });
      return r.counts.filter((c) => c > 0).length;
    };
    const withInhibition = active(true);
    const without = active(false);
    expect(withInhibition).toBeLessThan(without / 2);
  });

  it('the same seed gives the same spikes; another seed other spikes', () => {
    const image = new Float32Array(64);
    for (let i = 0; i < 64; i++) image[i] = ((i * 37) % 64) / 64;
    const run = (seed: number) => {
      const net = new DiehlCookNetwork(64, 12, new Rng(seed));
      const out: number[] = [];
      for (let k = 0; k < 3; k++) out.push(...(net.present(image, { learn: true, record: true }).spikes ?? []));
      return out;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('label assignment and classification follow the class-mean rule', () => {
    const counts = [Int32Array.from([5, 0, 1]), Int32Array.from([3, 1, 0]), Int32Array.from([0, 4, 0])];
    const assignments = assignLabels(counts, [0, 0, 1], 2);
    expect(Array.from(assignments)).toEqual([0, 1, 0]);
    expect(classify(Int32Array.from([0, 3, 0]), assignments, 2)).toBe(1);
    expect(classify(Int32Array.from([2, 0, 2]), assignments, 2)).toBe(0);
  });

  it.skipIf(!existsSync(FASHION))(
    `learns Fashion-MNIST above chance from 600 images with 100 neurons (floor 30 %, chance 10 %)${existsSync(FASHION) ? '' : ' [skipped: Debian dataset-fashion-mnist is not installed]'}`,
    () => {
      const train = fashion('train', 600);
      const test = fashion('t10k', 200);
      const net = new DiehlCookNetwork(784, 100, new Rng(9));
      const responses: Int32Array[] = [];
      for (let s = 0; s < 600; s++)
        responses.push(net.present(train.images.subarray(s * 784, (s + 1) * 784), { learn: true }).counts);
      // Assign from the second half of the training responses (the network has settled by then).
      const assignments = assignLabels(responses.slice(300), train.labels.subarray(300), 10);
      let correct = 0;
      for (let s = 0; s < 200; s++) {
        const r = net.present(test.images.subarray(s * 784, (s + 1) * 784), { learn: false });
        if (classify(r.counts, assignments, 10) === test.labels[s]) correct++;
      }
      expect(correct / 200).toBeGreaterThan(0.3);
    },
  );
});
