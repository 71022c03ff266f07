/** NumPy .npz archives (zip of .npy entries, stored or deflated): read with zip-read.ts, written with fflate. */
import { FileFormatError } from '@concord/core';
import { zipSync } from 'fflate';
import { IO_ERRORS } from './errors.ts';
import { readFileChecked, writeFileAtomic } from './files.ts';
import { decodeNpy, encodeNpy } from './npy.ts';
import type { NdArray, NpDtype, NumericArray } from './typed.ts';
import { zipEntries, zipEntryData } from './zip-read.ts';

export function decodeNpz(buf: Uint8Array, file = '<buffer>'): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const entry of zipEntries(buf, file)) {
    if (!entry.name.endsWith('.npy')) continue;
    out[entry.name.slice(0, -4)] = decodeNpy(zipEntryData(buf, entry, file), `${file}:${entry.name}`);
  }
  return out;
}

export function encodeNpz(
  arrays: Record<string, { data: NumericArray; shape: readonly number[]; dtype?: NpDtype }>,
  compress = false,
): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, a] of Object.entries(arrays)) files[`${k}.npy`] = encodeNpy(a);
  return zipSync(files, { level: compress ? 6 : 0 });
}

export function readNpz(path: string): Record<string, NdArray> {
  return decodeNpz(readFileChecked(path), path);
}

export function writeNpz(
  path: string,
  arrays: Record<string, { data: NumericArray; shape: readonly number[]; dtype?: NpDtype }>,
  compress = false,
): void {
  writeFileAtomic(path, encodeNpz(arrays, compress));
}

export function npzEntry(archive: Record<string, NdArray>, key: string, file: string): NdArray {
  const a = archive[key];
  if (!a)
    throw new FileFormatError(
      IO_ERRORS.NPZ_ENTRY,
      file,
      `no entry '${key}'; entries are ${Object.keys(archive)
        .map((k) => `'${k}'`)
        .join(', ')}`,
      { field: key },
    );
  return a;
}
