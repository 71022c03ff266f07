/**
 * Maskers in nilearn's sense. `NiftiMasker`: fit on a mask image (non-zero voxels are in), `transform` images
 * into a samples × voxels Matrix (one row per volume), `inverseTransform` back into an image on the mask grid.
 * `NiftiLabelsMasker`: one column per atlas region (the mean over its voxels, as nilearn's strategy='mean');
 * `regionMaskers` gives a NiftiMasker per label for region-wise voxel patterns.
 *
 * Voxel (column) order is nilearn's: numpy boolean indexing of the (i, j, k) array in C order, so k varies
 * fastest. Grids must match exactly (shape, and affine to numpy.allclose); Concord never resamples.
 */
import { ConcordError, type FloatArray, Matrix, type ProgressCallback, ProgressReporter } from '@concord/core';
import type { Affine } from './affine.ts';
import { FMRI_ERRORS } from './errors.ts';
import { checkSameGrid } from './grid.ts';
import type { NiftiImage } from './nifti-image.ts';
import { iterateNiftiVolumes, readNiftiSync } from './read-nifti.ts';
import { createNiftiImage } from './write-nifti.ts';

type ImageInput = NiftiImage | string;

function load(img: ImageInput): NiftiImage {
  return typeof img === 'string' ? readNiftiSync(img) : img;
}

export interface TransformOptions {
  dtype?: 'float64' | 'float32';
  onProgress?: ProgressCallback;
}

export class NiftiMasker {
  private fitted?: { shape: [number, number, number]; affine: Affine; indices: Int32Array; file?: string };

  constructor(mask?: ImageInput) {
    if (mask !== undefined) this.fit(mask);
  }

  /** Use the non-zero voxels of the first volume of `mask` (NaN counts as outside). */
  fit(mask: ImageInput): this {
    const img = load(mask);
    const s = img.shape;
    const shape: [number, number, number] = [s[0] ?? 1, s[1] ?? 1, s[2] ?? 1];
    const vol = img.getVolume(0);
    const idx: number[] = [];
    // C order over (i, j, k): k fastest (nilearn's voxel order)
    for (let i = 0; i < shape[0]; i++) {
      for (let j = 0; j < shape[1]; j++) {
        for (let k = 0; k < shape[2]; k++) {
          const f = i + shape[0] * (j + shape[1] * k);
          const v = vol[f];
          if (v !== 0 && !Number.isNaN(v)) idx.push(f);
        }
      }
    }
    if (idx.length === 0)
      throw new ConcordError(FMRI_ERRORS.MASKER_STATE, `mask ${img.file}: no non-zero voxel; the mask is empty`, {
        file: img.file,
        field: 'mask',
      });
    this.fitted = { shape, affine: img.affine, indices: Int32Array.from(idx), file: img.file };
    return this;
  }

  private state() {
    if (!this.fitted)
      throw new ConcordError(
        FMRI_ERRORS.MASKER_STATE,
        'NiftiMasker: call fit(mask) before transform/inverseTransform',
        { field: 'mask' },
      );
    return this.fitted;
  }

  get nVoxels(): number {
    return this.state().indices.length;
  }

  get shape(): [number, number, number] {
    return [...this.state().shape];
  }

  get affine(): Affine {
    return this.state().affine;
  }

  /** Flat NIfTI-order indices (i + nx·(j + ny·k)) of the mask voxels, in column order. */
  get voxelIndices(): Int32Array {
    return this.state().indices;
  }

  /** (i, j, k) of every column. */
  voxelCoordinates(): [number, number, number][] {
    const { shape, indices } = this.state();
    return Array.from(indices, (f) => [
      f % shape[0],
      Math.floor(f / shape[0]) % shape[1],
      Math.floor(f / (shape[0] * shape[1])),
    ]);
  }

  /** Volumes × mask voxels. The image must be on the mask's grid. */
  transform(image: ImageInput, opts: TransformOptions = {}): Matrix {
    const { indices, affine, shape, file } = this.state();
    const img = load(image);
    checkSameGrid({ shape: img.shape, affine: img.affine, file: img.file }, { shape, affine, file });
    const nVol = img.nVolumes;
    const out = Matrix.zeros(nVol, indices.length, opts.dtype ?? 'float64');
    const data = img.getData();
    const n = img.volumeSize;
    const progress = new ProgressReporter('mask', nVol, opts.onProgress);
    for (let t = 0; t < nVol; t++) {
      const row = out.row(t);
      const base = t * n;
      for (let c = 0; c < indices.length; c++) row[c] = data[base + indices[c]];
      progress.tick();
    }
    return out;
  }

