/**
 * Searchlight: sphere geometry (lattice-point counts), truncation at the mask, the fast kernel (in-process and on
 * worker threads) against the general path through @concord/rsa calcRdm + compareRdms, one centre against scipy,
 * NIfTI map output and progress events.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, Matrix, Rng } from '@concord/core';
import { hasPythonModules, runPythonJson } from '@concord/core/testing';
import { averageRanks, calcRdm, compareRdms } from '@concord/rsa';
import { afterAll, describe, expect, it } from 'vitest';
import { NiftiMasker } from './masker.ts';
import { readNiftiSync } from './read-nifti.ts';
import { closeSearchlightPool, searchlight, searchlightNeighbourhoods, sphereOffsets } from './searchlight.ts';
import { rankInto } from './searchlight-kernel.ts';
import { createNiftiImage } from './write-nifti.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-sl-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeSearchlightPool();
});

function ballMask(n: number, r: number, zooms = [1, 1, 1]) {
  const data = new Float32Array(n * n * n);
  const c = (n - 1) / 2;
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++)
        if ((i - c) ** 2 + (j - c) ** 2 + (k - c) ** 2 <= r * r) data[i + n * (j + n * k)] = 1;
  return createNiftiImage({
    data,
    shape: [n, n, n],
    affine: [
      [zooms[0], 0, 0, 0],
      [0, zooms[1], 0, 0],
      [0, 0, zooms[2], 0],
      [0, 0, 0, 1],
    ],
  });
}

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

describe('sphere geometry', () => {
  it("rsatoolbox's rule (the default), distance < radius: radius 1, √2, 2, 3 hold 1, 7, 27, 93 lattice points", () => {
    expect(sphereOffsets(1)).toHaveLength(1);
    expect(sphereOffsets(Math.SQRT2)).toHaveLength(7);
    expect(sphereOffsets(2)).toHaveLength(27);
    expect(sphereOffsets(3)).toHaveLength(93);
  });
  it("nilearn's rule, distance ≤ radius (here in voxel units): radius 1, √2, 2, 3 hold 7, 19, 33, 123", () => {
    const voxels = { sphere: 'nilearn', units: 'voxels' } as const;
    expect(sphereOffsets(1, voxels)).toHaveLength(7);
    expect(sphereOffsets(Math.SQRT2, voxels)).toHaveLength(19);
    expect(sphereOffsets(2, voxels)).toHaveLength(33);
    expect(sphereOffsets(3, voxels)).toHaveLength(123);
  });
  it("nilearn's mm radius through the affine: 4 mm on 2 mm voxels = 2 voxels; anisotropic 2×2×4 mm", () => {
    const iso = [
      [2, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 2, 0],
      [0, 0, 0, 1],
    ];
    expect(sphereOffsets(4, { sphere: 'nilearn' }, iso)).toHaveLength(33);
    const aniso = [
      [2, 0, 0, 0],
      [0, 2, 0, 0],
      [0, 0, 4, 0],
      [0, 0, 0, 1],
    ];
    // |(2di, 2dj, 4dk)| ≤ 4: dk = 0 → di²+dj² ≤ 4 (13 points); dk = ±1 → di = dj = 0 (2 points)
    expect(sphereOffsets(4, { sphere: 'nilearn' }, aniso)).toHaveLength(15);
    expect(() => sphereOffsets(4, { sphere: 'nilearn' })).toThrow(/'mm' needs the image's affine/);
    expect(() => sphereOffsets(2, { sphere: 'spm' as never })).toThrow(/'rsatoolbox', 'nilearn'/);
  });
  it('spheres are truncated at the mask: centre of a big ball has 123, a boundary voxel fewer', () => {
    const masker = new NiftiMasker(ballMask(15, 6));
    const nb = searchlightNeighbourhoods(masker, { radius: 3, sphere: 'nilearn', units: 'voxels' });
    const sizes = Array.from({ length: nb.centers.length }, (_, c) => nb.offsets[c + 1] - nb.offsets[c]);
    expect(Math.max(...sizes)).toBe(123);
    expect(Math.min(...sizes)).toBeLessThan(60);
    // every neighbour lies within the radius of its centre
    const coords = masker.voxelCoordinates();
    for (let c = 0; c < nb.centers.length; c += 97) {
      for (let q = nb.offsets[c]; q < nb.offsets[c + 1]; q++) {
        const a = coords[nb.centers[c]];
        const b = coords[nb.neighbours[q]];
        expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeLessThanOrEqual(3);
      }
    }
  });
});

/** A mask as nested [i][j][k] booleans (numpy's C-order array of the volume) for the Python transcriptions. */
function nestedMask(masker: NiftiMasker): number[][][] {
  const [nx, ny, nz] = masker.shape;
  const out = Array.from({ length: nx }, () => Array.from({ length: ny }, () => new Array<number>(nz).fill(0)));
  for (const [i, j, k] of masker.voxelCoordinates()) out[i][j][k] = 1;
  return out;
}

