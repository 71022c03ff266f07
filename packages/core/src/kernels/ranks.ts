/**
 * Ranks with ties averaged, as scipy.stats.rankdata(method='average'). Spearman correlations and rank transforms of
 * RDM vectors (n² / 2 entries, repeated in bootstraps) call this in hot loops, so large inputs are sorted with an
 * LSD radix sort on the IEEE-754 bit patterns (linear time, no comparator calls) instead of a comparator argsort.
 */
import { fasterBackendFor } from './backend.ts';

/** Below this length a comparator sort is cheaper than the radix passes' fixed cost. */
const RADIX_MIN_LENGTH = 512;
const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = littleEndian ? 1 : 0;
const LO = littleEndian ? 0 : 1;

/**
 * Ranks (1-based) with ties given the average of the ranks they span. NaN entries get NaN and are left out of the
 * ranking (scipy's default instead makes every rank NaN when any value is NaN). -0 and 0 are ties. Runs on the
 * native backend when it is loaded (a radix sort in C++, several times faster), else in TypeScript below.
 */
export function ranks(values: ArrayLike<number>): Float64Array {
  const backend = fasterBackendFor('ranks');
  if (backend?.ranks) return backend.ranks(values instanceof Float64Array ? values : Float64Array.from(values));
  return ranksTypeScript(values);
}

/**
 * The indices that sort `values` ascending; equal values keep index order (stable), -0 and 0 are equal, NaN comes
 * last. Native radix sort when the native backend is loaded, else the TypeScript one below.
 */
export function argsort(values: ArrayLike<number>): Uint32Array {
  const backend = fasterBackendFor('argsort');
  if (backend?.argsort) return backend.argsort(values instanceof Float64Array ? values : Float64Array.from(values));
  return argsortTypeScript(values);
}

/** The TypeScript implementation of `argsort` (the js backend's). */
export function argsortTypeScript(values: ArrayLike<number>): Uint32Array {
  const n = values.length;
  const order = new Uint32Array(n);
  const nan: number[] = [];
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i])) nan.push(i);
    else order[m++] = i;
  }
  const head = order.subarray(0, m);
  const sorted = m < RADIX_MIN_LENGTH ? comparatorSort(values, head) : radixSort(values, head);
  const out = new Uint32Array(n);
  out.set(sorted);
  out.set(nan, m);
  return out;
}

/** The TypeScript implementation of `ranks` (the js backend's). */
export function ranksTypeScript(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const order = new Uint32Array(n); // indices of the non-NaN values, to be sorted by value
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i])) out[i] = Number.NaN;
    else order[m++] = i;
  }
  const sorted =
    m < RADIX_MIN_LENGTH ? comparatorSort(values, order.subarray(0, m)) : radixSort(values, order.subarray(0, m));
  // Walk runs of equal values in sorted order; positions first..end-1 share the rank (first + end - 1) / 2 + 1.
  let first = 0;
  while (first < m) {
    const v = values[sorted[first]];
    let end = first + 1;
    while (end < m && values[sorted[end]] === v) end++;
    const r = (first + end - 1) / 2 + 1;
    for (let k = first; k < end; k++) out[sorted[k]] = r;
    first = end;
  }
  return out;
}

function comparatorSort(values: ArrayLike<number>, order: Uint32Array): Uint32Array {
  return order.sort((a, b) => values[a] - values[b]);
}

/** Sort `order` (indices into values, no NaN) by value: radix sort on order-preserving 64-bit keys. */
function radixSort(values: ArrayLike<number>, order: Uint32Array): Uint32Array {
  const m = order.length;
  let hi = new Uint32Array(m);
  let lo = new Uint32Array(m);
  let idx: Uint32Array = order;
  for (let k = 0; k < m; k++) {
    f64[0] = values[idx[k]] + 0; // + 0 turns -0 into 0, so the two tie
    const h = u32[HI];
    // Flip all bits of negatives and the sign bit of positives: unsigned order of keys = numeric order.
    if (h & 0x80000000) {
      hi[k] = ~h >>> 0;
      lo[k] = ~u32[LO] >>> 0;
    } else {
      hi[k] = (h | 0x80000000) >>> 0;
      lo[k] = u32[LO];
    }
  }
  let hi2 = new Uint32Array(m);
  let lo2 = new Uint32Array(m);
  let idx2: Uint32Array = new Uint32Array(m);
  const count = new Uint32Array(BUCKETS);
  const digits = new Uint16Array(m);
  const mask = BUCKETS - 1;
  // 64 bits in 11-bit digits: 6 stable passes from the least significant digit.
  for (let shift = 0; shift < 64; shift += DIGIT_BITS) {
    count.fill(0);
    if (shift >= 32) {
      const s = shift - 32;
      for (let k = 0; k < m; k++) {
        const d = (hi[k] >>> s) & mask;
        digits[k] = d;
        count[d]++;
      }
    } else if (shift + DIGIT_BITS > 32) {
      const up = 32 - shift; // the digit takes the top bits of lo and the bottom bits of hi
      for (let k = 0; k < m; k++) {
        const d = ((lo[k] >>> shift) | (hi[k] << up)) & mask;
        digits[k] = d;
        count[d]++;
      }
    } else {
      for (let k = 0; k < m; k++) {
        const d = (lo[k] >>> shift) & mask;
        digits[k] = d;
        count[d]++;
      }
    }
    // A digit that is the same for every key (e.g. high exponent bits) needs no pass.
    if (count[digits[0]] === m) continue;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (let k = 0; k < m; k++) {
      const dst = count[digits[k]]++;
      hi2[dst] = hi[k];
      lo2[dst] = lo[k];
      idx2[dst] = idx[k];
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}
