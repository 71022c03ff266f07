/**
 * Bad input: every malformed file gives a typed error (stable code) naming the file and the header field or byte
 * offset; a bounded fuzz over the shared recordings never crashes, hangs or returns out-of-range samples.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConcordError, Matrix, Rng } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readEdfHeader } from './edf/read-edf.ts';
import { writeEdf } from './edf/write-edf.ts';
import { EEG_ERRORS } from './errors.ts';
import { Raw } from './raw.ts';
import { readRaw } from './read-raw.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-eeg-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectFileError(fn: () => unknown, code: string, file: string, where?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a typed error').toBeDefined();
  expect(isConcordError(err), `not a Concord error: ${String(err)}`).toBe(true);
  const e = err as Error & { code: string; details: { file?: string; field?: string; offset?: number } };
  expect(e.code).toBe(code);
  expect(e.message).toContain(file);
  if (where) expect(e.message).toMatch(where);
}

function edfFile(name = 'ok.edf'): { path: string; bytes: Buffer } {
  const m = Matrix.zeros(2, 300);
  for (let i = 0; i < 600; i++) m.data[i] = Math.sin(i) * 1e-5;
  const path = join(dir, name);
  writeEdf(path, Raw.fromArray(m, { chNames: ['a', 'b'], sfreq: 100 }));
  return { path, bytes: readFileSync(path) };
}

describe('malformed EDF/BDF', () => {
  it('truncated data: the whole records are read with a warning (as MNE); no whole record at all is an error', () => {
    const { bytes } = edfFile();
    const h = readEdfHeader(join(dir, 'ok.edf'));
    const p = join(dir, 'trunc.edf');
    writeFileSync(p, bytes.subarray(0, bytes.length - 10));
    const raw = readRaw(p);
    expect(raw.nTimes).toBe(300 - 300 / h.nRecordsInHeader);
    expect(raw.warnings.join('\n')).toMatch(/incomplete data record.*\n.*counted from the file size/);
    writeFileSync(p, bytes.subarray(0, h.headerBytes + h.recordBytes - 1));
    expectFileError(() => readRaw(p), EEG_ERRORS.truncated, p, /field number of data records, byte offset 236/);
  });

  it('truncated header', () => {
    const { bytes } = edfFile();
    const p = join(dir, 'head.edf');
    writeFileSync(p, bytes.subarray(0, 300));
    expectFileError(() => readRaw(p), EEG_ERRORS.truncated, p, /header/);
    writeFileSync(p, bytes.subarray(0, 100));
    expectFileError(() => readRaw(p), EEG_ERRORS.truncated, p, /256/);
  });

  it('non-numeric and lying header fields name the field and offset', () => {
    const { bytes } = edfFile();
    const p = join(dir, 'field.edf');
    const b = Buffer.from(bytes);
    b.write('12x45   ', 236, 'latin1');
    writeFileSync(p, b);
    expectFileError(() => readRaw(p), EEG_ERRORS.badHeader, p, /number of data records.*236.*"12x45"/);
    const c = Buffer.from(bytes);
    c.write('999     ', 184, 'latin1');
    writeFileSync(p, c);
    expectFileError(() => readRaw(p), EEG_ERRORS.badHeader, p, /header bytes.*184/);
    // samples per record of signal 0 inflated far beyond the data: not one whole record fits the file
    const h = readEdfHeader(join(dir, 'ok.edf'));
    const d = Buffer.from(bytes);
    const ns = h.signals.length;
    d.write('20000   ', 256 + ns * (16 + 80 + 8 * 5 + 80), 'latin1');
    writeFileSync(p, d);
    expectFileError(() => readRaw(p), EEG_ERRORS.truncated, p, /number of data records/);
    const e = Buffer.from(bytes);
    e.write('1 2     ', 256 + ns * (16 + 80 + 8 + 8), 'latin1');
    writeFileSync(p, e);
    expectFileError(() => readRaw(p), EEG_ERRORS.badHeader, p, /physicalMax of signal 0/);
  });

  it('wrong version field', () => {
    const { bytes } = edfFile();
    const p = join(dir, 'ver.edf');
    const b = Buffer.from(bytes);
    b.write('PK', 0, 'latin1');
    writeFileSync(p, b);
    expectFileError(() => readRaw(p), EEG_ERRORS.unknownFormat, p, /version/);
  });
});

describe('files that are not files', () => {
  it('a directory, an empty file, a missing file, an unknown extension', () => {
    const d = join(dir, 'adir.edf');
    mkdirSync(d, { recursive: true });
    expectFileError(() => readRaw(d), EEG_ERRORS.notAFile, d, /directory/);
    const e = join(dir, 'empty.bdf');
    writeFileSync(e, '');
    expectFileError(() => readRaw(e), EEG_ERRORS.truncated, e, /empty/);
    const m = join(dir, 'missing.vhdr');
    expectFileError(() => readRaw(m), EEG_ERRORS.notAFile, m, /no such file/);
    const u = join(dir, 'x.xyz');
    writeFileSync(u, 'hello');
    expectFileError(() => readRaw(u), EEG_ERRORS.unknownFormat, u, /\.edf.*\.vhdr/);
  });
});

describeWithSharedData(['eeg'], 'malformed companions and formats', () => {
  const bv = (name: string) => sharedData('eeg', 'mne-python', 'brainvision', name);

  it('BrainVision: missing .eeg, missing .vmrk, unknown binary format, bad channel count', () => {
    const d = join(dir, 'bv');
    mkdirSync(d, { recursive: true });
    copyFileSync(bv('test.vhdr'), join(d, 'test.vhdr'));
    expectFileError(
      () => readRaw(join(d, 'test.vhdr')),
      EEG_ERRORS.missingCompanion,
      join(d, 'test.vhdr'),
      /DataFile.*test\.eeg/,
    );
    copyFileSync(bv('test.eeg'), join(d, 'test.eeg'));
    expectFileError(
      () => readRaw(join(d, 'test.vhdr')),
      EEG_ERRORS.missingCompanion,
      join(d, 'test.vhdr'),
      /MarkerFile/,
    );
    copyFileSync(bv('test.vmrk'), join(d, 'test.vmrk'));
    expect(readRaw(join(d, 'test.vhdr')).nChannels).toBe(32);
    const text = readFileSync(bv('test.vhdr'), 'utf8');
    writeFileSync(join(d, 'test.vhdr'), text.replace('BinaryFormat=INT_16', 'BinaryFormat=INT_64'));
    expectFileError(
      () => readRaw(join(d, 'test.vhdr')),
      EEG_ERRORS.unsupported,
      join(d, 'test.vhdr'),
      /Binary Infos\.BinaryFormat.*INT_64/,
    );
    writeFileSync(join(d, 'test.vhdr'), text.replace('NumberOfChannels=32', 'NumberOfChannels=thirty'));
    expectFileError(
      () => readRaw(join(d, 'test.vhdr')),
      EEG_ERRORS.badHeader,
      join(d, 'test.vhdr'),
      /NumberOfChannels.*"thirty"/,
    );
    writeFileSync(join(d, 'test.vhdr'), text.replace('NumberOfChannels=32', 'NumberOfChannels=33'));
    expectFileError(() => readRaw(join(d, 'test.vhdr')), EEG_ERRORS.badHeader, join(d, 'test.vhdr'), /Ch33/);
  });

  it('EEGLAB: missing .fdt companion', () => {
    const d = join(dir, 'set');
    mkdirSync(d, { recursive: true });
    copyFileSync(
      sharedData('eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_chanloc.set'),
      join(d, 'test_raw_chanloc.set'),
    );
    expectFileError(
      () => readRaw(join(d, 'test_raw_chanloc.set')),
      EEG_ERRORS.missingCompanion,
      join(d, 'test_raw_chanloc.set'),
      /EEG\.data.*fdt/,
    );
  });

  it('FIF: truncated file', () => {
    const b = readFileSync(sharedData('eeg', 'mne-python', 'brainvision', 'test_bin_raw.fif'));
    const p = join(dir, 'cut.fif');
    writeFileSync(p, b.subarray(0, Math.floor(b.length / 2)));
    expectFileError(() => readRaw(p), EEG_ERRORS.truncated, p, /byte offset/);
  });
});

/** Bounds on what a sample may be given the (possibly mutated) header: any stored integer × scale + offset. */
function edfBounds(path: string): { lo: number; hi: number }[] {
  const h = readEdfHeader(path);
  const full = h.kind === 'bdf' ? 2 ** 23 : 2 ** 15;
  const UNIT: Record<string, number> = { V: 1, mV: 1e-3, uV: 1e-6, µV: 1e-6, μV: 1e-6, nV: 1e-9 };
  return h.signals
    .filter((s) => !s.isAnnotation)
    .map((s) => {
      if (/^(status|trigger)$/i.test(s.label)) return { lo: -full, hi: full };
      const cal = (s.physicalMax - s.physicalMin) / (s.digitalMax - s.digitalMin);
      const off = s.physicalMin - s.digitalMin * cal;
      const u = UNIT[s.physicalDimension] ?? 1;
      const a = (-full * cal + off) * u;
      const b = ((full - 1) * cal + off) * u;
      const m = Math.max(Math.abs(a), Math.abs(b)) * 1e-9;
      return { lo: Math.min(a, b) - m, hi: Math.max(a, b) + m };
    });
}