/** Each centre's neighbourhood as sorted "i,j,k" strings, keyed by the centre's "i,j,k". */
function neighbourSets(masker: NiftiMasker, nb: ReturnType<typeof searchlightNeighbourhoods>): Map<string, string[]> {
  const coords = masker.voxelCoordinates();
  const out = new Map<string, string[]>();
  for (let c = 0; c < nb.centers.length; c++) {
    const set = Array.from(nb.neighbours.subarray(nb.offsets[c], nb.offsets[c + 1]), (m) => coords[m].join(','));
    out.set(coords[nb.centers[c]].join(','), set.sort());
  }
  return out;
}

// Transcription of rsatoolbox.util.searchlight (get_volume_searchlight / _get_searchlight_neighbors, rsatoolbox 0.1):
// candidates within |x − c| < radius per axis, then cdist(...) < radius; centers kept when the mask's mean over
// the neighbours is ≥ threshold.
const RSATOOLBOX_SEARCHLIGHT = `
import numpy as np
from scipy.spatial.distance import cdist
mask = np.array(data['mask'], dtype=bool)
radius = data['radius']
def neighbors_of(center):
    center = np.array(center)
    cx, cy, cz = center
    x = np.arange(mask.shape[0]); y = np.arange(mask.shape[1]); z = np.arange(mask.shape[2])
    x = x[abs(x - cx) < radius]; y = y[abs(y - cy) < radius]; z = z[abs(z - cz) < radius]
    X, Y, Z = np.meshgrid(x, y, z)
    pts = np.vstack((X.ravel(), Y.ravel(), Z.ravel())).T
    d = cdist(pts, center.reshape(1, -1), 'euclidean').ravel()
    return tuple(pts[d < radius].T.tolist())
out = {}
kept = []
for center in zip(*np.nonzero(mask)):
    nb = neighbors_of(center)
    key = ','.join(str(int(v)) for v in center)
    out[key] = sorted(','.join(str(int(v)) for v in p) for p in zip(*nb) if mask[p])
    if mask[nb].mean() >= data['threshold']:
        kept.append(key)
result = {'neighbours': out, 'kept': kept}
`;

// Transcription of nilearn.decoding.searchlight's _apply_mask_and_get_affinity: world (mm) coordinates of the mask
// voxels through the affine, sklearn NearestNeighbors(radius).radius_neighbors_graph (distance ≤ radius), every mask
// voxel a seed (its own voxel is always in its sphere). Without sklearn, its brute-force rule: squared distance ≤ r².
const NILEARN_SEARCHLIGHT = `
import numpy as np
mask = np.array(data['mask'], dtype=bool)
affine = np.array(data['affine'])
ijk = np.array(np.nonzero(mask)).T
world = ijk @ affine[:3, :3].T + affine[:3, 3]
r = data['radius']
try:
    from sklearn import neighbors
    rows = neighbors.NearestNeighbors(radius=r).fit(world).radius_neighbors_graph(world).tolil().rows
except ImportError:
    d2 = ((world[:, None, :] - world[None, :, :]) ** 2).sum(-1)
    rows = [np.nonzero(d2[s] <= r * r)[0] for s in range(len(ijk))]
result = {','.join(str(int(v)) for v in ijk[s]): sorted(','.join(str(int(v)) for v in ijk[m]) for m in rows[s]) for s in range(len(ijk))}
`;

describe.skipIf(!hasPythonModules(['numpy', 'scipy']))(
  `rsatoolbox's get_volume_searchlight (a Python transcription)${hasPythonModules(['numpy', 'scipy']) ? '' : ' [skipped: python3 with numpy and scipy is absent]'}`,
  () => {
    const masker = new NiftiMasker(ballMask(9, 3.6));
    for (const radius of [2, 2.5]) {
      it(`radius ${radius}: the same neighbours for every centre, and threshold 1 keeps exactly the full spheres`, () => {
        const ref = runPythonJson<{ neighbours: Record<string, string[]>; kept: string[] }>(RSATOOLBOX_SEARCHLIGHT, {
          mask: nestedMask(masker),
          radius,
          threshold: 1,
        });
        const nb = searchlightNeighbourhoods(masker, { radius });
        const ours = neighbourSets(masker, nb);
        expect(ours.size).toBe(Object.keys(ref.neighbours).length);
        for (const [centre, set] of ours) expect(set, centre).toEqual(ref.neighbours[centre]);
        const full = [...ours].filter(([, set]) => set.length === nb.fullSphere).map(([c]) => c);
        expect(full.sort()).toEqual([...ref.kept].sort());
        if (radius === 2) expect(nb.fullSphere).toBe(27);
      });
    }
  },
);

