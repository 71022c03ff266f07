/**
 * Distributions and classical tests, on @stdlib's split packages (no special functions written here): t, normal,
 * chi-square and F CDFs and quantiles; one-sample, paired and two-sample t-tests; Wilcoxon's signed-rank test.
 * The wrappers check their inputs (typed errors naming the parameter) and give scipy-like names and results.
 * Note: @stdlib's t quantile agrees with scipy's `t.ppf` to about 1e-9 relative (its CDF to 1e-15).
 */
import { describeValue, ParameterError } from '@concord/core';
import chisquareCdfImpl from '@stdlib/stats-base-dists-chisquare-cdf';
import chisquareQuantileImpl from '@stdlib/stats-base-dists-chisquare-quantile';
import fCdfImpl from '@stdlib/stats-base-dists-f-cdf';
import fQuantileImpl from '@stdlib/stats-base-dists-f-quantile';
import normalCdfImpl from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileImpl from '@stdlib/stats-base-dists-normal-quantile';
import tCdfImpl from '@stdlib/stats-base-dists-t-cdf';
import tQuantileImpl from '@stdlib/stats-base-dists-t-quantile';
import stdlibTtest from '@stdlib/stats-ttest';
import stdlibTtest2 from '@stdlib/stats-ttest2';
import stdlibWilcoxon from '@stdlib/stats-wilcoxon';
import { STATS_ERRORS } from './errors.ts';

export type Alternative = 'two-sided' | 'less' | 'greater';
const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'less', 'greater'];

export interface TestResult {
  statistic: number;
  pValue: number;
  /** Degrees of freedom (t-tests). */
  df?: number;
  alternative: Alternative;
  method: string;
}

function positive(parameter: string, v: number): void {
  if (!(typeof v === 'number' && v > 0)) {
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      parameter,
      `expected a positive number; received ${describeValue(v)}`,
    );
  }
}

function probability(parameter: string, p: number): void {
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) {
    throw new ParameterError(
      STATS_ERRORS.P_VALUE,
      parameter,
      `expected a probability in [0, 1]; received ${describeValue(p)}`,
    );
  }
}

/** Student's t CDF with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  positive('df', df);
  return tCdfImpl(t, df);
}
/** Student's t survival function 1 − CDF, computed as CDF(−t) for accuracy in the upper tail. */
export function tSf(t: number, df: number): number {
  positive('df', df);
  return tCdfImpl(-t, df);
}
export function tQuantile(p: number, df: number): number {
  probability('p', p);
  positive('df', df);
  return tQuantileImpl(p, df);
}
export function normalCdf(x: number, mean = 0, sd = 1): number {
  positive('sd', sd);
  return normalCdfImpl(x, mean, sd);
}
export function normalQuantile(p: number, mean = 0, sd = 1): number {
  probability('p', p);
  positive('sd', sd);
  return normalQuantileImpl(p, mean, sd);
}
export function chisquareCdf(x: number, k: number): number {
  positive('k', k);
  return chisquareCdfImpl(x, k);
}
export function chisquareQuantile(p: number, k: number): number {
  probability('p', p);
  positive('k', k);
  return chisquareQuantileImpl(p, k);
}
export function fCdf(x: number, d1: number, d2: number): number {
  positive('d1', d1);
  positive('d2', d2);
  return fCdfImpl(x, d1, d2);
}
export function fQuantile(p: number, d1: number, d2: number): number {
  probability('p', p);
  positive('d1', d1);
  positive('d2', d2);
  return fQuantileImpl(p, d1, d2);
}

function sample(parameter: string, x: ArrayLike<number>, minLength: number): number[] {
  if (!(x !== null && typeof x === 'object' && typeof x.length === 'number')) {
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      parameter,
      `expected an array of numbers; received ${describeValue(x)}`,
    );
  }
  if (x.length < minLength) {
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      parameter,
      `expected at least ${minLength} observations; received ${x.length}`,
      { expected: minLength, received: x.length },
    );
  }
  const out = Array.from(x);
  out.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      throw new ParameterError(STATS_ERRORS.NON_FINITE, parameter, `non-finite value ${v} at index ${i}`, { index: i });
    }
  });
  return out;
}