describeWithSharedData(['eeg'], 'fuzz: mutated shared files never crash, hang or return out-of-range samples', () => {
  const targets: { parts: string[]; companions?: string[] }[] = [
    { parts: ['mne-python', 'edf', 'test_bdf_stim_channel.bdf'] },
    { parts: ['mne-python', 'edf', 'test_uneven_samp.edf'] },
    { parts: ['mne-testing-data', 'EDF', 'subsecond_starttime.edf'] },
    { parts: ['mne-python', 'edf', 'duplicate_channel_labels.edf'] },
    { parts: ['mne-python', 'brainvision', 'testv2.vhdr'], companions: ['testv2.vmrk', 'test.eeg'] },
    { parts: ['mne-python', 'brainvision', 'test_bin_raw.fif'] },
  ];
  const MUTATIONS = 150;
  for (const t of targets) {
    it(t.parts.join('/'), () => {
      const src = sharedData('eeg', ...t.parts);
      const name = t.parts[t.parts.length - 1];
      const d = join(dir, `fuzz-${name}`);
      mkdirSync(d, { recursive: true });
      for (const c of t.companions ?? []) copyFileSync(sharedData('eeg', ...t.parts.slice(0, -1), c), join(d, c));
      const original = readFileSync(src);
      const rng = new Rng(name.length * 7919);
      const isEdf = /\.(edf|bdf)$/.test(name);
      const headerLen = isEdf
        ? Number(original.subarray(184, 192).toString('latin1'))
        : Math.min(original.length, 2048);
      let typed = 0;
      let ok = 0;
      for (let m = 0; m < MUTATIONS; m++) {
        const b = Buffer.from(original);
        const kind = m % 4;
        let data = b;
        if (kind === 0) data = b.subarray(0, Math.floor(rng.uniform() * b.length));
        else {
          // 1–8 byte changes, mostly in the header where they matter; digits for kind 2, random bytes otherwise
          const count = 1 + Math.floor(rng.uniform() * 8);
          for (let k = 0; k < count; k++) {
            const at = Math.floor(rng.uniform() * (kind === 3 ? b.length : headerLen));
            b[at] = kind === 2 ? 0x30 + Math.floor(rng.uniform() * 10) : Math.floor(rng.uniform() * 256);
          }
        }
        const p = join(d, name);
        writeFileSync(p, data);
        try {
          const raw = readRaw(p);
          const n = Math.min(raw.nTimes, 2000);
          const w = raw.getData({ start: 0, stop: n });
          expect(w.rows).toBe(raw.nChannels);
          expect(w.cols).toBe(n);
          const bounds = isEdf ? edfBounds(p) : null;
          const bad: string[] = [];
          for (let c = 0; c < w.rows; c++) {
            // channels upsampled from a lower rate (FFT, as MNE) may ring past the stored range; they must stay finite
            const resampled = raw.info.fileSfreq !== undefined && raw.info.fileSfreq[c] !== raw.info.sfreq;
            for (let i = 0; i < n; i++) {
              const v = w.data[c * n + i];
              if (!Number.isFinite(v)) bad.push(`sample ${c},${i} is ${v}`);
              else if (bounds && !resampled && (v < bounds[c].lo || v > bounds[c].hi))
                bad.push(`sample ${c},${i} = ${v} outside [${bounds[c].lo}, ${bounds[c].hi}]`);
            }
          }
          expect(bad.slice(0, 3), `mutation ${m} (kind ${kind})`).toEqual([]);
          ok++;
        } catch (e) {
          if (!isConcordError(e))
            throw new Error(`mutation ${m} (kind ${kind}) of ${name} threw an untyped error: ${(e as Error).stack}`);
          typed++;
        }
      }
      expect(typed + ok).toBe(MUTATIONS);
      // a hang (lying sizes, looping FIF tag chains) would exceed vitest's timeout for this test
    }, 120_000);
  }
});
