/**
 * Dense row-major matrices over Float64Array / Float32Array. Row views share memory; everything else copies.
 */
import { Matrix as MlMatrix } from 'ml-matrix';
import ndarray, { type NdArray } from 'ndarray';
import { CORE_ERRORS, ConcordTypeError, NonFiniteError, ShapeError } from './errors.ts';
import { firstNonFinite } from './kernels/finite.ts';

export type DType = 'float64' | 'float32';
export type FloatArray = Float64Array | Float32Array;

export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float32Array ? 'float32' : 'float64';
}

export class Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: FloatArray;

  constructor(rows: number, cols: number, data?: FloatArray) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new ShapeError(`Matrix: shape must be two non-negative integers, received [${rows}, ${cols}]`, {
        received: [rows, cols],
      });
    }
    if (data === undefined) data = new Float64Array(rows * cols);
    else if (!(data instanceof Float64Array || data instanceof Float32Array)) {
      throw new ConcordTypeError(
        CORE_ERRORS.DTYPE,
        `Matrix: data must be a Float64Array or Float32Array, received ${(data as object)?.constructor?.name}`,
      );
    }
    if (data.length !== rows * cols) {
      throw new ShapeError(
        `Matrix: data of length ${data.length} does not fit shape [${rows}, ${cols}] (needs ${rows * cols})`,
        {
          expected: rows * cols,
          received: data.length,
        },
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  static zeros(rows: number, cols: number, dtype: DType = 'float64'): Matrix {
    return new Matrix(rows, cols, allocate(dtype, rows * cols));
  }

  static identity(n: number, dtype: DType = 'float64'): Matrix {
    const m = Matrix.zeros(n, n, dtype);
    for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
    return m;
  }

  /** From nested arrays; every row must have the same length. */
  static from(rows: ArrayLike<ArrayLike<number>>, dtype: DType = 'float64'): Matrix {
    const r = rows.length;
    const c = r > 0 ? rows[0].length : 0;
    const out = Matrix.zeros(r, c, dtype);
    for (let i = 0; i < r; i++) {
      const row = rows[i];
      if (row.length !== c)
        throw new ShapeError(`Matrix.from: row ${i} has length ${row.length}, row 0 has ${c} (ragged array)`, {
          field: `row ${i}`,
        });
      out.data.set(row as ArrayLike<number>, i * c);
    }
    return out;
  }

  /** A column vector (n×1) or, with `asRow`, a row vector (1×n). */
  static fromVector(v: ArrayLike<number>, asRow = false, dtype: DType = 'float64'): Matrix {
    const data = allocate(dtype, v.length);
    data.set(v);
    return asRow ? new Matrix(1, v.length, data) : new Matrix(v.length, 1, data);
  }

  /** From any object with `shape` and `data` of a 2-D C-order array (ndarray, npy result) or an ml-matrix. */
  static fromNdarray(
    nd: { shape: readonly number[]; stride: readonly number[]; offset: number; data: ArrayLike<number> },
    dtype?: DType,
  ): Matrix {
    if (nd.shape.length !== 2)
      throw new ShapeError(`Matrix.fromNdarray: expected a 2-D ndarray, received shape [${nd.shape.join(', ')}]`);
    const [r, c] = nd.shape;
    const dt = dtype ?? (nd.data instanceof Float32Array ? 'float32' : 'float64');
    const out = Matrix.zeros(r, c, dt);
    const [s0, s1] = nd.stride;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out.data[i * c + j] = nd.data[nd.offset + i * s0 + j * s1];
    return out;
  }

  /** An ndarray-compatible view (shares memory): pass the result to `ndarray(data, shape)` or use as is. */
  toNdarrayLike(): { data: FloatArray; shape: [number, number]; stride: [number, number]; offset: number } {
    return { data: this.data, shape: [this.rows, this.cols], stride: [this.cols, 1], offset: 0 };
  }

  /** A real `ndarray` over the same memory (row-major strides [cols, 1]). */
  toNdarray(): NdArray<FloatArray> {
    return ndarray(this.data, [this.rows, this.cols], [this.cols, 1], 0);
  }

  /** An ml-matrix copy (ml-matrix stores float64 rows). */
  toMlMatrix(): MlMatrix {
    const out = new MlMatrix(this.rows, this.cols);
    for (let i = 0; i < this.rows; i++) for (let j = 0; j < this.cols; j++) out.set(i, j, this.data[i * this.cols + j]);
    return out;
  }

  static fromMlMatrix(
    m: { rows: number; columns: number; get(i: number, j: number): number },
    dtype: DType = 'float64',
  ): Matrix {
    const out = Matrix.zeros(m.rows, m.columns, dtype);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) out.data[i * m.columns + j] = m.get(i, j);
    return out;
  }

  /** Nested arrays suitable for `new ml-matrix.Matrix(...)`. */
  toArray(): number[][] {
    const out: number[][] = new Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = Array.from(this.row(i));
    return out;
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.data.length;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, v: number): void {
    this.data[i * this.cols + j] = v;
  }

  /** Row i as a view (shares memory). */
  row(i: number): FloatArray {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  column(j: number): Float64Array {
    const out = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = this.data[i * this.cols + j];
    return out;
  }

  /** Rows [start, end) as a view (shares memory). */
  rowRange(start: number, end: number): Matrix {
    if (start < 0 || end > this.rows || start > end)
      throw new ShapeError(`Matrix.rowRange: [${start}, ${end}) is outside rows [0, ${this.rows})`);
    return new Matrix(end - start, this.cols, this.data.subarray(start * this.cols, end * this.cols));
  }

  selectRows(indices: ArrayLike<number>): Matrix {
    const out = Matrix.zeros(indices.length, this.cols, this.dtype);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!(i >= 0 && i < this.rows)) throw new ShapeError(`Matrix.selectRows: index ${i} outside [0, ${this.rows})`);
      out.data.set(this.row(i), k * this.cols);
    }
    return out;
  }

  selectCols(indices: ArrayLike<number>): Matrix {
    const n = indices.length;
    const out = Matrix.zeros(this.rows, n, this.dtype);
    for (let k = 0; k < n; k++) {
      if (!(indices[k] >= 0 && indices[k] < this.cols))
        throw new ShapeError(`Matrix.selectCols: index ${indices[k]} outside [0, ${this.cols})`);
    }
    for (let i = 0; i < this.rows; i++) {
      const src = i * this.cols;
      const dst = i * n;
      for (let k = 0; k < n; k++) out.data[dst + k] = this.data[src + indices[k]];
    }
    return out;
  }

  transpose(): Matrix {
    const out = Matrix.zeros(this.cols, this.rows, this.dtype);
    const { rows: r, cols: c, data } = this;
    const B = 32; // blocked for cache friendliness
    for (let i0 = 0; i0 < r; i0 += B) {
      for (let j0 = 0; j0 < c; j0 += B) {
        const iMax = Math.min(i0 + B, r);
        const jMax = Math.min(j0 + B, c);
        for (let i = i0; i < iMax; i++) for (let j = j0; j < jMax; j++) out.data[j * r + i] = data[i * c + j];
      }
    }
    return out;
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  astype(dtype: DType): Matrix {
    if (dtype === this.dtype) return this;
    const out = allocate(dtype, this.data.length);
    out.set(this.data);
    return new Matrix(this.rows, this.cols, out);
  }

  /** Throws NonFiniteError naming `where` at the first NaN/Inf. */
  assertFinite(where: string): this {
    const i = firstNonFinite(this.data);
    if (i >= 0)
      throw new NonFiniteError(`${where} [row ${Math.floor(i / this.cols)}, col ${i % this.cols}]`, i, this.data[i]);
    return this;
  }

  hasNonFinite(): boolean {
    return firstNonFinite(this.data) >= 0;
  }
}

/** Throw a ShapeError unless `cond`; the message should name every shape involved. */
export function assertShape(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ShapeError(message);
}

export function shapeStr(m: { rows: number; cols: number }): string {
  return `${m.rows}×${m.cols}`;
}
