/**
 * Rdms <-> the HDF5 layout rsatoolbox writes with `rdms.save(path, file_type='hdf5')` and reads with
 * `rsatoolbox.rdm.load_rdm(path)` (rsatoolbox/io/hdf5.py `write_dict_hdf5` / `read_dict_hdf5` over
 * `RDMs.to_dict()`):
 *
 *   /                        attrs: rsatoolbox_version = '0.0.1', dissimilarity_measure = '<measure>' (str)
 *   /dissimilarities         float64 dataset, nRdms × nPairs
 *   /descriptors             group: str values → attributes; numbers → scalar datasets; lists/arrays → datasets
 *                            (strings as fixed-length bytes, numpy 'S'); dicts → subgroups
 *   /rdm_descriptors         group, one dataset per descriptor, one entry per RDM (index: int64)
 *   /pattern_descriptors     group, one dataset per descriptor, one entry per condition (index: int64)
 *
 * These are pure functions over a plain tree (no file access), so this module stays browser-safe; @concord/io's
 * `writeHdf5Tree`/`readHdf5Tree` (and the CLI's saveRdms/loadRdms) do the file part.. The tree types come from
 * @concord/core, shared with @concord/io.
 */
import {
  ConcordTypeError,
  type Descriptors,
  type DescriptorValue,
  dtypeOfArray,
  type Hdf5AttrValue,
  type Hdf5TreeDataset,
  type Hdf5TreeGroup,
  type Hdf5TreeNode,
  Matrix,
  type NumericArray,
} from '@concord/core';
import { RSA_ERRORS } from './errors.ts';
import { Rdms } from './rdms.ts';

type TypedNumbers = NumericArray;

/** The tree types are core's (the same ones @concord/io reads and writes); these names are kept for callers. */
export type RdmsHdf5AttrValue = Hdf5AttrValue;
export type RdmsHdf5Group = Hdf5TreeGroup;
export type RdmsHdf5Dataset = Hdf5TreeDataset;
export type RdmsHdf5Node = Hdf5TreeNode;

/** The version string rsatoolbox's write_dict_hdf5 stamps on every file. */
export const RSATOOLBOX_HDF5_VERSION = '0.0.1';

