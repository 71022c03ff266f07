/**
 * Shared pieces of the encoding models: seeded k-fold splits (scikit-learn KFold(shuffle=True) fold sizes), per-target
 * Pearson correlation, and the summary over targets.
 */
import { type Matrix, Rng } from '@concord/core';
import { badOption } from './errors.ts';

/**
 * Test indices of each of k folds: a seeded permutation of 0..n−1 cut into k parts, the first n mod k of them one
 * longer (KFold's sizes); each fold's indices sorted ascending. The same (n, k, seed) always gives the same folds.
 */
export function kFoldSplits(n: number, k: number, seed: number): Int32Array[] {
  if (!Number.isInteger(k) || k < 2 || k > n)
    throw badOption('folds', `expected an integer in [2, ${n}] (n examples)`, k);
  const perm = new Rng(seed).permutation(n);
  const out: Int32Array[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    out.push(perm.slice(start, start + size).sort());
    start += size;
  }
  return out;
}

/** The complement of `test` in 0..n−1, ascending. */
export function trainIndices(n: number, test: Int32Array): Int32Array {
  const inTest = new Uint8Array(n);
  for (const i of test) inTest[i] = 1;
  const out = new Int32Array(n - test.length);
  let k = 0;
  for (let i = 0; i < n; i++) if (!inTest[i]) out[k++] = i;
  return out;
}

/**
 * Pearson r between column t of `pred` and column t of `actual` (both m×v), for every t. NaN where either column is
 * constant (scipy.stats.pearsonr returns NaN there too).
 */
export function columnPearson(pred: Matrix, actual: Matrix): Float64Array {
  const m = pred.rows;
  const v = pred.cols;
  const mp = new Float64Array(v);
  const ma = new Float64Array(v);
  for (let i = 0; i < m; i++) {
    const off = i * v;
    for (let t = 0; t < v; t++) {
      mp[t] += pred.data[off + t];
      ma[t] += actual.data[off + t];
    }
  }
  for (let t = 0; t < v; t++) {
    mp[t] /= m;
    ma[t] /= m;
  }
  const sxy = new Float64Array(v);
  const sxx = new Float64Array(v);
  const syy = new Float64Array(v);
  for (let i = 0; i < m; i++) {
    const off = i * v;
    for (let t = 0; t < v; t++) {
      const a = pred.data[off + t] - mp[t];
      const b = actual.data[off + t] - ma[t];
      sxy[t] += a * b;
      sxx[t] += a * a;
      syy[t] += b * b;
    }
  }
  const r = new Float64Array(v);
  for (let t = 0; t < v; t++)
    r[t] = sxx[t] > 0 && syy[t] > 0 ? Math.max(-1, Math.min(1, sxy[t] / Math.sqrt(sxx[t] * syy[t]))) : Number.NaN;
  return r;
}

/** Median and mean over the finite entries (NaN targets are left out and counted). */
export function summarize(values: Float64Array): { median: number; mean: number; nanTargets: number } {
  const finite = values.filter((v) => !Number.isNaN(v)).sort();
  const k = finite.length;
  if (k === 0) return { median: Number.NaN, mean: Number.NaN, nanTargets: values.length };
  const median = k % 2 ? finite[(k - 1) / 2] : (finite[k / 2 - 1] + finite[k / 2]) / 2;
  let s = 0;
  for (const v of finite) s += v;
  return { median, mean: s / k, nanTargets: values.length - k };
}

/**
 * Column means, and the matrix with them subtracted: a new float64 matrix, or `m` itself (changed in place) when
 * `inPlace` is set and m is float64 (for fresh copies such as selectRows results).
 */
export function centerWithMeans(m: Matrix, inPlace = false): { centered: Matrix; means: Float64Array } {
  const means = new Float64Array(m.cols);
  const c = inPlace && m.dtype === 'float64' ? m : m.astype('float64').clone();
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < c.cols; j++) means[j] += c.data[i * c.cols + j];
  for (let j = 0; j < c.cols; j++) means[j] /= c.rows;
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < c.cols; j++) c.data[i * c.cols + j] -= means[j];
  return { centered: c, means };
}

/** m − means (row-broadcast): a new float64 matrix, or m itself when `inPlace` and m is float64. */
export function subtractMeans(m: Matrix, means: Float64Array, inPlace = false): Matrix {
  const c = inPlace && m.dtype === 'float64' ? m : m.astype('float64').clone();
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < c.cols; j++) c.data[i * c.cols + j] -= means[j];
  return c;
}

export interface FoldOptions {
  /** Number of cross-validation folds (default 5). */
  folds?: number;
  /** Seed of the fold assignment (default 0). */
  seed?: number;
}
