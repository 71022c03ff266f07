/**
 * The linear-algebra backend interface and the run-time registry. A backend implements the few primitives that
 * need BLAS/LAPACK speed (and ranks and finiteness scans, which sit in hot loops); everything else (distances,
 * centring) is composed on top in `kernels.ts`.
 * Backends: 'native' (N-API addon over OpenBLAS/LAPACKE), 'onnx' (onnxruntime-node, products only), 'js'.
 */
import { CORE_ERRORS, ParameterError } from '../errors.ts';
import type { FloatArray, Matrix } from '../matrix.ts';
import { jsTrainingKernels, type TrainingKernels } from './training.ts';

export type BackendName = 'native' | 'onnx' | 'js';
export const BACKEND_NAMES: readonly BackendName[] = ['native', 'onnx', 'js'];

export type Operation =
  | 'gemm'
  | 'syrk'
  | 'axpy'
  | 'eigh'
  | 'svd'
  | 'cholesky'
  | 'inverse'
  | 'ranks'
  | 'argsort'
  | 'finite';

export interface EighResult {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Eigenvectors as columns (n×n), column k belongs to values[k]. */
  vectors: Matrix;
}

export interface SvdResult {
  /** n×k left singular vectors, k = min(n, p). */
  u: Matrix;
  /** Singular values, descending. */
  s: Float64Array;
  /** k×p right singular vectors (rows). */
  vt: Matrix;
}

export interface LinalgBackend {
  readonly name: BackendName;
  /** Which operations this backend implements; the others fall through to the next backend. */
  readonly operations: ReadonlySet<Operation>;
  /** Thread count the backend uses for products. */
  threads(): number;
  /** Free-form description (library versions). */
  describe(): string;
  /** C = op(A)·op(B), op = transpose when the flag is set. Result dtype: float32 only if both are float32. */
  gemm(a: Matrix, b: Matrix, transA: boolean, transB: boolean): Matrix;
  /** A·Aᵀ (trans = false) or Aᵀ·A (trans = true), both triangles filled. */
  /** `into` (n·n elements of A's dtype), when given, holds the result (e.g. a scratch buffer). */
  syrk(a: Matrix, trans: boolean, into?: FloatArray): Matrix;
  eigh(a: Matrix): EighResult;
  svd(a: Matrix): SvdResult;
  /** Lower-triangular L with A = L·Lᵀ; throws for a matrix that is not positive definite. */
  cholesky(a: Matrix): Matrix;
  /** Inverse of a square non-singular matrix. */
  inverse(a: Matrix): Matrix;
  /** Average ranks (see kernels/ranks.ts); present when `operations` has 'ranks'. */
  ranks?(values: Float64Array): Float64Array;
  /** Stable ascending argsort (see kernels/ranks.ts); present when `operations` has 'argsort'. */
  argsort?(values: Float64Array): Uint32Array;
  /** y += alpha·x in place (same length and dtype); present when `operations` has 'axpy'. */
  axpy?(alpha: number, x: Float32Array | Float64Array, y: Float32Array | Float64Array): void;
  /** Index of the first NaN/±Inf, or -1 (see kernels/finite.ts); present when `operations` has 'finite'. */
  firstNonFinite?(values: Float32Array | Float64Array): number;
  /** The training engine's kernels (gemm into a given output, im2col, Adam), when the backend has them. */
  readonly training?: TrainingKernels;
}

export interface BackendLoadResult {
  backend?: LinalgBackend;
  /** Why the backend is unavailable, when it is. */
  reason?: string;
}

type Loader = () => BackendLoadResult;

const loaders = new Map<BackendName, Loader>();
const loaded = new Map<BackendName, BackendLoadResult>();

/** Register how to load a backend; loading happens on first use (synchronously). */
export function registerBackendLoader(name: BackendName, loader: Loader): void {
  loaders.set(name, loader);
  loaded.delete(name);
}

export function loadBackend(name: BackendName): BackendLoadResult {
  let r = loaded.get(name);
  if (!r) {
    const loader = loaders.get(name);
    if (!loader) r = { reason: `no loader registered for '${name}' (in a browser only 'js' exists)` };
    else {
      try {
        r = loader();
      } catch (e) {
        r = { reason: e instanceof Error ? e.message : String(e) };
      }
    }
    loaded.set(name, r);
  }
  return r;
}

/** The TypeScript backend, which core's entry registers at import (so it is always there through the package). */
function jsFallback(): LinalgBackend {
  const r = loadBackend('js');
  if (!r.backend)
    throw new ParameterError(
      CORE_ERRORS.BACKEND_UNAVAILABLE,
      'backend',
      `the TypeScript backend is unavailable: ${r.reason}`,
    );
  return r.backend;
}

