/**
 * Exact rescaling for scale-invariant measures. Multiplying by a power of two changes only the exponent of every
 * value, so a measure invariant to isotropic scaling (CKA) gives the same bits on the rescaled data — while the
 * products it forms can neither overflow (inputs near 1e150) nor underflow (inputs near 1e-200).
 */
import { NonFiniteError } from '@concord/core';

/** Largest |value|; NaN/±Inf are reported as a NonFiniteError naming `where`. */
export function maxAbs(values: ArrayLike<number>, where: string): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
    else if (!(a <= m)) throw new NonFiniteError(where, i, values[i]);
  }
  if (m === Number.POSITIVE_INFINITY) throw new NonFiniteError(where, indexOfInfinity(values), m);
  return m;
}

function indexOfInfinity(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** The exponent e with largest·2^−e in [0.5, 1) (0 for 0). */
export function normalisingExponent(largest: number): number {
  if (!(largest > 0)) return 0;
  let e = Math.floor(Math.log2(largest)) + 1;
  // log2 rounds: nudge so that the scaled maximum really lies in [0.5, 1)
  while (ldexp(largest, -e) >= 1) e++;
  while (ldexp(largest, -e) < 0.5) e--;
  return e;
}

/** v·2^k, exact unless the result leaves the floating-point range (2^k itself overflows for |k| > 1023). */
export function ldexp(v: number, k: number): number {
  let out = v;
  let rest = k;
  while (rest > 1000) {
    out *= 2 ** 1000;
    rest -= 1000;
  }
  while (rest < -1000) {
    out *= 2 ** -1000;
    rest += 1000;
  }
  return out * 2 ** rest;
}

/** Multiply every value by 2^k in place (exact for finite results, float32 arrays included). */
export function scaleByPowerOfTwo(values: Float32Array | Float64Array, k: number): void {
  if (k === 0) return;
  let rest = k;
  while (rest !== 0) {
    const step = Math.max(-1000, Math.min(1000, rest));
    const f = 2 ** step;
    for (let i = 0; i < values.length; i++) values[i] *= f;
    rest -= step;
  }
}
