/** EDF/BDF writers: round trips through our reader to half a quantisation step, and header details. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, Rng } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { hasMne, runMne } from '../mne-python.ts';
import { Raw } from '../raw.ts';
import { readEdfHeader, readRawEdf } from './read-edf.ts';
import { formatEdfNumber, writeBdf, writeEdf } from './write-edf.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-eeg-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function simulated(nch: number, n: number, sfreq: number, seed = 1): Raw {
  const rng = new Rng(seed);
  const m = Matrix.zeros(nch + 1, n);
  for (let c = 0; c < nch; c++)
    for (let t = 0; t < n; t++)
      m.data[c * n + t] = 50e-6 * Math.sin((2 * Math.PI * (c + 1) * t) / sfreq) + 10e-6 * rng.normal();
  for (let t = 0; t < n; t++) m.data[nch * n + t] = t % 97 === 0 ? 1 + (t % 5) : 0;
  const names = [...Array.from({ length: nch }, (_, c) => `EEG ${c + 1}`), 'Status'];
  return Raw.fromArray(
    m,
    {
      chNames: names,
      chTypes: [...names.slice(0, nch).map(() => 'eeg' as const), 'stim' as const],
      sfreq,
      measDate: new Date(Date.UTC(2021, 4, 6, 7, 8, 9)),
    },
    [
      { onset: 0.5, duration: 0, description: 'stim A' },
      { onset: 1.25, duration: 0.75, description: 'réponse ✓' },
      { onset: 2.999, duration: 0, description: 'late' },
    ],
  );
}

describe.each([
  ['edf', writeEdf],
  ['bdf', writeBdf],
] as const)('%s writer', (kind, write) => {
  it('round-trips samples to half a quantisation step, codes exactly, annotations to the microsecond', () => {
    const src = simulated(5, 3 * 256, 256);
    const path = join(dir, `rt.${kind}`);
    const res = write(path, src);
    expect(res.padded).toBe(0);
    const back = readRawEdf(path);
    expect(back.format).toBe(kind);
    expect(back.info.chNames).toEqual(src.info.chNames);
    expect(back.info.chTypes).toEqual(src.info.chTypes);
    expect(back.info.sfreq).toBe(256);
    expect(back.nTimes).toBe(src.nTimes);
    expect(back.info.measDate?.toISOString()).toBe('2021-05-06T07:08:09.000Z');
    const a = src.getData();
    const b = back.getData();
    for (let c = 0; c < 6; c++) {
      const step = res.quantisationSteps[c];
      const range = Math.max(...a.row(c)) - Math.min(...a.row(c));
      // the step is the data range over the digital range (EDF 16 bit, BDF 24 bit), up to header rounding
      if (c < 5) expect(step).toBeLessThan((range / (kind === 'bdf' ? 16777215 : 65535)) * 1.001);
      for (let t = 0; t < src.nTimes; t++) {
        const i = c * src.nTimes + t;
        if (c === 5) expect(b.data[i]).toBe(a.data[i]);
        else expect(Math.abs(b.data[i] - a.data[i])).toBeLessThanOrEqual(step / 2 + 1e-12 * Math.abs(a.data[i]));
      }
    }
    expect(back.annotations).toEqual(src.annotations);
  });

  it('pads the last record with zeros and says so', () => {
    const src = simulated(2, 300, 100);
    const path = join(dir, `pad.${kind}`);
    const res = write(path, src);
    expect(res).toMatchObject({ nRecords: 3, samplesPerRecord: 100, padded: 0 });
    const res2 = write(join(dir, `pad2.${kind}`), Raw.fromArray(src.getData({ stop: 250 }), src.info));
    expect(res2).toMatchObject({ nRecords: 3, padded: 50 });
    expect(readRawEdf(join(dir, `pad2.${kind}`)).nTimes).toBe(300);
  });
});

describe('writer details', () => {
  it('header fields follow the EDF+ specification', () => {
    const path = join(dir, 'hdr.edf');
    writeEdf(path, simulated(3, 512, 128));
    const h = readEdfHeader(path);
    expect(h.variant).toBe('EDF+C');
    expect(h.signals.at(-1)?.label).toBe('EDF Annotations');
    expect(h.signals[0].physicalDimension).toBe('uV');
    expect(h.headerBytes).toBe(256 * 6);
    const bytes = readFileSync(path);
    expect(bytes.subarray(88, 88 + 22).toString('latin1')).toBe('Startdate 06-MAY-2021 ');
  });

  it('formats physical limits into 8 characters, rounding outward', () => {
    expect(formatEdfNumber(-123.456789123, 'down', 'f', 'x')).toBe('-123.457');
    expect(formatEdfNumber(123.456789123, 'up', 'f', 'x')).toBe('123.4568');
    expect(Number(formatEdfNumber(0.000012345678, 'up', 'f', 'x'))).toBeGreaterThanOrEqual(0.000012345678);
    expect(() => formatEdfNumber(1e12, 'up', 'f', 'physical maximum')).toThrow(/8-character/);
  });

  it('a failing write leaves no file and no temporary behind', () => {
    const bad = Raw.fromArray(Matrix.from([[0, Number.NaN]]), { chNames: ['x'], sfreq: 2 });
    const before = readdirSync(dir).length;
    expect(() => writeEdf(join(dir, 'bad.edf'), bad)).toThrow(/non-finite/);
    expect(readdirSync(dir).length).toBe(before);
  });
});

describe('discontinuous EDF+D / BDF+D', () => {
  for (const [kind, write] of [
    ['edf', writeEdf],
    ['bdf', writeBdf],
  ] as const) {
    it(`${kind}: records read back to back, annotations moved onto them, each gap marked BAD_ACQ_SKIP`, () => {
      // 8 records of 1 s; record 3 starts 2 s after record 2 ends, record 5 another 3.5 s later
      const onsets = [0, 1, 2, 5, 6, 10.5, 11.5, 12.5];
      const src = simulated(3, 8 * 128, 128, 5);
      const withAnnotations = Raw.fromArray(src.getData(), src.info, [
        { onset: 0.5, duration: 0, description: 'in record 0' },
        { onset: 3.5, duration: 0, description: 'in the first gap' },
        { onset: 5.25, duration: 0.5, description: 'in record 3' },
        { onset: 11, duration: 0, description: 'in record 5' },
      ]);
      const path = join(dir, `gaps.${kind}`);
      write(path, withAnnotations, { recordOnsets: onsets });
      expect(readEdfHeader(path).variant).toBe(`${kind.toUpperCase()}+D`);
      const back = readRawEdf(path);
      expect(back.nTimes).toBe(8 * 128);
      // samples: the records in file order, nothing inserted
      const a = src.getData();
      const b = back.getData();
      for (let t = 0; t < back.nTimes; t++) expect(b.data[3 * back.nTimes + t]).toBe(a.data[3 * src.nTimes + t]);
      expect(back.annotations).toEqual([
        { onset: 0.5, duration: 0, description: 'in record 0' },
        { onset: 3, duration: 0, description: 'BAD_ACQ_SKIP' },
        { onset: 3, duration: 0, description: 'in the first gap' },
        { onset: 3.25, duration: 0.5, description: 'in record 3' },
        { onset: 5, duration: 0, description: 'BAD_ACQ_SKIP' },
        { onset: 5.5, duration: 0, description: 'in record 5' },
      ]);
      const warning = back.warnings.find((w) => w.includes('gap'));
      expect(warning).toContain('2 gap(s)');
      expect(warning).toContain('5.5 s without data');
      if (hasMne) {
        // MNE reads the same file as contiguous records: the same samples (it keeps recording-time onsets)
        const mne = runMne<{ n: number; stim: number[] }>(
          `import sys, json
raw = mne.io.read_raw_${kind}(sys.argv[1], preload=True)
print(json.dumps({'n': int(raw.n_times), 'stim': raw.get_data()[3].tolist()}))`,
          [path],
        );
        expect(mne.n).toBe(back.nTimes);
        expect(mne.stim).toEqual(Array.from(b.row(3)));
      }
    });
  }

  it('recordOnsets must be one per record and must not overlap: typed errors, no file', () => {
    const src = simulated(1, 4 * 128, 128);
    const path = join(dir, 'bad-onsets.edf');
    expect(() => writeEdf(path, src, { recordOnsets: [0, 1, 2] })).toThrow(/one onset per data record \(4 records/);
    expect(() => writeEdf(path, src, { recordOnsets: [0, 1, 1.5, 3] })).toThrow(/recordOnsets\[2\]/);
    expect(readdirSync(dir).some((f) => f.startsWith('bad-onsets'))).toBe(false);
  });
});
