/**
 * Test and benchmark support (not exported): spheres of `distance < radius` voxels inside a boolean mask on a 3-D
 * lattice (x fastest), as CSR neighbourhoods over the mask's voxels in flat-index order. Written independently of
 * @concord/fmri's masker geometry so the searchlight's tests here need no reader package.
 */
import type { Neighbourhoods } from '@concord/core';

export function latticeNeighbourhoods(
  mask: ArrayLike<number>,
  shape: [number, number, number],
  radius: number,
): Neighbourhoods {
  const [nx, ny, nz] = shape;
  const column = new Int32Array(nx * ny * nz).fill(-1);
  const coords: [number, number, number][] = [];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const f = i + nx * (j + ny * k);
        if (mask[f]) {
          column[f] = coords.length;
          coords.push([i, j, k]);
        }
      }
  const r = Math.ceil(radius);
  let full = 0;
  for (let a = -r; a <= r; a++)
    for (let b = -r; b <= r; b++) for (let c = -r; c <= r; c++) if (a * a + b * b + c * c < radius * radius) full++;
  const offsets = new Int32Array(coords.length + 1);
  const neighbours: number[] = [];
  for (const [n, [i, j, k]] of coords.entries()) {
    for (let c = Math.max(0, k - r); c <= Math.min(nz - 1, k + r); c++)
      for (let b = Math.max(0, j - r); b <= Math.min(ny - 1, j + r); b++)
        for (let a = Math.max(0, i - r); a <= Math.min(nx - 1, i + r); a++) {
          const m = column[a + nx * (b + ny * c)];
          if (m >= 0 && (a - i) ** 2 + (b - j) ** 2 + (c - k) ** 2 < radius * radius) neighbours.push(m);
        }
    offsets[n + 1] = neighbours.length;
  }
  return {
    centers: Int32Array.from(coords, (_, n) => n),
    offsets,
    neighbours: Int32Array.from(neighbours),
    fullSphere: full,
    nChannels: coords.length,
  };
}

/** A ball of radius `r` voxels centred in an n³ lattice, as a 0/1 mask (x fastest). */
export function ballMask(n: number, r: number): Uint8Array {
  const mask = new Uint8Array(n * n * n);
  const c = (n - 1) / 2;
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++)
        if ((i - c) ** 2 + (j - c) ** 2 + (k - c) ** 2 <= r * r) mask[i + n * (j + n * k)] = 1;
  return mask;
}

/** Centre subset of neighbourhoods (as a caller picking centres would pass them). */
export function selectCentres(nb: Neighbourhoods, which: readonly number[]): Neighbourhoods {
  const offsets = new Int32Array(which.length + 1);
  const neighbours: number[] = [];
  for (const [n, c] of which.entries()) {
    neighbours.push(...nb.neighbours.subarray(nb.offsets[c], nb.offsets[c + 1]));
    offsets[n + 1] = neighbours.length;
  }
  return {
    ...nb,
    centers: Int32Array.from(which, (c) => nb.centers[c]),
    offsets,
    neighbours: Int32Array.from(neighbours),
  };
}
