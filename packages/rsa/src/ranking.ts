/**
 * Rank helpers on typed arrays for long RDM vectors (10^5–10^6 pairs). Sorting is an LSD radix argsort on the
 * IEEE-754 bit patterns (4 passes of 16 bits, stable, O(n)), much faster in JavaScript than comparator sorts.
 * Inputs must be NaN-free (comparisons drop NaN entries first).
 */

import { ranks } from '@concord/core';

/**
 * Digit width: 16 bits (4 passes) for long vectors; 8 bits (8 passes) below 2^16 elements, where clearing and
 * scanning 65,536 counters per pass would cost more than the data (a 92-condition RDM has only 4,186 pairs).
 */
function digitBits(n: number): number {
  return n < 1 << 16 ? 8 : 16;
}

/** Order-preserving unsigned 64-bit keys (as hi/lo uint32 halves) for doubles. */
export function sortableKeys(v: ArrayLike<number>): {
  hi: Uint32Array<ArrayBufferLike>;
  lo: Uint32Array<ArrayBufferLike>;
} {
  const n = v.length;
  const f = new Float64Array(n);
  f.set(v);
  // −0 and +0 are equal values: give them one key so ties are detected on keys
  for (let k = 0; k < n; k++) if (f[k] === 0) f[k] = 0;
  const u = new Uint32Array(f.buffer);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  // little-endian: u[2k] is the low word, u[2k+1] the high word (sign bit on top)
  for (let k = 0; k < n; k++) {
    const h = u[2 * k + 1];
    const l = u[2 * k];
    if (h & 0x80000000) {
      hi[k] = ~h >>> 0;
      lo[k] = ~l >>> 0;
    } else {
      hi[k] = (h | 0x80000000) >>> 0;
      lo[k] = l;
    }
  }
  return { hi, lo };
}

export interface KeyedArrays {
  hi: Uint32Array<ArrayBufferLike>;
  lo: Uint32Array<ArrayBufferLike>;
  /** Carried along with the keys (indices, ranks, ...). */
  payload: Uint32Array<ArrayBufferLike>;
  /** An optional second payload. */
  payload2?: Uint32Array<ArrayBufferLike>;
}

/** Stable LSD radix sort of (hi, lo) keys with a payload; returns the sorted arrays (the inputs are reused). */
export function radixSortKeyed(input: KeyedArrays): KeyedArrays {
  const n = input.hi.length;
  let { hi, lo, payload } = input;
  let second = input.payload2;
  let hi2: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
  let lo2: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
  let pay2: Uint32Array<ArrayBufferLike> = new Uint32Array(n);
  let second2: Uint32Array<ArrayBufferLike> | undefined = second ? new Uint32Array(n) : undefined;
  const bits = digitBits(n);
  const buckets = 1 << bits;
  const mask = buckets - 1;
  const passes = 64 / bits;
  const count = new Uint32Array(buckets);
  for (let pass = 0; pass < passes; pass++) {
    const word = pass * bits < 32 ? lo : hi;
    const shift = (pass * bits) % 32;
    count.fill(0);
    for (let k = 0; k < n; k++) count[(word[k] >>> shift) & mask]++;
    // a pass whose digit is the same everywhere changes nothing
    if (n === 0 || count[(word[0] >>> shift) & mask] === n) continue;
    let sum = 0;
    for (let b = 0; b < buckets; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    if (second && second2) {
      for (let k = 0; k < n; k++) {
        const d = (word[k] >>> shift) & mask;
        const at = count[d]++;
        hi2[at] = hi[k];
        lo2[at] = lo[k];
        pay2[at] = payload[k];
        second2[at] = second[k];
      }
      [second, second2] = [second2, second];
    } else {
      for (let k = 0; k < n; k++) {
        const d = (word[k] >>> shift) & mask;
        const at = count[d]++;
        hi2[at] = hi[k];
        lo2[at] = lo[k];
        pay2[at] = payload[k];
      }
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [payload, pay2] = [pay2, payload];
  }
  return { hi, lo, payload, payload2: second };
}

/** Indices that sort `v` ascending; ties keep index order (stable). */
export function argsortStable(v: ArrayLike<number>): Uint32Array<ArrayBufferLike> {
  const n = v.length;
  const { hi, lo } = sortableKeys(v);
  const idx = new Uint32Array(n);
  for (let k = 0; k < n; k++) idx[k] = k;
  return radixSortKeyed({ hi, lo, payload: idx }).payload;
}

/** 1-based ranks with ties averaged (scipy.stats.rankdata(method='average')). */
export function averageRanks(v: ArrayLike<number>): Float64Array {
  // One implementation for the whole toolkit: core's (radix sort for long vectors, comparator sort for short ones).
  return ranks(v);
}

/** Dense 0-based ranks (equal values share a rank), the number of distinct values and the ascending order. */
export function denseRanks(v: ArrayLike<number>): {
  ranks: Int32Array;
  distinct: number;
  order: Uint32Array<ArrayBufferLike>;
} {
  const n = v.length;
  const order = argsortStable(v);
  const ranks = new Int32Array(n);
  let r = -1;
  let prev = Number.NaN;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const x = v[i];
    if (k === 0 || x !== prev) r++;
    ranks[i] = r;
    prev = x;
  }
  return { ranks, distinct: r + 1, order };
}
