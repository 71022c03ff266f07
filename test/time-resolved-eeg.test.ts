/**
 * Time-resolved RSA end to end: a simulated BDF written and read by @concord/eeg, events → epochs, then
 * @concord/rsa's timeResolvedRdms (crossnobis across folds) recovers the known time course. Cross-package, so it
 * lives here rather than in either package (the reader package does not depend on the analysis one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, Rng } from '@concord/core';
import { createEpochs, findEvents, Raw, readRaw, writeBdf } from '@concord/eeg';
import { compareRdms, Rdms, timeResolvedRdms } from '@concord/rsa';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'concord-eeg-rsa-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
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
