/**
 * Multiple-comparison corrections of a family of p-values, transcribing the semantics of the references
 * bit for bit (comparison operators included, since they decide ties with the threshold):
 * - 'bonferroni': MNE's `bonferroni_correction` (p·m clipped at 1; reject where corrected p < alpha).
 * - 'holm': statsmodels' `multipletests(method='holm')` (step-down; reject while p(i) <= alpha/(m-i)).
 * - 'fdr_bh': MNE's `fdr_correction(method='indep')` (Benjamini–Hochberg step-up; p(i) < alpha·i/m).
 * - 'fdr_by': statsmodels' `multipletests(method='fdr_by')` (Benjamini–Yekutieli: the BH factor divided by
 *   Σ 1/k; p(i) <= alpha·i/(m·Σ1/k)). Its corrected p-values equal MNE's `fdr_correction(method='negcorr')`.
 * The familywise max-statistic correction for permutation tests is `maxStatisticCorrection` below.
 */
import { checkChoice, describeValue, ParameterError } from '@concord/core';
import { STATS_ERRORS } from './errors.ts';

export const CORRECTION_METHODS = ['bonferroni', 'holm', 'fdr_bh', 'fdr_by'] as const;
export type CorrectionMethod = (typeof CORRECTION_METHODS)[number];

export interface CorrectionResult {
  method: CorrectionMethod;
  alpha: number;
  /** Corrected p-values, in the input's order, each in [0, 1]. */
  pCorrected: Float64Array;
  /** Whether each hypothesis is rejected at `alpha`. */
  reject: boolean[];
}

type PValues = ArrayLike<number>;

function checkPValues(p: PValues, parameter: string): void {
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (!(typeof v === 'number' && v >= 0 && v <= 1)) {
      throw new ParameterError(
        STATS_ERRORS.P_VALUE,
        parameter,
        `expected p-values in [0, 1]; received ${describeValue(v)} at index ${i}`,
        { index: i, received: v },
      );
    }
  }
}

function checkAlpha(alpha: number): void {
  if (!(typeof alpha === 'number' && alpha > 0 && alpha < 1)) {
    throw new ParameterError(
      STATS_ERRORS.ALPHA,
      'alpha',
      `expected a number in (0, 1); received ${describeValue(alpha)}`,
    );
  }
}

/** Indices that sort `p` ascending, stable (numpy's default quicksort is not stable, but the results below do
 * not depend on the order among equal p-values: ties get equal corrected values and equal decisions). */
function ascendingOrder(p: PValues): Int32Array {
  const order = new Int32Array(p.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => p[a] - p[b] || a - b);
}

/** MNE `bonferroni_correction`. */
export function bonferroni(p: PValues, alpha = 0.05): CorrectionResult {
  checkPValues(p, 'p');
  checkAlpha(alpha);
  const m = p.length;
  const pCorrected = new Float64Array(m);
  const reject: boolean[] = new Array(m);
  for (let i = 0; i < m; i++) {
    pCorrected[i] = Math.min(p[i] * m, 1);
    reject[i] = pCorrected[i] < alpha;
  }
  return { method: 'bonferroni', alpha, pCorrected, reject };
}

/** statsmodels `multipletests(p, alpha, method='holm')`. */
export function holm(p: PValues, alpha = 0.05): CorrectionResult {
  checkPValues(p, 'p');
  checkAlpha(alpha);
  const m = p.length;
  const order = ascendingOrder(p);
  const pCorrected = new Float64Array(m);
  const reject: boolean[] = new Array(m).fill(false);
  // step-down: reject the sorted hypotheses before the first one with p(i) > alpha / (m - i)
  let stillRejecting = true;
  let runningMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < m; i++) {
    const v = p[order[i]];
    if (v > alpha / (m - i)) stillRejecting = false;
    reject[order[i]] = stillRejecting;
    runningMax = Math.max(runningMax, v * (m - i));
    pCorrected[order[i]] = Math.min(runningMax, 1);
  }
  return { method: 'holm', alpha, pCorrected, reject };
}

