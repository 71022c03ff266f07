/**
 * Turning 8-bit RGB pixels into a network input: scale to [0, 1] (÷255), normalise per channel ((x − mean) / std),
 * lay out as NCHW or NHWC. The same arithmetic serves images decoded by sharp and uint8 stimulus arrays from MAT
 * files, so both routes give identical tensors.
 */
import { checkChoice, ParameterError } from '@concord/core';
import { ACTIVATIONS_ERRORS } from './errors.ts';

export type Layout = 'nchw' | 'nhwc';
export const LAYOUTS: readonly Layout[] = ['nchw', 'nhwc'];

export interface PixelOptions {
  /** Per-channel means subtracted after scaling to [0, 1] (default 0 for every channel). */
  mean?: readonly number[];
  /** Per-channel standard deviations divided by after subtracting the mean (default 1). */
  std?: readonly number[];
  /** Channel order of the output tensor (default 'nchw'). */
  layout?: Layout;
  /** Divide pixels by this first (default 255: 8-bit images to [0, 1]). */
  scale?: number;
}

export interface ResolvedPixelOptions {
  mean: number[];
  std: number[];
  layout: Layout;
  scale: number;
}

export function resolvePixelOptions(o: PixelOptions, channels: number): ResolvedPixelOptions {
  const layout = checkChoice('layout', o.layout ?? 'nchw', LAYOUTS, ACTIVATIONS_ERRORS.OPTION);
  const perChannel = (name: string, v: readonly number[] | undefined, def: number): number[] => {
    if (v === undefined) return new Array(channels).fill(def);
    const arr = v.length === 1 ? new Array(channels).fill(v[0]) : [...v];
    if (arr.length !== channels || arr.some((x) => !Number.isFinite(x))) {
      throw new ParameterError(
        ACTIVATIONS_ERRORS.OPTION,
        name,
        `expected ${channels} finite numbers (one per channel) or one number, received [${v.join(', ')}]`,
      );
    }
    return arr;
  };
  const std = perChannel('std', o.std, 1);
  if (std.some((s) => s === 0))
    throw new ParameterError(ACTIVATIONS_ERRORS.OPTION, 'std', `must not contain 0, received [${std.join(', ')}]`);
  const scale = o.scale ?? 255;
  if (!(scale > 0))
    throw new ParameterError(ACTIVATIONS_ERRORS.OPTION, 'scale', `expected a positive number, received ${scale}`);
  return { mean: perChannel('mean', o.mean, 0), std, layout, scale };
}

/**
 * Write one image (interleaved HWC pixels, as decoders give them) into `out` at `offset`, scaled, normalised and in
 * the requested layout. The arithmetic is done in float64 and rounded once to float32, as numpy does for
 * `((x / 255 - mean) / std).astype(np.float32)`.
 */
export function writePixels(
  pixels: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  o: ResolvedPixelOptions,
  out: Float32Array,
  offset: number,
): void {
  const hw = height * width;
  for (let c = 0; c < channels; c++) {
    const m = o.mean[c];
    const s = o.std[c];
    for (let p = 0; p < hw; p++) {
      const v = (pixels[p * channels + c] / o.scale - m) / s;
      if (o.layout === 'nchw') out[offset + c * hw + p] = v;
      else out[offset + p * channels + c] = v;
    }
  }
}
