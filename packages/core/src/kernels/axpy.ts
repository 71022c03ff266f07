/**
 * y += alpha·x, in place. Sums of many patterns (fold and condition totals in cross-validated RDMs) are long runs of
 * it; BLAS (daxpy/saxpy) does it with SIMD at memory speed, several times faster than a JavaScript loop.
 */
import { ShapeError } from '../errors.ts';
import { fasterBackendFor } from './backend.ts';

export function axpy(alpha: number, x: Float32Array | Float64Array, y: Float32Array | Float64Array): void {
  if (x.length !== y.length) throw new ShapeError(`axpy: x has ${x.length} elements and y ${y.length}`);
  const backend = fasterBackendFor('axpy');
  // BLAS needs one dtype for both; a mixed pair is rare and stays in TypeScript.
  if (backend?.axpy && x.constructor === y.constructor) backend.axpy(alpha, x, y);
  else axpyTypeScript(alpha, x, y);
}

/** The TypeScript implementation of `axpy` (the js backend's). */
export function axpyTypeScript(alpha: number, x: Float32Array | Float64Array, y: Float32Array | Float64Array): void {
  if (alpha === 1) for (let i = 0; i < y.length; i++) y[i] += x[i];
  else for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}
