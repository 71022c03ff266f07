/**
 * Kendall's tau-a and tau-b in O(n log n): counting sorts on dense ranks plus a Fenwick tree for the discordant
 * pairs, with tie counts as scipy.stats.kendalltau computes them (tau-b is scipy's formula, tau-a is rsatoolbox's
 * _tau_a: (concordant − discordant) / (n(n−1)/2), ties counting 0).
 */
import { denseRanks } from './ranking.ts';

export interface DenseRanked {
  ranks: Int32Array;
  distinct: number;
}

export function rankForKendall(v: ArrayLike<number>): DenseRanked {
  return denseRanks(v);
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

function tieCount(ranks: Int32Array, distinct: number): number {
  const counts = new Float64Array(distinct);
  for (let i = 0; i < ranks.length; i++) counts[ranks[i]]++;
  let t = 0;
  for (let k = 0; k < distinct; k++) t += (counts[k] * (counts[k] - 1)) / 2;
  return t;
}

/** Indices ordered by (x rank, y rank), both ascending: two stable counting sorts. */
function orderByXThenY(x: DenseRanked, y: DenseRanked): Int32Array {
  const n = x.ranks.length;
  const byY = new Int32Array(n);
  const cy = new Int32Array(y.distinct + 1);
  for (let i = 0; i < n; i++) cy[y.ranks[i] + 1]++;
  for (let k = 0; k < y.distinct; k++) cy[k + 1] += cy[k];
  for (let i = 0; i < n; i++) byY[cy[y.ranks[i]]++] = i;
  const order = new Int32Array(n);
  const cx = new Int32Array(x.distinct + 1);
  for (let i = 0; i < n; i++) cx[x.ranks[i] + 1]++;
  for (let k = 0; k < x.distinct; k++) cx[k + 1] += cx[k];
  for (let t = 0; t < n; t++) {
    const i = byY[t];
    order[cx[x.ranks[i]]++] = i;
  }
  return order;
}

export function tauStats(x: DenseRanked, y: DenseRanked): TauStats {
  const n = x.ranks.length;
  const order = orderByXThenY(x, y);
  const yr = y.ranks;
  const xr = x.ranks;
  // Discordant pairs: earlier elements (smaller or equal x, and equal x only with smaller-or-equal y) with strictly
  // larger y. Fenwick tree over y ranks counts the earlier elements with y ≤ current.
  const tree = new Int32Array(y.distinct + 1);
  let discordant = 0;
  for (let t = 0; t < n; t++) {
    const r = yr[order[t]] + 1;
    let le = 0;
    for (let k = r; k > 0; k -= k & -k) le += tree[k];
    discordant += t - le;
    for (let k = r; k <= y.distinct; k += k & -k) tree[k]++;
  }
  let jointTies = 0;
  let run = 1;
  for (let t = 1; t <= n; t++) {
    if (t < n && xr[order[t]] === xr[order[t - 1]] && yr[order[t]] === yr[order[t - 1]]) run++;
    else {
      jointTies += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return {
    total: (n * (n - 1)) / 2,
    xTies: tieCount(xr, x.distinct),
    yTies: tieCount(yr, y.distinct),
    jointTies,
    discordant,
  };
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
