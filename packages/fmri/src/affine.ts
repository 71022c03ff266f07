/**
 * The voxel-to-world affine nibabel reports for a NIfTI header, and orientation codes.
 * Rules (nibabel 5 `get_best_affine`): sform if sform_code ≠ 0, else qform if qform_code ≠ 0, else the
 * "base" affine from pixdim (x flipped, origin at the volume centre). The qform follows nibabel's arithmetic:
 * w = sqrt(1 − (b² + c² + d²)) in float64 from the stored values (checked against nibabel on example4d), w clamped to 0 when slightly negative, rotation from the quaternion, pixdim[3] multiplied by qfac.
 */
import { Matrix, svd } from '@concord/core';
import type { NiftiHeader } from './nifti-header.ts';

/** A 4×4 matrix as nested rows. */
export type Affine = number[][];

export function qformAffine(h: NiftiHeader): Affine {
  const [b, c, d] = h.quatern;
  let w2 = 1 - (b * b + c * c + d * d);
  // nibabel's fillpositive: tolerate tiny negative w² (3 float eps), clamp to 0
  if (w2 < 0) w2 = 0;
  const w = Math.sqrt(w2);
  const r = quatToMat(w, b, c, d);
  const vox = [h.pixdim[1], h.pixdim[2], h.pixdim[3] * h.pixdim[0]];
  const out: Affine = [
    [0, 0, 0, h.qoffset[0]],
    [0, 0, 0, h.qoffset[1]],
    [0, 0, 0, h.qoffset[2]],
    [0, 0, 0, 1],
  ];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i][j] = r[i][j] * vox[j];
  return out;
}

function quatToMat(w: number, x: number, y: number, z: number): number[][] {
  const nq = w * w + x * x + y * y + z * z;
  if (nq < 2.220446049250313e-16) {
    return [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  }
  const s = 2 / nq;
  const [X, Y, Z] = [x * s, y * s, z * s];
  const [wX, wY, wZ] = [w * X, w * Y, w * Z];
  const [xX, xY, xZ] = [x * X, x * Y, x * Z];
  const [yY, yZ, zZ] = [y * Y, y * Z, z * Z];
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

export function sformAffine(h: NiftiHeader): Affine {
  return [[...h.srow[0]], [...h.srow[1]], [...h.srow[2]], [0, 0, 0, 1]];
}

/** nibabel's shape_zoom_affine(shape[:3], zooms[:3], x_flip=True). */
export function baseAffine(shape: readonly number[], zooms: readonly number[]): Affine {
  const s = [0, 1, 2].map((k) => shape[k] ?? 1);
  const z = [0, 1, 2].map((k) => zooms[k] ?? 1);
  z[0] = -z[0];
  const out: Affine = [
    [z[0], 0, 0, 0],
    [0, z[1], 0, 0],
    [0, 0, z[2], 0],
    [0, 0, 0, 1],
  ];
  for (let k = 0; k < 3; k++) out[k][3] = (-(s[k] - 1) / 2) * z[k];
  return out;
}

export function bestAffine(h: NiftiHeader): Affine {
  if (h.sformCode !== 0) return sformAffine(h);
  if (h.qformCode !== 0) return qformAffine(h);
  return baseAffine(h.shape, h.pixdim.slice(1, h.shape.length + 1));
}

/**
 * nibabel's aff2axcodes(affine) with labels (('L','R'), ('P','A'), ('I','S')): the orthogonal polar factor of the
 * column-normalised rotation-zoom part, then for each voxel axis the world axis it points along most.
 */
export function axcodes(affine: Affine): (string | null)[] {
  const rzs = Matrix.zeros(3, 3);
  for (let j = 0; j < 3; j++) {
    let norm = Math.hypot(affine[0][j], affine[1][j], affine[2][j]);
    if (norm === 0) norm = 1;
    for (let i = 0; i < 3; i++) rzs.set(i, j, affine[i][j] / norm);
  }
  const { u, s, vt } = svd(rzs);
  const tol = Math.max(...s) * 3 * 2.220446049250313e-16;
  const r = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let k = 0; k < s.length; k++) {
    if (!(s[k] > tol)) continue;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r[i][j] += u.get(i, k) * vt.get(k, j);
  }
  const labels = [
    ['L', 'R'],
    ['P', 'A'],
    ['I', 'S'],
  ];
  const out: (string | null)[] = [];
  for (let inAx = 0; inAx < 3; inAx++) {
    const col = [r[0][inAx], r[1][inAx], r[2][inAx]];
    if (col.every((v) => Math.abs(v) <= 1e-8)) {
      out.push(null);
      continue;
    }
    let outAx = 0;
    for (let i = 1; i < 3; i++) if (Math.abs(col[i]) > Math.abs(col[outAx])) outAx = i;
    out.push(labels[outAx][col[outAx] < 0 ? 0 : 1]);
    for (let j = 0; j < 3; j++) r[outAx][j] = 0;
  }
  return out;
}

/** Apply an affine to voxel coordinates (i, j, k) → world (x, y, z). */
export function applyAffine(affine: Affine, ijk: readonly number[]): [number, number, number] {
  const [i, j, k] = ijk;
  return [0, 1, 2].map((r) => affine[r][0] * i + affine[r][1] * j + affine[r][2] * k + affine[r][3]) as [
    number,
    number,
    number,
  ];
}
