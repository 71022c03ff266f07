import { dtypeOfArray, type NpDtype, type NumericArray } from '@concord/core';

export { dtypeOfArray, type NpDtype, type NumericArray } from '@concord/core';

/** An n-dimensional array in C (row-major) order. */
export interface NdArray {
  dtype: NpDtype;
  shape: number[];
  data: NumericArray;
}

export const DTYPE_INFO: Record<NpDtype, { size: number; make: (n: number) => NumericArray; code: string }> = {
  float64: { size: 8, make: (n) => new Float64Array(n), code: 'f8' },
  float32: { size: 4, make: (n) => new Float32Array(n), code: 'f4' },
  int8: { size: 1, make: (n) => new Int8Array(n), code: 'i1' },
  int16: { size: 2, make: (n) => new Int16Array(n), code: 'i2' },
  int32: { size: 4, make: (n) => new Int32Array(n), code: 'i4' },
  int64: { size: 8, make: (n) => new BigInt64Array(n), code: 'i8' },
  uint8: { size: 1, make: (n) => new Uint8Array(n), code: 'u1' },
  uint16: { size: 2, make: (n) => new Uint16Array(n), code: 'u2' },
  uint32: { size: 4, make: (n) => new Uint32Array(n), code: 'u4' },
  uint64: { size: 8, make: (n) => new BigUint64Array(n), code: 'u8' },
  bool: { size: 1, make: (n) => new Uint8Array(n), code: 'b1' },
};

/** Any numeric array as float64 (int64 beyond 2^53 loses precision, as numpy's astype(float) does). */
export function toFloat64(a: NumericArray): Float64Array {
  if (a instanceof Float64Array) return a;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  return out;
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Reverse the axis order of a Fortran-order buffer into C order (a transpose of all axes). */
export function fortranToC(data: NumericArray, shape: readonly number[]): NumericArray {
  const n = product(shape);
  const nd = shape.length;
  if (nd <= 1 || n <= 1) return data;
  const out = new (data.constructor as new (n: number) => NumericArray)(n);
  if (nd === 2) {
    transposeInto(out, data, shape[0], shape[1]);
    return out;
  }
  // More axes: split off the first axis (d0) from the rest (R elements). In Fortran order element (i, r) sits at
  // i + d0*r; in C order at i*R + g[r], where g maps the rest's Fortran index to its C index (computed by recursion
  // on an index array, R elements only).
  const d0 = shape[0];
  const R = n / d0;
  const rest = shape.slice(1);
  const fAt = fortranToC(
    Int32Array.from({ length: R }, (_, r) => r),
    rest,
  ) as Int32Array; // C index -> F index
  const g = new Int32Array(R);
  for (let c = 0; c < R; c++) g[fAt[c]] = c;
  scatterInto(out, data, d0, R, g);
  return out;
}

/** dst[i*R + g[r]] = src[d0*r + i], through raw Int32/Uint16/Uint8 views like transposeInto. */
function scatterInto(dst: NumericArray, src: NumericArray, d0: number, R: number, g: Int32Array): void {
  const size = src.BYTES_PER_ELEMENT;
  const view = (a: NumericArray, kind: typeof Int32Array | typeof Uint16Array | typeof Uint8Array, per: number) =>
    new kind(a.buffer as ArrayBuffer, a.byteOffset, a.length * per);
  if (size >= 4) {
    const w = size / 4;
    const d = view(dst, Int32Array, w) as Int32Array;
    const s = view(src, Int32Array, w) as Int32Array;
    for (let r = 0; r < R; r++) {
      const from = d0 * r;
      const to = g[r];
      for (let i = 0; i < d0; i++) for (let k = 0; k < w; k++) d[w * (i * R + to) + k] = s[w * (from + i) + k];
    }
  } else {
    const d = view(dst, size === 2 ? Uint16Array : Uint8Array, 1);
    const s = view(src, size === 2 ? Uint16Array : Uint8Array, 1);
    for (let r = 0; r < R; r++) {
      const from = d0 * r;
      const to = g[r];
      for (let i = 0; i < d0; i++) d[i * R + to] = s[from + i];
    }
  }
}

/**
 * dst (rows x cols, C order) = src (rows x cols, Fortran order), moving raw bits through Int32/Uint16/Uint8 views
 * so each loop sees one element kind (fast, and NaN payloads and 64-bit integers are copied exactly).
 */
function transposeInto(dst: NumericArray, src: NumericArray, rows: number, cols: number): void {
  const size = src.BYTES_PER_ELEMENT;
  if (size >= 4) {
    const w = size / 4;
    transpose32(
      new Int32Array(dst.buffer, dst.byteOffset, dst.length * w),
      new Int32Array(src.buffer, src.byteOffset, src.length * w),
      rows,
      cols,
      w,
    );
  } else if (size === 2) {
    transpose16(
      new Uint16Array(dst.buffer, dst.byteOffset, dst.length),
      new Uint16Array(src.buffer, src.byteOffset, src.length),
      rows,
      cols,
    );
  } else {
    transpose8(
      new Uint8Array(dst.buffer, dst.byteOffset, dst.length),
      new Uint8Array(src.buffer, src.byteOffset, src.length),
      rows,
      cols,
    );
  }
}

// 64x64 tiles keep both the sequential reads and the strided writes in cache.
const TILE = 64;

function transpose32(dst: Int32Array, src: Int32Array, rows: number, cols: number, w: number): void {
  for (let j0 = 0; j0 < cols; j0 += TILE) {
    const j1 = Math.min(cols, j0 + TILE);
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(rows, i0 + TILE);
      for (let j = j0; j < j1; j++) {
        const base = j * rows;
        if (w === 1) {
          for (let i = i0; i < i1; i++) dst[i * cols + j] = src[base + i];
        } else {
          for (let i = i0; i < i1; i++) {
            const d = 2 * (i * cols + j);
            const s = 2 * (base + i);
            dst[d] = src[s];
            dst[d + 1] = src[s + 1];
          }
        }
      }
    }
  }
}

