/**
 * Conformance of the NIfTI reader with nibabel 5.0.0 over every image in ../shared/data/nifti (reference JSON
 * written by nibabel: shape, on-disk dtype, affine, zooms, scaling, scaled sum/mean/min/max, voxels and time
 * series, per-volume means, extensions, header fields). Tolerance: 1e-9 relative (most values match exactly).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { expect, it } from 'vitest';
import { FMRI_ERRORS } from './errors.ts';
import { readNifti, readNiftiSync } from './read-nifti.ts';

const TOL = 1e-9;

function close(a: number, b: number | string, what: string): void {
  if (b === 'NaN') return void expect(Number.isNaN(a), `${what}: expected NaN, got ${a}`).toBe(true);
  const r = Number(b);
  expect(Math.abs(a - r) <= TOL * Math.max(1, Math.abs(r)), `${what}: ${a} vs nibabel ${r}`).toBe(true);
}

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJson(p));
    else if (name.endsWith('.nibabel.json')) out.push(p);
  }
  return out.sort();
}

/** Neumaier-compensated sum over non-NaN values (nibabel's reference used numpy's nan-aware pairwise sums). */
function stats(d: ArrayLike<number>) {
  let sum = 0;
  let c = 0;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let nonzero = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v !== 0) nonzero++;
    if (Number.isNaN(v)) continue;
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { sum: sum + c, mean: (sum + c) / n, min, max, nonzero };
}

