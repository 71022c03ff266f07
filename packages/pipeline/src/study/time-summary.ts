/**
 * Comparing layers on time-resolved (EEG) scores without selection bias. Taking each layer's own best time point of
 * the subject-mean time course favours noisy layers (the maximum of noisy means is biased upwards) and compares
 * layers at different latencies. Two unbiased summaries instead:
 * - a common window fixed before looking at the data: each subject's mean score over the window's time bins;
 * - the peak chosen by leave-one-subject-out cross-validation: for each subject, the time where the OTHER subjects'
 *   mean score peaks, and this subject's score there (Kriegeskorte et al. 2009, "circular analysis"; the same
 *   split as Cichy et al.'s peak-latency jackknife).
 * Both give one value per subject, so the mean and its standard error are over subjects.
 */

import { ConcordRangeError } from '@concord/core';
import { PIPELINE_ERRORS } from '../errors.ts';
import { meanAndSem } from './results.ts';

export interface Ceiling {
  lower: number;
  upper: number;
}

export interface TimeSummary {
  mean: number;
  sem: number | null;
  /** Per subject, the summary value. */
  perSubject: number[];
  /** Mean noise ceiling over the time points used (null without ceilings). */
  ceiling: Ceiling | null;
}

/** Indices of the time bins whose centre lies in [from, to] (seconds). */
export function windowBins(times: readonly number[], window: readonly [number, number]): number[] {
  const eps = 1e-9;
  return times.flatMap((t, i) => (t >= window[0] - eps && t <= window[1] + eps ? [i] : []));
}

function meanCeiling(ceilings: readonly (Ceiling | null)[], at: readonly number[]): Ceiling | null {
  const used = at.map((t) => ceilings[t]).filter((c): c is Ceiling => c !== null && c !== undefined);
  if (used.length === 0 || used.length !== at.length) return null;
  return {
    lower: used.reduce((a, c) => a + c.lower, 0) / used.length,
    upper: used.reduce((a, c) => a + c.upper, 0) / used.length,
  };
}

/** `values[t][s]`: score at time bin t for subject s. Each subject's mean over the window's bins. */
export function windowSummary(
  values: readonly (readonly number[])[],
  bins: readonly number[],
  ceilings: readonly (Ceiling | null)[] = [],
): TimeSummary {
  const nS = values[0]?.length ?? 0;
  const perSubject = Array.from({ length: nS }, (_, s) => bins.reduce((a, t) => a + values[t][s], 0) / bins.length);
  const { mean, sem } = meanAndSem(perSubject);
  return { mean, sem, perSubject, ceiling: meanCeiling(ceilings, bins) };
}

export interface CrossValidatedPeak extends TimeSummary {
  /** Per subject, the time bin chosen on the other subjects. */
  chosen: number[];
  /** The bin chosen most often (the earliest among ties): the row's reported time. */
  modalBin: number;
}

/**
 * Leave-one-subject-out peak: subject s's score at argmax_t of the mean over the other subjects (the earliest bin
 * among ties). Needs at least 2 subjects.
 */
export function crossValidatedPeak(
  values: readonly (readonly number[])[],
  ceilings: readonly (Ceiling | null)[] = [],
): CrossValidatedPeak {
  const nT = values.length;
  const nS = values[0]?.length ?? 0;
  if (nS < 2)
    throw new ConcordRangeError(
      PIPELINE_ERRORS.STUDY_TOO_FEW_SUBJECTS,
      `crossValidatedPeak: needs at least 2 subjects, received ${nS}`,
      {
        expected: 2,
        received: nS,
      },
    );
  const totals = values.map((row) => row.reduce((a, v) => a + v, 0));
  const chosen: number[] = [];
  const perSubject: number[] = [];
  for (let s = 0; s < nS; s++) {
    let best = 0;
    let bestMean = -Infinity;
    for (let t = 0; t < nT; t++) {
      const others = (totals[t] - values[t][s]) / (nS - 1);
      if (others > bestMean) {
        bestMean = others;
        best = t;
      }
    }
    chosen.push(best);
    perSubject.push(values[best][s]);
  }
  const counts = new Map<number, number>();
  for (const t of chosen) counts.set(t, (counts.get(t) ?? 0) + 1);
  let modalBin = chosen[0];
  for (const [t, c] of counts) {
    const m = counts.get(modalBin) ?? 0;
    if (c > m || (c === m && t < modalBin)) modalBin = t;
  }
  const { mean, sem } = meanAndSem(perSubject);
  return { mean, sem, perSubject, chosen, modalBin, ceiling: meanCeiling(ceilings, chosen) };
}
