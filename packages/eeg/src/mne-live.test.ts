/**
 * Preprocessing and epoching against MNE 1.3 itself, run in the test on the shared recordings when Debian's
 * python3-mne is installed (/usr/bin/python3; skipped visibly otherwise). MNE writes its results as .npy files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, Rng } from '@concord/core';
import { defined, hasSharedData, sharedData } from '@concord/core/testing';
import { readMatrixNpy, readNpy } from '@concord/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBdf, writeEdf } from './edf/write-edf.ts';
import { createEpochs } from './epochs.ts';
import { type FindEventsOptions, findEvents } from './events.ts';
import { hasMne, MNE_PYTHON, noMneReason } from './mne-python.ts';
import { filterRaw, notchFilter, resampleRaw, setEegReference } from './preprocessing.ts';
import { Raw } from './raw.ts';
import { readRaw } from './read-raw.ts';

const PY = MNE_PYTHON;
const ready = hasMne && hasSharedData('eeg');
const reason = !hasMne ? noMneReason : 'shared data absent';

const edf = sharedData('eeg', 'mne-python', 'edf', 'test.edf');
const bdf = sharedData('eeg', 'mne-python', 'edf', 'test.bdf');
const dir = mkdtempSync(join(tmpdir(), 'concord-eeg-mne-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Largest |a − b| relative to the largest |b| of each row (so flat and busy channels are judged alike). */
function maxRowRelativeError(a: Matrix, b: Matrix, rows: number[]): number {
  let worst = 0;
  for (const r of rows) {
    let scale = 0;
    let err = 0;
    for (let t = 0; t < b.cols; t++) {
      scale = Math.max(scale, Math.abs(b.data[r * b.cols + t]));
      err = Math.max(err, Math.abs(a.data[r * a.cols + t] - b.data[r * b.cols + t]));
    }
    worst = Math.max(worst, scale > 0 ? err / scale : err);
  }
  return worst;
}

