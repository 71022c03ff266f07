/** Epochs, Evoked and time-resolved RSA on simulated recordings with known structure. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, Rng } from '@concord/core';
import { compareRdms, Rdms } from '@concord/rsa';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBdf } from './edf/write-edf.ts';
import { createEpochs, Epochs } from './epochs.ts';
import { findEvents } from './events.ts';
import { Raw } from './raw.ts';
import { readRaw } from './read-raw.ts';
import { timeResolvedRdms } from './time-resolved.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-eeg-epochs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe('time-resolved RSA recovers a known time course (simulated BDF → events → epochs → crossnobis RDMs)', () => {
  it('category structure at 100–300 ms, a crossed structure at 400–600 ms, nothing before the event', () => {
    const sfreq = 100;
    const nch = 16;
    const nCond = 4;
    const perCond = 24;
    const rng = new Rng(11);
    const patterns = (k: number) => Array.from({ length: k }, () => Array.from({ length: nch }, () => rng.normal()));
    const [catA, catB] = patterns(2);
    const [crossA, crossB] = patterns(2);
    const spacing = 120;
    const n = (nCond * perCond + 2) * spacing;
    const m = Matrix.zeros(nch + 1, n);
    rng.fillNormal(m.data.subarray(0, nch * n));
    for (let i = 0; i < nch * n; i++) m.data[i] *= 20e-6;
    const order = Array.from({ length: nCond * perCond }, (_, i) => (i % nCond) + 1);
    order.forEach((cond, i) => {
      const onset = (i + 1) * spacing;
      m.data[nch * n + onset] = cond;
      m.data[nch * n + onset + 1] = cond;
      for (let t = 0; t < 80; t++) {
        const time = t / sfreq;
        for (let c = 0; c < nch; c++) {
          let v = 0;
          if (time >= 0.1 && time < 0.3) v += (cond <= 2 ? catA[c] : catB[c]) * 20e-6;
          if (time >= 0.4 && time < 0.6) v += (cond % 2 === 1 ? crossA[c] : crossB[c]) * 20e-6;
          m.data[c * n + onset + t] += v;
        }
      }
    });
    const names = [...Array.from({ length: nch }, (_, c) => `E${c}`), 'Status'];
    const src = Raw.fromArray(m, {
      chNames: names,
      chTypes: [...names.slice(0, nch).map(() => 'eeg' as const), 'stim' as const],
      sfreq,
    });
    const path = join(dir, 'sim.bdf');
    writeBdf(path, src);
    const raw = readRaw(path);
    const events = findEvents(raw);
    expect(events.length).toBe(nCond * perCond);
    const epochs = createEpochs(raw, events, { tmin: -0.2, tmax: 0.7, eventId: { c1: 1, c2: 2, c3: 3, c4: 4 } });
    expect(epochs.nEpochs).toBe(nCond * perCond);
    const rdms = timeResolvedRdms(epochs, { method: 'crossnobis', folds: 4 });
    expect(rdms.nRdms).toBe(epochs.nTimes);
    expect(rdms.nCond).toBe(4);
    // models over conditions c1..c4: category (c1,c2 | c3,c4) and crossed (c1,c3 | c2,c4)
    const category = Rdms.fromVectors([0, 1, 1, 1, 1, 0]);
    const crossed = Rdms.fromVectors([1, 0, 1, 1, 0, 1]);
    const fit = (model: Rdms) => compareRdms(model, rdms, { method: 'corr' });
    const cat = fit(category);
    const cro = fit(crossed);
    const times = rdms.rdmDescriptors.time as number[];
    const meanOver = (arr: Matrix, lo: number, hi: number) => {
      const idx = times.map((t, i) => (t >= lo && t < hi ? i : -1)).filter((i) => i >= 0);
      return idx.reduce((s, i) => s + arr.get(0, i), 0) / idx.length;
    };
    expect(meanOver(cat, 0.12, 0.28)).toBeGreaterThan(0.8);
    expect(meanOver(cro, 0.42, 0.58)).toBeGreaterThan(0.8);
    expect(meanOver(cro, 0.12, 0.28)).toBeLessThan(0.3);
    expect(meanOver(cat, 0.42, 0.58)).toBeLessThan(0.3);
    // crossnobis is unbiased: before the event the distances average about zero, in the window they are large
    const avgDist = (lo: number, hi: number) => {
      const idx = times.map((t, i) => (t >= lo && t < hi ? i : -1)).filter((i) => i >= 0);
      return idx.reduce((s, i) => s + rdms.getVector(i).reduce((a, b) => a + b, 0) / 6, 0) / idx.length;
    };
    const signal = avgDist(0.12, 0.28);
    expect(Math.abs(avgDist(-0.2, 0))).toBeLessThan(0.1 * signal);
  });
});
