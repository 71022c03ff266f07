/** NIfTI writer: round trips through the reader, header fields checked byte by byte, atomic writes. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Rng } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readNifti, readNiftiSync } from './read-nifti.ts';
import { affineToQuaternion, createNiftiImage, writeNifti } from './write-nifti.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-fmri-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A rotated, left-handed affine with 2×2.5×3 mm voxels. */
function obliqueAffine(): number[][] {
  const a = 0.3;
  const r = [
    [Math.cos(a), -Math.sin(a), 0],
    [Math.sin(a), Math.cos(a), 0],
    [0, 0, 1],
  ];
  const z = [-2, 2.5, 3];
  return [
    [r[0][0] * z[0], r[0][1] * z[1], r[0][2] * z[2], 10],
    [r[1][0] * z[0], r[1][1] * z[1], r[1][2] * z[2], -20],
    [r[2][0] * z[0], r[2][1] * z[1], r[2][2] * z[2], 30],
    [0, 0, 0, 1],
  ];
}

describe('writeNifti round trips', () => {
  const rng = new Rng(3);
  const shape = [5, 4, 3, 2];
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(n);
  rng.fillNormal(values);

  for (const [datatype, ext] of [
    ['float32', '.nii'],
    ['float64', '.nii.gz'],
    ['int16', '.nii'],
    ['uint8', '.nii.gz'],
    ['int32', '.nii'],
    ['int8', '.nii'],
    ['uint16', '.nii.gz'],
  ] as const) {
    it(`${datatype} ${ext}: data, affine in sform and qform, zooms, TR`, async () => {
      const isInt = !datatype.startsWith('float');
      const data = isInt ? values.map((v) => Math.round(Math.abs(v) * 20)) : values;
      const path = join(dir, `img-${datatype}${ext}`);
      const affine = obliqueAffine();
      writeNifti(path, { data, shape, affine, datatype, tr: 2.5 });
      const img = await readNifti(path);
      expect(img.format).toBe('nifti1');
      expect(img.shape).toEqual(shape);
      expect(img.datatype).toBe(datatype);
      const back = img.getData();
      for (let i = 0; i < n; i++) expect(back[i]).toBe(datatype === 'float32' ? Math.fround(data[i]) : data[i]);
      // sform holds the affine in float32 precision; the qform rebuilds it from the quaternion to ~1e-6
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 4; c++) {
          expect(img.sform[r][c]).toBe(Math.fround(affine[r][c]));
          expect(Math.abs(img.qform[r][c] - affine[r][c])).toBeLessThan(1e-5);
        }
      }
      expect(img.qformCode).toBe(2);
      expect(img.sformCode).toBe(2);
      expect(img.zooms.map((z) => Math.round(z * 1e5) / 1e5)).toEqual([2, 2.5, 3, 2.5]);
      expect(img.tr).toBe(2.5);
      expect(img.units).toEqual({ space: 'mm', time: 'sec' });
      expect(img.header.pixdim[0]).toBe(-1); // left-handed affine → qfac −1
      const bytes = /\.gz$/.test(path) ? gunzipSync(readFileSync(path)) : readFileSync(path);
      expect(bytes.readInt32LE(0)).toBe(348);
      expect(bytes.readFloatLE(108)).toBe(352);
      expect(bytes.subarray(344, 348).toString('latin1')).toBe('n+1\0');
    });
  }

  it('integer output with scl_slope/scl_inter stores round((v − inter)/slope) and reads back scaled', () => {
    const data = Float64Array.from({ length: 24 }, (_, i) => 100 + i * 0.5);
    const img = createNiftiImage({ data, shape: [2, 3, 4], datatype: 'int16', sclSlope: 0.5, sclInter: 100 });
    expect(Array.from(img.getRawData() as Int16Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(Array.from(img.getData())).toEqual(Array.from(data));
  });

  it('values that do not fit the integer type are a typed error', () => {
    expect(() => createNiftiImage({ data: [1, 300], shape: [2], datatype: 'uint8' })).toThrow(
      expect.objectContaining({ code: 'ERR_FMRI_PARAMETER' }),
    );
    expect(() => createNiftiImage({ data: [1, 2, 3], shape: [2, 2] })).toThrow(
      expect.objectContaining({ code: 'ERR_FMRI_PARAMETER' }),
    );
  });

  it('extensions are written and read back; no temporary files remain', () => {
    const path = join(dir, 'ext.nii');
    const content = new TextEncoder().encode('hello concord');
    writeNifti(path, { data: new Float32Array(8), shape: [2, 2, 2], extensions: [{ code: 6, size: 0, content }] });
    const img = readNiftiSync(path);
    expect(img.extensions).toHaveLength(1);
    expect(img.extensions[0].code).toBe(6);
    expect(img.extensions[0].size).toBe(32);
    expect(new TextDecoder().decode(img.extensions[0].content).replace(/\0+$/, '')).toBe('hello concord');
    expect(img.header.voxOffset).toBe(384);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('quaternion of a pure rotation reproduces it (independent: rotation matrix from the quaternion formula)', () => {
    const a = obliqueAffine();
    for (let i = 0; i < 3; i++) a[i][0] = -a[i][0]; // x zoom +2: right-handed, pure rotation about z
    const q = affineToQuaternion(a);
    const w = Math.sqrt(1 - q.b ** 2 - q.c ** 2 - q.d ** 2);
    // rotation about z by 0.3 rad: w = cos(0.15), d = sin(0.15)
    expect(w).toBeCloseTo(Math.cos(0.15), 12);
    expect(q.d).toBeCloseTo(Math.sin(0.15), 12);
    expect(q.qfac).toBe(1);
    expect(affineToQuaternion(obliqueAffine()).qfac).toBe(-1);
  });
});

describeWithSharedData(['nifti', 'nibabel'], 'writeNifti re-encodes real images', () => {
  for (const name of ['functional.nii', 'anatomical.nii', 'someones_anatomy.nii.gz']) {
    it(`${name}: same scaled data, affine, zooms, scaling after write + read`, async () => {
      const src = await readNifti(sharedData('nifti', 'nibabel', name));
      const path = join(dir, `copy-${name}`);
      writeNifti(path, src);
      const back = await readNifti(path);
      expect(back.shape).toEqual(src.shape);
      expect(back.datatype).toBe(src.datatype);
      expect(back.scaling).toEqual(src.scaling);
      expect(back.affine).toEqual(src.affine);
      expect(back.zooms).toEqual(src.zooms);
      expect(back.littleEndian).toBe(true);
      expect(Buffer.from(back.getData().buffer).equals(Buffer.from(src.getData().buffer))).toBe(true);
    });
  }
});
