/**
 * The bootstrap sample built literally, as rsatoolbox builds it, then evaluated with @concord/rsa's compareRdms and
 * poolRdms: works for every comparator (tau-a, kendall, corr_cov, cosine_cov, ...). The weighted evaluator
 * (weighted-evaluator.ts) is the fast path for cosine / corr / spearman / rho-a.
 * - RDMs.subsample_pattern: conditions selected with repeats and sorted; the pairs of a condition with its own
 *   copy become NaN (rsatoolbox fills the diagonal with NaN before selecting) and comparisons drop them.
 * - boot_noise_ceiling: leave one rdm group out; lower = mean over groups of mean(compare(pool(others), group's
 *   RDMs)), upper = same with pool(all); with a single group both are mean(compare(pool(all), all)).
 */
import { Matrix } from '@concord/core';
import { compareRdms, poolRdms, Rdms } from '@concord/rsa';

/** RDM vector over the conditions `sel` (sorted, repeats allowed): NaN where a condition meets its own copy. */
export function subsamplePatternVector(
  v: ArrayLike<number>,
  n: number,
  sel: ArrayLike<number>,
  out: Float64Array,
  offset = 0,
): void {
  const m = sel.length;
  let k = offset;
  for (let a = 0; a < m; a++) {
    const i = sel[a];
    for (let b = a + 1; b < m; b++) {
      const j = sel[b];
      if (i === j) out[k++] = Number.NaN;
      else {
        const lo = Math.min(i, j);
        const hi = Math.max(i, j);
        out[k++] = v[lo * n - (lo * (lo + 1)) / 2 + (hi - lo - 1)];
      }
    }
  }
}

/** Rows `rows` (repeats allowed) of `vectors`, each restricted to the conditions `sel` (undefined: all). */
export function expandedRdms(
  vectors: readonly Float64Array[],
  n: number,
  rows: ArrayLike<number>,
  sel: ArrayLike<number> | undefined,
): Matrix {
  const m = sel ? sel.length : n;
  const p = (m * (m - 1)) / 2;
  const out = Matrix.zeros(rows.length, p);
  for (let r = 0; r < rows.length; r++) {
    const v = vectors[rows[r]];
    if (sel) subsamplePatternVector(v, n, sel, out.data as Float64Array, r * p);
    else out.data.set(v, r * p);
  }
  return out;
}

function meanOf(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/** rsatoolbox boot_noise_ceiling on RDM vectors `data` (one per row) whose rdm group is `groups[row]`. */
export function bootNoiseCeiling(
  data: Matrix,
  groups: ArrayLike<number>,
  method: string,
): { lower: number; upper: number } {
  const all = new Rdms(data);
  const pooledAll = poolRdms(all, method);
  const distinct = Array.from(new Set(Array.from(groups))).sort((a, b) => a - b);
  if (distinct.length < 2) {
    const v = meanOf(compareRdms(pooledAll, all, { method }).data);
    return { lower: v, upper: v };
  }
  const lower: number[] = [];
  const upper: number[] = [];
  for (const g of distinct) {
    const test: number[] = [];
    const train: number[] = [];
    for (let r = 0; r < data.rows; r++) (groups[r] === g ? test : train).push(r);
    const testRdms = all.selectRdms(test);
    lower.push(meanOf(compareRdms(poolRdms(all.selectRdms(train), method), testRdms, { method }).data));
    upper.push(meanOf(compareRdms(pooledAll, testRdms, { method }).data));
  }
  return { lower: meanOf(lower), upper: meanOf(upper) };
}

/**
 * One bootstrap sample evaluated literally: `rows` are the data RDMs of the sample (rsatoolbox order), `sel` the
 * sorted conditions (undefined: all). Evaluations are mean(compare(prediction, sample)) per model.
 */
export function evaluateExpanded(
  predictions: readonly Float64Array[],
  data: readonly Float64Array[],
  n: number,
  rows: ArrayLike<number>,
  sel: ArrayLike<number> | undefined,
  rdmGroupOf: ArrayLike<number>,
  method: string,
  withNoiseCeiling: boolean,
): { evaluations: Float64Array; lower: number; upper: number } {
  const sample = expandedRdms(data, n, rows, sel);
  const allModels = Array.from({ length: predictions.length }, (_, i) => i);
  const preds = expandedRdms(predictions, n, allModels, sel);
  const sims = compareRdms(preds, sample, { method });
  const evaluations = new Float64Array(predictions.length);
  for (let i = 0; i < predictions.length; i++) evaluations[i] = meanOf(sims.row(i));
  if (!withNoiseCeiling) return { evaluations, lower: Number.NaN, upper: Number.NaN };
  const groups = Array.from(rows, (r) => rdmGroupOf[r]);
  const { lower, upper } = bootNoiseCeiling(sample, groups, method);
  return { evaluations, lower, upper };
}
