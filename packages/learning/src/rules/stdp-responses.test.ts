import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpz } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { DIEHL_COOK } from './stdp-network.ts';
import { stdpSpikeCounts } from './stdp-responses.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-stdp-responses-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A hand-made network of 2 neurons over 20 inputs: neuron 0 listens only to inputs 0–9, neuron 1 only to 10–19
 * (weights summing to 78 each, the authors' normalisation), thresholds at their initial value.
 */
function twoNeuronNetwork(): string {
  const nInput = 20;
  const w = new Float32Array(nInput * 2);
  for (let i = 0; i < 10; i++) w[i * 2] = 7.8;
  for (let i = 10; i < 20; i++) w[i * 2 + 1] = 7.8;
  const file = join(dir, 'two.stdp.npz');
  writeNpz(file, {
    input_weights: { data: w, shape: [nInput, 2] },
    theta_mV: { data: new Float64Array(2).fill(DIEHL_COOK.thetaInit), shape: [2] },
  });
  return file;
}

describe('STDP network responses to new images', () => {
  const file = twoNeuronNetwork();
  // image 0 lights inputs 0–9, image 1 lights inputs 10–19
  const images = new Float32Array(2 * 20);
  images.fill(1, 0, 10);
  images.fill(1, 30, 40);

  it('uses the saved weights: each image drives the neuron wired to its pixels', () => {
    const { counts, nExc } = stdpSpikeCounts(file, images, 2, { seed: 3 });
    expect(nExc).toBe(2);
    expect(counts[0]).toBeGreaterThan(counts[1]); // image 0: neuron 0
    expect(counts[3]).toBeGreaterThan(counts[2]); // image 1: neuron 1
    expect(counts[1]).toBe(0);
    expect(counts[2]).toBe(0);
  });

  it('the same seed gives the same counts; learning is off (a second call is unchanged by the first)', () => {
    const a = stdpSpikeCounts(file, images, 2, { seed: 5 }).counts;
    const b = stdpSpikeCounts(file, images, 2, { seed: 5 }).counts;
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('refuses pixels outside [0, 1] naming image and pixel, and a malformed network file', () => {
    const bad = images.slice();
    bad[25] = -0.5;
    expect(() => stdpSpikeCounts(file, bad, 2, { seed: 0 })).toThrow(/image 1, pixel 5/);
    expect(() => stdpSpikeCounts(file, images, 3, { seed: 0 })).toThrow(/expected 3 images of 20 pixels/);
    const wrong = join(dir, 'wrong.stdp.npz');
    writeNpz(wrong, {
      input_weights: { data: new Float32Array(6), shape: [3, 2] },
      theta_mV: { data: new Float64Array(3), shape: [3] },
    });
    expect(() => stdpSpikeCounts(wrong, images, 2, { seed: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_LEARNING_CHECKPOINT' }),
    );
  });
});
