/**
 * The plain value tree that readMat returns, shared by the MAT v5 and v7.3 (HDF5) readers.
 *
 * Shapes are MATLAB's (at least 2 dimensions, e.g. [1, 4186] for a row vector) and data is in C (row-major) order,
 * as scipy.io.loadmat returns it; MATLAB's own column-major storage is transposed on reading.
 */
import type { NdArray, NumericArray } from './typed.ts';

/** MATLAB classes that become numeric arrays. */
export type MatNumericClass =
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'logical';

/**
 * A numeric or logical MATLAB array. `dtype` is the type the values were STORED with (MATLAB saves a double array
 * holding small integers as uint8, and scipy.io.loadmat returns that stored type by default); `matlabClass` is
 * the class MATLAB gives the variable. Pass `{ matDtype: true }` to get data converted to the class's type
 * (scipy's `mat_dtype=True`; logical becomes 'bool').
 */
export interface MatArray extends NdArray {
  matlabClass: MatNumericClass;
  /** Imaginary part, same type and order as `data`, for complex arrays. */
  imag?: NumericArray;
  /** True when the file stored the array as sparse (it is returned dense). */
  sparse?: boolean;
}

/** A cell array: elements in C order over `shape` (MATLAB's shape). */
export interface MatCell {
  cell: MatValue[];
  shape: number[];
}

/** A 1x1 struct: field name to value, in the file's field order. */
export type MatStruct = { [field: string]: MatValue };

/** A struct array of any other shape (including empty): elements in C order over `shape`. */
export interface MatStructArray {
  structs: MatStruct[];
  shape: number[];
  fields: string[];
}

/**
 * A MATLAB value. Char arrays: a 1xN char is a string; an RxN char (R != 1) is R strings (rows, trailing blanks
 * kept, as scipy's chars_as_strings does); an empty char is ''.
 */
export type MatValue = MatArray | string | string[] | MatCell | MatStruct | MatStructArray;

/** A variable or field the reader could not represent and skipped (function handles, opaque MATLAB objects...). */
export interface MatWarning {
  /** Where: 'EEG.etc.thing' (dots for struct fields, {i} for cell elements). */
  path: string;
  code: string;
  message: string;
}

export interface MatReadOptions {
  /** Convert numeric data to the MATLAB class's type (scipy's mat_dtype=True). Default false (stored type). */
  matDtype?: boolean;
  /** Throw on unsupported classes instead of skipping them with a warning. Default false. */
  strict?: boolean;
  /** Called for each skipped variable or field. */
  onWarning?: (w: MatWarning) => void;
  /** Read only these variables (scipy's variable_names); others are skipped without being decoded. */
  variableNames?: readonly string[];
  /** Refuse to inflate a compressed variable (or densify a sparse one) beyond this many bytes. Default 2 GiB - 1. */
  maxBytes?: number;
}

/** A variable's name, MATLAB shape and class, as scipy.io.whosmat lists them. */
export interface MatVariableInfo {
  name: string;
  shape: number[];
  /** 'double', 'single', 'int8'..'uint64', 'logical', 'char', 'cell', 'struct', 'object', 'sparse', ... */
  className: string;
}

export interface MatFile {
  /** 'v5' for level-5 MAT files (MATLAB v5..v7), 'v7.3' for HDF5-based ones. */
  format: 'v5' | 'v7.3';
  /** The 116-byte descriptive text at the start of the file, trailing blanks removed. */
  headerText: string;
  variables: Record<string, MatValue>;
  warnings: MatWarning[];
}

export function isMatArray(v: unknown): v is MatArray {
  return typeof v === 'object' && v !== null && 'matlabClass' in v && ArrayBuffer.isView((v as MatArray).data);
}

export function isMatCell(v: unknown): v is MatCell {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as MatCell).cell) &&
    Array.isArray((v as MatCell).shape) &&
    Object.keys(v).length === 2
  );
}

export function isMatStructArray(v: unknown): v is MatStructArray {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as MatStructArray).structs) &&
    Array.isArray((v as MatStructArray).fields)
  );
}

/** A 1x1 struct: a plain object that is none of the other forms. */
export function isMatStruct(v: unknown): v is MatStruct {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !isMatArray(v) && !isMatCell(v) && !isMatStructArray(v)
  );
}

const CLASS_DTYPE: Record<MatNumericClass, NdArray['dtype']> = {
  double: 'float64',
  single: 'float32',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  logical: 'bool',
};

/** The numpy dtype MATLAB's class corresponds to. */
export function dtypeOfClass(c: MatNumericClass): NdArray['dtype'] {
  return CLASS_DTYPE[c];
}
