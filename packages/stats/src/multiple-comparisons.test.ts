import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { describeWithMne, runPython } from './mne-python.ts';
import {
  bonferroni,
  CORRECTION_METHODS,
  correctPValues,
  fdrBh,
  fdrBy,
  holm,
  maxStatisticCorrection,
} from './multiple-comparisons.ts';

/**
 * statsmodels' multipletests (holm, fdr_by), transcribed from statsmodels/stats/multitest.py (v0.14) because
 * statsmodels is not a Debian package here; MNE's fdr_correction / bonferroni_correction run as installed.
 */
const STATSMODELS = `
def multipletests(pvals, alpha, method):
    pvals = np.asarray(pvals)
    sortind = np.argsort(pvals)
    pvals = np.take(pvals, sortind)
    ntests = len(pvals)
    if method == 'holm':
        notreject = pvals > alpha / np.arange(ntests, 0, -1)
        nr_index = np.nonzero(notreject)[0]
        notrejectmin = len(pvals) if nr_index.size == 0 else np.min(nr_index)
        notreject[notrejectmin:] = True
        reject = ~notreject
        pvals_corrected = np.maximum.accumulate(pvals * np.arange(ntests, 0, -1))
    elif method == 'fdr_by':
        ecdffactor = np.arange(1, ntests + 1) / float(ntests)
        cm = np.sum(1. / np.arange(1, ntests + 1))
        ecdffactor = ecdffactor / cm
        reject = pvals <= ecdffactor * alpha
        if reject.any():
            rejectmax = max(np.nonzero(reject)[0])
            reject[:rejectmax] = True
        pvals_corrected = np.minimum.accumulate((pvals / ecdffactor)[::-1])[::-1]
    pvals_corrected[pvals_corrected > 1] = 1
    pc = np.empty_like(pvals_corrected); pc[sortind] = pvals_corrected
    rj = np.empty_like(reject); rj[sortind] = reject
    return rj, pc
`;

interface Case {
  p: number[];
  alpha: number;
}

function cases(): Case[] {
  const rng = new Rng(15);
  const out: Case[] = [];
  for (const m of [1, 2, 5, 20, 200]) {
    for (const alpha of [0.05, 0.2]) {
      // a mix of small (signal) and uniform (null) p-values, some tied and some exactly on a threshold
      const p = Array.from({ length: m }, (_, i) => (i % 3 === 0 ? rng.random() * 0.01 : rng.random()));
      if (m >= 5) {
        p[1] = p[2];
        p[3] = alpha / m; // bonferroni and holm boundary
        p[4] = (2 / m) * alpha; // BH boundary at rank 2 (when it is second smallest or so)
        p[m - 1] = 1;
        p[0] = 0;
      }
      out.push({ p, alpha });
    }
  }
  return out;
}

describeWithMne('multiple comparisons against MNE 1.3 and statsmodels formulas', () => {
  const all = cases();
  const ref = runPython<
    {
      bonf: [boolean[], number[]];
      bh: [boolean[], number[]];
      byMne: [boolean[], number[]];
      holm: [boolean[], number[]];
      by: [boolean[], number[]];
    }[]
  >(
    `from mne.stats import fdr_correction, bonferroni_correction
${STATSMODELS}
out = []
for c in inp:
    p = np.array(c['p'], dtype=float); a = c['alpha']
    out.append({'bonf': bonferroni_correction(p, a), 'bh': fdr_correction(p, a, 'indep'),
                'byMne': fdr_correction(p, a, 'negcorr'),
                'holm': multipletests(p, a, 'holm'), 'by': multipletests(p, a, 'fdr_by')})
emit(out)`,
    all,
  );

  const check = (got: { pCorrected: Float64Array; reject: boolean[] }, want: [boolean[], number[]]) => {
    expect(got.reject).toEqual(want[0]);
    expect(got.pCorrected.length).toBe(want[1].length);
    got.pCorrected.forEach((v, i) => {
      expect(Math.abs(v - want[1][i])).toBeLessThanOrEqual(1e-12);
    });
  };

  it('bonferroni equals mne.stats.bonferroni_correction', () => {
    for (const [k, c] of all.entries()) check(bonferroni(c.p, c.alpha), ref[k].bonf);
  });
  it('fdr_bh equals mne.stats.fdr_correction(method="indep")', () => {
    for (const [k, c] of all.entries()) check(fdrBh(c.p, c.alpha), ref[k].bh);
  });
  it('holm equals statsmodels multipletests(method="holm")', () => {
    for (const [k, c] of all.entries()) check(holm(c.p, c.alpha), ref[k].holm);
  });
  it('fdr_by equals statsmodels multipletests(method="fdr_by"); its corrected p-values equal MNE negcorr', () => {
    all.forEach((c, k) => {
      const got = fdrBy(c.p, c.alpha);
      check(got, ref[k].by);
      got.pCorrected.forEach((v, i) => {
        expect(Math.abs(v - ref[k].byMne[1][i])).toBeLessThanOrEqual(1e-12);
      });
    });
  });
});

describe('multiple comparisons: properties and bad input', () => {
  it('corrected p-values are never below the raw ones and are at most 1; BY >= BH; Holm <= Bonferroni', () => {
    const rng = new Rng(3);
    const p = Array.from({ length: 50 }, () => rng.random() ** 3);
    const b = bonferroni(p);
    const h = holm(p);
    const bh = fdrBh(p);
    const by = fdrBy(p);
    for (let i = 0; i < p.length; i++) {
      for (const r of [b, h, bh, by]) {
        expect(r.pCorrected[i]).toBeGreaterThanOrEqual(p[i]);
        expect(r.pCorrected[i]).toBeLessThanOrEqual(1);
      }
      expect(by.pCorrected[i]).toBeGreaterThanOrEqual(bh.pCorrected[i]);
      expect(h.pCorrected[i]).toBeLessThanOrEqual(b.pCorrected[i]);
    }
  });

  it('dispatches by name and lists valid names for an unknown one', () => {
    for (const m of CORRECTION_METHODS) expect(correctPValues([0.01, 0.5], m).method).toBe(m);
    expect(() => correctPValues([0.1], 'sidak')).toThrow(/bonferroni.*holm.*fdr_bh.*fdr_by.*sidak/s);
  });

  it('rejects p-values outside [0, 1] or NaN and alpha outside (0, 1), naming the parameter', () => {
    expect(() => bonferroni([0.1, Number.NaN])).toThrow(/p: .*index 1/);
    expect(() => fdrBh([1.5])).toThrow(expect.objectContaining({ code: 'ERR_STATS_P_VALUE' }));
    expect(() => holm([0.1], 0)).toThrow(expect.objectContaining({ code: 'ERR_STATS_ALPHA' }));
  });

  it('max-statistic correction counts permutation maxima that reach the observed statistic', () => {
    // maxima 1..10 (the observed max 10 among them): t=10 reached once, t=5.5 by 5, t=0 by all, t above all by none
    const maxima = [3, 1, 4, 10, 5, 9, 2, 6, 8, 7];
    expect(Array.from(maxStatisticCorrection([10, 5.5, 0, 11, 5], maxima))).toEqual([0.1, 0.5, 1, 0, 0.6]);
  });
});
