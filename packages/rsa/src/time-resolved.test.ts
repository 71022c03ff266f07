/**
 * timeResolvedRdms on a core TemporalDataset: one RDM per time point (or bin) equal to the squared-Euclidean RDM of
 * the condition means computed here by hand, round-robin folds per condition, sources with toTemporalDataset(),
 * progress and bad input.
 */
import { Rng, TemporalDataset } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { timeResolvedRdms } from './time-resolved.ts';

const nObs = 12;
const nCh = 5;
const nT = 6;
const rng = new Rng(3);
const data = new Float64Array(nObs * nCh * nT);
rng.fillNormal(data);
const condition = Array.from({ length: nObs }, (_, i) => ['a', 'b', 'c'][i % 3]);
const tds = new TemporalDataset(data, [nObs, nCh, nT], {
  obsDescriptors: { condition },
  timeDescriptors: { time: Array.from({ length: nT }, (_, t) => t / 100) },
});

/** rsatoolbox's euclidean RDM (squared distance / channels) of condition means over the given time indices. */
function byHand(times: number[]): number[] {
  const means = ['a', 'b', 'c'].map((c) => {
    const m = new Float64Array(nCh);
    let n = 0;
    for (let o = 0; o < nObs; o++) {
      if (condition[o] !== c) continue;
      n++;
      for (let ch = 0; ch < nCh; ch++) {
        let v = 0;
        for (const t of times) v += data[(o * nCh + ch) * nT + t];
        m[ch] += v / times.length;
      }
    }
    return m.map((v) => v / n);
  });
  const out: number[] = [];
  for (let i = 0; i < 3; i++)
    for (let j = i + 1; j < 3; j++) out.push(means[i].reduce((s, v, ch) => s + (v - means[j][ch]) ** 2, 0) / nCh);
  return out;
}

describe('timeResolvedRdms', () => {
  it('one euclidean RDM per time point, with the time as RDM descriptor, and progress per time point', () => {
    const done: number[] = [];
    const rdms = timeResolvedRdms(tds, { method: 'euclidean', onProgress: (e) => done.push(e.done) });
    expect(rdms.nRdms).toBe(nT);
    expect(rdms.rdmDescriptors.time).toEqual([0, 0.01, 0.02, 0.03, 0.04, 0.05]);
    for (let t = 0; t < nT; t++)
      for (const [k, v] of byHand([t]).entries()) expect(rdms.getVector(t)[k]).toBeCloseTo(v, 12);
    expect(done).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('bins average their time points first (bin centres as times)', () => {
    const rdms = timeResolvedRdms(tds, {
      method: 'euclidean',
      bins: [
        [0, 1, 2],
        [3, 4, 5],
      ],
    });
    expect(rdms.nRdms).toBe(2);
    for (const [k, v] of byHand([3, 4, 5]).entries()) expect(rdms.getVector(1)[k]).toBeCloseTo(v, 12);
  });

  it("folds: the i-th observation of each condition goes to fold i mod k, and crossnobis cross-validates over 'fold'", () => {
    const source = {
      toTemporalDataset() {
        return tds;
      },
    };
    const viaSource = timeResolvedRdms(source, { method: 'crossnobis', folds: 2 });
    const explicit = new TemporalDataset(data, [nObs, nCh, nT], {
      obsDescriptors: { condition, run: Array.from({ length: nObs }, (_, i) => Math.floor(i / 3) % 2) },
      timeDescriptors: { time: tds.times },
    });
    const byRun = timeResolvedRdms(explicit, { method: 'crossnobis', cvDescriptor: 'run' });
    for (let t = 0; t < nT; t++)
      for (let k = 0; k < 3; k++) expect(viaSource.getVector(t)[k]).toBeCloseTo(byRun.getVector(t)[k], 12);
  });

  it('bad input: folds below 2, folds without the condition descriptor', () => {
    expect(() => timeResolvedRdms(tds, { method: 'crossnobis', folds: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_RSA_CROSS_VALIDATION' }),
    );
    expect(() => timeResolvedRdms(tds, { method: 'crossnobis', folds: 2, descriptor: 'stim' })).toThrow(
      /no obs descriptor 'stim' \(have: condition\)/,
    );
  });
});
