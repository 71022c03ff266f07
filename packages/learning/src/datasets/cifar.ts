/**
 * CIFAR-10 / CIFAR-100 binary batches: fixed-size records of label byte(s) then 3072 pixel bytes (1024 red, 1024
 * green, 1024 blue, each 32×32 row-major), i.e. already C×H×W. CIFAR-10 has one label byte, CIFAR-100 two
 * (coarse, fine; the fine label is used).
 */
import { FileFormatError } from '@concord/core';
import { readFileChecked } from '@concord/io';

export const CIFAR_PIXELS = 3 * 32 * 32;

export function decodeCifar(
  bytes: Uint8Array,
  variant: 10 | 100,
  file = '<buffer>',
): { images: Uint8Array; labels: Int32Array } {
  const labelBytes = variant === 10 ? 1 : 2;
  const record = labelBytes + CIFAR_PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0)
    throw new FileFormatError(
      'ERR_LEARNING_CIFAR',
      file,
      `size ${bytes.length} is not a whole number of ${record}-byte CIFAR-${variant} records (truncated or not a CIFAR-${variant} batch)`,
      { offset: bytes.length - (bytes.length % record), expected: record },
    );
  const n = bytes.length / record;
  const images = new Uint8Array(n * CIFAR_PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * record;
    const label = bytes[at + labelBytes - 1];
    if (label >= variant)
      throw new FileFormatError(
        'ERR_LEARNING_CIFAR',
        file,
        `record ${i} has label ${label}, expected 0..${variant - 1}`,
        {
          offset: at + labelBytes - 1,
        },
      );
    labels[i] = label;
    images.set(bytes.subarray(at + labelBytes, at + record), i * CIFAR_PIXELS);
  }
  return { images, labels };
}

export function readCifarBatches(
  paths: readonly string[],
  variant: 10 | 100,
): { images: Uint8Array; labels: Int32Array } {
  const parts = paths.map((p) => decodeCifar(readFileChecked(p), variant, p));
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const images = new Uint8Array(n * CIFAR_PIXELS);
  const labels = new Int32Array(n);
  let o = 0;
  for (const p of parts) {
    images.set(p.images, o * CIFAR_PIXELS);
    labels.set(p.labels, o);
    o += p.labels.length;
  }
  return { images, labels };
}
