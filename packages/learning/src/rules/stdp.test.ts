/**
 * The STDP rule's own loop: it trains on a small Fashion-MNIST subset, classifies above chance by label
 * assignment, and writes the spike counts as a Concord activation file (npz + provenance naming the layer) beside
 * the learned network; the same seed gives the same files' contents.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpz } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINE_DEFAULTS, resolveHyper } from '../engine/train.ts';
import { FASHION_SKIP_REASON, fashionMnist } from '../testing.ts';
import { stdpOutputPaths, stdpRule } from './stdp.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-stdp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!fashionMnist())(`stdp rule ${fashionMnist() ? '' : FASHION_SKIP_REASON}`, () => {
  async function run(out: string, seed: number) {
    const full = fashionMnist();
    if (!full) throw new Error('no data');
    const limit = (set: typeof full.train, n: number) => ({
      ...set,
      n,
      images: set.images.subarray(0, n * 784),
      labels: set.labels.subarray(0, n),
    });
    const dataset = { ...full, train: limit(full.train, 400), test: limit(full.test, 100) };
    return stdpRule.train({
      dataset,
      hyper: resolveHyper(stdpRule.declaration, { neurons: 50 }),
      training: { ...ENGINE_DEFAULTS, ...stdpRule.declaration.training },
      seed,
      out,
    });
  }

  it('50 neurons, 400 training images: test accuracy on 100 images >= 0.3 (chance 0.10); writes an activation file', async () => {
    const out = join(dir, 'net.onnx');
    const r = await run(out, 1);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.3);
    const paths = stdpOutputPaths(out);
    expect(r.files).toEqual([paths.activations, paths.provenance, paths.network]);
    const counts = readNpz(paths.activations).exc_spike_counts;
    expect(counts.shape).toEqual([100, 50]);
    const prov = JSON.parse(readFileSync(paths.provenance, 'utf8'));
    expect(prov.layers.exc_spike_counts.key).toBe('exc_spike_counts');
    expect(prov.model.runtime).toMatch(/not an ONNX graph/);
    expect(prov.stimuli.descriptors.label).toHaveLength(100);
    const net = readNpz(paths.network);
    expect(net.input_weights.shape).toEqual([784, 50]);
    // Same seed, same spikes.
    const again = join(dir, 'again.onnx');
    await run(again, 1);
    expect(Array.from(readNpz(stdpOutputPaths(again).activations).exc_spike_counts.data as Float32Array)).toEqual(
      Array.from(counts.data as Float32Array),
    );
  });
});
