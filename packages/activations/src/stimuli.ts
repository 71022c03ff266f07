/**
 * Stimuli: what is fed to the network, batch by batch, with one descriptor row per stimulus. Sources: a folder of
 * PNG/JPEG images (sorted by name, or ordered by a CSV/TSV list with condition labels), an `.npy` tensor fed as is,
 * an in-memory array, or a generator (benchmarks: 10,000 synthetic stimuli without holding them all).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { ConcordError, type Descriptors, FileFormatError, ParameterError } from '@concord/core';
import { readFileChecked, readNpy } from '@concord/io';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import { decodeImages, type ImageOptions, imagePreprocessing, probeImage } from './images.ts';
import { loadMatStimuli, type MatStimuliOptions } from './mat-stimuli.ts';
import type { InputBatch } from './model.ts';

export interface Stimuli {
  /** Number of stimuli. */
  readonly count: number;
  /** Shape of one stimulus (without the batch axis), e.g. [3, 224, 224]. */
  readonly shape: number[];
  readonly dtype: 'float32' | 'float64' | 'int32' | 'uint8';
  /** One entry per stimulus: always `stimulus` (file name or index) and `index`; list columns when given. */
  readonly descriptors: Descriptors;
  /** Where the stimuli came from (path or description). */
  readonly source: string;
  /** What was done to them (recorded in provenance and part of the cache key). */
  readonly preprocessing: Record<string, unknown>;
  /** A content hash (SHA-256 hex) of the stimuli as stored (files' bytes and order, or the array). */
  hash(): Promise<string>;
  /** Stimuli [start, end) as one input tensor, batch axis first. */
  batch(start: number, end: number): Promise<InputBatch>;
}

type StimulusArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Stimuli from a tensor already in memory: shape [nStimuli, ...]. */
export function stimuliFromArray(
  data: StimulusArray,
  shape: readonly number[],
  init: { descriptors?: Descriptors; source?: string; preprocessing?: Record<string, unknown> } = {},
): Stimuli {
  if (shape.length < 1 || shape.reduce((a, b) => a * b, 1) !== data.length) {
    throw new ParameterError(
      ACTIVATIONS_ERRORS.STIMULI,
      'stimuli',
      `array of ${data.length} values does not fit shape [${shape.join(', ')}]`,
    );
  }
  const count = shape[0];
  const per = shape.slice(1);
  const size = per.reduce((a, b) => a * b, 1);
  const descriptors = defaultDescriptors(count, init.descriptors);
  let hashed: string | undefined;
  return {
    count,
    shape: per,
    dtype: arrayKind(data),
    descriptors,
    source: init.source ?? 'array',
    preprocessing: init.preprocessing ?? { kind: 'array', fedAsIs: true },
    async hash() {
      hashed ??= createHash('sha256')
        .update(JSON.stringify({ shape, dtype: arrayKind(data) }))
        .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
        .digest('hex');
      return hashed;
    },
    async batch(start, end) {
      checkRange(start, end, count);
      return { data: data.subarray(start * size, end * size), shape: [end - start, ...per] };
    },
  };
}

/** Stimuli made on demand by `make(index, out)` (writes one stimulus into `out`); nothing is held in memory. */
export function stimuliFromGenerator(
  count: number,
  shape: readonly number[],
  make: (index: number, out: Float32Array) => void,
  init: { source?: string; seed?: number } = {},
): Stimuli {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    count,
    shape: [...shape],
    dtype: 'float32',
    descriptors: defaultDescriptors(count),
    source: init.source ?? 'generator',
    preprocessing: { kind: 'generator', seed: init.seed },
    async hash() {
      return createHash('sha256')
        .update(JSON.stringify({ source: init.source ?? 'generator', seed: init.seed, count, shape }))
        .digest('hex');
    },
    async batch(start, end) {
      checkRange(start, end, count);
      const data = new Float32Array((end - start) * size);
      for (let i = start; i < end; i++) make(i, data.subarray((i - start) * size, (i - start + 1) * size));
      return { data, shape: [end - start, ...shape] };
    },
  };
}

export interface LoadStimuliOptions extends ImageOptions, MatStimuliOptions {
  /** A CSV/TSV list ordering the images of a folder (first column, or a 'file'/'stimulus'/'image' column, names the image). */
  list?: string;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/**
 * Stimuli from a folder of images, a CSV/TSV list of images, or an `.npy` tensor (fed as is; image options do not
 * apply). Folders are read in sorted file-name order unless a list is given.
 */
export async function loadStimuli(path: string, options: LoadStimuliOptions = {}): Promise<Stimuli> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new FileFormatError(ACTIVATIONS_ERRORS.STIMULI, path, 'no such file or folder');
  }
  const ext = extname(path).toLowerCase();
  if (!st.isDirectory() && ext === '.npy') {
    const nd = readNpy(path);
    const data = nd.data;
    if (
      !(
        data instanceof Float32Array ||
        data instanceof Float64Array ||
        data instanceof Int32Array ||
        data instanceof Uint8Array
      )
    ) {
      throw new FileFormatError(
        ACTIVATIONS_ERRORS.STIMULI,
        path,
        `stimulus tensors must be float32, float64, int32 or uint8; this one is ${nd.dtype}`,
        { field: 'descr' },
      );
    }
    if (nd.shape.length < 1)
      throw new FileFormatError(
        ACTIVATIONS_ERRORS.STIMULI,
        path,
        'a stimulus tensor needs a first (stimulus) axis; this one is a scalar',
        { field: 'shape' },
      );
    return stimuliFromArray(data, nd.shape, {
      source: path,
      preprocessing: { kind: 'npy', fedAsIs: true, file: basename(path) },
    });
  }
  if (!st.isDirectory() && ext === '.mat') return loadMatStimuli(path, options);
  if (!st.isDirectory() && (ext === '.csv' || ext === '.tsv' || ext === '.txt'))
    return imageStimuli(readList(path), path, options);
  if (!st.isDirectory()) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.STIMULI,
      path,
      `expected a folder of PNG/JPEG images, a CSV/TSV list of images, an .npy tensor or a .mat file with stimulus images; received a '${ext || 'extension-less'}' file`,
    );
  }
  if (options.list)
    return imageStimuli(readList(isAbsolute(options.list) ? options.list : resolve(options.list), path), path, options);
  const files = readdirSync(path)
    .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()) && !f.startsWith('.'))
    .sort();
  if (files.length === 0) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.STIMULI,
      path,
      `the folder holds no PNG or JPEG images (looked for ${[...IMAGE_EXTENSIONS].join(', ')})`,
    );
  }
  return imageStimuli({ files: files.map((f) => join(path, f)), descriptors: { stimulus: files } }, path, options);
}