  /**
   * Like transform, but streams the file volume by volume (iterateNiftiVolumes): only the masked values are kept,
   * so a large 4-D image never sits in memory as a whole.
   */
  async transformFile(path: string, opts: TransformOptions = {}): Promise<Matrix> {
    const { indices, affine, shape, file } = this.state();
    const rows: FloatArray[] = [];
    let checked = false;
    for await (const { data, image } of iterateNiftiVolumes(path, {
      dtype: opts.dtype ?? 'float64',
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    })) {
      if (!checked) {
        checkSameGrid({ shape: image.shape, affine: image.affine, file: image.file }, { shape, affine, file });
        checked = true;
      }
      const row = opts.dtype === 'float32' ? new Float32Array(indices.length) : new Float64Array(indices.length);
      for (let c = 0; c < indices.length; c++) row[c] = data[indices[c]];
      rows.push(row);
    }
    const out = Matrix.zeros(rows.length, indices.length, opts.dtype ?? 'float64');
    for (const [t, row] of rows.entries()) out.data.set(row, t * indices.length);
    return out;
  }

  /** Rows back into an image on the mask grid (3-D for one row, else 4-D); voxels outside the mask are 0. */
  inverseTransform(
    x: Matrix | ArrayLike<number>,
    opts: { datatype?: 'float32' | 'float64'; tr?: number } = {},
  ): NiftiImage {
    const { indices, affine, shape } = this.state();
    const m = x instanceof Matrix ? x : Matrix.fromVector(x as ArrayLike<number>, true);
    if (m.cols !== indices.length) {
      throw new ConcordError(
        FMRI_ERRORS.MASKER_STATE,
        `inverseTransform: ${m.rows}×${m.cols} matrix has ${m.cols} columns, the mask has ${indices.length} voxels`,
        {
          field: 'x',
          expected: indices.length,
          received: m.cols,
        },
      );
    }
    const n = shape[0] * shape[1] * shape[2];
    const data =
      (opts.datatype ?? 'float32') === 'float32' ? new Float32Array(n * m.rows) : new Float64Array(n * m.rows);
    for (let t = 0; t < m.rows; t++) {
      const row = m.row(t);
      for (let c = 0; c < indices.length; c++) data[t * n + indices[c]] = row[c];
    }
    return createNiftiImage({
      data,
      shape: m.rows === 1 ? [...shape] : [...shape, m.rows],
      affine,
      ...(opts.tr !== undefined ? { tr: opts.tr } : {}),
    });
  }
}

/** Distinct non-zero labels of an atlas image, ascending. */
export function atlasLabels(atlas: ImageInput): number[] {
  const vol = load(atlas).getVolume(0);
  const set = new Set<number>();
  for (let i = 0; i < vol.length; i++) if (vol[i] !== 0 && !Number.isNaN(vol[i])) set.add(vol[i]);
  return [...set].sort((a, b) => a - b);
}

/** A NiftiMasker per atlas label (label → masker over that region's voxels): one voxel pattern per region. */
export function regionMaskers(atlas: ImageInput): Map<number, NiftiMasker> {
  const img = load(atlas);
  const vol = img.getVolume(0);
  const out = new Map<number, NiftiMasker>();
  for (const label of atlasLabels(img)) {
    const data = new Float32Array(vol.length);
    for (let i = 0; i < vol.length; i++) data[i] = vol[i] === label ? 1 : 0;
    out.set(
      label,
      new NiftiMasker(
        createNiftiImage({ data, shape: img.shape.slice(0, 3), affine: img.affine }, `${img.file}#label=${label}`),
      ),
    );
  }
  return out;
}

/** nilearn NiftiLabelsMasker (strategy 'mean', background 0): volumes × regions, columns in ascending label order. */
export class NiftiLabelsMasker {
  readonly labels: number[];
  private readonly atlas: NiftiImage;
  private readonly regionIndex: Int32Array;

  constructor(atlas: ImageInput) {
    this.atlas = load(atlas);
    this.labels = atlasLabels(this.atlas);
    if (this.labels.length === 0)
      throw new ConcordError(FMRI_ERRORS.MASKER_STATE, `atlas ${this.atlas.file}: no non-zero label`, {
        file: this.atlas.file,
        field: 'atlas',
      });
    const vol = this.atlas.getVolume(0);
    const pos = new Map(this.labels.map((l, i) => [l, i]));
    this.regionIndex = Int32Array.from(vol, (v) => pos.get(v) ?? -1);
  }

  transform(image: ImageInput): Matrix {
    const img = load(image);
    checkSameGrid(
      { shape: img.shape, affine: img.affine, file: img.file },
      { shape: this.atlas.shape, affine: this.atlas.affine, file: this.atlas.file },
      'image',
      'atlas',
    );
    const r = this.labels.length;
    const counts = new Float64Array(r);
    for (const g of this.regionIndex) if (g >= 0) counts[g]++;
    const data = img.getData();
    const n = img.volumeSize;
    const out = Matrix.zeros(img.nVolumes, r);
    for (let t = 0; t < img.nVolumes; t++) {
      const row = out.row(t);
      for (let v = 0; v < n; v++) {
        const g = this.regionIndex[v];
        if (g >= 0) row[g] += data[t * n + v];
      }
      for (let g = 0; g < r; g++) row[g] /= counts[g];
    }
    return out;
  }
}