function alternativeOf(alternative: string | undefined): Alternative {
  const a = alternative ?? 'two-sided';
  if (!(ALTERNATIVES as readonly string[]).includes(a)) {
    throw new ParameterError(
      STATS_ERRORS.UNKNOWN_METHOD,
      'alternative',
      `expected one of 'two-sided', 'less', 'greater'; received ${describeValue(alternative)}`,
    );
  }
  return a as Alternative;
}

function sameLength(x: number[], y: number[]): void {
  if (x.length !== y.length) {
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      'y',
      `expected ${x.length} paired observations (as x); received ${y.length}`,
    );
  }
}

/** One-sample t-test of mean(x) = mu (scipy `ttest_1samp`). */
export function ttest1Samp(x: ArrayLike<number>, options: { mu?: number; alternative?: Alternative } = {}): TestResult {
  const xs = sample('x', x, 2);
  const alternative = alternativeOf(options.alternative);
  const r = stdlibTtest(xs, { mu: options.mu ?? 0, alternative });
  return { statistic: r.statistic, pValue: r.pValue, df: r.df, alternative, method: 'one-sample t-test' };
}

/** Paired t-test of mean(x − y) = 0 (scipy `ttest_rel`). */
export function ttestRel(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: { alternative?: Alternative } = {},
): TestResult {
  const xs = sample('x', x, 2);
  const ys = sample('y', y, 2);
  sameLength(xs, ys);
  const alternative = alternativeOf(options.alternative);
  const r = stdlibTtest(xs, ys, { alternative });
  return { statistic: r.statistic, pValue: r.pValue, df: r.df, alternative, method: 'paired t-test' };
}

/** Two-sample t-test (scipy `ttest_ind`: pooled variance by default, Welch's test with `equalVar: false`). */
export function ttestInd(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: { equalVar?: boolean; alternative?: Alternative } = {},
): TestResult {
  const xs = sample('x', x, 2);
  const ys = sample('y', y, 2);
  const alternative = alternativeOf(options.alternative);
  const equal = options.equalVar ?? true;
  const r = stdlibTtest2(xs, ys, { alternative, variance: equal ? 'equal' : 'unequal' });
  return {
    statistic: r.statistic,
    pValue: r.pValue,
    df: r.df,
    alternative,
    method: equal ? 'two-sample t-test' : 'Welch two-sample t-test',
  };
}

/**
 * Wilcoxon signed-rank test of x (or x − y) against 0. `statistic` is W+, the sum of the ranks of the positive
 * differences (scipy reports min(W+, W−) for two-sided tests; the p-values agree). Exact distribution up to 50
 * observations without ties, normal approximation with continuity correction otherwise (@stdlib's defaults).
 */
export function wilcoxonSignedRank(
  x: ArrayLike<number>,
  y?: ArrayLike<number>,
  options: { alternative?: Alternative; zeroMethod?: 'pratt' | 'wilcox' | 'zsplit'; correction?: boolean } = {},
): TestResult {
  const xs = sample('x', x, 1);
  const alternative = alternativeOf(options.alternative);
  const opts = { alternative, zeroMethod: options.zeroMethod ?? 'wilcox', correction: options.correction ?? true };
  let r: { statistic: number; pValue: number };
  if (y === undefined) r = stdlibWilcoxon(xs, opts);
  else {
    const ys = sample('y', y, 1);
    sameLength(xs, ys);
    r = stdlibWilcoxon(xs, ys, opts);
  }
  return { statistic: r.statistic, pValue: r.pValue, alternative, method: 'Wilcoxon signed-rank test' };
}