/**
 * The FDR step-up shared by BH and BY: sorted p(i) against factor(i) = (i+1)/m (divided by Σ1/k for BY);
 * `strict` chooses MNE's `<` (BH) or statsmodels' `<=` (BY).
 */
function fdrStepUp(
  p: PValues,
  alpha: number,
  dependent: boolean,
  strict: boolean,
): { pc: Float64Array; reject: boolean[] } {
  checkPValues(p, 'p');
  checkAlpha(alpha);
  const m = p.length;
  const order = ascendingOrder(p);
  let cm = 1;
  if (dependent) {
    cm = 0;
    for (let k = 1; k <= m; k++) cm += 1 / k;
  }
  const factor = (i: number): number => (dependent ? (i + 1) / m / cm : (i + 1) / m);
  let rejectMax = -1;
  for (let i = 0; i < m; i++) {
    const v = p[order[i]];
    const bound = factor(i) * alpha;
    if (strict ? v < bound : v <= bound) rejectMax = i;
  }
  const pc = new Float64Array(m);
  const reject: boolean[] = new Array(m);
  let runningMin = Number.POSITIVE_INFINITY;
  for (let i = m - 1; i >= 0; i--) {
    runningMin = Math.min(runningMin, p[order[i]] / factor(i));
    pc[order[i]] = Math.min(runningMin, 1);
    reject[order[i]] = i <= rejectMax;
  }
  return { pc, reject };
}

/** MNE `fdr_correction(p, alpha, method='indep')`: Benjamini–Hochberg. */
export function fdrBh(p: PValues, alpha = 0.05): CorrectionResult {
  const { pc, reject } = fdrStepUp(p, alpha, false, true);
  return { method: 'fdr_bh', alpha, pCorrected: pc, reject };
}

/** statsmodels `multipletests(p, alpha, method='fdr_by')`: Benjamini–Yekutieli. */
export function fdrBy(p: PValues, alpha = 0.05): CorrectionResult {
  const { pc, reject } = fdrStepUp(p, alpha, true, false);
  return { method: 'fdr_by', alpha, pCorrected: pc, reject };
}

const CORRECTIONS: Record<CorrectionMethod, (p: PValues, alpha?: number) => CorrectionResult> = {
  bonferroni,
  holm,
  fdr_bh: fdrBh,
  fdr_by: fdrBy,
};

/** Dispatch by method name (statsmodels' names); an unknown name's error lists the valid ones. */
export function correctPValues(p: PValues, method: string, alpha = 0.05): CorrectionResult {
  const m = checkChoice('method', method, CORRECTION_METHODS, STATS_ERRORS.UNKNOWN_METHOD);
  return CORRECTIONS[m](p, alpha);
}

/**
 * Familywise (max-statistic) correction for permutation tests (Nichols & Holmes 2002; MNE's
 * `permutation_t_test`): each test's corrected p is the fraction of permutations (the observed labelling
 * included as one of them) whose maximum statistic over all tests reaches the observed statistic.
 * `observed` has m statistics; `permutationMax` the maximum over tests of each permutation's statistics, the
 * observed labelling's own maximum among them (as MNE appends it)
 * (for two-tailed tests: of their absolute values, with `observed` absolute too). Ties count as reaching.
 */
export function maxStatisticCorrection(observed: ArrayLike<number>, permutationMax: ArrayLike<number>): Float64Array {
  const nPerm = permutationMax.length;
  if (nPerm < 1) {
    throw new ParameterError(
      STATS_ERRORS.N_PERMUTATIONS,
      'permutationMax',
      'expected at least one permutation; received none',
    );
  }
  const sorted = Float64Array.from(permutationMax).sort();
  const out = new Float64Array(observed.length);
  for (let i = 0; i < observed.length; i++) {
    const t = observed[i];
    if (Number.isNaN(t)) {
      out[i] = Number.NaN;
      continue;
    }
    // number of permutation maxima >= t: binary search for the first index with sorted[k] >= t
    let lo = 0;
    let hi = nPerm;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] >= t) hi = mid;
      else lo = mid + 1;
    }
    out[i] = (nPerm - lo) / nPerm;
  }
  return out;
}
