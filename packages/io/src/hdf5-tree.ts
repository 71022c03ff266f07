/**
 * A whole HDF5 file as a plain JS tree (groups, numeric datasets, string datasets, attributes), read and written
 * the way h5py reads and writes them, so Python tools that store nested dictionaries in HDF5 (rsatoolbox's
 * write_dict_hdf5, ...) can exchange files with Concord.
 *
 * Written like h5py:
 * - numeric datasets keep their dtype and shape, contiguous, little-endian, no compression;
 * - string datasets are fixed-length ASCII by default (numpy `arr.astype('S')`, width = longest string, at least 1),
 *   or variable-length UTF-8 (h5py's `str` dtype) — chosen automatically when a string is not ASCII;
 * - string attributes are variable-length UTF-8 scalars (h5py's `attrs[k] = 'text'`), numbers are float64 scalars,
 *   bigints int64 scalars, typed arrays keep their dtype, string arrays are variable-length UTF-8.
 * Differences: h5py NULLPADs fixed-length strings, h5wasm NULLTERMinates them (both read back identically in h5py
 * and here); h5wasm cannot create empty (null dataspace, `h5py.Empty`) datasets, so writing one is an error, while
 * reading one gives `shape: null`.
 */

import type { Hdf5AttrValue, Hdf5TreeDataset, Hdf5TreeGroup, Hdf5TreeNode } from '@concord/core';
import { FileFormatError } from '@concord/core';
import type * as h5wasm from 'h5wasm/node';
import { IO_ERRORS } from './errors.ts';
import { readFileChecked, writeFileAtomic } from './files.ts';
import { h5 } from './h5wasm-runtime.ts';
import { attrsOf, dtypeOfMetadata, withHdf5 } from './hdf5.ts';
import { guardedHdf5Read } from './hdf5-guard.ts';
import { dtypeOfArray, type NpDtype, type NumericArray, product } from './typed.ts';

export type { Hdf5AttrValue, Hdf5TreeDataset, Hdf5TreeGroup, Hdf5TreeNode } from '@concord/core';

/** Shorthand constructors for trees. */
export const hdf5 = {
  group(children: Record<string, Hdf5TreeNode> = {}, attrs?: Record<string, Hdf5AttrValue>): Hdf5TreeGroup {
    return attrs ? { kind: 'group', children, attrs } : { kind: 'group', children };
  },
  numeric(data: NumericArray, shape: number[] = [data.length]): Hdf5TreeDataset {
    return { kind: 'dataset', dtype: dtypeOfArray(data), shape, data };
  },
  strings(strings: string[], shape: number[] = [strings.length], stringType?: 'fixed' | 'vlen'): Hdf5TreeDataset {
    return { kind: 'dataset', dtype: 'string', shape, strings, ...(stringType ? { stringType } : {}) };
  },
};

/** Error codes of the tree reader/writer (besides IO_ERRORS.HDF5 for unreadable files). */
export const HDF5_TREE_ERRORS = {
  WRITE: IO_ERRORS.HDF5_WRITE,
  UNSUPPORTED: IO_ERRORS.HDF5_UNSUPPORTED,
} as const;

let fileCounter = 0;

const NUMPY_TO_H5WASM: Partial<Record<NpDtype, string>> = {
  float64: '<d',
  float32: '<f',
  int8: '<b',
  int16: '<h',
  int32: '<i',
  int64: '<q',
  uint8: '<B',
  uint16: '<H',
  uint32: '<I',
  uint64: '<Q',
  bool: '<B',
};

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function writeError(file: string, where: string, message: string): FileFormatError {
  return new FileFormatError(HDF5_TREE_ERRORS.WRITE, file, `${where}: ${message}`, { field: where });
}

function checkName(name: string, file: string, where: string): void {
  if (name === '' || name.includes('/') || name === '.')
    throw writeError(file, where, `invalid HDF5 link name ${JSON.stringify(name)} (non-empty, no '/')`);
}

function writeAttrs(
  obj: h5wasm.Group | h5wasm.Dataset,
  attrs: Record<string, Hdf5AttrValue> | undefined,
  file: string,
) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    const where = `${obj.path === '/' ? '' : obj.path}@${name}`;
    if (typeof value === 'string') obj.create_attribute(name, value);
    else if (typeof value === 'number') obj.create_attribute(name, new Float64Array([value]), [], '<d');
    else if (typeof value === 'bigint') obj.create_attribute(name, new BigInt64Array([value]), [], '<q');
    else if (ArrayBuffer.isView(value)) {
      const dtype = NUMPY_TO_H5WASM[dtypeOfArray(value)];
      obj.create_attribute(name, value as Float64Array, [value.length], dtype);
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      obj.create_attribute(name, value as string[], [value.length]);
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
      obj.create_attribute(name, Float64Array.from(value as number[]), [value.length], '<d');
    } else {
      throw writeError(file, where, 'attribute values must be strings, numbers, bigints or arrays of one of them');
    }
  }
}

