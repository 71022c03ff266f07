/**
 * Where the first NaN or ±Inf is. Activations, decomposition inputs and loaded recordings are scanned for them (a
 * silent NaN is the commonest wrong result of a broken conversion), often hundreds of MB at a time, so the scan
 * runs natively when the native backend is loaded and as a branch-free TypeScript pass otherwise.
 */
import { fasterBackendFor } from './backend.ts';

/** Index of the first NaN/±Inf in `values`, or -1 when every value is finite. */
export function firstNonFinite(values: Float32Array | Float64Array): number {
  const backend = fasterBackendFor('finite');
  if (backend?.firstNonFinite) return backend.firstNonFinite(values);
  return firstNonFiniteTypeScript(values);
}

/** The TypeScript implementation of `firstNonFinite` (the js backend's). */
export function firstNonFiniteTypeScript(d: Float32Array | Float64Array): number {
  // v·0 is NaN exactly for NaN and ±Inf, so one branch-free pass finds out whether to look closer; four
  // independent sums keep the adds from waiting on each other.
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const end4 = d.length - (d.length % 4);
  for (let i = 0; i < end4; i += 4) {
    p0 += d[i] * 0;
    p1 += d[i + 1] * 0;
    p2 += d[i + 2] * 0;
    p3 += d[i + 3] * 0;
  }
  for (let i = end4; i < d.length; i++) p0 += d[i] * 0;
  if (p0 + p1 + p2 + p3 === 0) return -1;
  for (let i = 0; i < d.length; i++) if (d[i] - d[i] !== 0) return i;
  return -1;
}
