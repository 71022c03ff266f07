/**
 * Activation files: writing one `.npz` entry per layer (stimuli × units, float32) with a provenance JSON beside it,
 * and reading activations other tools wrote (`.npy`, `.npz`; a manifest maps layer names to array names).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Dataset, type Descriptors, FileFormatError, Matrix } from '@concord/core';
import {
  listHdf5,
  type MatArray,
  type NdArray,
  npzEntry,
  readHdf5Dataset,
  readMat,
  readNpy,
  readNpz,
  toFloat64,
  writeFileAtomic,
  writeNpz,
} from '@concord/io';
import { ACTIVATIONS_ERRORS } from './errors.ts';

export interface LayerEntry {
  /** The npz entry (array name) holding the layer. */
  key: string;
  /** [stimuli, units]. */
  shape: number[];
}

export interface Provenance {
  concord: string;
  created: string;
  model: { file: string; format: string; sha256: string; runtime: string };
  stimuli: {
    source: string;
    count: number;
    sha256: string;
    preprocessing: Record<string, unknown>;
    descriptors: Descriptors;
  };
  batchSize: number;
  layers: Record<string, LayerEntry & { unitShape: number[]; reductions: Record<string, unknown>[] }>;
}

/** The provenance file written beside an activation file. */
export function provenancePath(file: string): string {
  return `${file}.provenance.json`;
}

/** npz entry names: the layer name with characters outside [A-Za-z0-9_.-] replaced by '_', made unique. */
export function layerKeys(names: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const name of names) {
    const base = name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'layer';
    let key = base;
    for (let i = 2; used.has(key); i++) key = `${base}_${i}`;
    used.add(key);
    out.set(name, key);
  }
  return out;
}

/** Write datasets as one float32 npz entry per layer (atomically), plus `<file>.provenance.json`. */
export function writeActivations(
  file: string,
  datasets: ReadonlyMap<string, Dataset>,
  provenance?: Omit<Provenance, 'layers'> & {
    layers: Record<string, { unitShape: number[]; reductions: Record<string, unknown>[] }>;
  },
): Record<string, LayerEntry> {
  // one key per name, in the map's (insertion) order
  const keys = [...layerKeys([...datasets.keys()]).values()];
  const arrays: Record<string, { data: Float32Array; shape: number[] }> = {};
  const layers: Record<string, LayerEntry> = {};
  for (const [i, [name, ds]] of [...datasets].entries()) {
    const key = keys[i];
    const m = ds.measurements;
    const data = m.data instanceof Float32Array ? m.data : Float32Array.from(m.data);
    arrays[key] = { data, shape: [m.rows, m.cols] };
    layers[name] = { key, shape: [m.rows, m.cols] };
  }
  writeNpz(file, arrays);
  if (provenance) {
    const full: Provenance = {
      ...provenance,
      layers: Object.fromEntries(
        Object.entries(layers).map(([n, e]) => [
          n,
          { ...e, ...(provenance.layers[n] ?? { unitShape: [], reductions: [] }) },
        ]),
      ),
    };
    writeFileAtomic(provenancePath(file), `${JSON.stringify(full, null, 1)}\n`);
  }
  return layers;
}

/** Layer name → array name; or the path of a JSON file holding that map (or a Concord provenance file). */
export type ActivationManifest = Record<string, string> | string;

function loadManifest(
  manifest: ActivationManifest | undefined,
  file: string,
): { map?: Record<string, string>; descriptors?: Descriptors } {
  let json: unknown = manifest;
  let from = file;
  if (manifest === undefined) {
    if (!existsSync(provenancePath(file))) return {};
    from = provenancePath(file);
    json = JSON.parse(readFileSync(from, 'utf8'));
  } else if (typeof manifest === 'string') {
    from = manifest;
    try {
      json = JSON.parse(readFileSync(manifest, 'utf8'));
    } catch (e) {
      throw new FileFormatError(
        ACTIVATIONS_ERRORS.ACTIVATION_FILE,
        manifest,
        `cannot read the manifest as JSON: ${(e as Error).message}`,
      );
    }
  }
  const obj = json as Record<string, unknown>;
  if (obj && typeof obj === 'object' && obj.layers && typeof obj.layers === 'object' && !Array.isArray(obj.layers)) {
    // A Concord provenance file.
    const layers = obj.layers as Record<string, { key?: unknown }>;
    const map: Record<string, string> = {};
    for (const [n, e] of Object.entries(layers)) if (typeof e?.key === 'string') map[n] = e.key;
    const stim = (obj.stimuli as { descriptors?: Descriptors } | undefined)?.descriptors;
    return { map, descriptors: stim };
  }
  if (!obj || typeof obj !== 'object' || Object.values(obj).some((v) => typeof v !== 'string')) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.ACTIVATION_FILE,
      from,
      'a manifest maps layer names to array names: {"layer": "array", ...}',
    );
  }
  return { map: obj as Record<string, string> };
}

/** An activation array as stimuli × units (every axis after the first is flattened). */
function toMatrix(a: NdArray, file: string, key: string): Matrix {
  if (a.shape.length < 1)
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.ACTIVATION_FILE,
      file,
      `array '${key}' is a scalar; activations need a stimulus axis`,
      { field: key },
    );
  const n = a.shape[0];
  const units = a.shape.slice(1).reduce((p, q) => p * q, 1);
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(toFloat64(a.data));
  return new Matrix(n, units, data);
}

