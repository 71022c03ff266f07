/**
 * The compute kernels every metric uses. Products and decompositions dispatch to the fastest backend that
 * loaded (see backend.ts); distances and centring are memory-bound and written once here (ranks: ranks.ts).
 */
import { CORE_ERRORS, ConcordRangeError, ShapeError } from '../errors.ts';
import { allocate, assertShape, type DType, type FloatArray, Matrix, shapeStr } from '../matrix.ts';
import { withScratchFloat64 } from '../scratch.ts';
import { backendFor, type EighResult, type SvdResult } from './backend.ts';

/** G = X·Xᵀ (n×n) for X n×p. */
export function gram(x: Matrix, into?: FloatArray): Matrix {
  checkInto(into, x.rows * x.rows, x.dtype, 'gram');
  return backendFor('syrk', x.rows * x.rows * x.cols).syrk(x, false, into);
}

/** An output array given by the caller must fit the result exactly. */
function checkInto(into: FloatArray | undefined, length: number, dtype: DType, where: string): void {
  if (into && (into.length !== length || into instanceof Float32Array !== (dtype === 'float32')))
    throw new ShapeError(
      `${where}: the output array has ${into.length} ${into instanceof Float32Array ? 'float32' : 'float64'} elements, the result ${length} ${dtype}`,
    );
}

/** G = Xᵀ·X (p×p) for X n×p. */
export function gramT(x: Matrix, into?: FloatArray): Matrix {
  checkInto(into, x.cols * x.cols, x.dtype, 'gramT');
  return backendFor('syrk', x.cols * x.cols * x.rows).syrk(x, true, into);
}

/** C = X·Yᵀ (n×m) for X n×p, Y m×p. */
export function crossProduct(x: Matrix, y: Matrix): Matrix {
  assertShape(
    x.cols === y.cols,
    `crossProduct: X is ${shapeStr(x)} and Y is ${shapeStr(y)}; they need the same number of columns`,
  );
  return backendFor('gemm', 2 * x.rows * y.rows * x.cols).gemm(x, y, false, true);
}

/** C = op(A)·op(B) with optional transposes. */
export function matmul(a: Matrix, b: Matrix, opts: { transA?: boolean; transB?: boolean } = {}): Matrix {
  const ta = opts.transA ?? false;
  const tb = opts.transB ?? false;
  const [n, k1] = ta ? [a.cols, a.rows] : [a.rows, a.cols];
  const [k2, m] = tb ? [b.cols, b.rows] : [b.rows, b.cols];
  assertShape(k1 === k2, `matmul: op(A) is ${n}×${k1} and op(B) is ${k2}×${m}; inner dimensions differ`);
  return backendFor('gemm', 2 * n * m * k1).gemm(a, b, ta, tb);
}

export function eigh(a: Matrix): EighResult {
  assertShape(a.rows === a.cols, `eigh: expected a square matrix, received ${shapeStr(a)}`);
  a.assertFinite('eigh: input');
  return backendFor('eigh', a.rows ** 3).eigh(a);
}

/** Thin SVD: A = U·diag(s)·Vᵀ with k = min(n, p). */
export function svd(a: Matrix): SvdResult {
  a.assertFinite('svd: input');
  return backendFor('svd', a.rows * a.cols * Math.min(a.rows, a.cols)).svd(a);
}

export function cholesky(a: Matrix): Matrix {
  assertShape(a.rows === a.cols, `cholesky: expected a square matrix, received ${shapeStr(a)}`);
  a.assertFinite('cholesky: input');
  return backendFor('cholesky', a.rows ** 3).cholesky(a);
}

export function inverse(a: Matrix): Matrix {
  assertShape(a.rows === a.cols, `inverse: expected a square matrix, received ${shapeStr(a)}`);
  a.assertFinite('inverse: input');
  return backendFor('inverse', a.rows ** 3).inverse(a);
}

/** Moore–Penrose pseudo-inverse through the SVD (numpy.linalg.pinv's default cutoff rcond = 1e-15 × max singular value). */
export function pinv(a: Matrix, rcond = 1e-15): Matrix {
  const { u, s, vt } = svd(a);
  const cutoff = rcond * (s.length ? s[0] : 0);
  const k = s.length;
  // pinv = V · diag(1/s) · Uᵀ
  const vs = Matrix.zeros(a.cols, k);
  for (let i = 0; i < a.cols; i++)
    for (let j = 0; j < k; j++) vs.data[i * k + j] = s[j] > cutoff ? vt.data[j * a.cols + i] / s[j] : 0;
  return matmul(vs, u, { transB: true });
}

/** Squared Euclidean norm of every row. */
export function rowSquaredNorms(x: Matrix): Float64Array {
  const out = new Float64Array(x.rows);
  const d = x.data;
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    const off = i * x.cols;
    for (let j = 0; j < x.cols; j++) s += d[off + j] * d[off + j];
    out[i] = s;
  }
  return out;
}

/** Column means (float64 accumulation). */
export function columnMeans(x: Matrix): Float64Array {
  const m = new Float64Array(x.cols);
  const d = x.data;
  for (let i = 0; i < x.rows; i++) {
    const off = i * x.cols;
    for (let j = 0; j < x.cols; j++) m[j] += d[off + j];
  }
  for (let j = 0; j < x.cols; j++) m[j] /= x.rows;
  return m;
}