let forced: BackendName | undefined;
let forcedRead = false;

/** The backend forced by setBackend() or the CONCORD_BACKEND environment variable, if any. */
export function forcedBackend(): BackendName | undefined {
  if (!forcedRead) {
    forcedRead = true;
    const env = typeof process !== 'undefined' ? process.env?.CONCORD_BACKEND : undefined;
    if (env) {
      if (!(BACKEND_NAMES as readonly string[]).includes(env)) {
        throw new ParameterError(
          CORE_ERRORS.BACKEND,
          'CONCORD_BACKEND',
          `expected one of ${BACKEND_NAMES.join(', ')}, received '${env}'`,
        );
      }
      forced = env as BackendName;
    }
  }
  return forced;
}

/** Force one backend for every operation it implements (undefined: automatic choice again). */
export function setBackend(name: BackendName | undefined): void {
  forcedRead = true;
  if (name !== undefined) {
    const r = loadBackend(name);
    if (!r.backend)
      throw new ParameterError(
        CORE_ERRORS.BACKEND_UNAVAILABLE,
        'backend',
        `'${name}' is not available here: ${r.reason}`,
      );
  }
  forced = name;
}

/** Every backend that loads on this machine, in preference order. */
export function availableBackends(): LinalgBackend[] {
  const out: LinalgBackend[] = [];
  for (const n of BACKEND_NAMES) {
    const r = loadBackend(n);
    if (r.backend) out.push(r.backend);
  }
  return out;
}

/** Products below this many flops go to plain TypeScript when only the onnx backend is faster (its call costs ~0.1 ms). */
const SMALL_PRODUCT_FLOPS = 4e6;

/**
 * Pick the backend for one operation: the forced one if it implements it (else js); automatically native, else onnx
 * (products of a size that repays its call overhead), else js.
 */
export function backendFor(op: Operation, flops = Infinity): LinalgBackend {
  const f = forcedBackend();
  if (f) {
    const r = loadBackend(f);
    if (!r.backend)
      throw new ParameterError(
        CORE_ERRORS.BACKEND_UNAVAILABLE,
        'CONCORD_BACKEND',
        `'${f}' is not available here: ${r.reason}`,
      );
    if (r.backend.operations.has(op)) return r.backend;
    // A forced backend stands for "this machine has only that one": what it lacks goes to js, never to native.
    return jsFallback();
  }
  const native = loadBackend('native').backend;
  if (native?.operations.has(op)) return native;
  if (flops >= SMALL_PRODUCT_FLOPS) {
    const onnx = loadBackend('onnx').backend;
    if (onnx?.operations.has(op)) return onnx;
  }
  return jsFallback();
}

/**
 * For the small kernels that have a TypeScript implementation beside the backend one (ranks, argsort, finiteness
 * scans, axpy): the faster backend that serves `op`, or undefined to run the TypeScript one — also when no backend
 * is registered (only matrix.ts loaded) or a forced backend cannot load, so these never fail for want of a backend.
 */
export function fasterBackendFor(op: Operation): LinalgBackend | undefined {
  try {
    const b = backendFor(op) as LinalgBackend | undefined;
    return b && b.name !== 'js' ? b : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The training kernels of the named backend (default: the forced one, else native when it loads, else js). The
 * onnx backend has none: it falls back to the TypeScript twin.
 */
export function trainingKernelsFor(name?: BackendName): TrainingKernels {
  const pick = name ?? forcedBackend();
  if (pick) {
    const r = loadBackend(pick);
    if (!r.backend)
      throw new ParameterError(
        CORE_ERRORS.BACKEND_UNAVAILABLE,
        'backend',
        `'${pick}' is not available here: ${r.reason}`,
      );
    return r.backend.training ?? jsTrainingKernels;
  }
  return loadBackend('native').backend?.training ?? jsTrainingKernels;
}

/** What `concord info` reports. */
export function backendReport(): {
  selected: BackendName;
  forced: BackendName | null;
  backends: { name: BackendName; available: boolean; threads?: number; description?: string; reason?: string }[];
} {
  const backends = BACKEND_NAMES.map((name) => {
    const r = loadBackend(name);
    return r.backend
      ? { name, available: true, threads: r.backend.threads(), description: r.backend.describe() }
      : { name, available: false, reason: r.reason };
  });
  return { selected: backendFor('gemm').name, forced: forcedBackend() ?? null, backends };
}
