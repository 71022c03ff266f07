/** Resampling-free grid checks: two images share a voxel grid when their spatial shapes match and affines agree. */
import { ConcordError } from '@concord/core';
import type { Affine } from './affine.ts';
import { FMRI_ERRORS } from './errors.ts';

export interface GridLike {
  shape: number[];
  affine: Affine;
  file?: string;
}

/** numpy.allclose(a, b) with its defaults (rtol 1e-5, atol 1e-8), as nilearn compares affines. */
export function affinesClose(a: Affine, b: Affine, rtol = 1e-5, atol = 1e-8): boolean {
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) if (!(Math.abs(a[i][j] - b[i][j]) <= atol + rtol * Math.abs(b[i][j]))) return false;
  return true;
}

const fmt = (a: Affine) => `[${a.map((r) => `[${r.map((v) => +v.toPrecision(6)).join(', ')}]`).join(', ')}]`;

/** Throw ERR_FMRI_GRID_MISMATCH naming both images, their shapes and affines, unless the 3-D grids agree. */
export function checkSameGrid(image: GridLike, reference: GridLike, what = 'image', refWhat = 'mask'): void {
  const s1 = [0, 1, 2].map((k) => image.shape[k] ?? 1);
  const s2 = [0, 1, 2].map((k) => reference.shape[k] ?? 1);
  const shapeOk = s1.every((v, k) => v === s2[k]);
  const affOk = affinesClose(image.affine, reference.affine);
  if (shapeOk && affOk) return;
  const parts = [
    !shapeOk ? `spatial shape [${s1.join(', ')}] differs from the ${refWhat}'s [${s2.join(', ')}]` : '',
    !affOk ? `affine ${fmt(image.affine)} differs from the ${refWhat}'s ${fmt(reference.affine)}` : '',
  ].filter(Boolean);
  throw new ConcordError(
    FMRI_ERRORS.GRID_MISMATCH,
    `${what}${image.file ? ` ${image.file}` : ''} is not on the ${refWhat} grid${reference.file ? ` (${reference.file})` : ''}: ${parts.join('; ')}. Concord does not resample; resample one of them first (e.g. nilearn.image.resample_to_img).`,
    {
      field: !shapeOk ? 'shape' : 'affine',
      expected: { shape: s2, affine: reference.affine },
      received: { shape: s1, affine: image.affine },
    },
  );
}