function writeDataset(parent: h5wasm.Group, name: string, node: Hdf5TreeDataset, file: string, where: string): void {
  if (node.shape === null)
    throw writeError(file, where, 'empty (null dataspace) datasets cannot be written (h5wasm has no H5S_NULL)');
  const n = product(node.shape);
  let ds: h5wasm.Dataset;
  if (node.dtype === 'string') {
    const strings = node.strings ?? [];
    if (strings.length !== n)
      throw writeError(file, where, `shape [${node.shape}] needs ${n} strings, received ${strings.length}`);
    const type = node.stringType ?? (strings.every(isAscii) ? 'fixed' : 'vlen');
    if (type === 'fixed') {
      if (!strings.every(isAscii))
        throw writeError(file, where, "fixed-length strings must be ASCII (numpy 'S'); use stringType 'vlen'");
      const width = Math.max(1, ...strings.map((s) => s.length));
      ds = parent.create_dataset({ name, data: strings, shape: node.shape, dtype: `A${width}` });
    } else {
      ds = parent.create_dataset({ name, data: strings, shape: node.shape, dtype: 'S' });
    }
  } else {
    const data = node.data;
    if (!data || !ArrayBuffer.isView(data))
      throw writeError(file, where, `a ${node.dtype} dataset needs \`data\` (a typed array)`);
    if (data.length !== n)
      throw writeError(file, where, `shape [${node.shape}] needs ${n} values, received ${data.length}`);
    const dtype = NUMPY_TO_H5WASM[node.dtype];
    if (!dtype) throw writeError(file, where, `unsupported dtype ${node.dtype}`);
    ds = parent.create_dataset({ name, data: data as Float64Array, shape: node.shape, dtype });
  }
  writeAttrs(ds, node.attrs, file);
}

function writeGroup(group: h5wasm.Group, node: Hdf5TreeGroup, file: string, depth: number): void {
  if (depth > 64) throw writeError(file, group.path, 'groups nested more than 64 deep');
  writeAttrs(group, node.attrs, file);
  for (const [name, child] of Object.entries(node.children)) {
    const where = group.path === '/' ? `/${name}` : `${group.path}/${name}`;
    checkName(name, file, where);
    if (child.kind === 'group') writeGroup(group.create_group(name), child, file, depth + 1);
    else if (child.kind === 'dataset') writeDataset(group, name, child, file, where);
    else throw writeError(file, where, "tree nodes must have kind 'group' or 'dataset'");
  }
}

/** The bytes of an in-memory file without a copy (MEMFS keeps them in one growable array), else a copy. */
function memfsBytes(FS: NonNullable<typeof h5wasm.FS>, name: string): Uint8Array {
  const node = (FS.lookupPath(name, {}) as { node?: { contents?: unknown; usedBytes?: number } }).node;
  if (node?.contents instanceof Uint8Array && typeof node.usedBytes === 'number')
    return node.contents.subarray(0, node.usedBytes);
  return FS.readFile(name);
}

/**
 * Build the file in h5wasm's in-memory file system and hand its bytes to `use` (a view that is only valid during
 * the call), then always delete the in-memory file.
 */
function withEncoded<T>(root: Hdf5TreeGroup, file: string, use: (bytes: Uint8Array) => T): T {
  const FS = h5(file).FS;
  if (!FS) throw new FileFormatError(IO_ERRORS.HDF5, file, 'h5wasm did not initialise');
  const name = `/concord-w-${process.pid}-${++fileCounter}.h5`;
  let f: h5wasm.File | undefined;
  try {
    let bytes: Uint8Array;
    try {
      f = new (h5(file).File)(name, 'w');
      writeGroup(f, root, file, 0);
      f.close();
      f = undefined;
      bytes = memfsBytes(FS, name);
    } catch (e) {
      if (e instanceof FileFormatError) throw e;
      throw new FileFormatError(
        HDF5_TREE_ERRORS.WRITE,
        file,
        `HDF5 write failed: ${e instanceof Error ? e.message : e}`,
      );
    }
    return use(bytes);
  } finally {
    try {
      f?.close();
    } catch {
      // Already failing; the in-memory copy is removed below either way.
    }
    try {
      FS.unlink(name);
    } catch {
      // The file may not exist when opening failed.
    }
  }
}

/** Encode a tree as the bytes of a new HDF5 file. */
export function encodeHdf5Tree(root: Hdf5TreeGroup, file = '<buffer>'): Uint8Array {
  return withEncoded(root, file, (bytes) => bytes.slice());
}

/** Write a tree as a new HDF5 file (atomically: a failed write leaves no partial file). */
export function writeHdf5Tree(path: string, root: Hdf5TreeGroup): void {
  withEncoded(root, path, (bytes) => writeFileAtomic(path, bytes));
}

