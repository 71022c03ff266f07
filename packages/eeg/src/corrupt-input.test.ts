/**
 * Root causes the fuzzer (test/fuzz) found in the EEG readers, one constructed file each: every read either returns
 * data that satisfies the reader's invariants or throws a typed error naming the file and the field, never a bare
 * RangeError, a non-finite sample or rate, or a hang.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isConcordError, Matrix } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { brainVisionSeed, eeglabSeed } from '../../../test/fuzz/seed-builders.ts';
import { cropAnnotations } from './annotations.ts';
import { readEdfHeader } from './edf/read-edf.ts';
import { writeBdf, writeEdf } from './edf/write-edf.ts';
import { EEG_ERRORS } from './errors.ts';
import { Raw } from './raw.ts';
import { readRaw } from './read-raw.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-eeg-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Read the header and every sample; the error must be a typed file error naming the file it is about (the header or
 * a data file beside it) and matching `where`.
 */
function expectTypedRead(path: string, code: string, where: RegExp): void {
  let err: unknown;
  try {
    const raw = readRaw(path);
    raw.getData();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a typed error').toBeDefined();
  expect(isConcordError(err), `not a Concord error: ${String(err)}`).toBe(true);
  const e = err as Error & { code: string };
  expect(e.code).toBe(code);
  expect(e.message).toContain(dirname(path));
  expect(e.message).toMatch(where);
}

/** An EDF (or BDF) of 2 channels × 300 samples at 100 Hz (+ the annotation signal), and its header layout. */
function edf(kind: 'edf' | 'bdf', name: string) {
  const m = Matrix.zeros(2, 300);
  for (let i = 0; i < 600; i++) m.data[i] = Math.sin(i * 0.1) * 1e-5;
  const path = join(dir, name);
  (kind === 'edf' ? writeEdf : writeBdf)(path, Raw.fromArray(m, { chNames: ['a', 'b'], sfreq: 100 }));
  const ns = readEdfHeader(path).signals.length;
  const at = {
    physicalMin: (i: number) => 256 + ns * (16 + 80 + 8) + i * 8,
    physicalMax: (i: number) => 256 + ns * (16 + 80 + 8 + 8) + i * 8,
    digitalMin: (i: number) => 256 + ns * (16 + 80 + 8 * 3) + i * 8,
    digitalMax: (i: number) => 256 + ns * (16 + 80 + 8 * 4) + i * 8,
    samplesPerRecord: (i: number) => 256 + ns * (16 + 80 + 8 * 5 + 80) + i * 8,
  };
  return { path, bytes: Buffer.from(readFileSync(path)), at };
}

function patched(bytes: Buffer, name: string, edits: [number, string, number][]): string {
  const b = Buffer.from(bytes);
  for (const [offset, text, width] of edits) b.write(text.padEnd(width, ' '), offset, 'latin1');
  const p = join(dir, name);
  writeFileSync(p, b);
  return p;
}

describe('EDF/BDF header fields that used to reach the data as zero, infinite or non-finite values', () => {
  it('samples per record 0 on a data signal: a typed error, not the FFT resampler RangeError', () => {
    for (const kind of ['edf', 'bdf'] as const) {
      const f = edf(kind, `spr0.${kind}`);
      const p = patched(f.bytes, `spr0-bad.${kind}`, [[f.at.samplesPerRecord(1), '0', 8]]);
      expectTypedRead(p, EEG_ERRORS.badHeader, /samplesPerRecord of signal 1/);
    }
  });

  it('record durations 1e999 and 5e-324 (infinite or zero rates) are typed errors', () => {
    const f = edf('edf', 'dur.edf');
    expectTypedRead(patched(f.bytes, 'dur-inf.edf', [[244, '1e999', 8]]), EEG_ERRORS.badHeader, /duration/);
    expectTypedRead(patched(f.bytes, 'dur-tiny.edf', [[244, '5e-324', 8]]), EEG_ERRORS.badHeader, /duration/);
  });

  it('a physical range of 1e999 (every sample non-finite) is a typed error', () => {
    const f = edf('bdf', 'phys.bdf');
    const p = patched(f.bytes, 'phys-inf.bdf', [[f.at.physicalMax(0), '1e999', 8]]);
    expectTypedRead(p, EEG_ERRORS.badHeader, /physicalMax of signal 0/);
  });
});

describe('BrainVision', () => {
  function write(name: string, seed: ReturnType<typeof brainVisionSeed>, edit: (text: string) => string): string {
    const d = mkdtempSync(join(dir, name));
    for (const [f, bytes] of Object.entries(seed.files)) writeFileSync(join(d, f), bytes);
    const vhdr = join(d, seed.main);
    writeFileSync(vhdr, edit(readFileSync(vhdr, 'utf8')));
    return vhdr;
  }

  it('SamplingInterval=5e-324 (an infinite rate) is a typed error', () => {
    const p = write('bv-rate', brainVisionSeed('int16'), (t) =>
      t.replace('SamplingInterval=2000', 'SamplingInterval=5e-324'),
    );
    expectTypedRead(p, EEG_ERRORS.badHeader, /SamplingInterval/);
  });

  it('a resolution whose product with an INT_32 sample overflows is a typed error', () => {
    const p = write('bv-res', brainVisionSeed('int16'), (t) => t.replace('Ch1=Fp1,,0.1,µV', 'Ch1=Fp1,,1e308,µV'));
    expectTypedRead(p, EEG_ERRORS.badHeader, /resolution/);
  });

  it('a NaN float sample is a typed error naming its byte offset, not a NaN in the data', () => {
    const seed = brainVisionSeed('float32');
    const data = new Float32Array(seed.files['seed.eeg'].slice().buffer);
    data[205] = Number.NaN; // VECTORIZED: channel 1, sample 5
    seed.files['seed.eeg'] = new Uint8Array(data.buffer);
    const p = write('bv-nan', seed, (t) => t);
    expectTypedRead(p, EEG_ERRORS.badHeader, new RegExp(`byte offset ${205 * 4}`));
  });
});

describe('EEGLAB', () => {
  function write(name: string, seed: ReturnType<typeof eeglabSeed>): string {
    const d = mkdtempSync(join(dir, name));
    for (const [f, bytes] of Object.entries(seed.files)) writeFileSync(join(d, f), bytes);
    return join(d, seed.main);
  }

  it('nbchan 1e9 fails on the data size before a billion channel names are built', () => {
    expectTypedRead(write('el-nbchan', eeglabSeed(false, { nbchan: 1e9 })), EEG_ERRORS.badHeader, /EEG.data/);
    expectTypedRead(write('el-nbchan-fdt', eeglabSeed(true, { nbchan: 1e9 })), EEG_ERRORS.truncated, /EEG.pnts/);
  }, 20_000);

  it('an infinite srate is a typed error', () => {
    expectTypedRead(
      write('el-srate', eeglabSeed(false, { srate: Number.POSITIVE_INFINITY })),
      EEG_ERRORS.badHeader,
      /EEG.srate/,
    );
  });

  it('a NaN sample, inline or in the .fdt, is a typed error', () => {
    const sample = { channel: 2, time: 7, value: Number.NaN };
    expectTypedRead(write('el-nan', eeglabSeed(false, { sample })), EEG_ERRORS.badHeader, /EEG.data/);
    expectTypedRead(write('el-nan-fdt', eeglabSeed(true, { sample })), EEG_ERRORS.badHeader, /byte offset 120/);
  });
});

describe('annotations', () => {
  it('a non-finite onset is dropped when annotations are attached to a recording', () => {
    const { kept, omitted } = cropAnnotations(
      [
        { onset: Number.NaN, duration: 0, description: 'x' },
        { onset: 1, duration: 0, description: 'y' },
      ],
      10,
    );
    expect(omitted).toBe(1);
    expect(kept.map((a) => a.description)).toEqual(['y']);
  });

  it('huge but finite times (a rate of 1e-302 Hz) stay finite when rounded to the microsecond', () => {
    const { kept } = cropAnnotations([{ onset: 1e303, duration: 1e303, description: 'x' }], 1e305);
    expect(kept[0]?.duration).toBe(1e303);
  });
});
