/**
 * Decoding and resizing PNG/JPEG stimuli with sharp (libvips), then scaling/normalising into a float32 tensor.
 */
import { checkChoice, FileFormatError, ParameterError } from '@concord/core';
import sharp from 'sharp';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import { type PixelOptions, type ResolvedPixelOptions, resolvePixelOptions, writePixels } from './preprocess.ts';

export interface ImageOptions extends PixelOptions {
  /** Resize every image to size×size (or [height, width]) when given and different; default: keep the images' size. */
  size?: number | readonly [number, number];
  /** 3 (RGB; grey images are expanded, alpha is dropped) or 1 (luminance). Default 3. */
  channels?: 1 | 3;
  /** 'fill' stretches to the target size (default); 'cover' keeps the aspect ratio and crops the centre. */
  fit?: 'fill' | 'cover';
  /** Resampling kernel (sharp's names). Default 'linear' (antialiased bilinear, as PIL/torchvision resize). */
  kernel?: 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';
}

export interface ResolvedImageOptions extends ResolvedPixelOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  resize: boolean;
  fit: 'fill' | 'cover';
  kernel: NonNullable<ImageOptions['kernel']>;
}

export interface ImageProbe {
  /** One stimulus: [C, H, W] or [H, W, C]. */
  shape: number[];
  resolved: ResolvedImageOptions;
}

const KERNELS = ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'] as const;

function decodeError(file: string, e: unknown): FileFormatError {
  return new FileFormatError(
    ACTIVATIONS_ERRORS.IMAGE_DECODE,
    file,
    `cannot decode the image (expected PNG or JPEG): ${(e as Error).message}`,
  );
}

/** Read the first image's header to fix the tensor shape every image must produce. */
export async function probeImage(file: string, o: ImageOptions): Promise<ImageProbe> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(file).metadata();
  } catch (e) {
    throw decodeError(file, e);
  }
  const channels = o.channels ?? 3;
  if (channels !== 1 && channels !== 3)
    throw new ParameterError(ACTIVATIONS_ERRORS.OPTION, 'channels', `expected 1 or 3, received ${channels}`);
  let height = meta.height ?? 0;
  let width = meta.width ?? 0;
  let resize = false;
  if (o.size !== undefined) {
    const [h, w] = typeof o.size === 'number' ? [o.size, o.size] : o.size;
    if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0))
      throw new ParameterError(
        ACTIVATIONS_ERRORS.OPTION,
        'size',
        `expected positive integers, received ${JSON.stringify(o.size)}`,
      );
    resize = true;
    height = h;
    width = w;
  }
  const pixel = resolvePixelOptions(o, channels);
  const resolved: ResolvedImageOptions = {
    ...pixel,
    height,
    width,
    channels,
    resize,
    fit: checkChoice('fit', o.fit ?? 'fill', ['fill', 'cover'] as const, ACTIVATIONS_ERRORS.OPTION),
    kernel: checkChoice('kernel', o.kernel ?? 'linear', KERNELS, ACTIVATIONS_ERRORS.OPTION),
  };
  const shape = pixel.layout === 'nchw' ? [channels, height, width] : [height, width, channels];
  return { shape, resolved };
}

/** Decode one image to interleaved 8-bit pixels of the probe's size and channel count. */
export async function decodeImagePixels(file: string, r: ResolvedImageOptions): Promise<Uint8Array> {
  let img = sharp(file, { failOn: 'error' });
  img = r.channels === 1 ? img.greyscale() : img.removeAlpha().toColourspace('srgb');
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    if (r.resize) {
      const meta = await sharp(file).metadata();
      if (meta.width !== r.width || meta.height !== r.height)
        img = img.resize(r.width, r.height, { fit: r.fit, kernel: r.kernel, position: 'centre' });
    }
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw decodeError(file, e);
  }
  const { width, height, channels } = raw.info;
  if (width !== r.width || height !== r.height) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.STIMULI,
      file,
      `image is ${width}×${height} but the first image is ${r.width}×${r.height}; give a size (--size) to resize every image`,
      { expected: [r.width, r.height], received: [width, height] },
    );
  }
  if (channels !== r.channels)
    throw decodeError(file, new Error(`decoded ${channels} channels, expected ${r.channels}`));
  return new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
}

/** Resize interleaved 8-bit pixels (already decoded, e.g. from a MAT file) to the probe's size with sharp. */
export async function resizePixels(
  pixels: Uint8Array,
  height: number,
  width: number,
  channels: number,
  r: ResolvedImageOptions,
): Promise<Uint8Array> {
  if (height === r.height && width === r.width) return pixels;
  const raw = await sharp(pixels, { raw: { width, height, channels: channels as 1 | 3 } })
    .resize(r.width, r.height, { fit: r.fit, kernel: r.kernel, position: 'centre' })
    .raw()
    .toBuffer();
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** The probe for images already in memory (height × width × channels). */
export function probeRaw(height: number, width: number, channels: number, o: ImageOptions): ImageProbe {
  if (channels !== 1 && channels !== 3)
    throw new ParameterError(
      ACTIVATIONS_ERRORS.STIMULI,
      'stimuli',
      `images need 1 or 3 channels, received ${channels}`,
    );
  let h = height;
  let w = width;
  let resize = false;
  if (o.size !== undefined) {
    [h, w] = typeof o.size === 'number' ? [o.size, o.size] : o.size;
    if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0))
      throw new ParameterError(
        ACTIVATIONS_ERRORS.OPTION,
        'size',
        `expected positive integers, received ${JSON.stringify(o.size)}`,
      );
    resize = true;
  }
  const pixel = resolvePixelOptions(o, channels);
  const resolved: ResolvedImageOptions = {
    ...pixel,
    height: h,
    width: w,
    channels: channels as 1 | 3,
    resize,
    fit: checkChoice('fit', o.fit ?? 'fill', ['fill', 'cover'] as const, ACTIVATIONS_ERRORS.OPTION),
    kernel: checkChoice('kernel', o.kernel ?? 'linear', KERNELS, ACTIVATIONS_ERRORS.OPTION),
  };
  return { shape: pixel.layout === 'nchw' ? [channels, h, w] : [h, w, channels], resolved };
}

/** Decode, resize and normalise images into one float32 tensor (batch axis first). */
export async function decodeImages(files: readonly string[], probe: ImageProbe): Promise<Float32Array> {
  const r = probe.resolved;
  const size = r.channels * r.height * r.width;
  const out = new Float32Array(files.length * size);
  const pixels = await Promise.all(files.map((f) => decodeImagePixels(f, r)));
  for (let i = 0; i < pixels.length; i++) writePixels(pixels[i], r.height, r.width, r.channels, r, out, i * size);
  return out;
}

export function imagePreprocessing(r: ResolvedImageOptions): Record<string, unknown> {
  return {
    kind: 'images',
    decoder: `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    size: [r.height, r.width],
    resized: r.resize,
    fit: r.fit,
    kernel: r.kernel,
    channels: r.channels,
    scale: `1/${r.scale}`,
    mean: r.mean,
    std: r.std,
    layout: r.layout,
  };
}
