/**
 * Epochs and Evoked on simulated recordings with known structure (time-resolved RSA on epochs, end to end, is in
 * test/time-resolved-eeg.test.ts: it needs @concord/rsa, which this reader package does not depend on).
 */
import { Matrix } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { createEpochs, Epochs } from './epochs.ts';
import { Raw } from './raw.ts';

/** Channel 0 = sample index, channel 1 = 2·sample index + 5, plus a stim channel. */
function ramp(n: number, sfreq: number): Raw {
  const m = Matrix.zeros(3, n);
  for (let t = 0; t < n; t++) {
    m.data[t] = t;
    m.data[n + t] = 2 * t + 5;
  }
  return Raw.fromArray(m, {
    chNames: ['a', 'b', 'STI'],
    chTypes: ['eeg', 'eeg', 'stim'],
    sfreq,
    units: ['V', 'V', ''],
  });
}

describe('Epochs', () => {
  const raw = ramp(1000, 100);
  const events = [
    [10, 0, 1],
    [300, 0, 2],
    [500, 0, 1],
    [995, 0, 2],
  ];

  it('cuts [tmin, tmax] around each event (both ends included), baseline (None, 0) by default, drops epochs past the end', () => {
    const ep = createEpochs(raw, events, { tmin: -0.1, tmax: 0.2, eventId: { left: 1, right: 2 } });
    expect(ep.nTimes).toBe(31);
    expect(ep.times[0]).toBeCloseTo(-0.1, 12);
    expect(ep.times[30]).toBeCloseTo(0.2, 12);
    expect(ep.info.chNames).toEqual(['a', 'b']);
    // event at 10 with tmin −0.1 s (−10 samples) starts at sample 0; event 995 runs past the end
    expect(ep.events.map((e) => e[0])).toEqual([10, 300, 500]);
    expect(ep.dropLog).toEqual([[], [], [], ['NO_DATA']]);
    // ramp minus the mean of its baseline samples −10..0 (mean = event − 5)
    const e1 = ep.epoch(1);
    for (let t = 0; t < 31; t++) {
      expect(e1.get(0, t)).toBeCloseTo(290 + t - 295, 10);
      expect(e1.get(1, t)).toBeCloseTo(2 * (290 + t) + 5 - (2 * 295 + 5), 10);
    }
    expect(ep.conditions).toEqual(['left', 'right', 'left']);
    expect(
      Array.from(Epochs.fromRaw(raw, events, { tmin: -0.1, tmax: 0.2, eventId: { left: 1, right: 2 } }).data),
    ).toEqual(Array.from(ep.data));
  });

  it('no baseline keeps the raw values; select and average', () => {
    const ep = createEpochs(raw, events, { tmin: 0, tmax: 0.05, baseline: null, eventId: { left: 1, right: 2 } });
    const left = ep.select('left');
    expect(left.nEpochs).toBe(2);
    const ev = left.average();
    expect(ev.nave).toBe(2);
    for (let t = 0; t < 6; t++) expect(ev.data.get(0, t)).toBe((10 + t + 500 + t) / 2);
    expect(() => ep.select('up')).toThrow(/no condition matches 'up'/);
  });

  it('peak-to-peak rejection by channel type', () => {
    const ep = createEpochs(raw, events.slice(0, 3), { tmin: 0, tmax: 0.1, reject: { eeg: 15 } });
    // channel b rises 2 per sample: ptp 20 > 15 on every epoch
    expect(ep.nEpochs).toBe(0);
    expect(ep.dropLog).toEqual([['b'], ['b'], ['b']]);
    expect(createEpochs(raw, events.slice(0, 3), { tmin: 0, tmax: 0.1, reject: { eeg: 25 } }).nEpochs).toBe(3);
  });

  it('toTemporalDataset: epochs × channels × times with condition descriptors and folds', () => {
    const ep = createEpochs(raw, events, { tmin: -0.1, tmax: 0.2, eventId: { left: 1, right: 2 } });
    const tds = ep.toTemporalDataset({ folds: 2 });
    expect(tds.shape).toEqual([3, 2, 31]);
    expect(tds.obsDescriptors.condition).toEqual(['left', 'right', 'left']);
    expect(tds.obsDescriptors.fold).toEqual([0, 0, 1]);
    expect(tds.at(2, 1, 7)).toBe(ep.data[(2 * 2 + 1) * 31 + 7]);
    expect(tds.times[0]).toBeCloseTo(-0.1, 12);
  });
});