/** Column means over the finite entries only (0 for a column without any): a shift that NaN/Inf cannot spread. */
function columnMeansOfFinite(x: Matrix): Float64Array {
  const m = new Float64Array(x.cols);
  const count = new Float64Array(x.cols);
  const d = x.data;
  for (let i = 0; i < x.rows; i++) {
    const off = i * x.cols;
    for (let j = 0; j < x.cols; j++) {
      const v = d[off + j];
      if (Number.isFinite(v)) {
        m[j] += v;
        count[j]++;
      }
    }
  }
  for (let j = 0; j < x.cols; j++) m[j] = count[j] > 0 ? m[j] / count[j] : 0;
  return m;
}

/**
 * X with every column's mean subtracted: a new matrix of `dtype` (default: X's own; means in float64), or written
 * into `into` (rows·cols elements of that dtype, e.g. a scratch buffer).
 */
export function centerColumns(x: Matrix, dtype: DType = x.dtype, into?: FloatArray): Matrix {
  const mean = columnMeans(x);
  const out = into ? new Matrix(x.rows, x.cols, into) : Matrix.zeros(x.rows, x.cols, dtype);
  const src = x.data;
  const d = out.data;
  for (let i = 0; i < x.rows; i++) {
    const off = i * x.cols;
    for (let j = 0; j < x.cols; j++) d[off + j] = src[off + j] - mean[j];
  }
  return out;
}

/** X with every row's mean subtracted. */
export function centerRows(x: Matrix): Matrix {
  const out = x.clone();
  const d = out.data;
  for (let i = 0; i < x.rows; i++) {
    const off = i * x.cols;
    let s = 0;
    for (let j = 0; j < x.cols; j++) s += d[off + j];
    const m = s / x.cols;
    for (let j = 0; j < x.cols; j++) d[off + j] -= m;
  }
  return out;
}

/**
 * H·K·H for a square K, H = I − 11ᵀ/n (kernel centring): a new float64 matrix, or K itself overwritten with
 * `inPlace` (no second n×n matrix; K keeps its dtype).
 */
export function doubleCenter(k: Matrix, { inPlace = false }: { inPlace?: boolean } = {}): Matrix {
  assertShape(k.rows === k.cols, `doubleCenter: expected a square matrix, received ${shapeStr(k)}`);
  const n = k.rows;
  const src = k.data;
  const out = inPlace ? k : Matrix.zeros(n, n);
  const d = out.data;
  const rowMean = new Float64Array(n);
  const colMean = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const off = i * n;
    let s = 0;
    for (let j = 0; j < n; j++) {
      s += src[off + j];
      colMean[j] += src[off + j];
    }
    rowMean[i] = s / n;
    total += s;
  }
  const mean = total / (n * n);
  for (let j = 0; j < n; j++) colMean[j] /= n;
  for (let i = 0; i < n; i++) {
    const off = i * n;
    const a = mean - rowMean[i];
    for (let j = 0; j < n; j++) d[off + j] = src[off + j] + a - colMean[j];
  }
  return out;
}

/**
 * Squared Euclidean distances between rows: D[i,j] = |x_i − y_j|², through one product (|x|² + |y|² − 2x·y).
 * Columns are centred on X's mean first (distances do not change) to limit cancellation; results are clamped at 0
 * and the diagonal of D(X, X) is exactly 0.
 */
export function squaredDistances(x: Matrix, y?: Matrix): Matrix {
  if (y)
    assertShape(
      x.cols === y.cols,
      `squaredDistances: X is ${shapeStr(x)} and Y is ${shapeStr(y)}; they need the same number of columns`,
    );
  // NaN-ignoring means: a NaN then stays in its own row (its pairs become NaN, as numpy's |x|² + |y|² − 2x·y gives)
  // instead of spreading through the shift into every row.
  const mean = columnMeansOfFinite(x);
  const shiftInto = (m: Matrix, out: Float64Array): Matrix => {
    const src = m.data;
    const p = m.cols;
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < p; j++) out[i * p + j] = src[i * p + j] - mean[j];
    return new Matrix(m.rows, p, out);
  };
  if (!y) {
    // The centred copy only feeds the product: it lives in the scratch buffer.
    const g = withScratchFloat64(x.rows * x.cols, (scratch) => gram(shiftInto(x, scratch)));
    const n = x.rows;
    const d = g.data;
    const diag = new Float64Array(n);
    for (let i = 0; i < n; i++) diag[i] = d[i * n + i];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) d[i * n + j] = i === j ? 0 : Math.max(0, diag[i] + diag[j] - 2 * d[i * n + j]);
    }
    return g;
  }
  const xc = shiftInto(x, new Float64Array(x.rows * x.cols));
  const yc = shiftInto(y, new Float64Array(y.rows * y.cols));
  const c = crossProduct(xc, yc);
  const nx = rowSquaredNorms(xc);
  const ny = rowSquaredNorms(yc);
  const m = y.rows;
  for (let i = 0; i < x.rows; i++)
    for (let j = 0; j < m; j++) c.data[i * m + j] = Math.max(0, nx[i] + ny[j] - 2 * c.data[i * m + j]);
  return c;
}

/** Copy into a new array of the dtype. */
export function toDtype(data: ArrayLike<number>, dtype: DType): FloatArray {
  const out = allocate(dtype, data.length);
  out.set(data as ArrayLike<number>);
  return out;
}

/** Throw when any entry is NaN or infinite (kernels that cannot accept them call this). */
export function assertAllFinite(where: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new ConcordRangeError(CORE_ERRORS.NON_FINITE, `${where}: non-finite value ${data[i]} at flat index ${i}`, {
        field: where,
        offset: i,
        received: data[i],
      });
  }
}
