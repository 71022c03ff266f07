/**
 * Reading NIfTI files: `.nii`, `.nii.gz`, `.hdr`/`.img` pairs (each possibly gzipped), NIfTI-1 and NIfTI-2, either
 * byte order. Gzip is detected from the magic bytes, not the extension.
 *
 * `readNifti` streams: the file is read (and inflated) chunk by chunk straight into one buffer the size of the
 * voxel data, so peak memory is that buffer plus a chunk (no compressed + decompressed copies side by side).
 * `readNiftiSync` reads whole files at once (small images, masks). Both give the same `NiftiImage`.
 */
import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { FileFormatError, type ProgressCallback, ProgressReporter } from '@concord/core';
import { swapBytesInPlace } from './datatypes.ts';
import { FMRI_ERRORS } from './errors.ts';
import { type NiftiHeader, parseNiftiHeader } from './nifti-header.ts';
import { NiftiImage } from './nifti-image.ts';

export interface ReadNiftiOptions {
  onProgress?: ProgressCallback;
  /** Read only the header (and extensions); data access on the result throws. */
  headerOnly?: boolean;
}

const CHUNK = 4 << 20;

function checkFile(path: string): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new FileFormatError(FMRI_ERRORS.FILE_NOT_FOUND, path, 'no such file');
  }
  if (!st.isFile()) throw new FileFormatError(FMRI_ERRORS.FILE_NOT_FOUND, path, 'is not a regular file');
  return st.size;
}

function isGzip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = new Uint8Array(2);
    const n = readSync(fd, b, 0, 2, 0);
    return n === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** The companion file of a pair: x.hdr[.gz] ↔ x.img[.gz] (same compression first, then the other). */
export function companionPath(path: string, want: 'img' | 'hdr'): string {
  const m = /^(.*)\.(hdr|img|nii)(\.gz)?$/i.exec(path);
  if (!m) return `${path}.${want}`;
  const upper = m[2] === m[2].toUpperCase();
  const ext = upper ? want.toUpperCase() : want;
  const first = `${m[1]}.${ext}${m[3] ?? ''}`;
  const second = `${m[1]}.${ext}${m[3] ? '' : '.gz'}`;
  return existsSync(first) || !existsSync(second) ? first : second;
}

function gunzipWhole(bytes: Uint8Array, file: string): Uint8Array {
  try {
    const b = gunzipSync(bytes);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new FileFormatError(FMRI_ERRORS.CORRUPT_GZIP, file, `corrupt gzip stream: ${(e as Error).message}`, {
      cause: e,
    } as never);
  }
}

function readWhole(path: string): Uint8Array {
  checkFile(path);
  const b = readFileSync(path);
  const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipWhole(bytes, path) : bytes;
}

/** The header's datatype, or the typed error for one Concord does not read. */
function datatypeOf(h: NiftiHeader, file: string): NonNullable<NiftiHeader['datatype']> {
  if (!h.datatype) unsupported(h, file);
  return h.datatype;
}

function dataByteLength(h: NiftiHeader, file: string): number {
  const nvox = h.shape.reduce((a, b) => a * b, 1);
  const bytes = datatypeOf(h, file).bytes;
  const n = nvox * bytes;
  if (!Number.isSafeInteger(n) || n > 2 ** 32) {
    throw new FileFormatError(
      FMRI_ERRORS.BAD_HEADER,
      file,
      `dims [${h.shape.join(', ')}] × ${bytes} bytes = ${n} bytes of data, more than this reader supports (4 GiB)`,
      { field: 'dim', received: h.shape },
    );
  }
  return n;
}

function unsupported(h: NiftiHeader, file: string): never {
  throw new FileFormatError(
    FMRI_ERRORS.UNSUPPORTED_DATATYPE,
    file,
    `${h.unsupportedReason}; Concord reads uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64`,
    {
      field: 'datatype',
      received: h.datatypeCode,
    },
  );
}

function truncated(file: string, h: NiftiHeader, dataStart: number, have: number, need: number): never {
  throw new FileFormatError(
    FMRI_ERRORS.TRUNCATED,
    file,
    `data end early: dims [${h.shape.join(', ')}] of ${h.datatype?.name ?? `datatype code ${h.datatypeCode}`} need ${need} bytes from vox_offset ${dataStart}, but only ${Math.max(0, have)} are present (dims do not match the data size, or the file is truncated)`,
    { offset: dataStart + Math.max(0, have), field: 'dim', expected: need, received: Math.max(0, have) },
  );
}

