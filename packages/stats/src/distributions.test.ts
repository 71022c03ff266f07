import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import {
  chisquareCdf,
  chisquareQuantile,
  fCdf,
  fQuantile,
  normalCdf,
  normalQuantile,
  tCdf,
  tQuantile,
  tSf,
  ttest1Samp,
  ttestInd,
  ttestRel,
  wilcoxonSignedRank,
} from './distributions.ts';
import { describeWithMne, runPython } from './mne-python.ts';

const close = (a: number, b: number, rel: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(b)));

describeWithMne('distributions and tests against scipy (Debian python3-scipy)', () => {
  const rng = new Rng(7);
  const x = Array.from({ length: 12 }, () => rng.normal(0.4, 1));
  const y = Array.from({ length: 12 }, () => rng.normal(0, 1));
  const z = Array.from({ length: 9 }, () => rng.normal(0.2, 2));
  const ref = runPython<Record<string, number>>(
    `from scipy import stats
x, y, z = (np.array(inp[k]) for k in 'xyz')
emit({'tcdf': stats.t.cdf(-2.7, 5), 'tsf': stats.t.sf(4.1, 11), 'tq': stats.t.ppf(0.975, 7),
      'ncdf': stats.norm.cdf(1.3, 0.5, 2), 'nq': stats.norm.ppf(0.01),
      'ccdf': stats.chi2.cdf(3.3, 4), 'cq': stats.chi2.ppf(0.95, 3), 'fcdf': stats.f.cdf(2.2, 3, 17),
      'fq': stats.f.ppf(0.9, 2, 30),
      't1': stats.ttest_1samp(x, 0.1).statistic, 'p1': stats.ttest_1samp(x, 0.1).pvalue,
      'p1g': stats.ttest_1samp(x, 0, alternative='greater').pvalue,
      'tr': stats.ttest_rel(x, y).statistic, 'pr': stats.ttest_rel(x, y).pvalue,
      'ti': stats.ttest_ind(x, z).statistic, 'pi': stats.ttest_ind(x, z).pvalue,
      'pw': stats.ttest_ind(x, z, equal_var=False).pvalue,
      'pwx': stats.wilcoxon(x).pvalue, 'pwxy': stats.wilcoxon(x, y, alternative='less').pvalue})`,
    { x, y, z },
  );
  it('CDFs equal scipy to 1e-13 relative, quantiles to 1e-8 (stdlib t quantile is the loosest)', () => {
    close(tCdf(-2.7, 5), ref.tcdf, 1e-13);
    close(tSf(4.1, 11), ref.tsf, 1e-13);
    close(tQuantile(0.975, 7), ref.tq, 1e-8);
    close(normalCdf(1.3, 0.5, 2), ref.ncdf, 1e-13);
    close(normalQuantile(0.01), ref.nq, 1e-13);
    close(chisquareCdf(3.3, 4), ref.ccdf, 1e-13);
    close(chisquareQuantile(0.95, 3), ref.cq, 1e-10);
    close(fCdf(2.2, 3, 17), ref.fcdf, 1e-13);
    close(fQuantile(0.9, 2, 30), ref.fq, 1e-10);
  });
  it('t-tests and Wilcoxon equal scipy', () => {
    const r1 = ttest1Samp(x, { mu: 0.1 });
    close(r1.statistic, ref.t1, 1e-13);
    close(r1.pValue, ref.p1, 1e-12);
    close(ttest1Samp(x, { alternative: 'greater' }).pValue, ref.p1g, 1e-12);
    const rr = ttestRel(x, y);
    close(rr.statistic, ref.tr, 1e-13);
    close(rr.pValue, ref.pr, 1e-12);
    const ri = ttestInd(x, z);
    close(ri.statistic, ref.ti, 1e-13);
    close(ri.pValue, ref.pi, 1e-12);
    close(ttestInd(x, z, { equalVar: false }).pValue, ref.pw, 1e-10);
    close(wilcoxonSignedRank(x).pValue, ref.pwx, 1e-12);
    close(wilcoxonSignedRank(x, y, { alternative: 'less' }).pValue, ref.pwxy, 1e-12);
  });
});

describe('distributions: bad input', () => {
  it('names the parameter', () => {
    expect(() => tCdf(1, 0)).toThrow(/df: expected a positive number/);
    expect(() => tQuantile(1.2, 3)).toThrow(expect.objectContaining({ code: 'ERR_STATS_P_VALUE' }));
    expect(() => ttest1Samp([1])).toThrow(/x: expected at least 2 observations; received 1/);
    expect(() => ttestRel([1, 2, 3], [1, 2])).toThrow(/y: expected 3 paired observations/);
    expect(() => ttest1Samp([1, Number.NaN, 2])).toThrow(/x: non-finite value NaN at index 1/);
    expect(() => ttest1Samp([1, 2], { alternative: 'bigger' as 'less' })).toThrow(/alternative/);
  });
});
