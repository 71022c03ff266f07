/**
 * Split FIF recordings: MNE (Debian python3-mne) saves a raw recording in 10 MB parts; every sample we read must
 * equal what MNE's read_raw_fif returns for the whole set — also after the set was renamed (the "next file" names
 * in the parts are then stale) — and a missing part gives a warning and the samples before it, as in MNE.
 */

import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defined } from '@concord/core/testing';
import { afterAll, expect, it } from 'vitest';
import { describeWithMne, runMne } from '../mne-python.ts';
import { readRawFif } from './read-fif.ts';

describeWithMne('split FIF recordings written by MNE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-fif-split-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every sample of every part, across the part boundaries, renamed or not; a missing part is a warning', () => {
    const { files, n } = runMne<{ files: string[]; n: number }>(
      `import numpy as np, sys, os, json
d = sys.argv[1]
info = mne.create_info(['EEG%d' % i for i in range(6)] + ['STI 014'], 1000., ['eeg'] * 6 + ['stim'])
x = np.random.default_rng(3).standard_normal((7, 520000)) * 1e-5
x[6] = (np.arange(520000) % 1000 == 0) * 5
raw = mne.io.RawArray(x, info)
raw.save(os.path.join(d, 'rec_raw.fif'), split_size='10MB')
back = mne.io.read_raw_fif(os.path.join(d, 'rec_raw.fif'), preload=True)
back.get_data().astype('<f8').tofile(os.path.join(d, 'mne.f8'))
print(json.dumps({'files': sorted(os.listdir(d)), 'n': int(back.n_times)}))`,
      [dir],
    );
    expect(files.filter((f) => f.endsWith('.fif')).length).toBeGreaterThanOrEqual(2);
    const raw = readFileSync(join(dir, 'mne.f8'));
    const mne = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
    const check = (path: string) => {
      const ours = readRawFif(path);
      expect(ours.nTimes).toBe(n);
      const data = ours.getData();
      expect(data.data.length).toBe(mne.length);
      for (let i = 0; i < mne.length; i++) if (data.data[i] !== mne[i]) expect([i, data.data[i]]).toEqual([i, mne[i]]);
      // a window that straddles every part boundary reads the same as the whole
      const w = ours.getData({ start: n / 2 - 1000, stop: n - 10 });
      expect(Array.from(w.row(2))).toEqual(Array.from(data.row(2).subarray(n / 2 - 1000, n - 10)));
    };
    check(join(dir, 'rec_raw.fif'));
    // renamed set: the parts still name rec_raw-1.fif; the convention <base>-<n>.fif finds them
    for (const f of files.filter((f) => f.endsWith('.fif')))
      renameSync(join(dir, f), join(dir, f.replace('rec_raw', 'moved_raw')));
    check(join(dir, 'moved_raw.fif'));
    // a missing last part: the samples before it, and a warning naming it
    const last = defined(
      files
        .filter((f) => f.endsWith('.fif'))
        .sort()
        .at(-2),
    ).replace('rec_raw', 'moved_raw');
    rmSync(join(dir, last));
    const partial = readRawFif(join(dir, 'moved_raw.fif'));
    expect(partial.nTimes).toBeLessThan(n);
    expect(partial.warnings.join(' ')).toMatch(/next part .*not found/);
  });
});
