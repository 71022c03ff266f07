/**
 * RDM vector <-> square matrix conversion in scipy `squareform` order: (0,1),(0,2),…,(0,n-1),(1,2),…
 */
import { ConcordRangeError, Matrix } from '@concord/core';
import { RSA_ERRORS } from './errors.ts';

/** Number of conditions n for a vector of n(n-1)/2 pairs, or undefined when the length is not triangular. */
export function conditionsFromLength(length: number): number | undefined {
  const n = Math.round((1 + Math.sqrt(1 + 8 * length)) / 2);
  return (n * (n - 1)) / 2 === length ? n : undefined;
}

/** Like conditionsFromLength but throws a typed error naming `parameter`. */
export function checkedConditions(length: number, parameter: string): number {
  const n = conditionsFromLength(length);
  if (n === undefined || n < 2) {
    const below = Math.floor((1 + Math.sqrt(1 + 8 * length)) / 2);
    throw new ConcordRangeError(
      RSA_ERRORS.VECTOR_LENGTH,
      `${parameter}: an RDM vector must have n(n-1)/2 entries for n ≥ 2 conditions (1, 3, 6, 10, …); received length ${length} (between n = ${below} → ${(below * (below - 1)) / 2} and n = ${below + 1} → ${((below + 1) * below) / 2})`,
      { field: parameter, received: length },
    );
  }
  return n;
}

/** Index of pair (i, j), i < j, in the vector of an n-condition RDM. */
export function pairIndex(n: number, i: number, j: number): number {
  return i * n - (i * (i + 1)) / 2 + (j - i - 1);
}

/** Row and column of every pair, in vector order. */
export function pairRowsCols(n: number): { rows: Int32Array; cols: Int32Array } {
  const m = (n * (n - 1)) / 2;
  const rows = new Int32Array(m);
  const cols = new Int32Array(m);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      rows[k] = i;
      cols[k++] = j;
    }
  }
  return { rows, cols };
}

/** Full symmetric n×n matrix (diagonal `diagonal`, default 0) from a vector. */
export function vectorToMatrix(v: ArrayLike<number>, n: number, diagonal = 0): Matrix {
  const out = Matrix.zeros(n, n);
  const d = out.data;
  let k = 0;
  for (let i = 0; i < n; i++) {
    d[i * n + i] = diagonal;
    for (let j = i + 1; j < n; j++) {
      const x = v[k++];
      d[i * n + j] = x;
      d[j * n + i] = x;
    }
  }
  return out;
}

/** Upper triangle (i < j) of a square matrix, row-major. */
export function matrixToVector(m: Matrix, out?: Float64Array): Float64Array {
  const n = m.rows;
  const v = out ?? new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) v[k++] = m.data[i * n + j];
  return v;
}
