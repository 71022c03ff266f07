/**
 * Searchlight RSA on CSR neighbourhoods: the fast kernel (in-process and on worker threads, with and without BLAS)
 * against the general path through calcRdm + compareRdms, one centre against numpy/scipy, progress events, bad
 * inputs. Neighbourhoods are spheres in a ball-shaped lattice mask built in lattice-neighbourhoods.ts.
 */
import { Dataset, Matrix, Rng } from '@concord/core';
import { hasPythonModules, runPythonJson } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { calcRdm } from '../calc-rdm.ts';
import { compareRdms } from '../compare.ts';
import { averageRanks } from '../ranking.ts';
import { rankInto } from '../searchlight-kernel.ts';
import { ballMask, latticeNeighbourhoods, selectCentres } from './lattice-neighbourhoods.ts';
import { closeSearchlightPool, searchlight } from './searchlight.ts';

afterAll(() => closeSearchlightPool());

describe('radix ranking', () => {
  it('equals sort-based average ranks, with ties, float32-equal near-ties, negative numbers, ±0 and infinities', () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + Math.floor(rng.uniform() * 300);
      const v = Float64Array.from({ length: n }, () => {
        const u = rng.uniform();
        return u < 0.2
          ? Math.round(rng.uniform() * 5) - 2
          : u < 0.25
            ? -0
            : u < 0.27
              ? -Infinity
              : u < 0.29
                ? Infinity
                : (rng.uniform() - 0.5) * 1e3;
      });
      const out = new Float64Array(n);
      rankInto(v, out);
      expect(Array.from(out)).toEqual(Array.from(averageRanks(v)));
    }
  });
});

