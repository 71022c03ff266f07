/**
 * The number of data records when the header's count is −1 or disagrees with the file size: counted from the file
 * size with a warning, as MNE's `_read_edf_header` does (n_records = whole records after the header). Checked against
 * MNE 1.3 itself (Debian python3-mne; skipped visibly without it) on generated EDF and BDF files whose count field
 * says −1, too many, too few, or whose last record was cut.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix } from '@concord/core';
import { tempDir } from '@concord/core/testing';
import { beforeAll, expect, it } from 'vitest';
import { EEG_ERRORS } from '../errors.ts';
import { describeWithMne, runMne } from '../mne-python.ts';
import { Raw } from '../raw.ts';
import { readRaw } from '../read-raw.ts';
import { readEdfHeader } from './read-edf.ts';
import { writeBdf, writeEdf } from './write-edf.ts';

const dir = tempDir('concord-edf-records-');

/** 2 channels, 100 Hz, 5 records of 1 s, written by our writer; then the count field and/or the length changed. */
function variant(kind: 'edf' | 'bdf', name: string, count: string | null, cut: number): string {
  const m = Matrix.zeros(2, 500);
  for (let i = 0; i < 1000; i++) m.data[i] = Math.sin(i / 7) * 1e-4 + (i % 13) * 1e-6;
  const src = join(dir, `src.${kind}`);
  (kind === 'edf' ? writeEdf : writeBdf)(src, Raw.fromArray(m, { chNames: ['Fz', 'Cz'], sfreq: 100 }), {
    recordDuration: 1,
  });
  const bytes = Buffer.from(readFileSync(src));
  if (count !== null) bytes.write(count.padEnd(8, ' '), 236, 'latin1');
  const path = join(dir, `${name}.${kind}`);
  writeFileSync(path, bytes.subarray(0, bytes.length - cut));
  return path;
}

interface MneRead {
  nTimes: number;
  chNames: string[];
  data: number[][];
}

// One MNE process reads every variant (importing MNE costs seconds).
const MNE_READ = `
import sys, json
out = {}
for path in sys.argv[1:]:
    raw = (mne.io.read_raw_bdf if path.endswith('.bdf') else mne.io.read_raw_edf)(path, preload=True)
    out[path] = {'nTimes': int(raw.n_times), 'chNames': raw.ch_names, 'data': raw.get_data().tolist()}
print(json.dumps(out))
`;

const CASES = [
  ['count -1', '-1', 0, 0, 5],
  ['count too large', '7', 0, 0, 5],
  ['count too small (extra records are read)', '3', 0, 0, 5],
  ['last record cut in the middle', null, 0, 10, 4],
  ['count -1 and two records and a bit missing', '-1', 2, 4, 2],
] as const;

describeWithMne('EDF/BDF record count from the file size, as MNE 1.3', () => {
  const files = new Map<string, string>();
  let ref: Record<string, MneRead> = {};
  beforeAll(() => {
    for (const kind of ['edf', 'bdf'] as const) {
      variant(kind, 'probe', null, 0);
      const recordBytes = readEdfHeader(join(dir, `src.${kind}`)).recordBytes;
      for (const [name, count, cutRecords, cutBytes] of CASES)
        files.set(
          `${kind}: ${name}`,
          variant(kind, name.replace(/\W+/g, '-'), count, cutRecords * recordBytes + cutBytes),
        );
    }
    ref = runMne<Record<string, MneRead>>(MNE_READ, [...files.values()]);
  }, 120_000);

  for (const kind of ['edf', 'bdf'] as const) {
    for (const [name, count, , , records] of CASES) {
      it(`${kind}: ${name} → ${records} records, the same samples as MNE, and a warning`, () => {
        const path = files.get(`${kind}: ${name}`) ?? '';
        const raw = readRaw(path);
        const mne = ref[path];
        expect(raw.nTimes).toBe(records * 100);
        expect(mne.nTimes).toBe(raw.nTimes);
        const ours = raw.getData({ picks: mne.chNames });
        let worst = 0;
        mne.data.forEach((row, c) => {
          for (let t = 0; t < row.length; t++) worst = Math.max(worst, Math.abs(row[t] - ours.get(c, t)));
        });
        expect(worst).toBeLessThan(1e-12);
        expect(raw.warnings.join('\n')).toMatch(
          count === null ? /incomplete data record/ : /counted from the file size/,
        );
      });
    }
  }

  it('a header that announces records when not one whole record is present is a truncated file', () => {
    const path = variant('edf', 'empty', null, 5 * readEdfHeader(join(dir, 'src.edf')).recordBytes - 3);
    expect(() => readRaw(path)).toThrow(
      expect.objectContaining({ code: EEG_ERRORS.truncated, message: expect.stringMatching(/not one whole record/) }),
    );
  });
});