(ready ? describe : describe.skip)(
  `preprocessing equals MNE 1.3 run live${ready ? '' : ` [skipped: ${reason}]`}`,
  () => {
    beforeAll(() => {
      const script = `
import numpy as np, mne
mne.set_log_level('ERROR')
out = ${JSON.stringify(dir)}
raw = mne.io.read_raw_edf(${JSON.stringify(edf)}, preload=True)
np.save(out + '/filter.npy', raw.copy().filter(1, 40).get_data())
np.save(out + '/highpass.npy', raw.copy().filter(0.5, None).get_data())
np.save(out + '/lowpass.npy', raw.copy().filter(None, 30).get_data())
np.save(out + '/notch.npy', raw.copy().notch_filter(50).get_data())
np.save(out + '/resample.npy', raw.copy().resample(256).get_data())
np.save(out + '/avgref.npy', raw.copy().set_eeg_reference('average').get_data())
b = mne.io.read_raw_bdf(${JSON.stringify(bdf)}, preload=True)
ev = np.array([[100, 0, 1], [700, 0, 2], [1200, 0, 1], [1900, 0, 2]])
ep = mne.Epochs(b, ev, {'a': 1, 'b': 2}, tmin=-0.05, tmax=0.1, baseline=(None, 0), picks='eeg', preload=True)
np.save(out + '/epochs.npy', ep.get_data().reshape(len(ep), -1))
np.save(out + '/evoked_a.npy', ep['a'].average().data)
`;
      const r = spawnSync(PY, ['-c', script], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`MNE failed: ${r.stderr}`);
    }, 120_000);

    const eegRows = () => {
      const raw = readRaw(edf);
      return { raw, rows: raw.pickIndices('eeg') };
    };

    it('raw.filter(1, 40), filter(0.5, None), filter(None, 30): every EEG sample to 1e-10 of the channel range', () => {
      const { raw, rows } = eegRows();
      for (const [name, l, h] of [
        ['filter', 1, 40],
        ['highpass', 0.5, null],
        ['lowpass', null, 30],
      ] as const) {
        const ours = filterRaw(raw, l, h).getData();
        const ref = readMatrixNpy(join(dir, `${name}.npy`));
        expect(maxRowRelativeError(ours, ref, rows), name).toBeLessThan(1e-10);
        // the Status channel is not filtered, by either
        const s = raw.nChannels - 1;
        for (let t = 0; t < raw.nTimes; t++) expect(ours.data[s * raw.nTimes + t]).toBe(ref.data[s * raw.nTimes + t]);
      }
    });

    it('notch_filter(50)', () => {
      const { raw, rows } = eegRows();
      expect(
        maxRowRelativeError(notchFilter(raw, 50).getData(), readMatrixNpy(join(dir, 'notch.npy')), rows),
      ).toBeLessThan(1e-10);
    });

    it('resample(256): EEG channels to 1e-10 of the channel range', () => {
      const { raw, rows } = eegRows();
      const ours = resampleRaw(raw, 256).getData();
      const ref = readMatrixNpy(join(dir, 'resample.npy'));
      expect([ours.rows, ours.cols]).toEqual([ref.rows, ref.cols]);
      expect(maxRowRelativeError(ours, ref, rows)).toBeLessThan(1e-10);
    });

    it("set_eeg_reference('average')", () => {
      const { raw, rows } = eegRows();
      expect(
        maxRowRelativeError(setEegReference(raw).getData(), readMatrixNpy(join(dir, 'avgref.npy')), rows),
      ).toBeLessThan(1e-12);
    });

    it('find_events with every option combination on a synthetic stim channel', () => {
      const script = `
import numpy as np, mne, json
mne.set_log_level('ERROR')
rng = np.random.default_rng(0)
x = np.zeros(400)
pos = 5
while pos < 380:
    code = int(rng.choice([1, 2, 3, 4, 256 + 2, 512 + 1]))
    L = int(rng.integers(1, 6))
    x[pos:pos+L] = code
    if rng.random() < 0.3 and pos + L + 2 < 400:
        x[pos+L:pos+L+2] = int(rng.choice([1, 5]))
    pos += L + int(rng.integers(0, 8))
info = mne.create_info(['STI'], 100., 'stim')
raw = mne.io.RawArray(x[None], info)
res = {'x': x.tolist(), 'cases': []}
for kw in [dict(), dict(consecutive=True), dict(consecutive=False), dict(output='offset'), dict(output='offset', consecutive=True), dict(output='step'), dict(min_duration=0.025), dict(min_duration=0.015), dict(min_duration=0.04, consecutive=True), dict(min_duration=0.03, output='offset'), dict(mask=255), dict(mask=255, mask_type='not_and'), dict(initial_event=True), dict(uint_cast=True), dict(shortest_event=2), dict(shortest_event=3, consecutive=False)]:
    try:
        ev = mne.find_events(raw, **{'shortest_event': 1, **kw})
        res['cases'].append({'kw': kw, 'events': ev.tolist()})
    except Exception as e:
        res['cases'].append({'kw': kw, 'error': str(e)[:100]})
print(json.dumps(res))
`;
      const r = spawnSync(PY, ['-c', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as {
        x: number[];
        cases: { kw: Record<string, unknown>; events?: number[][]; error?: string }[];
      };
      const raw = Raw.fromArray(Matrix.from([ref.x]), { chNames: ['STI'], chTypes: ['stim'], sfreq: 100 });
      const toOptions = (kw: Record<string, unknown>): FindEventsOptions => ({
        shortestEvent: (kw.shortest_event as number | undefined) ?? 1,
        ...(kw.consecutive !== undefined ? { consecutive: kw.consecutive as boolean } : {}),
        ...(kw.output !== undefined ? { output: kw.output as 'onset' | 'offset' | 'step' } : {}),
        ...(kw.min_duration !== undefined ? { minDuration: kw.min_duration as number } : {}),
        ...(kw.mask !== undefined ? { mask: kw.mask as number } : {}),
        ...(kw.mask_type !== undefined ? { maskType: kw.mask_type as 'and' | 'not_and' } : {}),
        ...(kw.initial_event !== undefined ? { initialEvent: kw.initial_event as boolean } : {}),
        ...(kw.uint_cast !== undefined ? { uintCast: kw.uint_cast as boolean } : {}),
      });
      expect(ref.cases.length).toBe(16);
      for (const c of ref.cases) {
        if (c.error) expect(() => findEvents(raw, toOptions(c.kw)), JSON.stringify(c.kw)).toThrow();
        else expect(findEvents(raw, toOptions(c.kw)), JSON.stringify(c.kw)).toEqual(c.events);
      }
    });

    it('files written by writeEdf / writeBdf read the same in MNE (samples, names, annotations)', () => {
      const rng = new Rng(4);
      const n = 1000;
      const m = Matrix.zeros(4, n);
      rng.fillNormal(m.data);
      for (let i = 0; i < 3 * n; i++) m.data[i] *= 30e-6;
      for (let t = 0; t < n; t++) m.data[3 * n + t] = t % 100 < 5 ? 3 : 0;
      const src = Raw.fromArray(
        m,
        { chNames: ['Fz', 'Cz', 'Pz', 'Status'], chTypes: ['eeg', 'eeg', 'eeg', 'stim'], sfreq: 250 },
        [
          { onset: 0.5, duration: 0.25, description: 'stim A' },
          { onset: 2.2, duration: 0, description: 'réponse' },
        ],
      );
      for (const [kind, write] of [
        ['edf', writeEdf],
        ['bdf', writeBdf],
      ] as const) {
        const path = join(dir, `written.${kind}`);
        write(path, src);
        const r = spawnSync(
          PY,
          [
            '-c',
            `import numpy as np, mne, json
mne.set_log_level('ERROR')
raw = mne.io.read_raw_${kind}(${JSON.stringify(path)}, preload=True)
np.save(${JSON.stringify(join(dir, `written-${kind}.npy`))}, raw.get_data())
a = raw.annotations
print(json.dumps({'names': raw.ch_names, 'types': raw.get_channel_types(), 'sfreq': raw.info['sfreq'], 'onset': [float(x) for x in a.onset], 'duration': [float(x) for x in a.duration], 'description': list(a.description)}))`,
          ],
          { encoding: 'utf8' },
        );
        expect(r.status, r.stderr).toBe(0);
        const info = JSON.parse(r.stdout.trim().split('\n').pop() as string);
        const ours = readRaw(path);
        expect(info.names).toEqual(ours.info.chNames);
        expect(info.types).toEqual(ours.info.chTypes);
        expect(info.sfreq).toBe(250);
        expect(info.description).toEqual(['stim A', 'réponse']);
        expect(info.onset).toEqual([0.5, 2.2]);
        expect(info.duration).toEqual([0.25, 0]);
        const ref = readMatrixNpy(join(dir, `written-${kind}.npy`));
        expect(maxRowRelativeError(ours.getData(), ref, [0, 1, 2, 3])).toBeLessThan(1e-12);
      }
    });

    it('FIF raw files written by MNE: annotations (with first_samp and a meas_date), samples and first_samp', () => {
      const path = join(dir, 'annot_raw.fif');
      const r = spawnSync(
        PY,
        [
          '-c',
          `import numpy as np, mne, json, datetime
mne.set_log_level('ERROR')
x = np.random.default_rng(3).standard_normal((3, 3000)) * 1e-5
info = mne.create_info(['Fz', 'Cz', 'STI 014'], 500., ['eeg', 'eeg', 'stim'])
raw = mne.io.RawArray(x, info, first_samp=1234)
raw.set_meas_date(datetime.datetime(2020, 5, 6, 7, 8, 9, 250000, tzinfo=datetime.timezone.utc))
raw.set_annotations(mne.Annotations([0.5, 1.25, 5.5], [0.1, 0, 2.0], ['a:b', 'BAD_x', 'late'], orig_time=raw.info['meas_date'] + datetime.timedelta(seconds=raw.first_time)))
raw.save(${JSON.stringify(path)}, overwrite=True)
back = mne.io.read_raw_fif(${JSON.stringify(path)}, preload=True)
np.save(${JSON.stringify(join(dir, 'annot_raw.npy'))}, back.get_data())
a = back.annotations
print(json.dumps({'first_samp': int(back.first_samp), 'onset': [float(o) - back.first_time for o in a.onset], 'duration': [float(d) for d in a.duration], 'description': list(a.description)}))`,
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      const raw = readRaw(path);
      expect(raw.firstSamp).toBe(ref.first_samp);
      expect(raw.annotations.map((a) => a.description)).toEqual(ref.description);
      raw.annotations.forEach((a, i) => {
        expect(Math.abs(a.onset - ref.onset[i])).toBeLessThan(1e-6);
        expect(Math.abs(a.duration - ref.duration[i])).toBeLessThan(1e-6);
      });
      expect(maxRowRelativeError(raw.getData(), readMatrixNpy(join(dir, 'annot_raw.npy')), [0, 1, 2])).toBeLessThan(
        1e-12,
      );
    });

    it('EEGLAB channel positions and types as MNE sets them from chanlocs', () => {
      // (MAT v7.3 sets need pymatreader in MNE, which Debian does not package)
      for (const name of ['test_raw_chanloc.set', 'test_raw_event_duration.set']) {
        const path = sharedData('eeg', 'mne-testing-data', 'EEGLAB', name);
        const r = spawnSync(
          PY,
          [
            '-c',
            `import mne, json
mne.set_log_level('ERROR')
raw = mne.io.read_raw_eeglab(${JSON.stringify(path)})
print(json.dumps({'types': raw.get_channel_types(), 'loc': [[float(v) for v in c['loc'][:3]] for c in raw.info['chs']]}))`,
          ],
          { encoding: 'utf8', maxBuffer: 1 << 24 },
        );
        expect(r.status, r.stderr).toBe(0);
        const ref = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { types: string[]; loc: number[][] };
        const raw = readRaw(path);
        expect(raw.info.chTypes).toEqual(ref.types);
        const pos = defined(raw.info.positions);
        ref.loc.forEach((l, c) => {
          if (l.some(Number.isNaN)) expect(pos[c]).toBeNull();
          else for (let k = 0; k < 3; k++) expect(Math.abs(defined(pos[c])[k] - l[k])).toBeLessThan(1e-12);
        });
      }
    });

    it('Epochs(tmin=-0.05, tmax=0.1, baseline=(None, 0)) and average() on test.bdf', () => {
      const raw = readRaw(bdf);
      const events = [
        [100, 0, 1],
        [700, 0, 2],
        [1200, 0, 1],
        [1900, 0, 2],
      ];
      const ep = createEpochs(raw, events, { eventId: { a: 1, b: 2 }, tmin: -0.05, tmax: 0.1, picks: 'eeg' });
      const ref = readNpy(join(dir, 'epochs.npy'));
      // MNE drops the last epoch (it runs past the end); so do we
      expect(ep.nEpochs * ep.nChannels * ep.nTimes).toBe(ref.data.length);
      let worst = 0;
      for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(ep.data[i] - Number(ref.data[i])));
      expect(worst).toBeLessThan(1e-15);
      const evoked = ep.select('a').average().data;
      const refEv = readMatrixNpy(join(dir, 'evoked_a.npy'));
      for (let i = 0; i < refEv.data.length; i++) expect(Math.abs(evoked.data[i] - refEv.data[i])).toBeLessThan(1e-15);
      expect(findEvents(raw).length).toBeGreaterThan(0);
    });
  },
);