describe('searchlight values', () => {
  const mask = ballMask(11, 4.5);
  const nb2 = latticeNeighbourhoods(mask, [11, 11, 11], 2);
  const nVoxels = nb2.nChannels;
  const rng = new Rng(7);
  const nCond = 12;
  // two runs per condition, averaged by descriptor
  const x = Matrix.zeros(2 * nCond, nVoxels);
  rng.fillNormal(x.data);
  const ds = new Dataset(x, { obsDescriptors: { stim: Array.from({ length: 2 * nCond }, (_, i) => i % nCond) } });
  const models = Matrix.zeros(2, (nCond * (nCond - 1)) / 2);
  rng.fillNormal(models.data);

  for (const [method, compareMethod] of [
    ['correlation', 'spearman'],
    ['euclidean', 'corr'],
    ['correlation', 'cosine'],
  ] as const) {
    it(`${method} RDMs compared by ${compareMethod}: fast kernel (1 and 2 threads) = calcRdm + compareRdms per centre`, async () => {
      const events: number[] = [];
      const opts = { models, method, compareMethod, descriptor: 'stim', minVoxels: 5 };
      const one = await searchlight(ds, nb2, { ...opts, threads: 1, onProgress: (e) => events.push(e.done) });
      const two = await searchlight(ds, nb2, { ...opts, threads: 2 });
      const plain = await searchlight(ds, nb2, { ...opts, threads: 1, blas: false });
      for (let i = 0; i < one.values.data.length; i++) {
        const a = one.values.data[i];
        if (Number.isNaN(a)) {
          expect(Number.isNaN(two.values.data[i]) && Number.isNaN(plain.values.data[i])).toBe(true);
          continue;
        }
        expect(Math.abs(two.values.data[i] - a)).toBeLessThan(1e-12);
        expect(Math.abs(plain.values.data[i] - a)).toBeLessThan(1e-12);
      }
      expect(events[events.length - 1]).toBe(nVoxels);
      const nb = nb2;
      for (let c = 0; c < nb.centers.length; c += 37) {
        const vox = nb.neighbours.subarray(nb.offsets[c], nb.offsets[c + 1]);
        if (vox.length < 5) {
          expect(Number.isNaN(one.values.get(c, 0))).toBe(true);
          continue;
        }
        const rdm = calcRdm(ds.selectChannels(vox), { method, descriptor: 'stim' });
        const cmp = compareRdms(rdm, models, { method: compareMethod });
        for (let m = 0; m < 2; m++) expect(Math.abs(one.values.get(c, m) - cmp.get(0, m))).toBeLessThan(1e-12);
      }
    });
  }

  it('general path (crossnobis across runs, spearman) runs through calcRdm', async () => {
    const runDs = new Dataset(x, {
      obsDescriptors: {
        stim: Array.from({ length: 2 * nCond }, (_, i) => i % nCond),
        run: Array.from({ length: 2 * nCond }, (_, i) => Math.floor(i / nCond)),
      },
    });
    const nb15 = latticeNeighbourhoods(mask, [11, 11, 11], 1.5);
    const r = await searchlight(runDs, selectCentres(nb15, [0, 10, 20]), {
      models: models.row(0),
      method: 'crossnobis',
      descriptor: 'stim',
      cvDescriptor: 'run',
    });
    expect(r.values.shape).toEqual([3, 1]);
    const nb = selectCentres(nb15, [10]);
    const rdm = calcRdm(runDs.selectChannels(nb.neighbours), {
      method: 'crossnobis',
      descriptor: 'stim',
      cvDescriptor: 'run',
    });
    expect(r.values.get(1, 0)).toBeCloseTo(compareRdms(rdm, models.row(0), { method: 'spearman' }).get(0, 0), 12);
  });

  (hasPythonModules(['numpy', 'scipy']) ? it : it.skip)(
    'one centre against numpy corrcoef + scipy spearmanr',
    async () => {
      const nb = selectCentres(nb2, [50]);
      const r = await searchlight(ds, nb, { models: models.row(0), descriptor: 'stim', threads: 1 });
      const ref = runPythonJson<number>(
        `import numpy as np
from scipy.stats import spearmanr
X = np.array(data['x']); stim = np.array(data['stim'])
M = np.array([X[stim == s].mean(axis=0) for s in sorted(set(stim.tolist()))])[:, data['vox']]
r = 1 - np.corrcoef(M)
result = float(spearmanr(r[np.triu_indices(len(M), 1)], data['model'])[0])`,
        {
          x: x.toArray(),
          stim: ds.obsDescriptors.stim,
          vox: Array.from(nb.neighbours),
          model: Array.from(models.row(0)),
        },
      );
      expect(Math.abs(r.values.get(0, 0) - ref)).toBeLessThan(1e-12);
    },
  );

  it('bad inputs: unknown methods list the valid ones; data or neighbourhoods that do not fit', async () => {
    await expect(searchlight(ds, nb2, { models, method: 'nope' })).rejects.toMatchObject({
      code: 'ERR_RSA_UNKNOWN_METHOD',
      message: expect.stringContaining("'correlation'"),
    });
    await expect(searchlight(ds, nb2, { models, compareMethod: 'nope' })).rejects.toMatchObject({
      code: 'ERR_RSA_UNKNOWN_METHOD',
    });
    await expect(searchlight(ds.selectChannels([0, 1]), nb2, { models })).rejects.toMatchObject({
      code: 'ERR_RSA_NEIGHBOURHOODS',
      message: expect.stringContaining(`data have 2 channels, the neighbourhoods refer to ${nVoxels}`),
    });
    const outside = { ...nb2, neighbours: Int32Array.from(nb2.neighbours, (v, i) => (i === 3 ? nVoxels : v)) };
    await expect(searchlight(ds, outside, { models })).rejects.toMatchObject({
      code: 'ERR_RSA_NEIGHBOURHOODS',
      message: expect.stringContaining(`channel index ${nVoxels} outside`),
    });
    const short = { ...nb2, offsets: nb2.offsets.subarray(1) };
    await expect(searchlight(ds, short, { models })).rejects.toMatchObject({ code: 'ERR_RSA_NEIGHBOURHOODS' });
    await expect(searchlight(ds, nb2, { models: models.row(0).subarray(1), descriptor: 'stim' })).rejects.toMatchObject(
      { code: 'ERR_RSA_VECTOR_LENGTH' },
    );
  });
});
