/**
 * SSP projections read from FIF files MNE wrote (Debian python3-mne) and applied as raw.apply_proj() applies them:
 * an EEG average-reference projector, two PCA projectors from compute_proj_raw, and a bad channel left out.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix } from '@concord/core';
import { defined } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readRawFif } from './fif/read-fif.ts';
import { describeWithMne, runMne } from './mne-python.ts';
import { applyProj, makeProjector } from './projections.ts';
import { Raw } from './raw.ts';

describe('makeProjector (math)', () => {
  it('is an orthogonal projector that removes exactly the span of the vectors and leaves other channels alone', () => {
    const chNames = ['a', 'b', 'c', 'd', 'e', 'stim'];
    const v1 = [1, 2, 0, -1, 0.5];
    const v2 = [0, 1, 1, 1, -2];
    const p = defined(
      makeProjector(
        [
          {
            description: 'one',
            kind: 1,
            active: false,
            channels: chNames.slice(0, 5),
            nVectors: 1,
            vectors: Float64Array.from(v1),
          },
          {
            description: 'two',
            kind: 1,
            active: false,
            channels: chNames.slice(0, 5),
            nVectors: 1,
            vectors: Float64Array.from(v2),
          },
        ],
        chNames,
      ),
    );
    // P² = P, Pᵀ = P, P·v = 0 for the vectors, the stim channel untouched
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += p.get(i, k) * p.get(k, j);
        expect(Math.abs(s - p.get(i, j))).toBeLessThan(1e-12);
        expect(Math.abs(p.get(i, j) - p.get(j, i))).toBeLessThan(1e-12);
      }
    for (const v of [v1, v2]) {
      for (let i = 0; i < 6; i++) {
        let s = 0;
        for (let k = 0; k < 5; k++) s += p.get(i, k) * v[k];
        expect(Math.abs(s)).toBeLessThan(1e-12);
      }
    }
    expect(Array.from(p.row(5))).toEqual([0, 0, 0, 0, 0, 1]);
    // rank: two vectors removed from six channels
    let trace = 0;
    for (let i = 0; i < 6; i++) trace += p.get(i, i);
    expect(trace).toBeCloseTo(4, 12);
  });
});

describeWithMne('SSP projections from FIF files MNE wrote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-proj-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every projection item and applyProj gives raw.apply_proj()', () => {
    const ref = runMne<{ projs: [string, number, boolean, number][]; bads: string[] }>(
      `import numpy as np, sys, os, json
d = sys.argv[1]
names = ['EEG%d' % i for i in range(8)] + ['STI 014']
info = mne.create_info(names, 250., ['eeg'] * 8 + ['stim'])
rng = np.random.default_rng(4)
x = rng.standard_normal((9, 5000)) * 1e-5
x[:8] += np.outer(rng.standard_normal(8), np.sin(np.arange(5000) / 9)) * 3e-5
x[8] = (np.arange(5000) % 250 == 0) * 3
raw = mne.io.RawArray(x, info)
raw.info['bads'] = ['EEG5']
raw.add_proj(mne.compute_proj_raw(raw, n_eeg=2, n_mag=0, n_grad=0))
raw.set_eeg_reference('average', projection=True)
raw.save(os.path.join(d, 'proj_raw.fif'))
back = mne.io.read_raw_fif(os.path.join(d, 'proj_raw.fif'), preload=True)
back.get_data().astype('<f8').tofile(os.path.join(d, 'plain.f8'))
back.copy().apply_proj().get_data().astype('<f8').tofile(os.path.join(d, 'projected.f8'))
print(json.dumps({'projs': [[p['desc'], int(p['kind']), bool(p['active']), int(p['data']['nrow'])] for p in back.info['projs']], 'bads': back.info['bads']}))`,
      [dir],
    );
    const read = (f: string) => {
      const b = readFileSync(join(dir, f));
      return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
    };
    const raw = readRawFif(join(dir, 'proj_raw.fif'));
    expect(defined(raw.info.projs).map((p) => [p.description, p.kind, p.active, p.nVectors])).toEqual(ref.projs);
    expect(raw.info.bads).toEqual(ref.bads);
    // read_raw_fif does not apply them (proj=False): the stored samples
    expect(Array.from(raw.getData().data)).toEqual(Array.from(read('plain.f8')));
    const projected = applyProj(raw);
    const want = read('projected.f8');
    const got = projected.getData().data;
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-12 * scale);
    expect(defined(projected.info.projs).every((p) => p.active)).toBe(true);
    // a Raw without projections is returned as it is
    const plain = Raw.fromArray(Matrix.zeros(2, 3), { chNames: ['a', 'b'], sfreq: 10 });
    expect(applyProj(plain)).toBe(plain);
  });
});
