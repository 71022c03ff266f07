/**
 * The shapes shared by every package that speaks HDF5 through plain trees: numeric typed arrays named by their numpy
 * dtype, and an HDF5 file as a tree of groups and datasets with attributes. No file access, so both
 * @concord/io (which reads and writes the files) and browser-safe packages such as @concord/rsa (which map their
 * objects to a tree) use one definition.
 */

/** Numeric typed arrays as numpy dtypes. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

export type NpDtype =
  | 'float64'
  | 'float32'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

/** The numpy dtype name of a typed array (a Uint8Array reads as 'uint8'; 'bool' is only ever declared). */
export function dtypeOfArray(a: NumericArray): NpDtype {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint32Array) return 'uint32';
  return 'uint64';
}

/** Attribute values: strings, numbers (float64), bigints (int64), and arrays of them or typed arrays. */
export type Hdf5AttrValue = string | number | bigint | string[] | number[] | NumericArray;

export interface Hdf5TreeGroup {
  kind: 'group';
  attrs?: Record<string, Hdf5AttrValue>;
  children: Record<string, Hdf5TreeNode>;
}

export interface Hdf5TreeDataset {
  kind: 'dataset';
  /** Stored shape; [] for a scalar; null for an empty (null dataspace, h5py.Empty) dataset (reading only). */
  shape: number[] | null;
  /** numpy dtype name of numeric data, or 'string'. */
  dtype: NpDtype | 'string';
  /** Numeric values in C order (numeric dtypes). */
  data?: NumericArray;
  /** String values in C order (dtype 'string'). */
  strings?: string[];
  /**
   * How strings are stored: 'fixed' = fixed-length ASCII (numpy 'S'), 'vlen' = variable-length UTF-8. When writing,
   * undefined means 'fixed' if every string is ASCII and 'vlen' otherwise.
   */
  stringType?: 'fixed' | 'vlen';
  attrs?: Record<string, Hdf5AttrValue>;
}

export type Hdf5TreeNode = Hdf5TreeGroup | Hdf5TreeDataset;
