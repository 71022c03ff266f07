/**
 * The 'native' backend: an N-API addon over OpenBLAS (products: dgemm/sgemm, dsyrk/ssyrk) and LAPACKE
 * (dsyevd, dgesdd, dpotrf, dgetrf+dgetri). Built by scripts/build-native.mjs into packages/core/native/build.
 * Products run in the matrices' own precision; decompositions always run in float64 (a float32 input is widened)
 * so their results match numpy/scipy's float64 LAPACK calls.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CORE_ERRORS, ConcordRangeError, InternalError } from '../errors.ts';
import type { BackendLoadResult, EighResult, LinalgBackend, Operation, SvdResult } from '../kernels/backend.ts';
import { convOutputSize, type TrainingKernels } from '../kernels/training.ts';
import { allocate, assertShape, type FloatArray, Matrix, shapeStr } from '../matrix.ts';

export interface NativeAddon
  extends Partial<Pick<TrainingKernels, 'gemmInto' | 'tanhInPlace' | 'adamStep' | 'setThreads'>> {
  gemm(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
  ): number;
  syrk(a: FloatArray, c: FloatArray, n: number, k: number, trans: boolean): number;
  eigh(a: Float64Array, w: Float64Array, n: number): number;
  svd(a: Float64Array, s: Float64Array, u: Float64Array, vt: Float64Array, m: number, n: number): number;
  cholesky(a: Float64Array, n: number): number;
  inverse(a: Float64Array, n: number): number;
  threads(): number;
  config(): string;
  averageRanks(values: Float64Array, out: Float64Array): void;
  argsortStable(values: Float64Array, order: Uint32Array): void;
  axpy(alpha: number, x: FloatArray, y: FloatArray): void;
  firstNonFinite(values: Float32Array | Float64Array): number;
  // Training kernels (native/training.cc), absent from addons built before them: gemmInto, tanhInPlace, adamStep and
  // setThreads have TrainingKernels' signatures (inherited above); im2col/col2im also take the output size.
  im2col?(
    x: FloatArray,
    cols: FloatArray,
    c: number,
    h: number,
    w: number,
    k: number,
    s: number,
    p: number,
    oh: number,
    ow: number,
  ): void;
  col2im?(
    cols: FloatArray,
    x: FloatArray,
    c: number,
    h: number,
    w: number,
    k: number,
    s: number,
    p: number,
    oh: number,
    ow: number,
  ): void;
  scanNumericArrays(
    bytes: Uint8Array,
    minLength: number,
  ): { spans: Uint32Array; offsets: Uint32Array; values: Float64Array } | null;
}

/** Where the build script puts the addon. */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../native/build/concord_native.node', import.meta.url));

/** A float64 copy the LAPACK routine may overwrite. */
function float64Copy(a: Matrix): Float64Array {
  return a.data instanceof Float64Array ? a.data.slice() : Float64Array.from(a.data);
}

function lapackFailure(routine: string, info: number, a: Matrix): never {
  // info < 0 means an illegal argument: a bug on our side, not bad input.
  throw new InternalError(
    CORE_ERRORS.NATIVE_LAPACK,
    `${routine} failed on a ${shapeStr(a)} matrix (LAPACK info ${info})`,
    {
      received: info,
    },
  );
}

/** The training kernels over the addon, when it was built with native/training.cc. */
function nativeTrainingKernels(addon: NativeAddon): TrainingKernels | undefined {
  const { gemmInto, setThreads, im2col, col2im, tanhInPlace, adamStep } = addon;
  if (!gemmInto || !setThreads || !im2col || !col2im || !tanhInPlace || !adamStep) return undefined;
  return {
    name: 'native',
    gemmInto,
    im2col(x, cols, c, h, w, k, stride, pad) {
      im2col(x, cols, c, h, w, k, stride, pad, convOutputSize(h, k, stride, pad), convOutputSize(w, k, stride, pad));
    },
    col2im(cols, x, c, h, w, k, stride, pad) {
      col2im(cols, x, c, h, w, k, stride, pad, convOutputSize(h, k, stride, pad), convOutputSize(w, k, stride, pad));
    },
    tanhInPlace,
    adamStep,
    setThreads,
    threads: () => addon.threads(),
  };
}

