/**
 * The 92 object images (175×175 RGB, objects on a uniform grey) → network inputs (C×size×size float32). The steps and
 * their order are explicit and configurable (schema.ts StimulusTransform): background → luminance → resize →
 * normalisation to the training set's pixel statistics.
 */
import { ConcordError } from '@concord/core';
import { type MatValue, readMat } from '@concord/io';
import { PIPELINE_ERRORS } from '../errors.ts';
import type { StimulusTransform } from './schema.ts';

export interface SourceImages {
  /** n × h × w × 3, 0..255, C order (as scipy.io.loadmat gives it). */
  pixels: Uint8Array[];
  height: number;
  width: number;
  categories: string[];
}

/** The stimulus struct array of Kriegeskorte et al.'s supplemental data (field `image`, h×w×3 uint8). */
export function readStimulusImages(file: string, variable: string): SourceImages {
  const vars = readMat(file);
  const v = vars[variable] as (MatValue & { structs?: Record<string, MatValue>[] }) | undefined;
  if (!v?.structs)
    throw new ConcordError(PIPELINE_ERRORS.STUDY_CONFIG, `stimuli.variable: ${file} has no struct array '${variable}'`);
  const pixels: Uint8Array[] = [];
  const categories: string[] = [];
  let height = 0;
  let width = 0;
  for (const [i, s] of v.structs.entries()) {
    const img = s.image as { shape?: number[]; data?: ArrayLike<number> } | undefined;
    if (img?.shape?.length !== 3 || img.shape[2] !== 3 || !img.data)
      throw new ConcordError(
        PIPELINE_ERRORS.STUDY_CONFIG,
        `stimuli: ${file} ${variable}(${i + 1}).image: expected an h×w×3 image, received shape ${JSON.stringify(img?.shape)}`,
      );
    if (i === 0) [height, width] = img.shape;
    pixels.push(Uint8Array.from(img.data));
    categories.push(typeof s.category === 'string' ? s.category : '');
  }
  return { pixels, height, width, categories };
}

/** The grey of the border (most frequent border value of channel 0). */
function borderGrey(px: Uint8Array, h: number, w: number): number {
  const counts = new Int32Array(256);
  for (let x = 0; x < w; x++) {
    counts[px[x * 3]]++;
    counts[px[((h - 1) * w + x) * 3]]++;
  }
  for (let y = 0; y < h; y++) {
    counts[px[y * w * 3]]++;
    counts[px[(y * w + w - 1) * 3]]++;
  }
  let best = 0;
  for (let g = 1; g < 256; g++) if (counts[g] > counts[best]) best = g;
  return best;
}

/** Source image → planes (C × h × w, 0..1) after the background and luminance steps. */
function toPlanes(px: Uint8Array, h: number, w: number, t: Required<StimulusTransform>): Float64Array[] {
  const grey = borderGrey(px, h, w);
  const planes = Array.from({ length: t.channels }, () => new Float64Array(h * w));
  for (let p = 0; p < h * w; p++) {
    const r = px[p * 3];
    const g = px[p * 3 + 1];
    const b = px[p * 3 + 2];
    const isBackground =
      t.background === 'black' &&
      Math.abs(r - grey) <= t.backgroundTolerance &&
      Math.abs(g - grey) <= t.backgroundTolerance &&
      Math.abs(b - grey) <= t.backgroundTolerance;
    if (t.channels === 3) {
      planes[0][p] = isBackground ? 0 : r / 255;
      planes[1][p] = isBackground ? 0 : g / 255;
      planes[2][p] = isBackground ? 0 : b / 255;
    } else {
      const l = t.luminance === 'rec601' ? 0.299 * r + 0.587 * g + 0.114 * b : (r + g + b) / 3;
      planes[0][p] = isBackground ? 0 : l / 255;
    }
  }
  return planes;
}

function resizePlane(src: Float64Array, h: number, w: number, size: number, method: string): Float64Array {
  const out = new Float64Array(size * size);
  const sy = h / size;
  const sx = w / size;
  for (let oy = 0; oy < size; oy++)
    for (let ox = 0; ox < size; ox++) {
      let v = 0;
      if (method === 'nearest') {
        v = src[Math.min(h - 1, Math.floor((oy + 0.5) * sy)) * w + Math.min(w - 1, Math.floor((ox + 0.5) * sx))];
      } else if (method === 'bilinear') {
        const fy = Math.min(h - 1, Math.max(0, (oy + 0.5) * sy - 0.5));
        const fx = Math.min(w - 1, Math.max(0, (ox + 0.5) * sx - 0.5));
        const y0 = Math.floor(fy);
        const x0 = Math.floor(fx);
        const y1 = Math.min(h - 1, y0 + 1);
        const x1 = Math.min(w - 1, x0 + 1);
        const dy = fy - y0;
        const dx = fx - x0;
        v =
          (1 - dy) * ((1 - dx) * src[y0 * w + x0] + dx * src[y0 * w + x1]) +
          dy * ((1 - dx) * src[y1 * w + x0] + dx * src[y1 * w + x1]);
      } else {
        // Area: the exact average over the (fractional) source rectangle the output pixel covers.
        const y0 = oy * sy;
        const y1 = (oy + 1) * sy;
        const x0 = ox * sx;
        const x1 = (ox + 1) * sx;
        let total = 0;
        for (let y = Math.floor(y0); y < Math.min(h, Math.ceil(y1)); y++) {
          const wy = Math.min(y + 1, y1) - Math.max(y, y0);
          for (let x = Math.floor(x0); x < Math.min(w, Math.ceil(x1)); x++) {
            const wx = Math.min(x + 1, x1) - Math.max(x, x0);
            v += wy * wx * src[y * w + x];
            total += wy * wx;
          }
        }
        v /= total;
      }
      out[oy * size + ox] = v;
    }
  return out;
}

export interface PixelStats {
  mean: number;
  sd: number;
}

export function pixelStats(values: ArrayLike<number>): PixelStats {
  let m = 0;
  for (let i = 0; i < values.length; i++) m += values[i];
  m /= values.length;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] - m) ** 2;
  return { mean: m, sd: Math.sqrt(s / values.length) };
}

/** The converted stimuli: n × C × size × size float32 (first axis in the source order). */
export function convertStimuli(
  src: SourceImages,
  t: Required<StimulusTransform>,
  training?: PixelStats,
): { data: Float32Array; shape: [number, number, number, number]; before: PixelStats } {
  const { size, channels } = t;
  const d = channels * size * size;
  const all = new Float64Array(src.pixels.length * d);
  for (const [i, px] of src.pixels.entries()) {
    const planes = toPlanes(px, src.height, src.width, t);
    for (const [c, plane] of planes.entries())
      all.set(resizePlane(plane, src.height, src.width, size, t.resize), i * d + c * size * size);
  }
  const before = pixelStats(all);
  if (t.normalise === 'training' && training && before.sd > 0)
    for (let k = 0; k < all.length; k++) all[k] = ((all[k] - before.mean) / before.sd) * training.sd + training.mean;
  return { data: Float32Array.from(all), shape: [src.pixels.length, channels, size, size], before };
}