/** Decide where header and data live. */
function locate(
  path: string,
  header: NiftiHeader,
): { header: NiftiHeader; dataFile: string | null; dataStart: number; missing?: string } {
  if (header.single) return { header, dataFile: path, dataStart: header.voxOffset };
  const img = /\.img(\.gz)?$/i.test(path) ? path : companionPath(path, 'img');
  if (img === path) {
    // opened the .img: the header is in the .hdr
    throw new FileFormatError(FMRI_ERRORS.NOT_NIFTI, path, 'this is the data file of a pair; open the .hdr');
  }
  if (!existsSync(img))
    return {
      header,
      dataFile: null,
      dataStart: header.voxOffset,
      missing: `the header is a .hdr/.img pair header but its data file ${img} is missing`,
    };
  return { header, dataFile: img, dataStart: header.voxOffset };
}

function resolveHeaderPath(path: string): string {
  if (/\.img(\.gz)?$/i.test(path)) return companionPath(path, 'hdr');
  return path;
}

function finishBytes(h: NiftiHeader, data: Uint8Array, file: string): Uint8Array {
  if (!h.littleEndian) swapBytesInPlace(data, datatypeOf(h, file).bytes);
  return data;
}

/** Read a NIfTI image synchronously (whole files in memory; fine for masks and small images). */
export function readNiftiSync(path: string, opts: Pick<ReadNiftiOptions, 'headerOnly'> = {}): NiftiImage {
  const hdrPath = resolveHeaderPath(path);
  const first = readWhole(hdrPath);
  const { header, dataFile, dataStart, missing } = locate(hdrPath, parseNiftiHeader(first, hdrPath));
  if (opts.headerOnly) return new NiftiImage(header, null, hdrPath, 'opened with headerOnly');
  if (!header.datatype) unsupported(header, hdrPath);
  if (dataFile === null) return new NiftiImage(header, null, hdrPath, missing);
  const need = dataByteLength(header, hdrPath);
  const src = dataFile === hdrPath ? first : readWhole(dataFile);
  const have = src.length - dataStart;
  if (have < need) truncated(dataFile, header, dataStart, have, need);
  // copy into an aligned buffer of its own (typed-array views need alignment; byte swapping must not touch src)
  const data = new Uint8Array(need);
  data.set(src.subarray(dataStart, dataStart + need));
  return new NiftiImage(header, finishBytes(header, data, hdrPath), hdrPath);
}

/** A byte stream of a file, inflated when it is gzip. */
async function* fileChunks(path: string, start = 0): AsyncGenerator<Uint8Array> {
  checkFile(path);
  const gz = isGzip(path);
  const src = createReadStream(path, { highWaterMark: CHUNK, start: gz ? 0 : start });
  if (!gz) {
    for await (const c of src) yield c as Uint8Array;
    return;
  }
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  src.on('error', (e) => gunzip.destroy(e));
  src.pipe(gunzip);
  let skip = start;
  try {
    for await (const c of gunzip) {
      let chunk = c as Uint8Array;
      if (skip > 0) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(skip);
        skip = 0;
      }
      yield chunk;
    }
  } catch (e) {
    if (
      (e as { code?: string }).code?.startsWith('Z_') ||
      /incorrect header|invalid|unexpected end/i.test((e as Error).message)
    ) {
      throw new FileFormatError(FMRI_ERRORS.CORRUPT_GZIP, path, `corrupt gzip stream: ${(e as Error).message}`);
    }
    throw e;
  } finally {
    src.destroy();
    gunzip.destroy();
  }
}

/**
 * Read the header region: for a single file everything before vox_offset (more when an extension's esize runs
 * past it, as nibabel reads it), for a .hdr the whole file. Returns the bytes read so far and the open stream.
 */