describe.skipIf(!hasPythonModules(['numpy']))(
  `nilearn's searchlight spheres (a Python transcription)${hasPythonModules(['numpy']) ? '' : ' [skipped: python3 with numpy is absent]'}`,
  () => {
    for (const [name, zooms, radius] of [
      ['isotropic 2 mm, radius 4 mm', [2, 2, 2], 4],
      ['anisotropic 2×2×3 mm, radius 5 mm', [2, 2, 3], 5],
      ['isotropic 3 mm, radius 4.5 mm', [3, 3, 3], 4.5],
    ] as const) {
      it(`${name}: the same neighbours for every centre`, () => {
        const masker = new NiftiMasker(ballMask(9, 3.6, [...zooms]));
        const ref = runPythonJson<Record<string, string[]>>(NILEARN_SEARCHLIGHT, {
          mask: nestedMask(masker),
          affine: masker.affine,
          radius,
        });
        const ours = neighbourSets(masker, searchlightNeighbourhoods(masker, { radius, sphere: 'nilearn' }));
        expect(ours.size).toBe(Object.keys(ref).length);
        for (const [centre, set] of ours) expect(set, centre).toEqual(ref[centre]);
      });
    }
  },
);

describe('searchlight values', () => {
  const masker = new NiftiMasker(ballMask(11, 4.5));
  const rng = new Rng(7);
  const nCond = 12;
  // two runs per condition, averaged by descriptor
  const x = Matrix.zeros(2 * nCond, masker.nVoxels);
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
      const opts = { radius: 2, models, method, compareMethod, descriptor: 'stim', minVoxels: 5 };
      const one = await searchlight(ds, masker, { ...opts, threads: 1, onProgress: (e) => events.push(e.done) });
      const two = await searchlight(ds, masker, { ...opts, threads: 2 });
      const plain = await searchlight(ds, masker, { ...opts, threads: 1, blas: false });
      for (let i = 0; i < one.values.data.length; i++) {
        const a = one.values.data[i];
        if (Number.isNaN(a)) {
          expect(Number.isNaN(two.values.data[i]) && Number.isNaN(plain.values.data[i])).toBe(true);
          continue;
        }
        expect(Math.abs(two.values.data[i] - a)).toBeLessThan(1e-12);
        expect(Math.abs(plain.values.data[i] - a)).toBeLessThan(1e-12);
      }
      expect(events[events.length - 1]).toBe(masker.nVoxels);
      const nb = searchlightNeighbourhoods(masker, { radius: 2 });
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
    const r = await searchlight(runDs, masker, {
      radius: 1.5,
      models: models.row(0),
      method: 'crossnobis',
      descriptor: 'stim',
      cvDescriptor: 'run',
      centers: [0, 10, 20],
    });
    expect(r.values.shape).toEqual([3, 1]);
    const nb = searchlightNeighbourhoods(masker, { radius: 1.5, centers: [10] });
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
      const r = await searchlight(ds, masker, {
        radius: 2,
        models: models.row(0),
        descriptor: 'stim',
        threads: 1,
        centers: [50],
      });
      const nb = searchlightNeighbourhoods(masker, { radius: 2, centers: [50] });
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

  it('maps: one volume per model on the mask grid, written as NIfTI', async () => {
    const r = await searchlight(ds, masker, { radius: 2, models, descriptor: 'stim', threads: 1 });
    const img = r.toImage();
    expect(img.shape).toEqual([11, 11, 11, 2]);
    const back = masker.transform(img);
    for (let c = 0; c < masker.nVoxels; c += 11)
      for (let m = 0; m < 2; m++) expect(back.get(m, c)).toBe(Math.fround(r.values.get(c, m)));
    const path = join(dir, 'map.nii.gz');
    r.writeMaps(path);
    expect(readNiftiSync(path).shape).toEqual([11, 11, 11, 2]);
  });

  it('bad inputs: unknown methods list the valid ones; data not matching the mask', async () => {
    await expect(searchlight(ds, masker, { radius: 2, models, method: 'nope' })).rejects.toMatchObject({
      code: 'ERR_FMRI_UNKNOWN_METHOD',
      message: expect.stringContaining("'correlation'"),
    });
    await expect(searchlight(ds, masker, { radius: 2, models, compareMethod: 'nope' })).rejects.toMatchObject({
      code: 'ERR_FMRI_UNKNOWN_METHOD',
    });
    await expect(searchlight(ds.selectChannels([0, 1]), masker, { radius: 2, models })).rejects.toMatchObject({
      code: 'ERR_FMRI_GRID_MISMATCH',
    });
    await expect(
      searchlight(ds, masker, { radius: 2, models: models.row(0).subarray(1), descriptor: 'stim' }),
    ).rejects.toMatchObject({ code: 'ERR_FMRI_PARAMETER' });
  });
});
