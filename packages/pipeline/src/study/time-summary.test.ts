import { describe, expect, it } from 'vitest';
import { crossValidatedPeak, windowBins, windowSummary } from './time-summary.ts';

describe('time-resolved summaries without selection bias', () => {
  // values[t][s]: 3 time bins × 3 subjects
  const values = [
    [0.1, 0.2, 0.9],
    [0.5, 0.6, 0.1],
    [0.3, 0.1, 0.2],
  ];

  it('window bins by their centre time, ends included', () => {
    expect(windowBins([-0.1, 0, 0.1, 0.2, 0.3], [0, 0.2])).toEqual([1, 2, 3]);
  });

  it('window: each subject’s mean over the bins, then mean and SEM over subjects', () => {
    const w = windowSummary(values, [0, 1]);
    expect(w.perSubject).toEqual([0.3, 0.4, 0.5]);
    expect(w.mean).toBeCloseTo(0.4, 15);
    expect(w.sem).toBeCloseTo(0.1 / Math.sqrt(3), 15); // sd 0.1
  });

  it('cross-validated peak: each subject scored where the others peak', () => {
    // leave out s0: others' means per bin 0.55, 0.35, 0.15 → bin 0, s0 scores 0.1
    // leave out s1: 0.5, 0.3, 0.25 → bin 0, s1 scores 0.2
    // leave out s2: 0.15, 0.55, 0.2 → bin 1, s2 scores 0.1
    const p = crossValidatedPeak(values, [{ lower: 0.1, upper: 0.2 }, { lower: 0.3, upper: 0.4 }, null]);
    expect(p.chosen).toEqual([0, 0, 1]);
    expect(p.perSubject).toEqual([0.1, 0.2, 0.1]);
    expect(p.modalBin).toBe(0);
    expect(p.mean).toBeCloseTo(0.4 / 3, 15);
    expect(p.ceiling?.lower).toBeCloseTo((0.1 + 0.1 + 0.3) / 3, 15);
    // the biased per-layer maximum of the mean time course would have been 0.4 (bin 0 mean, 0.4; bin 1, 0.4)
    expect(p.mean).toBeLessThan(0.4);
  });

  it('needs two subjects', () => {
    expect(() => crossValidatedPeak([[1], [2]])).toThrow(/at least 2 subjects/);
  });
});