describeWithSharedData(['nifti'], 'NIfTI reader vs nibabel 5.0.0 (../shared/data/nifti)', () => {
  const root = sharedData('nifti');
  const files = listJson(root);
  it('finds the reference files', () => expect(files.length).toBeGreaterThanOrEqual(30));

  for (const jsonPath of files) {
    const ref = JSON.parse(readFileSync(jsonPath, 'utf8'));
    const file = jsonPath.replace(/\.nibabel\.json$/, '');
    const name = relative(root, file);

    if (ref.kind?.startsWith('header-only')) {
      it(`${name}: header fields without the .img; data access names the missing .img`, async () => {
        const img = await readNifti(file);
        expect(img.shape).toEqual(ref.shape);
        expect(img.datatype).toBe(ref.dtype);
        expect(img.zooms).toEqual(ref.zooms);
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 4; j++) close(img.affine[i][j], ref.best_affine[i][j], `affine[${i}][${j}]`);
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 4; j++) close(img.qform[i][j], ref.qform[i][j], `qform[${i}][${j}]`);
        expect(img.sform).toEqual(ref.sform);
        expect([img.sclSlope, img.sclInter]).toEqual([ref.scl_slope, ref.scl_inter]);
        for (const [k, v] of Object.entries(ref.header_fields)) expect(img.header.fields[k], k).toEqual(v);
        expect(() => img.getData()).toThrow(
          expect.objectContaining({ code: FMRI_ERRORS.MISSING_IMG, message: expect.stringContaining('.img') }),
        );
        expect(() => readNiftiSync(file).getVoxel([0, 0, 0])).toThrow(
          expect.objectContaining({ code: FMRI_ERRORS.MISSING_IMG }),
        );
      });
      continue;
    }

    it(`${name}: header, affine, scaling, data statistics and voxels`, async () => {
      const img = await readNifti(file);
      expect(img.format).toBe(ref.magic.endsWith('2') ? 'nifti2' : 'nifti1');
      expect(img.shape).toEqual(ref.shape);
      expect(img.datatype).toBe(
        ref.on_disk_dtype
          .replace(/^[<>]/, '')
          .replace(/^i(\d)$/, (_: string, b: string) => `int${8 * Number(b)}`)
          .replace(/^f(\d)$/, (_: string, b: string) => `float${8 * Number(b)}`),
      );
      expect(img.littleEndian).toBe(ref.endianness === 'little');
      expect(img.zooms).toEqual(ref.zooms);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) close(img.affine[i][j], ref.affine[i][j], `affine[${i}][${j}]`);
      expect(img.qformCode).toBe(ref.qform_code);
      expect(img.sformCode).toBe(ref.sform_code);
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) close(img.qform[i][j], ref.qform[i][j], `qform[${i}][${j}]`);
      expect(img.sform).toEqual(ref.sform);
      expect(img.axcodes).toEqual(ref.axcodes);
      expect([img.sclSlope, img.sclInter]).toEqual([ref.scl_slope_on_disk, ref.scl_inter_on_disk]);
      expect(img.scaling).toEqual(ref.slope_inter_applied);
      expect([img.units.space, img.units.time]).toEqual(ref.xyzt_units);
      if (ref.nibabel_load_returns === 'Cifti2Image') {
        // nibabel re-serialises the CIFTI XML and reports the size of its own output (976); the stored esize is
        // 944 and, as the format requires, header + extender + extensions end exactly at vox_offset
        expect(img.extensions.map((e) => e.code)).toEqual(ref.extensions.map((e: { code: number }) => e.code));
        expect(540 + 4 + img.extensions.reduce((a, e) => a + e.size, 0)).toBe(ref.header_fields_on_disk.vox_offset);
        expect(new TextDecoder().decode(img.extensions[0].content)).toContain('<CIFTI');
      } else expect(img.extensions.map((e) => ({ code: e.code, size_on_disk_bytes: e.size }))).toEqual(ref.extensions);
      for (const [k, v] of Object.entries(ref.header_fields_on_disk as Record<string, unknown>)) {
        if (k === 'magic' || typeof v === 'string') continue; // strings compared below where nibabel decodes them
        expect(img.header.fields[k], k).toEqual(v);
      }
      expect(img.header.fields.descrip).toBe(String(ref.header_fields_on_disk.descrip).split('\0')[0]);

      const data = img.getData();
      const s = stats(data);
      if (ref.scaled_sum === 'NaN') {
        // nibabel's plain sums are NaN; the JSON adds nan-aware statistics and the NaN count
        expect(Array.from(data).filter(Number.isNaN).length).toBe(ref.n_nan);
        ref.scaled_sum = ref.scaled_nansum;
        ref.scaled_mean = ref.scaled_nanmean;
        ref.scaled_min = ref.scaled_nanmin;
        ref.scaled_max = ref.scaled_nanmax;
        ref.raw_sum = ref.scaled_nansum;
      }
      close(s.sum, ref.scaled_sum, 'scaled_sum');
      close(s.mean, ref.scaled_mean, 'scaled_mean');
      close(s.min, ref.scaled_min, 'scaled_min');
      close(s.max, ref.scaled_max, 'scaled_max');
      expect(s.nonzero).toBe(ref.n_nonzero);
      const raw = img.getRawData();
      let rawSum = 0;
      for (let i = 0; i < raw.length; i++) {
        const v = Number(raw[i]);
        if (!Number.isNaN(v)) rawSum += v;
      }
      close(rawSum, ref.raw_sum, 'raw_sum');

      const nVol = img.nVolumes;
      for (const vox of ref.voxels) {
        const ijk = vox.ijk as number[];
        if (img.ndim <= 3) {
          close(img.getVoxel(ijk), vox.scaled_value, `voxel ${ijk}`);
          close(Number(raw[img.flatIndex(ijk)]), vox.raw_stored_value, `raw voxel ${ijk}`);
        } else {
          const ts = img.getTimeSeries(ijk);
          expect(ts.length).toBe(nVol);
          // nibabel lists data[i, j, k].ravel() (C order over dims 4..7); ours runs dim 4 fastest (file order)
          const extra = img.shape.slice(3);
          const cOrder = cOrderPermutation(extra);
          for (let t = 0; t < nVol; t++) close(ts[cOrder[t]], vox.scaled_value[t], `voxel ${ijk} t=${t}`);
        }
      }
      if (ref.per_volume_mean) {
        for (let t = 0; t < nVol; t++) close(stats(img.getVolume(t)).mean, ref.per_volume_mean[t], `volume ${t} mean`);
      }
    });
  }

  it('readNiftiSync and readNifti give identical data for every image', async () => {
    for (const jsonPath of files) {
      const file = jsonPath.replace(/\.nibabel\.json$/, '');
      const a = await readNifti(file);
      const b = readNiftiSync(file);
      if (!a.hasData) continue;
      expect(Buffer.from(b.getData().buffer).equals(Buffer.from(a.getData().buffer)), file).toBe(true);
    }
  });
});

/** For trailing dims `extra`, cOrder[c] = Fortran flat index of the element that is c-th in C order. */
function cOrderPermutation(extra: number[]): number[] {
  const n = extra.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  for (let c = 0; c < n; c++) {
    let rem = c;
    const idx = new Array<number>(extra.length);
    for (let d = extra.length - 1; d >= 0; d--) {
      idx[d] = rem % extra[d];
      rem = Math.floor(rem / extra[d]);
    }
    let f = 0;
    let stride = 1;
    for (let d = 0; d < extra.length; d++) {
      f += idx[d] * stride;
      stride *= extra[d];
    }
    out[c] = f;
  }
  return out;
}