function formatError(message: string, field: string): ConcordTypeError {
  return new ConcordTypeError(RSA_ERRORS.FORMAT, message, { field });
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A list as np.array(list) stores it: numbers → int64 (all integers) or float64; any string → strings. */
function listDataset(list: readonly unknown[], where: string): RdmsHdf5Dataset {
  if (list.length === 0) return { kind: 'dataset', shape: [0], dtype: 'float64', data: new Float64Array(0) };
  if (list.every((v) => typeof v === 'bigint'))
    return { kind: 'dataset', shape: [list.length], dtype: 'int64', data: BigInt64Array.from(list as bigint[]) };
  if (list.every((v) => typeof v === 'boolean'))
    return { kind: 'dataset', shape: [list.length], dtype: 'bool', data: Uint8Array.from(list as boolean[], Number) };
  if (list.every((v) => typeof v === 'number')) {
    const nums = list as number[];
    // Python ints become int64; Number.isSafeInteger keeps values int64 cannot hold exactly out of that branch.
    if (nums.every((v) => Number.isSafeInteger(v)))
      return { kind: 'dataset', shape: [nums.length], dtype: 'int64', data: BigInt64Array.from(nums, BigInt) };
    return { kind: 'dataset', shape: [nums.length], dtype: 'float64', data: Float64Array.from(nums) };
  }
  if (list.every((v) => typeof v === 'string' || typeof v === 'number')) {
    // numpy turns a mixed list into strings ('<U'), then rsatoolbox stores them as bytes ('S').
    const strings = list.map(String);
    return {
      kind: 'dataset',
      shape: [strings.length],
      dtype: 'string',
      strings,
      stringType: strings.every(isAscii) ? 'fixed' : 'vlen',
    };
  }
  if (list.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number'))) {
    const rows = list as number[][];
    const cols = rows[0].length;
    if (rows.every((r) => r.length === cols)) {
      const data = new Float64Array(rows.length * cols);
      for (const [i, r] of rows.entries()) data.set(r, i * cols);
      return { kind: 'dataset', shape: [rows.length, cols], dtype: 'float64', data };
    }
  }
  throw formatError(
    `rdmsToHdf5Tree: ${where} is a list of ${[...new Set(list.map((v) => (v === null ? 'null' : typeof v)))].join('/')}; ` +
      'HDF5 RDM files hold lists of numbers or strings (or rectangular lists of number lists)',
    where,
  );
}

/** rsatoolbox's _write_to_group for one dictionary: strings become attributes, everything else a child. */
function dictGroup(dict: Record<string, unknown>, where: string, depth = 0): RdmsHdf5Group {
  if (depth > 32) throw formatError(`rdmsToHdf5Tree: ${where} is nested more than 32 deep`, where);
  const children: Record<string, RdmsHdf5Node> = {};
  const attrs: Record<string, RdmsHdf5AttrValue> = {};
  for (const [key, value] of Object.entries(dict)) {
    const at = `${where}.${key}`;
    if (key === '' || key.includes('/'))
      throw formatError(`rdmsToHdf5Tree: ${at}: names must be non-empty and contain no '/'`, at);
    if (typeof value === 'string') attrs[key] = value;
    else if (value instanceof Matrix)
      children[key] = {
        kind: 'dataset',
        shape: [value.rows, value.cols],
        dtype: dtypeOfArray(value.data),
        data: value.data,
      };
    else if (ArrayBuffer.isView(value) && !(value instanceof DataView))
      children[key] = {
        kind: 'dataset',
        shape: [(value as TypedNumbers).length],
        dtype: dtypeOfArray(value as TypedNumbers),
        data: value as TypedNumbers,
      };
    else if (Array.isArray(value)) children[key] = listDataset(value, at);
    else if (typeof value === 'number')
      children[key] = Number.isSafeInteger(value)
        ? { kind: 'dataset', shape: [], dtype: 'int64', data: BigInt64Array.of(BigInt(value)) }
        : { kind: 'dataset', shape: [], dtype: 'float64', data: Float64Array.of(value) };
    else if (typeof value === 'bigint')
      children[key] = { kind: 'dataset', shape: [], dtype: 'int64', data: BigInt64Array.of(value) };
    else if (typeof value === 'boolean')
      children[key] = { kind: 'dataset', shape: [], dtype: 'bool', data: Uint8Array.of(value ? 1 : 0) };
    else if (value !== null && typeof value === 'object')
      children[key] = dictGroup(value as Record<string, unknown>, at, depth + 1);
    // rsatoolbox writes None as an empty (null dataspace) dataset, which h5wasm cannot create; the entry is left
    // out, so a file read back lacks the key (rsatoolbox's calc_rdm stores noise=None this way, and such files
    // must still convert). Anything else (functions, symbols) has no HDF5 form.
    else if (value === null || value === undefined) continue;
    else throw formatError(`rdmsToHdf5Tree: ${at} is a ${typeof value}, which has no HDF5 form`, at);
  }
  return Object.keys(attrs).length ? { kind: 'group', children, attrs } : { kind: 'group', children };
}

/**
 * The HDF5 tree of `rdms.save(path, file_type='hdf5')`: write it with @concord/io's `writeHdf5Tree(path, tree)`.
 * An empty dissimilarityMeasure is written as '' and null descriptor values are left out (rsatoolbox writes None as
 * an empty dataset, which h5wasm cannot create).
 */
export function rdmsToHdf5Tree(rdms: Rdms): RdmsHdf5Group {
  const d = rdms.dissimilarities;
  return {
    kind: 'group',
    attrs: { rsatoolbox_version: RSATOOLBOX_HDF5_VERSION, dissimilarity_measure: rdms.dissimilarityMeasure },
    children: {
      dissimilarities: { kind: 'dataset', shape: [rdms.nRdms, rdms.nPairs], dtype: 'float64', data: d.data },
      descriptors: dictGroup(rdms.descriptors, 'descriptors'),
      rdm_descriptors: dictGroup(rdms.rdmDescriptors, 'rdm_descriptors'),
      pattern_descriptors: dictGroup(rdms.patternDescriptors, 'pattern_descriptors'),
    },
  };
}

type Plain = string | number | null | Plain[] | { [k: string]: Plain };

function toNumber(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Nest a C-order flat list into `shape`. */
function nest<T>(flat: T[], shape: number[]): T | unknown[] {
  if (shape.length === 0) return flat[0];
  if (shape.length === 1) return flat;
  const step = flat.length / shape[0];
  return Array.from({ length: shape[0] }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
}

function attrValue(v: RdmsHdf5AttrValue): Plain {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<number | bigint>, toNumber);
  return v as Plain[];
}

/** rsatoolbox's _read_group for one node: datasets → values (bytes decoded), attributes merged last. */
function nodeValue(node: RdmsHdf5Node): Plain {
  if (node.kind === 'group') {
    const out: { [k: string]: Plain } = {};
    for (const [k, child] of Object.entries(node.children)) out[k] = nodeValue(child);
    for (const [k, v] of Object.entries(node.attrs ?? {})) out[k] = attrValue(v);
    return out;
  }
  if (node.shape === null) return null;
  const flat: (string | number)[] =
    node.dtype === 'string'
      ? (node.strings ?? [])
      : Array.from((node.data ?? new Float64Array(0)) as ArrayLike<number | bigint>, toNumber);
  return nest(flat, node.shape) as Plain;
}

function descriptorColumns(node: RdmsHdf5Node | undefined, name: string): Descriptors {
  if (node === undefined) return {};
  const value = nodeValue(node);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw formatError(`rdmsFromHdf5Tree: /${name} must be a group (one dataset per descriptor)`, name);
  const out: Descriptors = {};
  for (const [k, v] of Object.entries(value)) {
    // rsatoolbox wraps a single value (a string attribute, a scalar dataset) into a one-entry list.
    const col = Array.isArray(v) ? v : [v];
    if (!col.every((x) => typeof x === 'string' || typeof x === 'number'))
      throw formatError(
        `rdmsFromHdf5Tree: /${name}/${k} must hold one string or number per entry (Concord descriptors are flat)`,
        `${name}.${k}`,
      );
    out[k] = col as DescriptorValue[];
  }
  return out;
}

function dissimilaritiesOf(node: RdmsHdf5Node | undefined): { matrix: Matrix; square: boolean } {
  if (node?.kind !== 'dataset' || node.dtype === 'string' || !node.data || node.shape === null)
    throw formatError(
      'rdmsFromHdf5Tree: no numeric /dissimilarities dataset (is this an rsatoolbox RDMs file?)',
      'dissimilarities',
    );
  const data =
    node.data instanceof Float64Array
      ? node.data.slice()
      : Float64Array.from(node.data as ArrayLike<number | bigint>, toNumber);
  const s = node.shape;
  if (s.length === 1) return { matrix: new Matrix(1, s[0], data), square: false };
  if (s.length === 2) return { matrix: new Matrix(s[0], s[1], data), square: false };
  if (s.length === 3 && s[1] === s[2]) return { matrix: new Matrix(s[0], s[1] * s[2], data), square: true };
  throw formatError(
    `rdmsFromHdf5Tree: /dissimilarities has shape [${s}]; expected [nPairs], [nRdms, nPairs] or [nRdms, n, n]`,
    'dissimilarities',
  );
}

/**
 * Rdms from the tree of an rsatoolbox HDF5 RDM file (read it with @concord/io's `readHdf5Tree(path)`), as
 * `rsatoolbox.rdm.load_rdm` reads it: 1-D dissimilarities are one RDM, 3-D ones are square matrices (upper triangle
 * used); a missing or empty dissimilarity_measure becomes ''.
 */
export function rdmsFromHdf5Tree(tree: RdmsHdf5Group): Rdms {
  if (tree?.kind !== 'group' || typeof tree.children !== 'object')
    throw formatError('rdmsFromHdf5Tree: expected the root group of an HDF5 file', 'tree');
  const { matrix, square } = dissimilaritiesOf(tree.children.dissimilarities);
  let measure: Plain | undefined = tree.attrs?.dissimilarity_measure as Plain | undefined;
  const measureNode = tree.children.dissimilarity_measure;
  if (measure === undefined && measureNode) measure = nodeValue(measureNode);
  if (measure !== undefined && measure !== null && typeof measure !== 'string')
    throw formatError(
      `rdmsFromHdf5Tree: dissimilarity_measure is ${Array.isArray(measure) ? 'an array' : typeof measure}, expected a string`,
      'dissimilarity_measure',
    );
  const descriptorsNode = tree.children.descriptors;
  const descriptors = descriptorsNode ? nodeValue(descriptorsNode) : {};
  if (descriptors === null || typeof descriptors !== 'object' || Array.isArray(descriptors))
    throw formatError('rdmsFromHdf5Tree: /descriptors must be a group', 'descriptors');
  const init = {
    dissimilarityMeasure: measure ?? '',
    descriptors: descriptors as Record<string, unknown>,
    rdmDescriptors: descriptorColumns(tree.children.rdm_descriptors, 'rdm_descriptors'),
    patternDescriptors: descriptorColumns(tree.children.pattern_descriptors, 'pattern_descriptors'),
  };
  if (!square) return new Rdms(matrix, init);
  const n = Math.round(Math.sqrt(matrix.cols));
  const matrices = Array.from({ length: matrix.rows }, (_, i) => new Matrix(n, n, matrix.row(i) as Float64Array));
  return Rdms.fromMatrices(matrices, { ...init, checkSymmetric: false });
}