/** Nested arrays (h5wasm's n-D values) flattened in C order. */
function flatten(v: unknown): unknown[] {
  if (!Array.isArray(v)) return [v];
  const out: unknown[] = [];
  const visit = (x: unknown, depth: number): void => {
    if (Array.isArray(x) && depth < 64) for (const y of x) visit(y, depth + 1);
    else out.push(x);
  };
  visit(v, 0);
  return out;
}

function plainAttrs(obj: h5wasm.Group | h5wasm.Dataset): Record<string, Hdf5AttrValue> {
  const out: Record<string, Hdf5AttrValue> = {};
  for (const [k, v] of Object.entries(attrsOf(obj))) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') out[k] = v;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else if (Array.isArray(v)) {
      const flat = flatten(v);
      if (flat.every((x) => typeof x === 'string')) out[k] = flat as string[];
      else if (flat.every((x) => typeof x === 'number' || typeof x === 'boolean')) out[k] = flat.map(Number);
    }
  }
  return out;
}

function copyTyped(value: unknown, dtype: NpDtype): NumericArray {
  if (ArrayBuffer.isView(value)) return (value as NumericArray).slice();
  const list = flatten(value) as (number | bigint | boolean)[];
  if (dtype === 'int64') return BigInt64Array.from(list, (v) => BigInt(v));
  if (dtype === 'uint64') return BigUint64Array.from(list, (v) => BigInt(v));
  if (dtype === 'float32') return Float32Array.from(list, Number);
  if (dtype === 'int8') return Int8Array.from(list, Number);
  if (dtype === 'int16') return Int16Array.from(list, Number);
  if (dtype === 'int32') return Int32Array.from(list, Number);
  if (dtype === 'uint8' || dtype === 'bool') return Uint8Array.from(list, Number);
  if (dtype === 'uint16') return Uint16Array.from(list, Number);
  if (dtype === 'uint32') return Uint32Array.from(list, Number);
  return Float64Array.from(list, Number);
}

function readDataset(ds: h5wasm.Dataset, file: string): Hdf5TreeDataset {
  const m = ds.metadata;
  const attrs = plainAttrs(ds);
  const shape = m.shape ? m.shape.slice() : null;
  const dtype = dtypeOfMetadata(m);
  const withAttrs = <T extends Hdf5TreeDataset>(d: T): T => (Object.keys(attrs).length ? { ...d, attrs } : d);
  if (shape === null) {
    // h5py.Empty: a dataset with a type but no dataspace.
    const t = dtype === 'string' ? 'string' : NUMPY_TO_H5WASM[dtype as NpDtype] ? (dtype as NpDtype) : 'float64';
    return withAttrs({ kind: 'dataset', shape: null, dtype: t });
  }
  if (dtype === 'string') {
    const value = ds.value;
    const strings = flatten(value).map((v) => String(v));
    return withAttrs({ kind: 'dataset', shape, dtype, strings, stringType: m.vlen ? 'vlen' : 'fixed' });
  }
  if (dtype === 'reference' || dtype === 'compound' || dtype === 'other')
    throw new FileFormatError(
      HDF5_TREE_ERRORS.UNSUPPORTED,
      file,
      `dataset ${ds.path} has a ${dtype} type; the tree reader handles numeric and string datasets only`,
      { field: ds.path },
    );
  return withAttrs({ kind: 'dataset', shape, dtype, data: copyTyped(ds.value, dtype) });
}

function readGroup(g: h5wasm.Group, file: string, depth: number): Hdf5TreeGroup {
  const children: Record<string, Hdf5TreeNode> = {};
  if (depth <= 64) {
    for (const key of g.keys()) {
      const e = g.get(key);
      if (e instanceof h5().Group) children[key] = readGroup(e, file, depth + 1);
      else if (e instanceof h5().Dataset) children[key] = readDataset(e, file);
      // Links that do not resolve and named datatypes have no place in a dictionary tree.
    }
  }
  const attrs = plainAttrs(g);
  return Object.keys(attrs).length ? { kind: 'group', children, attrs } : { kind: 'group', children };
}

/** The whole file (bytes) as a tree. Reference and compound datasets are an ERR_IO_HDF5_UNSUPPORTED error. */
export function decodeHdf5Tree(buf: Uint8Array, file = '<buffer>'): Hdf5TreeGroup {
  h5(file);
  return guardedHdf5Read({ op: 'decodeHdf5Tree', args: [buf, file] }, file, buf.byteLength, () =>
    decodeHdf5TreeInThread(buf, file),
  );
}

/** decodeHdf5Tree on the calling thread (the reader thread runs this). */
export function decodeHdf5TreeInThread(buf: Uint8Array, file: string): Hdf5TreeGroup {
  return withHdf5(buf, file, (f) => readGroup(f, file, 0));
}

/** The whole file as a tree: groups → children by name, datasets with their values, attributes as plain values. */
export function readHdf5Tree(path: string): Hdf5TreeGroup {
  return decodeHdf5Tree(readFileChecked(path), path);
}
