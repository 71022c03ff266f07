/**
 * HDF5 files through h5wasm (the HDF5 C library compiled to WebAssembly). h5wasm works on an in-memory file
 * system: each call copies the file's bytes into it, opens it, reads, then closes and deletes the copy.
 *
 * Datasets are returned as h5py returns them: the stored shape, data in stored (C) order. MATLAB v7.3 files
 * therefore appear transposed here; readMat undoes that.
 */
import { FileFormatError } from '@concord/core';
import type * as h5wasm from 'h5wasm/node';
import { IO_ERRORS } from './errors.ts';
import { readFileChecked } from './files.ts';
import { h5 } from './h5wasm-runtime.ts';
import { guardedHdf5Read } from './hdf5-guard.ts';
import type { NpDtype, NumericArray } from './typed.ts';

/** h5wasm's HDF5 type classes (H5T_class_t). */
const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, REFERENCE: 7, ENUM: 8 } as const;

export type Hdf5Group = h5wasm.Group;
export type Hdf5Entity = h5wasm.Entity;
export type Hdf5H5Dataset = h5wasm.Dataset;

/** One dataset's contents in stored order. */
export interface Hdf5Dataset {
  /** Full path inside the file, e.g. '/EEG/times'. */
  path: string;
  /** Stored shape ([] for a scalar). */
  shape: number[];
  /** numpy name for numeric data; 'string', 'reference' or 'compound' otherwise. */
  dtype: NpDtype | 'string' | 'reference' | 'compound' | 'other';
  /** Numeric values in stored (C) order, for numeric dtypes. */
  data?: NumericArray;
  /** Values of string datasets. */
  strings?: string[];
  /** Target paths of object-reference datasets (stored order). */
  refs?: string[];
  /** Attributes as plain values (numbers, strings, arrays of them). */
  attrs: Record<string, unknown>;
}

export interface Hdf5Entry {
  path: string;
  kind: 'group' | 'dataset' | 'other';
  shape?: number[];
  dtype?: Hdf5Dataset['dtype'];
  attrs: Record<string, unknown>;
}

let fileCounter = 0;

/** HDF5's error stacks run to dozens of lines; keep the innermost (most specific) message. */
function hdf5Message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = [...text.matchAll(/#\d+: .* in (\w+)\(\): (.*)$/gm)];
  const last = lines.at(-1);
  return last ? `${last[2].trim()} (in ${last[1]})` : text.split('\n')[0];
}

/** Open a file's bytes in h5wasm, run `fn`, then always close and delete the in-memory copy. */
export function withHdf5<T>(buf: Uint8Array, file: string, fn: (f: h5wasm.File) => T): T {
  const FS = h5(file).FS;
  if (!FS) throw new FileFormatError(IO_ERRORS.HDF5, file, 'h5wasm did not initialise');
  const name = `/concord-${process.pid}-${++fileCounter}.h5`;
  FS.writeFile(name, buf);
  let f: h5wasm.File | undefined;
  try {
    try {
      f = new (h5(file).File)(name, 'r');
    } catch (e) {
      throw new FileFormatError(IO_ERRORS.HDF5, file, `not a readable HDF5 file: ${hdf5Message(e)}`, { offset: 0 });
    }
    if (!f.file_id || f.file_id < 0n)
      throw new FileFormatError(IO_ERRORS.HDF5, file, 'not a readable HDF5 file', { offset: 0 });
    return fn(f);
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    // h5wasm reports corrupt structures as plain errors (or strings); give them the file's name and a code.
    throw new FileFormatError(IO_ERRORS.HDF5, file, `HDF5 read failed: ${hdf5Message(e)}`);
  } finally {
    try {
      f?.close();
    } catch {
      // Closing a file h5wasm failed to open properly can throw; the copy is removed below either way.
    }
    FS.unlink(name);
  }
}

/** Attributes as plain values (read by name, without h5wasm's per-attribute metadata objects). */
export function attrsOf(obj: h5wasm.Dataset | h5wasm.Group): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let names: string[];
  try {
    names = h5().Module.get_attribute_names(obj.file_id, obj.path);
  } catch {
    return out;
  }
  for (const k of names) {
    try {
      out[k] = obj.get_attribute(k, true);
    } catch {
      out[k] = undefined;
    }
  }
  return out;
}