function transpose16(dst: Uint16Array, src: Uint16Array, rows: number, cols: number): void {
  for (let j0 = 0; j0 < cols; j0 += TILE) {
    const j1 = Math.min(cols, j0 + TILE);
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(rows, i0 + TILE);
      for (let j = j0; j < j1; j++) {
        const base = j * rows;
        for (let i = i0; i < i1; i++) dst[i * cols + j] = src[base + i];
      }
    }
  }
}

function transpose8(dst: Uint8Array, src: Uint8Array, rows: number, cols: number): void {
  for (let j0 = 0; j0 < cols; j0 += TILE) {
    const j1 = Math.min(cols, j0 + TILE);
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(rows, i0 + TILE);
      for (let j = j0; j < j1; j++) {
        const base = j * rows;
        for (let i = i0; i < i1; i++) dst[i * cols + j] = src[base + i];
      }
    }
  }
}

/** Reorder any array list (e.g. cell elements) from column-major to C order over `shape`. */
export function fortranToCList<T>(items: readonly T[], shape: readonly number[]): T[] {
  const n = items.length;
  const nd = shape.length;
  if (nd <= 1 || n <= 1) return items.slice();
  const out = new Array<T>(n);
  const cStrides = new Array<number>(nd);
  cStrides[nd - 1] = 1;
  for (let k = nd - 2; k >= 0; k--) cStrides[k] = cStrides[k + 1] * shape[k + 1];
  const idx = new Array<number>(nd).fill(0);
  for (let f = 0; f < n; f++) {
    let c = 0;
    for (let k = 0; k < nd; k++) c += idx[k] * cStrides[k];
    out[c] = items[f];
    for (let k = 0; k < nd; k++) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Convert an array to another dtype (numpy astype semantics: float to int truncates toward zero, wraps). */
export function castArray(a: NumericArray, dtype: NpDtype): NumericArray {
  if (dtypeOfArray(a) === dtype && dtype !== 'bool') return a;
  const n = a.length;
  const out = DTYPE_INFO[dtype].make(n);
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) out[i] = a[i] ? 1 : 0;
  } else if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) {
      const v = a[i];
      out[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
    }
  } else if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) (out as Float64Array)[i] = Number(a[i]);
  } else {
    (out as Float64Array).set(a as Float64Array);
  }
  return out;
}

/**
 * Typed array of `count` elements of `dtype` from raw bytes with the given endianness. Always copies, so the
 * result owns aligned memory.
 */
export function arrayFromBytes(bytes: Uint8Array, dtype: NpDtype, count: number, littleEndian: boolean): NumericArray {
  const info = DTYPE_INFO[dtype];
  const out = info.make(count);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, count * info.size);
  outBytes.set(bytes.subarray(0, count * info.size));
  if (!littleEndian && info.size > 1) swapBytesInPlace(outBytes, info.size);
  return out;
}

/** Reverse the byte order of every `size`-byte element. */
export function swapBytesInPlace(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