/**
 * Read activation files into one Dataset per layer. `.npz`, `.h5`/`.hdf5` (thingsvision-style), `.mat`: every
 * numeric array with a stimulus axis is a layer unless a manifest (or the `<file>.provenance.json` Concord wrote)
 * maps layer names to array names; `.npy`: one layer named by the manifest's only key or the file name. Stimulus
 * descriptors come from the provenance file when present. Axes after the first are flattened in C order.
 */
export function readActivations(file: string, manifest?: ActivationManifest): Map<string, Dataset> {
  const ext = extname(file).toLowerCase();
  const { map, descriptors } = loadManifest(manifest, file);
  let arrays: Record<string, NdArray>;
  if (ext === '.npz') arrays = readNpz(file);
  else if (ext === '.npy') {
    const only = map ? Object.entries(map) : [];
    const name = only.length === 1 ? only[0][0] : basename(file, ext);
    arrays = { [name]: readNpy(file) };
    return build(file, { [name]: name }, arrays, descriptors);
  } else if (ext === '.h5' || ext === '.hdf5') {
    // thingsvision-style HDF5: one numeric dataset per layer (stimuli first), named by its path.
    const wanted = map
      ? Object.values(map)
      : listHdf5(file)
          .filter((e) => e.kind === 'dataset' && (e.shape?.length ?? 0) >= 2 && isNumeric(e.dtype))
          .map((e) => e.path.replace(/^\//, ''));
    // thingsvision writes a matrix too large for memory as row blocks features_01, features_02, ... (its
    // merge_features stacks them back): one layer 'features'.
    if (!map && wanted.length > 0 && wanted.every((k) => /^features_\d+$/.test(k))) {
      const blocks = [...wanted]
        .sort((a, b) => Number(a.slice(9)) - Number(b.slice(9)))
        .map((k) => readHdf5Dataset(file, `/${k}`));
      return build(file, { features: 'features' }, { features: stackRows(blocks, file) }, descriptors);
    }
    arrays = {};
    for (const key of wanted) {
      const d = readHdf5Dataset(file, key.startsWith('/') ? key : `/${key}`);
      if (!d.data || !isNumeric(d.dtype))
        throw new FileFormatError(
          ACTIVATIONS_ERRORS.ACTIVATION_FILE,
          file,
          `dataset '${key}' is ${d.dtype}, not numeric`,
          { field: key },
        );
      arrays[key] = { dtype: d.dtype as NdArray['dtype'], shape: d.shape, data: d.data };
    }
  } else if (ext === '.mat') {
    // One numeric variable per layer (stimuli × units, as scipy.io.savemat writes a 2-D array).
    arrays = {};
    for (const [k, v] of Object.entries(readMat(file))) {
      const a = v as MatArray;
      if (
        a &&
        typeof a === 'object' &&
        ArrayBuffer.isView(a.data) &&
        Array.isArray(a.shape) &&
        a.shape.length >= 2 &&
        !a.imag
      )
        arrays[k] = a;
    }
  } else {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.ACTIVATION_FILE,
      file,
      `unsupported activation file type '${ext}'; supported: .npz (one array per layer), .npy (one layer), .h5/.hdf5 and .mat (one numeric dataset/variable per layer)`,
    );
  }
  return build(file, map ?? Object.fromEntries(Object.keys(arrays).map((k) => [k, k])), arrays, descriptors);
}

/** Row blocks (same dtype, same shape after the first axis) stacked along the first axis. */
function stackRows(blocks: { dtype?: string; shape: number[]; data?: unknown }[], file: string): NdArray {
  const first = blocks[0];
  const tail = first.shape.slice(1).join(',');
  const bad = blocks.findIndex((b) => !b.data || b.dtype !== first.dtype || b.shape.slice(1).join(',') !== tail);
  if (bad >= 0 || !isNumeric(first.dtype))
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.ACTIVATION_FILE,
      file,
      `the split blocks features_NN must share a numeric dtype and the shape after the first axis; block ${bad + 1} is ${blocks[Math.max(bad, 0)].dtype} [${blocks[Math.max(bad, 0)].shape.join(', ')}], block 1 is ${first.dtype} [${first.shape.join(', ')}]`,
      { field: 'features' },
    );
  const arrays = blocks.map((b) => b.data as NdArray['data']);
  const length = arrays.reduce((s, a) => s + a.length, 0);
  const data = new (arrays[0].constructor as new (n: number) => NdArray['data'])(length);
  let at = 0;
  for (const a of arrays) {
    (data as Float64Array).set(a as Float64Array, at);
    at += a.length;
  }
  const rows = blocks.reduce((s, b) => s + b.shape[0], 0);
  return { dtype: first.dtype as NdArray['dtype'], shape: [rows, ...first.shape.slice(1)], data };
}

function isNumeric(dtype: string | undefined): boolean {
  return dtype !== undefined && !['string', 'reference', 'compound', 'other'].includes(dtype);
}

function build(
  file: string,
  map: Record<string, string>,
  arrays: Record<string, NdArray>,
  descriptors: Descriptors | undefined,
): Map<string, Dataset> {
  const out = new Map<string, Dataset>();
  for (const [layer, key] of Object.entries(map)) {
    const m = toMatrix(npzEntry(arrays, key, file), file, key);
    const obs =
      descriptors && Object.values(descriptors).every((c) => c.length === m.rows)
        ? descriptors
        : { index: Array.from({ length: m.rows }, (_, i) => i) };
    out.set(layer, new Dataset(m, { descriptors: { layer, file }, obsDescriptors: obs }));
  }
  return out;
}