/** A string attribute (MATLAB_class is stored as a fixed-length string). */
export function stringAttr(obj: h5wasm.Dataset | h5wasm.Group, name: string): string | undefined {
  const v = attrsOf(obj)[name];
  return typeof v === 'string' ? v : undefined;
}

export function dtypeOfMetadata(m: h5wasm.Metadata): Hdf5Dataset['dtype'] {
  if (m.type === H5T.FLOAT) return m.size === 8 ? 'float64' : m.size === 4 ? 'float32' : 'other';
  if (m.type === H5T.INTEGER || m.type === H5T.ENUM) {
    const bits = m.size * 8;
    if (![8, 16, 32, 64].includes(bits)) return 'other';
    return `${m.signed ? 'int' : 'uint'}${bits}` as NpDtype;
  }
  if (m.type === H5T.STRING) return 'string';
  if (m.type === H5T.REFERENCE) return 'reference';
  if (m.type === H5T.COMPOUND) return 'compound';
  return 'other';
}

/** Resolves object references to entities. */
export type RefResolver = (r: unknown) => h5wasm.Entity | null;

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * A fast reference resolver. h5wasm's dereference asks HDF5 for the target's name, which searches the whole file
 * (~13 ms each in a file with 5000 objects); MATLAB's references all point into '#refs#', so we map those
 * objects' reference bytes to their paths once and fall back to dereference for anything else.
 */
export function refResolver(f: h5wasm.File): RefResolver {
  let map: Map<string, string> | undefined;
  const build = (): Map<string, string> => {
    const m = new Map<string, string>();
    const refs = f.get('#refs#');
    if (refs instanceof h5().Group) {
      for (const k of refs.keys()) {
        try {
          m.set(hex(h5().Module.create_object_reference(f.file_id, `/#refs#/${k}`)), `/#refs#/${k}`);
        } catch {
          // Links that do not resolve are left to the slow path.
        }
      }
    }
    return m;
  };
  return (r) => {
    if (!(r instanceof h5().Reference)) return null;
    map ??= build();
    const path = map.get(hex(r.ref_data));
    if (path !== undefined) return f.get(path);
    return f.dereference(r) as unknown as h5wasm.Entity | null;
  };
}

function refTarget(resolve: RefResolver, r: unknown): string {
  const target = resolve(r);
  return target && 'path' in target ? (target as { path: string }).path : '';
}

/**
 * Read one dataset object into plain values (stored order). References become target paths when `resolve` is
 * given, and are left out otherwise.
 */
export function datasetContents(
  ds: h5wasm.Dataset,
  resolve?: RefResolver,
  attrs?: Record<string, unknown>,
): Hdf5Dataset {
  const m = ds.metadata;
  const shape = (m.shape ?? []).slice();
  const dtype = dtypeOfMetadata(m);
  const out: Hdf5Dataset = { path: ds.path, shape, dtype, attrs: attrs ?? attrsOf(ds) };
  const value = ds.value;
  if (dtype === 'string') {
    out.strings = (Array.isArray(value) ? value : [value]).map((v) => String(v));
  } else if (dtype === 'reference') {
    if (resolve) out.refs = (Array.isArray(value) ? value : [value]).map((r) => refTarget(resolve, r));
  } else if (dtype !== 'compound' && dtype !== 'other') {
    out.data = toTyped(value, dtype);
  }
  return out;
}

function toTyped(value: unknown, dtype: NpDtype): NumericArray {
  if (ArrayBuffer.isView(value)) {
    // h5wasm's arrays may be views into WebAssembly memory: copy so the result outlives the file.
    return (value as NumericArray).slice();
  }
  const list = Array.isArray(value) ? value : [value];
  switch (dtype) {
    case 'int64':
      return BigInt64Array.from(list, (v) => BigInt(v as number));
    case 'uint64':
      return BigUint64Array.from(list, (v) => BigInt(v as number));
    case 'float32':
      return Float32Array.from(list as number[]);
    case 'int8':
      return Int8Array.from(list as number[]);
    case 'int16':
      return Int16Array.from(list as number[]);
    case 'int32':
      return Int32Array.from(list as number[]);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(list as number[]);
    case 'uint16':
      return Uint16Array.from(list as number[]);
    case 'uint32':
      return Uint32Array.from(list as number[]);
    default:
      return Float64Array.from(list as number[]);
  }
}