interface ImageList {
  files: string[];
  descriptors: Descriptors;
}

/** A CSV/TSV list: header row, one image per row; `base` is where relative names are looked up (default: the list's folder). */
function readList(listPath: string, base = dirname(listPath)): ImageList {
  const text = new TextDecoder().decode(readFileChecked(listPath));
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2)
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.STIMULI,
      listPath,
      `expected a header row and at least one image row, found ${lines.length} non-empty line(s)`,
    );
  const sep = lines[0].includes('\t') ? '\t' : ',';
  const split = (l: string) => l.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const header = split(lines[0]);
  let fileCol = header.findIndex((h) => ['file', 'filename', 'stimulus', 'image', 'path'].includes(h.toLowerCase()));
  if (fileCol < 0) fileCol = 0;
  const rows = lines.slice(1).map(split);
  rows.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new FileFormatError(
        ACTIVATIONS_ERRORS.STIMULI,
        listPath,
        `row ${i + 2} has ${r.length} columns, the header has ${header.length}`,
        { field: `line ${i + 2}` },
      );
    }
  });
  const descriptors: Descriptors = { stimulus: rows.map((r) => r[fileCol]) };
  header.forEach((h, j) => {
    if (j === fileCol) return;
    const col = rows.map((r) => r[j]);
    const numeric = col.every((v) => v !== '' && Number.isFinite(Number(v)));
    descriptors[h] = numeric ? col.map(Number) : col;
  });
  return { files: rows.map((r) => (isAbsolute(r[fileCol]) ? r[fileCol] : join(base, r[fileCol]))), descriptors };
}

async function imageStimuli(list: ImageList, source: string, options: ImageOptions): Promise<Stimuli> {
  if (list.files.length === 0) throw new FileFormatError(ACTIVATIONS_ERRORS.STIMULI, source, 'no images listed');
  const first = await probeImage(list.files[0], options);
  const count = list.files.length;
  let hashed: string | undefined;
  return {
    count,
    shape: first.shape,
    dtype: 'float32',
    descriptors: defaultDescriptors(count, list.descriptors),
    source,
    preprocessing: imagePreprocessing(first.resolved),
    async hash() {
      if (hashed) return hashed;
      const h = createHash('sha256');
      for (const f of list.files) {
        h.update(basename(f)).update('\u0000');
        try {
          h.update(readFileSync(f));
        } catch {
          throw new FileFormatError(ACTIVATIONS_ERRORS.STIMULI, f, 'cannot read the image file');
        }
      }
      hashed = h.digest('hex');
      return hashed;
    },
    async batch(start, end) {
      checkRange(start, end, count);
      const data = await decodeImages(list.files.slice(start, end), first);
      return { data, shape: [end - start, ...first.shape] };
    },
  };
}

function defaultDescriptors(count: number, given: Descriptors = {}): Descriptors {
  const out: Descriptors = {};
  out.stimulus = given.stimulus ?? Array.from({ length: count }, (_, i) => i);
  out.index = Array.from({ length: count }, (_, i) => i);
  for (const [k, v] of Object.entries(given)) if (k !== 'stimulus') out[k] = v;
  return out;
}

function arrayKind(data: StimulusArray): Stimuli['dtype'] {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

function checkRange(start: number, end: number, count: number): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= count && start < end)) {
    throw new ConcordError(ACTIVATIONS_ERRORS.STIMULI, `stimuli: batch [${start}, ${end}) is outside [0, ${count})`, {
      received: [start, end],
    });
  }
}

/** Stimuli [start, end) of `s` as stimuli of their own (descriptors sliced; nothing is decoded until a batch is asked for). */
export function sliceStimuli(s: Stimuli, start: number, end: number): Stimuli {
  checkRange(start, end, s.count);
  const descriptors: Descriptors = {};
  for (const [k, v] of Object.entries(s.descriptors)) descriptors[k] = v.slice(start, end);
  return {
    count: end - start,
    shape: s.shape,
    dtype: s.dtype,
    descriptors,
    source: `${s.source}[${start}:${end}]`,
    preprocessing: s.preprocessing,
    async hash() {
      return createHash('sha256')
        .update(await s.hash())
        .update(`[${start}:${end}]`)
        .digest('hex');
    },
    batch: (a, b) => {
      checkRange(a, b, end - start);
      return s.batch(start + a, start + b);
    },
  };
}
