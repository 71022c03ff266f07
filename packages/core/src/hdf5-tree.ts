/**
 * The shapes shared by every package that speaks HDF5 through plain trees: numeric typed arrays named by their numpy
 * dtype, and an HDF5 file as a tree of groups and datasets with attributes. Types only (no file access), so both
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
