/**
 * Rank helpers on typed arrays for long RDM vectors (10^5–10^6 pairs): native typed-array sort plus binary
 * search instead of comparator sorts. Inputs must be NaN-free (comparisons drop NaN entries first).
 */

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** 1-based ranks with ties averaged (scipy.stats.rankdata(method='average')). */
export function averageRanks(v: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(v).sort();
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    out[i] = (lowerBound(sorted, x) + upperBound(sorted, x) + 1) / 2;
  }
  return out;
}

/** Dense 0-based ranks (equal values share a rank) and the number of distinct values. */
export function denseRanks(v: ArrayLike<number>): { ranks: Int32Array; distinct: number } {
  const sorted = Float64Array.from(v).sort();
  let u = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[u++] = sorted[i];
  const unique = sorted.subarray(0, u);
  const ranks = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) ranks[i] = lowerBound(unique, v[i]);
  return { ranks, distinct: u };
}