function walk(group: h5wasm.Group, visit: (path: string, e: h5wasm.Entity | null) => void, depth = 0): void {
  if (depth > 64) return;
  for (const key of group.keys()) {
    const path = group.path === '/' ? `/${key}` : `${group.path}/${key}`;
    const e = group.get(key);
    visit(path, e);
    if (e instanceof h5().Group) walk(e, visit, depth + 1);
  }
}

/** Every group and dataset in the file, depth first, with shapes, dtypes and attributes. */
export function decodeHdf5Listing(buf: Uint8Array, file = '<buffer>'): Hdf5Entry[] {
  h5(file);
  return guardedHdf5Read({ op: 'decodeHdf5Listing', args: [buf, file] }, file, buf.byteLength, () =>
    decodeHdf5ListingInThread(buf, file),
  );
}

/** decodeHdf5Listing on the calling thread (the reader thread runs this). */
export function decodeHdf5ListingInThread(buf: Uint8Array, file: string): Hdf5Entry[] {
  return withHdf5(buf, file, (f) => {
    const out: Hdf5Entry[] = [];
    walk(f, (path, e) => {
      if (e instanceof h5().Dataset)
        out.push({
          path,
          kind: 'dataset',
          shape: (e.shape ?? []).slice(),
          dtype: dtypeOfMetadata(e.metadata),
          attrs: attrsOf(e),
        });
      else if (e instanceof h5().Group) out.push({ path, kind: 'group', attrs: attrsOf(e) });
      else out.push({ path, kind: 'other', attrs: {} });
    });
    return out;
  });
}

export function listHdf5(path: string): Hdf5Entry[] {
  return decodeHdf5Listing(readFileChecked(path), path);
}

export function decodeHdf5Dataset(buf: Uint8Array, name: string, file = '<buffer>'): Hdf5Dataset {
  h5(file);
  return guardedHdf5Read({ op: 'decodeHdf5Dataset', args: [buf, name, file] }, file, buf.byteLength, () =>
    decodeHdf5DatasetInThread(buf, name, file),
  );
}

export function decodeHdf5DatasetInThread(buf: Uint8Array, name: string, file: string): Hdf5Dataset {
  return withHdf5(buf, file, (f) => {
    const e = f.get(name);
    if (!(e instanceof h5().Dataset)) {
      throw new FileFormatError(
        IO_ERRORS.HDF5_NOT_FOUND,
        file,
        `no dataset '${name}'${e ? ' (it is a group)' : ''}; top-level members: ${f.keys().join(', ')}`,
        { field: name },
      );
    }
    return datasetContents(e, refResolver(f));
  });
}

/** One dataset by path ('/EEG/times'), in stored order and shape (as h5py gives it). */
export function readHdf5Dataset(path: string, name: string): Hdf5Dataset {
  return decodeHdf5Dataset(readFileChecked(path), name, path);
}

/** Every dataset in the file, keyed by full path. */
export function decodeHdf5(buf: Uint8Array, file = '<buffer>'): Record<string, Hdf5Dataset> {
  h5(file);
  return guardedHdf5Read({ op: 'decodeHdf5', args: [buf, file] }, file, buf.byteLength, () =>
    decodeHdf5InThread(buf, file),
  );
}

export function decodeHdf5InThread(buf: Uint8Array, file: string): Record<string, Hdf5Dataset> {
  return withHdf5(buf, file, (f) => {
    const out: Record<string, Hdf5Dataset> = {};
    const resolve = refResolver(f);
    walk(f, (path, e) => {
      if (e instanceof h5().Dataset) out[path] = datasetContents(e, resolve);
    });
    return out;
  });
}

export function readHdf5(path: string): Record<string, Hdf5Dataset> {
  return decodeHdf5(readFileChecked(path), path);
}

export function isHdf5At(buf: Uint8Array, at: number): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return buf.length >= at + 8 && sig.every((b, i) => buf[at + i] === b);
}
