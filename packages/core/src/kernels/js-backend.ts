/**
 * Plain TypeScript backend: always present, used for small sizes and in browsers. Products are computed as
 * dot products of contiguous rows (after transposing operands into that layout), unrolled by four;
 * decompositions use ml-matrix (JAMA algorithms).
 */
import {
  CholeskyDecomposition,
  EigenvalueDecomposition,
  LuDecomposition,
  Matrix as MlMatrix,
  SingularValueDecomposition,
} from 'ml-matrix';
import { CORE_ERRORS, ConcordRangeError } from '../errors.ts';
import { assertShape, type FloatArray, Matrix, shapeStr } from '../matrix.ts';
import { axpyTypeScript } from './axpy.ts';
import type { EighResult, LinalgBackend, Operation, SvdResult } from './backend.ts';
import { firstNonFiniteTypeScript } from './finite.ts';
import { argsortTypeScript, ranksTypeScript } from './ranks.ts';
import { jsTrainingKernels } from './training.ts';

function resultDtype(a: Matrix, b: Matrix) {
  return a.dtype === 'float32' && b.dtype === 'float32' ? 'float32' : 'float64';
}

/** out[i*m + j] = rows_i(A) · rows_j(B) for A n×k, B m×k (both row-major). */
function rowDots(
  a: FloatArray,
  n: number,
  b: FloatArray,
  m: number,
  k: number,
  out: FloatArray,
  symmetric: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const ai = i * k;
    const j0 = symmetric ? i : 0;
    let j = j0;
    for (; j + 3 < m; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < k; t++) {
        const x = a[ai + t];
        s0 += x * b[b0 + t];
        s1 += x * b[b1 + t];
        s2 += x * b[b2 + t];
        s3 += x * b[b3 + t];
      }
      out[i * m + j] = s0;
      out[i * m + j + 1] = s1;
      out[i * m + j + 2] = s2;
      out[i * m + j + 3] = s3;
    }
    for (; j < m; j++) {
      const bj = j * k;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[ai + t] * b[bj + t];
      out[i * m + j] = s;
    }
  }
  if (symmetric) for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[i * m + j] = out[j * m + i];
}

function toMl(a: Matrix): MlMatrix {
  return new MlMatrix(a.toArray());
}

export const jsBackend: LinalgBackend = {
  name: 'js',
  operations: new Set<Operation>([
    'gemm',
    'syrk',
    'axpy',
    'eigh',
    'svd',
    'cholesky',
    'inverse',
    'ranks',
    'argsort',
    'finite',
  ]),
  axpy: axpyTypeScript,
  ranks: ranksTypeScript,
  argsort: argsortTypeScript,
  firstNonFinite: firstNonFiniteTypeScript,
  training: jsTrainingKernels,
  threads: () => 1,
  describe: () => 'plain TypeScript (ml-matrix for decompositions)',

  gemm(a, b, transA, transB) {
    const left = transA ? a.transpose() : a; // n×k
    const right = transB ? b : b.transpose(); // m×k (rows of Bᵀ)
    assertShape(
      left.cols === right.cols,
      `gemm: inner dimensions differ: op(A) is ${shapeStr(left)}, op(B) is ${right.cols}×${right.rows}`,
    );
    const out = Matrix.zeros(left.rows, right.rows, resultDtype(a, b));
    rowDots(left.data, left.rows, right.data, right.rows, left.cols, out.data, false);
    return out;
  },

  syrk(a, trans, into) {
    const x = trans ? a.transpose() : a;
    const out = into ? new Matrix(x.rows, x.rows, into.fill(0)) : Matrix.zeros(x.rows, x.rows, a.dtype);
    rowDots(x.data, x.rows, x.data, x.rows, x.cols, out.data, true);
    return out;
  },

  eigh(a): EighResult {
    assertShape(a.rows === a.cols, `eigh: expected a square matrix, received ${shapeStr(a)}`);
    // ml-matrix refuses empty matrices; numpy returns empty results.
    if (a.rows === 0) return { values: new Float64Array(0), vectors: Matrix.zeros(0, 0) };
    const e = new EigenvalueDecomposition(toMl(a), { assumeSymmetric: true });
    const vals = e.realEigenvalues;
    const order = vals.map((_, i) => i).sort((i, j) => vals[i] - vals[j]);
    const V = e.eigenvectorMatrix;
    const vectors = Matrix.zeros(a.rows, a.rows);
    for (let i = 0; i < a.rows; i++) for (let k = 0; k < a.rows; k++) vectors.data[i * a.rows + k] = V.get(i, order[k]);
    return { values: Float64Array.from(order.map((i) => vals[i])), vectors };
  },

  svd(a): SvdResult {
    if (a.rows === 0 || a.cols === 0)
      return { u: Matrix.zeros(a.rows, 0), s: new Float64Array(0), vt: Matrix.zeros(0, a.cols) };
    // JAMA's SVD needs rows >= cols; decompose the transpose otherwise.
    const wide = a.rows < a.cols;
    const m = wide ? a.transpose() : a;
    const s = new SingularValueDecomposition(toMl(m), {
      computeLeftSingularVectors: true,
      computeRightSingularVectors: true,
      autoTranspose: false,
    });
    const k = Math.min(a.rows, a.cols);
    const U = s.leftSingularVectors;
    const V = s.rightSingularVectors;
    const sv = Float64Array.from(s.diagonal.slice(0, k));
    const uM = Matrix.zeros(m.rows, k);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < k; j++) uM.data[i * k + j] = U.get(i, j);
    const vM = Matrix.zeros(m.cols, k);
    for (let i = 0; i < m.cols; i++) for (let j = 0; j < k; j++) vM.data[i * k + j] = V.get(i, j);
    // m = U S Vᵀ; for the transposed case a = V S Uᵀ.
    return wide ? { u: vM, s: sv, vt: uM.transpose() } : { u: uM, s: sv, vt: vM.transpose() };
  },

  cholesky(a) {
    assertShape(a.rows === a.cols, `cholesky: expected a square matrix, received ${shapeStr(a)}`);
    const c = new CholeskyDecomposition(toMl(a));
    if (!c.isPositiveDefinite())
      throw new ConcordRangeError(CORE_ERRORS.NOT_POSITIVE_DEFINITE, 'cholesky: the matrix is not positive definite');
    return Matrix.from(c.lowerTriangularMatrix.to2DArray());
  },

  inverse(a) {
    assertShape(a.rows === a.cols, `inverse: expected a square matrix, received ${shapeStr(a)}`);
    if (a.rows === 0) return Matrix.zeros(0, 0);
    const lu = new LuDecomposition(toMl(a));
    if (lu.isSingular())
      throw new ConcordRangeError(CORE_ERRORS.SINGULAR, `inverse: the ${shapeStr(a)} matrix is singular`);
    return Matrix.from(lu.solve(MlMatrix.eye(a.rows)).to2DArray());
  },
};
