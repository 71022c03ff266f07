/**
 * Searchlight neighbourhoods on a NIfTI mask: every mask voxel is a centre; its neighbourhood is every MASK voxel
 * inside the sphere, by one of two rules (`sphere`): 'rsatoolbox' (default) — distance < radius in voxel units, as
 * rsatoolbox's get_volume_searchlight (radius 2: 27 voxels); 'nilearn' — distance ≤ radius in millimetres through the
 * affine (anisotropic and oblique grids handled), as nilearn's SearchLight (radius 4 mm on 2 mm voxels: 33 voxels).
 * `units` overrides the rule's units. Spheres are truncated at the mask boundary.
 *
 * The searchlight RSA itself (RDMs per sphere compared with models) is analysis and lives in @concord/rsa/node
 * (`searchlight(dataset, neighbourhoods, options)`); `searchlightImage` puts its values back on the mask grid.
 */
import { ConcordError, checkChoice, Matrix, type Neighbourhoods, ParameterError } from '@concord/core';
import { FMRI_ERRORS } from './errors.ts';
import type { NiftiMasker } from './masker.ts';
import type { NiftiImage } from './nifti-image.ts';

/** Which voxels a sphere holds: rsatoolbox's `distance < radius` in voxels, or nilearn's `distance ≤ radius` in mm. */
export type SphereRule = 'rsatoolbox' | 'nilearn';
export const SPHERE_RULES: readonly SphereRule[] = ['rsatoolbox', 'nilearn'];

export interface SphereOptions {
  /** 'rsatoolbox' (default): distance < radius, voxels; 'nilearn': distance ≤ radius, mm. */
  sphere?: SphereRule;
  /** Units of the radius; default the rule's own (rsatoolbox: 'voxels', nilearn: 'mm'). */
  units?: 'voxels' | 'mm';
}

/**
 * Sphere offsets (di, dj, dk) inside the radius by the rule's comparison (strict for rsatoolbox, inclusive for
 * nilearn), in voxels or in mm through the affine's rotation-zoom part (needed for 'mm').
 */
export function sphereOffsets(radius: number, opts: SphereOptions = {}, affine?: number[][]): number[][] {
  if (!(radius >= 0))
    throw new ParameterError(FMRI_ERRORS.BAD_PARAMETER, 'radius', `expected a non-negative number, received ${radius}`);
  const rule = checkChoice('sphere', opts.sphere ?? 'rsatoolbox', SPHERE_RULES, FMRI_ERRORS.BAD_PARAMETER);
  const units = opts.units ?? (rule === 'nilearn' ? 'mm' : 'voxels');
  let rzs: number[][] | undefined;
  if (units === 'mm') {
    if (affine === undefined)
      throw new ParameterError(FMRI_ERRORS.BAD_PARAMETER, 'units', "'mm' needs the image's affine");
    rzs = affine;
  }
  const minZoom = rzs ? Math.min(...[0, 1, 2].map((j) => Math.hypot(rzs[0][j], rzs[1][j], rzs[2][j]))) : 1;
  const r = Math.ceil(radius / minZoom + 1e-9);
  const out: number[][] = [];
  // Lattice distances that equal the radius mathematically (e.g. 2 mm·√2 in mm) must land on the intended side of
  // the comparison despite rounding: inclusive adds a relative 1e-9, strict subtracts it.
  const eps = 1e-9 * Math.max(1, radius);
  const inside = rule === 'nilearn' ? (d: number) => d <= radius + eps : (d: number) => d < radius - eps;
  for (let di = -r; di <= r; di++) {
    for (let dj = -r; dj <= r; dj++) {
      for (let dk = -r; dk <= r; dk++) {
        let d: number;
        if (rzs) {
          const x = rzs[0][0] * di + rzs[0][1] * dj + rzs[0][2] * dk;
          const y = rzs[1][0] * di + rzs[1][1] * dj + rzs[1][2] * dk;
          const z = rzs[2][0] * di + rzs[2][1] * dj + rzs[2][2] * dk;
          d = Math.sqrt(x * x + y * y + z * z);
        } else d = Math.sqrt(di * di + dj * dj + dk * dk);
        if (inside(d)) out.push([di, dj, dk]);
      }
    }
  }
  return out;
}

/** Neighbourhoods of every mask voxel (or of the given centre columns) within the mask. */
export function searchlightNeighbourhoods(
  masker: NiftiMasker,
  opts: SphereOptions & { radius: number; centers?: ArrayLike<number> },
): Neighbourhoods {
  const [nx, ny, nz] = masker.shape;
  const lookup = new Int32Array(nx * ny * nz).fill(-1);
  const idx = masker.voxelIndices;
  for (let c = 0; c < idx.length; c++) lookup[idx[c]] = c;
  const offs = sphereOffsets(opts.radius, opts, masker.affine);
  const centers = opts.centers ? Int32Array.from(opts.centers) : Int32Array.from({ length: idx.length }, (_, i) => i);
  const offsets = new Int32Array(centers.length + 1);
  const neigh: number[] = [];
  const coords = masker.voxelCoordinates();
  for (let c = 0; c < centers.length; c++) {
    const col = centers[c];
    if (!(col >= 0 && col < idx.length))
      throw new ParameterError(
        FMRI_ERRORS.BAD_PARAMETER,
        'centers',
        `centre ${col} is not a mask column (0..${idx.length - 1})`,
      );
    const [i, j, k] = coords[col];
    for (const [di, dj, dk] of offs) {
      const a = i + di;
      const b = j + dj;
      const e = k + dk;
      if (a < 0 || b < 0 || e < 0 || a >= nx || b >= ny || e >= nz) continue;
      const m = lookup[a + nx * (b + ny * e)];
      if (m >= 0) neigh.push(m);
    }
    offsets[c + 1] = neigh.length;
  }
  return {
    centers,
    offsets,
    neighbours: Int32Array.from(neigh),
    fullSphere: offs.length,
    nChannels: idx.length,
  };
}

/**
 * Searchlight values (nCentres × nModels, e.g. `searchlight(...)`'s result from @concord/rsa/node) as an image on the
 * mask grid: one volume per model, NaN at mask voxels that were not centres, 0 outside the mask. Write it with
 * `writeNifti(path, image)` (atomic).
 */
export function searchlightImage(
  result: { values: Matrix; centers: ArrayLike<number> },
  masker: NiftiMasker,
): NiftiImage {
  const { values, centers } = result;
  if (values.rows !== centers.length)
    throw new ConcordError(
      FMRI_ERRORS.GRID_MISMATCH,
      `searchlightImage: ${values.rows} rows of values for ${centers.length} centres`,
      { field: 'values', expected: centers.length, received: values.rows },
    );
  const nModels = values.cols;
  const out = new Matrix(nModels, masker.nVoxels, new Float32Array(nModels * masker.nVoxels).fill(Number.NaN));
  for (let c = 0; c < centers.length; c++) {
    const col = centers[c];
    if (!(Number.isInteger(col) && col >= 0 && col < masker.nVoxels))
      throw new ConcordError(
        FMRI_ERRORS.GRID_MISMATCH,
        `searchlightImage: centre ${c} is column ${col}, the mask has ${masker.nVoxels} voxels`,
        { field: 'centers', expected: `0..${masker.nVoxels - 1}`, received: col },
      );
    for (let k = 0; k < nModels; k++) out.data[k * out.cols + col] = values.get(c, k);
  }
  return masker.inverseTransform(out, { datatype: 'float32' });
}
