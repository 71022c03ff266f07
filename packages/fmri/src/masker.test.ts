/** Maskers on the real PyMVPA/Haxby images (reference voxel values from nibabel's JSON) and invariants. */
import { readFileSync } from 'node:fs';
import { defined, describeWithSharedData, sharedData } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { FMRI_ERRORS } from './errors.ts';
import { atlasLabels, NiftiLabelsMasker, NiftiMasker, regionMaskers } from './masker.ts';
import { readNiftiSync } from './read-nifti.ts';
import { createNiftiImage } from './write-nifti.ts';

describeWithSharedData(['nifti', 'pymvpa-example'], 'NiftiMasker on the PyMVPA example slice', () => {
  const maskPath = sharedData('nifti', 'pymvpa-example', 'mask.nii.gz');
  const boldPath = sharedData('nifti', 'pymvpa-example', 'bold.nii.gz');
  const ref = JSON.parse(readFileSync(`${boldPath}.nibabel.json`, 'utf8'));
  const maskRef = JSON.parse(readFileSync(`${maskPath}.nibabel.json`, 'utf8'));

  it('fit: as many voxels as the mask has non-zero values (530, README); transform gives volumes × voxels with nibabel voxel values', () => {
    const masker = new NiftiMasker(maskPath);
    expect(masker.nVoxels).toBe(maskRef.n_nonzero);
    expect(masker.nVoxels).toBe(530);
    const bold = readNiftiSync(boldPath);
    const x = masker.transform(bold);
    expect(x.shape).toEqual([1452, 530]);
    const coords = masker.voxelCoordinates();
    // columns in C order over (i, j, k): sorted lexicographically
    for (let c = 1; c < coords.length; c++)
      expect(coords[c - 1][0] * 1e6 + coords[c - 1][1] * 1e3 + coords[c - 1][2]).toBeLessThan(
        coords[c][0] * 1e6 + coords[c][1] * 1e3 + coords[c][2],
      );
    const mask = readNiftiSync(maskPath);
    let checked = 0;
    for (const v of ref.voxels) {
      const col = coords.findIndex((ijk) => ijk.every((a, k) => a === v.ijk[k]));
      if (mask.getVoxel(v.ijk) === 0) {
        expect(col).toBe(-1);
        continue;
      }
      checked++;
      for (let t = 0; t < 1452; t++) expect(x.get(t, col)).toBe(v.scaled_value[t]);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('transformFile (streamed volume by volume) equals transform of the whole image', async () => {
    const masker = new NiftiMasker(maskPath);
    const a = masker.transform(readNiftiSync(boldPath));
    const b = await masker.transformFile(boldPath);
    expect(b.shape).toEqual(a.shape);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    const other = sharedData('nifti', 'pymvpa-haxby2001', 'sub001', 'BOLD', 'task001_run001', 'bold_25mm.nii.gz');
    await expect(masker.transformFile(other)).rejects.toMatchObject({ code: FMRI_ERRORS.GRID_MISMATCH });
  });

  it('inverseTransform(transform(img)) equals the image inside the mask and 0 outside', () => {
    const masker = new NiftiMasker(maskPath);
    const bold = readNiftiSync(boldPath);
    const x = masker.transform(bold).rowRange(0, 3);
    const back = masker.inverseTransform(x);
    expect(back.shape).toEqual([40, 20, 1, 3]);
    expect(back.affine).toEqual(bold.affine.map((r) => r.map((v) => Math.fround(v))));
    const mask = readNiftiSync(maskPath).getVolume(0);
    for (let t = 0; t < 3; t++) {
      const a = back.getVolume(t);
      const b = bold.getVolume(t);
      for (let v = 0; v < a.length; v++) expect(a[v]).toBe(mask[v] !== 0 ? b[v] : 0);
    }
    const one = masker.inverseTransform(x.row(1));
    expect(one.shape).toEqual([40, 20, 1]);
  });

  it('a mask on another grid is a typed error naming both shapes', () => {
    const masker = new NiftiMasker(maskPath);
    const other = sharedData('nifti', 'pymvpa-haxby2001', 'sub001', 'BOLD', 'task001_run001', 'bold_25mm.nii.gz');
    expect(() => masker.transform(other)).toThrow(
      expect.objectContaining({
        code: FMRI_ERRORS.GRID_MISMATCH,
        message: expect.stringMatching(/\[6, 10, 10\].*\[40, 20, 1\]/),
      }),
    );
  });
});

describeWithSharedData(['nifti', 'pymvpa-haxby2001'], 'label atlas (Harvard-Oxford on the Haxby 25 mm grid)', () => {
  const atlasPath = sharedData('nifti', 'pymvpa-haxby2001', 'sub001', 'masks', '25mm', 'hoc.nii.gz');
  const boldPath = sharedData('nifti', 'pymvpa-haxby2001', 'sub001', 'BOLD', 'task001_run001', 'bold_25mm.nii.gz');
  const ref = JSON.parse(readFileSync(`${atlasPath}.nibabel.json`, 'utf8'));

  it('labels are the non-zero unique values nibabel lists', () => {
    expect(atlasLabels(atlasPath)).toEqual(ref.unique_values_if_label_image.filter((v: number) => v !== 0));
  });

  it('NiftiLabelsMasker means and regionMaskers patterns agree with a direct voxel loop', () => {
    const atlas = readNiftiSync(atlasPath);
    const bold = readNiftiSync(boldPath);
    const labels = new NiftiLabelsMasker(atlas);
    const means = labels.transform(bold);
    const regions = regionMaskers(atlas);
    expect([...regions.keys()]).toEqual(labels.labels);
    const [nx, ny, nz] = atlas.shape;
    for (const [g, label] of labels.labels.entries()) {
      const pattern = defined(regions.get(label)).transform(bold);
      for (const t of [0, 60, 120]) {
        let sum = 0;
        let n = 0;
        for (let i = 0; i < nx; i++)
          for (let j = 0; j < ny; j++)
            for (let k = 0; k < nz; k++)
              if (atlas.getVoxel([i, j, k]) === label) {
                sum += bold.getVoxel([i, j, k, t]);
                n++;
              }
        expect(pattern.cols).toBe(n);
        expect(means.get(t, g)).toBeCloseTo(sum / n, 9);
        expect(Array.from(pattern.row(t)).reduce((a, b) => a + b, 0)).toBeCloseTo(sum, 6);
      }
    }
  });
});

describe('NiftiMasker states', () => {
  it('empty mask and use before fit are typed errors', () => {
    const empty = createNiftiImage({ data: new Float32Array(8), shape: [2, 2, 2] });
    expect(() => new NiftiMasker(empty)).toThrow(expect.objectContaining({ code: FMRI_ERRORS.MASKER_STATE }));
    expect(() => new NiftiMasker().nVoxels).toThrow(expect.objectContaining({ code: FMRI_ERRORS.MASKER_STATE }));
  });
  it('an affine that differs (same shape) is a grid mismatch', () => {
    const m = createNiftiImage({ data: new Float32Array(8).fill(1), shape: [2, 2, 2] });
    const img = createNiftiImage({
      data: new Float32Array(8),
      shape: [2, 2, 2],
      affine: [
        [2, 0, 0, 0],
        [0, 2, 0, 0],
        [0, 0, 2, 0],
        [0, 0, 0, 1],
      ],
    });
    expect(() => new NiftiMasker(m).transform(img)).toThrow(
      expect.objectContaining({ code: FMRI_ERRORS.GRID_MISMATCH, message: expect.stringContaining('affine') }),
    );
  });
});
