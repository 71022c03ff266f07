/**
 * Kendall's tau-a and tau-b in O(n log n): stable sorts put the pairs in (x, y) order, a Fenwick tree counts
 * discordant pairs (strict inversions of the y ranks), and tie counts follow scipy.stats.kendalltau.
 * tau-b is scipy's formula; tau-a is rsatoolbox's _tau_a: (concordant − discordant) / (n(n−1)/2), ties count 0.
 */
import { argsort } from '@concord/core';
import { denseRanks } from './ranking.ts';

export interface DenseRanked {
  ranks: Int32Array;
  distinct: number;
  /** Indices in ascending value order (stable). */
  order: Uint32Array<ArrayBufferLike>;
  /** Pairs tied in this vector. */
  ties: number;
}

export function rankForKendall(v: ArrayLike<number>): DenseRanked {
  const r = denseRanks(v);
  const counts = new Float64Array(r.distinct);
  for (let i = 0; i < r.ranks.length; i++) counts[r.ranks[i]]++;
  let ties = 0;
  for (let k = 0; k < r.distinct; k++) ties += (counts[k] * (counts[k] - 1)) / 2;
  return { ...r, ties };
}

export interface TauStats {
  /** n(n−1)/2 */
  total: number;
  /** Pairs tied in x, in y, and in both. */
  xTies: number;
  yTies: number;
  jointTies: number;
  discordant: number;
}

/**
 * Strict inversions (i < j, s[i] > s[j]) of a sequence of ranks in [0, distinct): a Fenwick tree counts, for every
 * element, the earlier elements that are ≤ it (faster in JavaScript than a merge sort: one small typed array).
 */
export function countInversions(s: Int32Array, distinct: number): number {
  const tree = new Int32Array(distinct + 1);
  let inversions = 0;
  for (let t = 0; t < s.length; t++) {
    const r = s[t] + 1;
    let le = 0;
    for (let k = r; k > 0; k -= k & -k) le += tree[k];
    inversions += t - le;
    for (let k = r; k <= distinct; k += k & -k) tree[k]++;
  }
  return inversions;
}

export function tauStats(x: DenseRanked, y: DenseRanked): TauStats {
  const n = x.ranks.length;
  const xr = x.ranks;
  const yr = y.ranks;
  // y.order is sorted by y (stable); a stable counting sort by x gives (x, y) order.
  const start = new Int32Array(x.distinct + 1);
  for (let i = 0; i < n; i++) start[xr[i] + 1]++;
  for (let k = 0; k < x.distinct; k++) start[k + 1] += start[k];
  const order = new Uint32Array(n);
  const yo = y.order;
  for (let t = 0; t < n; t++) {
    const i = yo[t];
    order[start[xr[i]]++] = i;
  }
  const seq = new Int32Array(n);
  let jointTies = 0;
  let run = 1;
  for (let t = 0; t < n; t++) {
    const i = order[t];
    seq[t] = yr[i];
    if (t > 0) {
      const p = order[t - 1];
      if (xr[i] === xr[p] && yr[i] === yr[p]) run++;
      else {
        jointTies += (run * (run - 1)) / 2;
        run = 1;
      }
    }
  }
  jointTies += (run * (run - 1)) / 2;
  return {
    total: (n * (n - 1)) / 2,
    xTies: x.ties,
    yTies: y.ties,
    jointTies,
    discordant: countInversions(seq, y.distinct),
  };
}

/**
 * The same statistics straight from two vectors, for one-off comparisons: a stable argsort of y gives y's dense
 * ranks; a stable argsort of x taken in y order then gives the (x, y) order, in which ties and inversions are
 * counted in sequential passes.
 */
export function tauStatsDirect(x: ArrayLike<number>, y: ArrayLike<number>): TauStats {
  const n = x.length;
  const byY = argsort(y);
  const yRank = new Int32Array(n); // dense rank of y, by original index
  let r = 0;
  let yTies = 0;
  let run = 1;
  for (let t = 1; t < n; t++) {
    if (y[byY[t]] === y[byY[t - 1]]) run++;
    else {
      yTies += (run * (run - 1)) / 2;
      run = 1;
      r++;
    }
    yRank[byY[t]] = r;
  }
  yTies += (run * (run - 1)) / 2;
  const xInYOrder = new Float64Array(n);
  for (let t = 0; t < n; t++) xInYOrder[t] = x[byY[t]];
  const byXThenY = argsort(xInYOrder); // positions in y order, now sorted by x (stable: y order within ties)
  let xTies = 0;
  let jointTies = 0;
  let xRun = 1;
  let jRun = 1;
  const seq = new Int32Array(n);
  let prevX = 0;
  let prevY = 0;
  for (let t = 0; t < n; t++) {
    const p = byXThenY[t];
    const xv = xInYOrder[p];
    const yv = yRank[byY[p]];
    seq[t] = yv;
    if (t > 0) {
      if (xv === prevX) {
        xRun++;
        if (yv === prevY) jRun++;
        else {
          jointTies += (jRun * (jRun - 1)) / 2;
          jRun = 1;
        }
      } else {
        xTies += (xRun * (xRun - 1)) / 2;
        jointTies += (jRun * (jRun - 1)) / 2;
        xRun = 1;
        jRun = 1;
      }
    }
    prevX = xv;
    prevY = yv;
  }
  xTies += (xRun * (xRun - 1)) / 2;
  jointTies += (jRun * (jRun - 1)) / 2;
  return { total: (n * (n - 1)) / 2, xTies, yTies, jointTies, discordant: countInversions(seq, r + 1) };
}

function clip(t: number): number {
  return Math.min(1, Math.max(-1, t));
}

export function tauA(s: TauStats): number {
  const conMinusDis = s.total - s.xTies - s.yTies + s.jointTies - 2 * s.discordant;
  return clip(conMinusDis / s.total);
}

/** scipy.stats.kendalltau (variant 'b'); NaN when either vector is constant, as scipy gives. */
export function tauB(s: TauStats): number {
  if (s.xTies === s.total || s.yTies === s.total) return Number.NaN;
  const conMinusDis = s.total - s.xTies - s.yTies + s.jointTies - 2 * s.discordant;
  return clip(conMinusDis / Math.sqrt(s.total - s.xTies) / Math.sqrt(s.total - s.yTies));
}