async function readHeaderRegion(
  path: string,
): Promise<{ header: NiftiHeader; buf: Uint8Array; iterator: AsyncGenerator<Uint8Array> }> {
  const it = fileChunks(path);
  let buf: Uint8Array = new Uint8Array(0);
  const more = async (): Promise<boolean> => {
    const r = await it.next();
    if (r.done) return false;
    buf = concat([buf, r.value], buf.length + r.value.length);
    return true;
  };
  while (buf.length < 4 && (await more()));
  const probe = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const is2 = buf.length >= 4 && (probe.getInt32(0, true) === 540 || probe.getInt32(0, false) === 540);
  while (buf.length < (is2 ? 544 : 352) && (await more()));
  const h = parseNiftiHeader(buf, path, { extensions: false });
  const want = h.single ? Math.max(h.voxOffset, h.sizeofHdr + 4) : Number.POSITIVE_INFINITY;
  while (buf.length < want && (await more()));
  for (;;) {
    try {
      return { header: parseNiftiHeader(buf, path), buf, iterator: it };
    } catch (e) {
      if (
        !(
          (e as { code?: string }).code === FMRI_ERRORS.TRUNCATED &&
          String((e as { details?: { field?: string } }).details?.field).startsWith('extension') &&
          (await more())
        )
      )
        throw e;
    }
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Read a NIfTI image, streaming the (inflated) bytes into a single data buffer. Emits progress events
 * (stage 'read', in bytes).
 */
export async function readNifti(path: string, opts: ReadNiftiOptions = {}): Promise<NiftiImage> {
  const hdrPath = resolveHeaderPath(path);
  const region = await readHeaderRegion(hdrPath);
  const iterator = region.iterator;
  const { header, dataFile, dataStart, missing } = locate(hdrPath, region.header);
  if (opts.headerOnly || dataFile === null || !header.datatype) await iterator.return(undefined);
  if (opts.headerOnly) return new NiftiImage(header, null, hdrPath, 'opened with headerOnly');
  if (!header.datatype) unsupported(header, hdrPath);
  if (dataFile === null) return new NiftiImage(header, null, hdrPath, missing);
  const need = dataByteLength(header, hdrPath);
  const available = availableBytes(dataFile);
  if (available.exact && available.bytes - dataStart < need)
    truncated(dataFile, header, dataStart, available.bytes - dataStart, need);
  // Allocate the whole buffer up front unless a gzip trailer says the data are shorter than the header claims
  // (a lying header must not make us allocate gigabytes): then grow as bytes actually arrive.
  let data = new Uint8Array(available.bytes - dataStart >= need ? need : Math.min(need, 1 << 20));
  const progress = new ProgressReporter('read', need, opts.onProgress);
  let filled = 0;
  const take = (chunk: Uint8Array) => {
    const n = Math.min(chunk.length, need - filled);
    if (filled + n > data.length) {
      const grown = new Uint8Array(Math.min(need, Math.max(filled + n, data.length * 2)));
      grown.set(data.subarray(0, filled));
      data = grown;
    }
    data.set(chunk.subarray(0, n), filled);
    filled += n;
    progress.tick(n);
  };
  let source: AsyncGenerator<Uint8Array>;
  if (dataFile === hdrPath) {
    if (region.buf.length > dataStart) take(region.buf.subarray(dataStart));
    source = iterator;
  } else {
    await iterator.return(undefined);
    source = fileChunks(dataFile, dataStart);
  }
  // a gzip stream is read to its end even when the voxels are complete, so its CRC-32 and length trailer are
  // checked (readNiftiSync's gunzip checks them too: both readers must reject the same corrupt files)
  const gz = isGzip(dataFile);
  if (filled < need || gz) {
    for await (const c of source) {
      take(c);
      if (filled >= need && !gz) break;
    }
  } else await source.return(undefined);
  if (filled < need) truncated(dataFile, header, dataStart, filled, need);
  progress.finish();
  return new NiftiImage(header, finishBytes(header, data, hdrPath), hdrPath);
}

function nVolumesBytes(info: NiftiImage, bytesPer: number): number {
  return info.volumeSize * info.nVolumes * bytesPer;
}

/**
 * Bytes a file holds once inflated: its size (exact) for plain files; for gzip the trailer's ISIZE (size mod 2^32
 * of the last member), a hint only (multi-member or > 4 GiB streams), so `exact` is false.
 */
function availableBytes(path: string): { bytes: number; exact: boolean } {
  const size = checkFile(path);
  if (!isGzip(path)) return { bytes: size, exact: true };
  if (size < 18) return { bytes: 0, exact: false };
  const fd = openSync(path, 'r');
  try {
    const b = new Uint8Array(4);
    readSync(fd, b, 0, 4, size - 4);
    const isize = new DataView(b.buffer).getUint32(0, true);
    // ISIZE wraps at 4 GiB; only trust it as a lower bound when the file could not exceed that
    return { bytes: size > 2 ** 31 ? Number.POSITIVE_INFINITY : isize, exact: false };
  } finally {
    closeSync(fd);
  }
}

export interface VolumeIterationOptions {
  /** Element type of each yielded volume (default float64). */
  dtype?: 'float32' | 'float64';
  onProgress?: ProgressCallback;
}

/**
 * Yield the scaled volumes of a 4-D (or higher) image one by one in bounded memory: positional reads for
 * uncompressed files, a streaming inflate for gzip (only the current volume is kept).
 */
export async function* iterateNiftiVolumes(
  path: string,
  opts: VolumeIterationOptions = {},
): AsyncGenerator<{ index: number; data: Float32Array | Float64Array; image: NiftiImage }> {
  const hdrPath = resolveHeaderPath(path);
  const region = await readHeaderRegion(hdrPath);
  await region.iterator.return(undefined);
  const { header, dataFile, dataStart, missing } = locate(hdrPath, region.header);
  if (!header.datatype) unsupported(header, hdrPath);
  if (dataFile === null)
    throw new FileFormatError(FMRI_ERRORS.MISSING_IMG, hdrPath, missing ?? 'the data file of the pair is missing', {
      field: 'data',
    });
  const info = new NiftiImage(header, null, hdrPath, 'volume iteration: use the yielded data');
  const bytesPer = header.datatype.bytes;
  const datatypeName = header.datatype.name;
  const volBytes = info.volumeSize * bytesPer;
  const available = availableBytes(dataFile);
  if (available.bytes - dataStart < volBytes)
    truncated(dataFile, header, dataStart, available.bytes - dataStart, nVolumesBytes(info, bytesPer));
  const nVol = info.nVolumes;
  const [slope, inter] = info.scaling;
  const { rawView } = await import('./datatypes.ts');
  const { scaleInto } = await import('./nifti-image.ts');
  const progress = new ProgressReporter('read', nVol, opts.onProgress);
  const decode = (buf: Uint8Array, index: number) => {
    if (!header.littleEndian) swapBytesInPlace(buf, bytesPer);
    const raw = rawView(datatypeName, buf);
    const out = opts.dtype === 'float32' ? new Float32Array(info.volumeSize) : new Float64Array(info.volumeSize);
    scaleInto(raw, 0, info.volumeSize, slope, inter, out, 0);
    progress.tick();
    return { index, data: out, image: info };
  };
  if (!isGzip(dataFile)) {
    const size = checkFile(dataFile);
    const fd = openSync(dataFile, 'r');
    try {
      for (let t = 0; t < nVol; t++) {
        const buf = new Uint8Array(volBytes);
        const pos = dataStart + t * volBytes;
        let got = 0;
        while (got < volBytes) {
          const n = readSync(fd, buf, got, volBytes - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        if (got < volBytes)
          truncated(dataFile, header, dataStart, Math.min(size - dataStart, t * volBytes + got), nVol * volBytes);
        yield decode(buf, t);
      }
    } finally {
      closeSync(fd);
    }
    return;
  }
  let buf = new Uint8Array(volBytes);
  let filled = 0;
  let t = 0;
  for await (const chunk of fileChunks(dataFile, dataStart)) {
    let off = 0;
    while (off < chunk.length && t < nVol) {
      const n = Math.min(chunk.length - off, volBytes - filled);
      buf.set(chunk.subarray(off, off + n), filled);
      filled += n;
      off += n;
      if (filled === volBytes) {
        yield decode(buf, t++);
        buf = new Uint8Array(volBytes);
        filled = 0;
      }
    }
    // no break after the last volume: the gzip trailer (CRC-32, length) is checked at the end of the stream
  }
  if (t < nVol) truncated(dataFile, header, dataStart, t * volBytes + filled, nVol * volBytes);
}
