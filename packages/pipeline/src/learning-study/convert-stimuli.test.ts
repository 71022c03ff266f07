import { repoPath } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { convertStimuli, pixelStats, readStimulusImages, type SourceImages } from './convert-stimuli.ts';
import { DEFAULT_TRANSFORM } from './load-study.ts';

/** A 4×4 RGB image on grey 128 with a 2×2 object of colour (r, g, b) in the top-left quarter. */
function image(r: number, g: number, b: number): SourceImages {
  const px = new Uint8Array(4 * 4 * 3).fill(128);
  for (const [y, x] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]) {
    px[(y * 4 + x) * 3] = r;
    px[(y * 4 + x) * 3 + 1] = g;
    px[(y * 4 + x) * 3 + 2] = b;
  }
  return { pixels: [px], height: 4, width: 4, categories: ['x'] };
}

describe('stimulus conversion', () => {
  const t = { ...DEFAULT_TRANSFORM, size: 2, normalise: 'none' as const };

  it('black background: border grey → 0, object keeps its BT.601 luminance; area resize = block means', () => {
    const out = convertStimuli(image(200, 100, 50), t);
    const luma = (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255;
    expect(out.shape).toEqual([1, 1, 2, 2]);
    expect(out.data[0]).toBeCloseTo(luma, 6);
    expect(Array.from(out.data.slice(1))).toEqual([0, 0, 0]);
  });

  it('keep background: the grey stays; mean luminance option; nearest and bilinear resize of a uniform block', () => {
    const keep = convertStimuli(image(90, 90, 90), { ...t, background: 'keep', luminance: 'mean' });
    expect(keep.data[0]).toBeCloseTo(90 / 255, 6);
    expect(keep.data[3]).toBeCloseTo(128 / 255, 6);
    for (const resize of ['nearest', 'bilinear'] as const)
      expect(convertStimuli(image(90, 90, 90), { ...t, resize }).data[0]).toBeCloseTo(90 / 255, 6);
  });

  it('RGB keeps the channels', () => {
    const out = convertStimuli(image(200, 100, 50), { ...t, channels: 3 });
    expect(out.shape).toEqual([1, 3, 2, 2]);
    expect([out.data[0], out.data[4], out.data[8]].map((v) => Math.round(v * 255))).toEqual([200, 100, 50]);
  });

  it("normalisation matches the training set's pixel mean and SD", () => {
    const out = convertStimuli(image(200, 100, 50), { ...t, normalise: 'training' }, { mean: 0.3, sd: 0.35 });
    const s = pixelStats(out.data);
    expect(s.mean).toBeCloseTo(0.3, 6);
    expect(s.sd).toBeCloseTo(0.35, 6);
  });

  it('the 92 shipped images: 92 × 1 × 28 × 28, black corners (nearly all exactly), objects not empty', () => {
    const src = readStimulusImages(
      repoPath('data/third-party/92imageData/Kriegeskorte_Neuron2008_supplementalData.mat'),
      'stimuli_92objs',
    );
    expect(src.pixels.length).toBe(92);
    const out = convertStimuli(src, { ...DEFAULT_TRANSFORM, normalise: 'none' });
    expect(out.shape).toEqual([92, 1, 28, 28]);
    let blackCorners = 0;
    for (let i = 0; i < 92; i++) {
      const img = out.data.subarray(i * 784, (i + 1) * 784);
      if (img[0] === 0) blackCorners++;
      expect(img[0]).toBeLessThan(0.05); // image 36's border grey varies by 3 levels (> the tolerance of 2) near a corner
      expect(img.some((v) => v > 0.05)).toBe(true);
    }
    expect(blackCorners).toBeGreaterThanOrEqual(85); // a few objects reach into the corner pixel
  });
});
