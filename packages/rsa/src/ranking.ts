/**
 * Rank helpers on typed arrays for long RDM vectors (10^5–10^6 pairs), on core's stable radix argsort (native when
 * the addon is built). Inputs must be NaN-free (comparisons drop NaN entries first).
 */

import { argsort, ranks } from '@concord/core';

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
  const order = argsort(v); // stable: ties keep index order
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
