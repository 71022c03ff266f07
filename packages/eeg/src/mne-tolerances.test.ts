/**
 * Tolerances MNE 1.3's readers apply to files from other software, one constructed file each, read by Concord and
 * (where Debian's python3-mne is installed) by MNE: same channels, rate, samples and annotations.
 *
 * EDF/BDF (mne/io/edf/edf.py): numeric fields end at a NUL; physical and digital ranges may use a decimal comma;
 * a record duration of 0 is read as 1 s; a physical or digital range of 0 is taken as 1.
 * BrainVision (mne/io/brainvision/brainvision.py): keys in any case and ':' as separator (configparser); the
 * NeurOne 'Common infos' section; UTF-8 text without a Codepage line; '[marker infos]' in any case; a marker size
 * that is not a plain integer is 0; an unknown identification line is only a warning.
 * EEGLAB (mne/io/eeglab/eeglab.py): a .fdt renamed on disk is found beside the .set; an EEG structure nested in EEG.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { brainVisionSeed, eeglabSeed } from '../../../test/fuzz/seed-builders.ts';
import { readEdfHeader } from './edf/read-edf.ts';
import { writeEdf } from './edf/write-edf.ts';
import { hasMne, noMneReason, runMne } from './mne-python.ts';
import { Raw } from './raw.ts';
import { readRaw } from './read-raw.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-mne-tolerance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Reading {
  sfreq: number;
  nTimes: number;
  chNames: string[];
  /** channels × samples, volts */
  data: number[][];
  annotations: { onset: number; duration: number; description: string }[];
}

function concord(path: string): Reading {
  const raw = readRaw(path);
  const m = raw.getData();
  return {
    sfreq: raw.info.sfreq,
    nTimes: raw.nTimes,
    chNames: raw.info.chNames,
    data: Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols))),
    annotations: raw.annotations.map((a) => ({ onset: a.onset, duration: a.duration, description: a.description })),
  };
}

const MNE_READ = `
import sys, json, warnings
warnings.simplefilter('ignore')
out = {}
for f in sys.argv[1:]:
    raw = mne.io.read_raw(f, preload=True)
    out[f] = dict(sfreq=float(raw.info['sfreq']), nTimes=int(raw.n_times), chNames=raw.ch_names,
        data=raw.get_data().tolist(),
        annotations=[dict(onset=float(a['onset']), duration=float(a['duration']), description=str(a['description']))
                     for a in raw.annotations])
print(json.dumps(out))
`;

/** Files the tests compare with MNE, read by MNE in one process the first time one is needed. */
const compared: string[] = [];
let mneReadings: Record<string, Reading> | undefined;

/** Register a file for the MNE comparison (called while the suites are collected, before any test runs). */
function compare(path: string): string {
  compared.push(path);
  return path;
}

function mneReading(path: string): Reading {
  mneReadings ??= runMne<Record<string, Reading>>(MNE_READ, compared);
  return mneReadings[path];
}

/** Concord's reading equals MNE's (samples to 1e-12 V absolute, times to the microsecond). */
function expectSameAsMne(path: string, mine: Reading): void {
  if (!hasMne) return;
  const ref = mneReading(path);
  expect(mine.sfreq).toBeCloseTo(ref.sfreq, 9);
  expect(mine.nTimes).toBe(ref.nTimes);
  expect(mine.chNames).toEqual(ref.chNames.filter((n) => n !== 'STI 014'));
  for (let c = 0; c < mine.data.length; c++)
    for (let t = 0; t < mine.nTimes; t++) expect(Math.abs(mine.data[c][t] - ref.data[c][t])).toBeLessThan(1e-12);
  expect(mine.annotations.map((a) => a.description)).toEqual(ref.annotations.map((a) => a.description));
  mine.annotations.forEach((a, i) => {
    expect(a.onset).toBeCloseTo(ref.annotations[i].onset, 6);
    expect(a.duration).toBeCloseTo(ref.annotations[i].duration, 6);
  });
}

const withMne = (name: string) => (hasMne ? name : `${name} (MNE comparison skipped: ${noMneReason})`);

// ---- EDF ---------------------------------------------------------------------------------------------------------

function edfBytes(): { bytes: Buffer; ns: number } {
  const m = Matrix.zeros(2, 200);
  for (let i = 0; i < 400; i++) m.data[i] = Math.sin(i * 0.05) * 4e-5;
  const p = join(dir, 'base.edf');
  writeEdf(p, Raw.fromArray(m, { chNames: ['Fz', 'Cz'], sfreq: 100 }));
  return { bytes: Buffer.from(readFileSync(p)), ns: readEdfHeader(p).signals.length };
}

