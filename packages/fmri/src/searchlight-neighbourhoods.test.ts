/**
 * Searchlight neighbourhoods on a mask: sphere geometry (lattice-point counts), truncation at the mask, rsatoolbox's
 * and nilearn's rules against Python transcriptions, and maps of searchlight values back on the mask grid (the
 * searchlight RSA itself is tested in @concord/rsa/node).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix } from '@concord/core';
import { hasPythonModules, runPythonJson } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { NiftiMasker } from './masker.ts';
import { readNiftiSync } from './read-nifti.ts';
import { searchlightImage, searchlightNeighbourhoods, sphereOffsets } from './searchlight-neighbourhoods.ts';
import { createNiftiImage, writeNifti } from './write-nifti.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-sl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe('searchlight maps', () => {
  it('values go back to their centres on the mask grid, one volume per model, NaN at non-centres; written as NIfTI', () => {
    const masker = new NiftiMasker(ballMask(11, 4.5));
    const centers = Int32Array.from({ length: Math.floor(masker.nVoxels / 2) }, (_, i) => 2 * i);
    const values = Matrix.zeros(centers.length, 2);
    for (let c = 0; c < centers.length; c++) values.data.set([c / 7, -c], 2 * c);
    const img = searchlightImage({ values, centers }, masker);
    expect(img.shape).toEqual([11, 11, 11, 2]);
    const back = masker.transform(img);
    for (let c = 0; c < centers.length; c += 5)
      for (let m = 0; m < 2; m++) expect(back.get(m, centers[c])).toBe(Math.fround(values.get(c, m)));
    expect(Number.isNaN(back.get(0, 1))).toBe(true);
    const path = join(dir, 'map.nii.gz');
    writeNifti(path, img);
    expect(readNiftiSync(path).shape).toEqual([11, 11, 11, 2]);
  });

  it('bad inputs: values and centres of different lengths, a centre outside the mask', () => {
    const masker = new NiftiMasker(ballMask(7, 2.5));
    expect(() => searchlightImage({ values: Matrix.zeros(3, 1), centers: [0, 1] }, masker)).toThrow(
      expect.objectContaining({ code: 'ERR_FMRI_GRID_MISMATCH' }),
    );
    expect(() => searchlightImage({ values: Matrix.zeros(1, 1), centers: [masker.nVoxels] }, masker)).toThrow(
      /centre 0 is column \d+, the mask has \d+ voxels/,
    );
  });
});