function createNativeBackend(addon: NativeAddon): LinalgBackend {
  const training = nativeTrainingKernels(addon);
  return {
    ...(training ? { training } : {}),
    name: 'native',
    // An addon built before ranks existed lacks averageRanks; ranks then stay in TypeScript.
    operations: new Set<Operation>([
      'gemm',
      'syrk',
      'eigh',
      'svd',
      'cholesky',
      'inverse',
      ...(typeof addon.averageRanks === 'function' ? (['ranks'] as const) : []),
      ...(typeof addon.argsortStable === 'function' ? (['argsort'] as const) : []),
      ...(typeof addon.axpy === 'function' ? (['axpy'] as const) : []),
      ...(typeof addon.firstNonFinite === 'function' ? (['finite'] as const) : []),
    ]),
    threads: () => addon.threads(),
    describe: () => `${addon.config().trim()}; decompositions through liblapacke`,

    gemm(a, b, transA, transB) {
      const [m, k1] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
      const [k2, n] = transB ? [b.cols, b.rows] : [b.rows, b.cols];
      assertShape(k1 === k2, `gemm: op(A) is ${m}×${k1} and op(B) is ${k2}×${n}; inner dimensions differ`);
      // Mixed precision: widen the float32 operand (the result is float64, as in the js backend).
      const dtype = a.dtype === 'float32' && b.dtype === 'float32' ? 'float32' : 'float64';
      const left = a.astype(dtype);
      const right = b.astype(dtype);
      const out = allocate(dtype, m * n);
      addon.gemm(left.data, right.data, out, m, n, k1, transA, transB);
      return new Matrix(m, n, out);
    },

    syrk(a, trans, into) {
      const n = trans ? a.cols : a.rows;
      const k = trans ? a.rows : a.cols;
      const out = into ?? allocate(a.dtype, n * n);
      addon.syrk(a.data, out, n, k, trans);
      return new Matrix(n, n, out);
    },

    eigh(a): EighResult {
      assertShape(a.rows === a.cols, `eigh: expected a square matrix, received ${shapeStr(a)}`);
      const n = a.rows;
      const vectors = float64Copy(a);
      const values = new Float64Array(n);
      const info = addon.eigh(vectors, values, n);
      if (info > 0)
        throw new ConcordRangeError(
          CORE_ERRORS.NO_CONVERGENCE,
          `eigh: the eigenvalue algorithm did not converge for the ${shapeStr(a)} matrix (LAPACK dsyevd info ${info})`,
        );
      if (info < 0) lapackFailure('dsyevd', info, a);
      return { values, vectors: new Matrix(n, n, vectors) };
    },

    svd(a): SvdResult {
      const m = a.rows;
      const n = a.cols;
      const k = Math.min(m, n);
      const work = float64Copy(a);
      const s = new Float64Array(k);
      const u = new Float64Array(m * k);
      const vt = new Float64Array(k * n);
      const info = addon.svd(work, s, u, vt, m, n);
      if (info > 0)
        throw new ConcordRangeError(
          CORE_ERRORS.NO_CONVERGENCE,
          `svd: the SVD did not converge for the ${shapeStr(a)} matrix (LAPACK dgesdd info ${info})`,
        );
      if (info < 0) lapackFailure('dgesdd', info, a);
      return { u: new Matrix(m, k, u), s, vt: new Matrix(k, n, vt) };
    },

    cholesky(a) {
      assertShape(a.rows === a.cols, `cholesky: expected a square matrix, received ${shapeStr(a)}`);
      const l = float64Copy(a);
      const info = addon.cholesky(l, a.rows);
      if (info > 0) {
        throw new ConcordRangeError(
          CORE_ERRORS.NOT_POSITIVE_DEFINITE,
          `cholesky: the ${shapeStr(a)} matrix is not positive definite (leading minor of order ${info} is not positive)`,
          { received: info },
        );
      }
      if (info < 0) lapackFailure('dpotrf', info, a);
      return new Matrix(a.rows, a.rows, l);
    },

    firstNonFinite: (values) => addon.firstNonFinite(values),
    axpy: (alpha, x, y) => addon.axpy(alpha, x, y),

    argsort(values) {
      const order = new Uint32Array(values.length);
      addon.argsortStable(values, order);
      return order;
    },

    ranks(values) {
      const out = new Float64Array(values.length);
      addon.averageRanks(values, out);
      return out;
    },

    inverse(a) {
      assertShape(a.rows === a.cols, `inverse: expected a square matrix, received ${shapeStr(a)}`);
      const inv = float64Copy(a);
      const info = addon.inverse(inv, a.rows);
      if (info > 0)
        throw new ConcordRangeError(
          CORE_ERRORS.SINGULAR,
          `inverse: the ${shapeStr(a)} matrix is singular (zero pivot at position ${info} of its LU factorisation)`,
          { received: info },
        );
      if (info < 0) lapackFailure('dgetrf/dgetri', info, a);
      return new Matrix(a.rows, a.rows, inv);
    },
  };
}

/** The addon itself (`{reason}` when it was not built or does not load: missing libopenblas at run time, ...). */
export function loadNativeAddon(path: string = NATIVE_ADDON_PATH): { addon?: NativeAddon; reason?: string } {
  if (!existsSync(path)) {
    return {
      reason: `not built (${path} is absent; run 'node scripts/build-native.mjs', which needs g++, libopenblas-dev and liblapacke-dev)`,
    };
  }
  try {
    return { addon: createRequire(import.meta.url)(path) as NativeAddon };
  } catch (e) {
    return { reason: `failed to load ${path}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}

/** Load the addon (from `path`, by default where the build script puts it) as a linear-algebra backend. */
export function loadNativeBackend(path: string = NATIVE_ADDON_PATH): BackendLoadResult {
  const { addon, reason } = loadNativeAddon(path);
  return addon ? { backend: createNativeBackend(addon) } : { reason };
}