function edfVariant(name: string, edit: (b: Buffer, ns: number) => void): string {
  const { bytes, ns } = edfBytes();
  edit(bytes, ns);
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const field = (b: Buffer, at: number, text: string, width: number) => {
  b.fill(0x20, at, at + width);
  b.write(text, at, 'latin1');
};
const physMin = (ns: number, i: number) => 256 + ns * (16 + 80 + 8) + i * 8;
const physMax = (ns: number, i: number) => physMin(ns, i) + ns * 8;
const digMin = (ns: number, i: number) => physMin(ns, i) + ns * 16;
const digMax = (ns: number, i: number) => physMin(ns, i) + ns * 24;

describe('EDF tolerances', () => {
  const file1 = compare(
    edfVariant('nul.edf', (b) => {
      const nrec = b.toString('latin1', 236, 244).trim();
      b.fill(0, 236, 244);
      b.write(nrec, 236, 'latin1');
    }),
  );
  it(withMne('numeric fields that end at a NUL byte'), () => {
    const r = concord(file1);
    expect(r.nTimes).toBe(200);
    expectSameAsMne(file1, r);
  });

  const file2 = compare(
    edfVariant('comma.edf', (b, ns) => {
      field(b, physMin(ns, 0), '-200,5', 8);
      field(b, physMax(ns, 0), '200,5', 8);
    }),
  );
  it(withMne('physical ranges with a decimal comma'), () => {
    expectSameAsMne(file2, concord(file2));
  });

  const file3 = compare(edfVariant('dur0.edf', (b) => field(b, 244, '0', 8)));
  it(withMne('a record duration of 0 is read as 1 s'), () => {
    const r = concord(file3);
    expect(r.sfreq).toBe(100);
    expectSameAsMne(file3, r);
  });

  const file4 = compare(
    edfVariant('range0.edf', (b, ns) => {
      field(b, physMin(ns, 0), '5', 8);
      field(b, physMax(ns, 0), '5', 8);
      field(b, digMin(ns, 1), '7', 8);
      field(b, digMax(ns, 1), '7', 8);
    }),
  );
  it(withMne('a physical or digital range of 0 is taken as 1'), () => {
    const r = concord(file4);
    expect(r.data.flat().every(Number.isFinite)).toBe(true);
    expectSameAsMne(file4, r);
  });
});

// ---- BrainVision ---------------------------------------------------------------------------------------------------

function bv(name: string, edit: (vhdr: string) => string, editMarkers: (vmrk: string) => string = (m) => m): string {
  const seed = brainVisionSeed('int16');
  const d = mkdtempSync(join(dir, name));
  for (const [f, bytes] of Object.entries(seed.files)) writeFileSync(join(d, f), bytes);
  writeFileSync(join(d, 'seed.vhdr'), edit(new TextDecoder().decode(seed.files['seed.vhdr'])));
  writeFileSync(join(d, 'seed.vmrk'), editMarkers(new TextDecoder().decode(seed.files['seed.vmrk'])));
  return join(d, 'seed.vhdr');
}

describe('BrainVision tolerances', () => {
  const reference = () => concord(bv('bv-ref', (t) => t));

  const file5 = compare(
    bv('bv-keys', (t) =>
      t
        .replace('[Common Infos]', '[Common infos]')
        .replace('NumberOfChannels=3', 'numberofchannels: 3')
        .replace('SamplingInterval=2000', 'SAMPLINGINTERVAL = 2000')
        .replace('BinaryFormat=INT_16', 'binaryformat=INT_16'),
    ),
  );
  it(withMne("keys in other case, ':' separators and the NeurOne 'Common infos' section"), () => {
    const p = file5;
    const r = concord(p);
    expect(r).toEqual(reference());
    expectSameAsMne(p, r);
  });

  const file6 = compare(bv('bv-utf8', (t) => t.replace('Codepage=UTF-8\r\n', '')));
  it(withMne('UTF-8 text without a Codepage line (µV read as µV, not as latin-1 "Âµ")'), () => {
    const p = file6;
    const r = concord(p);
    expect(r).toEqual(reference());
    expectSameAsMne(p, r);
  });

  const file7 = compare(
    bv(
      'bv-markers',
      (t) => t,
      (m) =>
        m
          .replace('[Marker Infos]', '[marker infos]')
          .replace('Mk3=Response,R  2,120,5,0', 'Mk3=Response,R  2,120,2.5,0'),
    ),
  );
  it(withMne('[marker infos] in other case; marker sizes that are not plain integers are 0'), () => {
    const p = file7;
    const r = concord(p);
    expect(r.annotations.find((a) => a.description === 'Response/R  2')?.duration).toBe(0);
    expect(r.annotations.length).toBe(reference().annotations.length);
    expectSameAsMne(p, r);
  });

  const file8 = compare(
    bv('bv-id', (t) => t.replace('Brain Vision Data Exchange Header File Version 1.0', 'NeurOne export')),
  );
  it(withMne('an unknown identification line is read (MNE warns)'), () => {
    const p = file8;
    const r = concord(p);
    expect(r.data).toEqual(reference().data);
    expectSameAsMne(p, r);
  });

  it('section names in any case (a superset of MNE, which matches only the marker section and Common infos)', () => {
    const p = bv('bv-sections', (t) =>
      t.replace('[Binary Infos]', '[BINARY INFOS]').replace('[Channel Infos]', '[channel infos]'),
    );
    expect(concord(p)).toEqual(reference());
  });
});

// ---- EEGLAB --------------------------------------------------------------------------------------------------------

describe('EEGLAB tolerances', () => {
  function write(name: string, seed: ReturnType<typeof eeglabSeed>): string {
    const d = mkdtempSync(join(dir, name));
    for (const [f, bytes] of Object.entries(seed.files)) writeFileSync(join(d, f), bytes);
    return join(d, seed.main);
  }
  const reference = () => concord(write('el-ref', eeglabSeed(true)));

  const file9 = compare(write('el-renamed', eeglabSeed(true, { fdtName: 'recorded-elsewhere.fdt' })));
  it(withMne('a .fdt renamed on disk: the one named after the .set is read, with a warning'), () => {
    const p = file9;
    const r = concord(p);
    expect(readRaw(p).warnings.join(' ')).toMatch(/recorded-elsewhere\.fdt/);
    expect(r).toEqual(reference());
    expectSameAsMne(p, r);
  });

  const file10 = compare(write('el-nested', eeglabSeed(false, { nested: true })));
  it(withMne('an EEG structure nested inside EEG'), () => {
    const p = file10;
    const r = concord(p);
    expect(r.data).toEqual(concord(write('el-flat', eeglabSeed(false))).data);
    expectSameAsMne(p, r);
  });
});
