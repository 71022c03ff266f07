/**
 * Searchlight RSA over a mask.
 *
 * Spheres: every mask voxel is a centre; its neighbourhood is every MASK voxel inside the sphere, by one of two rules
 * (`sphere`): 'rsatoolbox' (default) — distance < radius in voxel units, as rsatoolbox's get_volume_searchlight
 * (radius 2: 27 voxels); 'nilearn' — distance ≤ radius in millimetres through the affine (anisotropic and oblique
 * grids handled), as nilearn's SearchLight (radius 4 mm on 2 mm voxels: 33 voxels). `units` overrides the rule's
 * units. Spheres are truncated at the mask boundary; centers with fewer than `minVoxels` neighbours get NaN
 * (rsatoolbox's `threshold` t corresponds to minVoxels = ceil(t × full sphere size)).
 *
 * Per centre: an RDM of the conditions (observations averaged per `descriptor` as calcRdm does) and its comparison
 * with one or more model RDMs. Fast path (typed-array kernel, worker threads): RDM 'correlation' or 'euclidean'
 * with comparison 'spearman', 'corr' or 'cosine'. Any other calcRdm method (e.g. crossnobis with a noise
 * precision per sphere) or compareRdms method runs in-process through @concord/rsa, in batches.
 */
import { availableParallelism } from 'node:os';
import {
  ConcordError,
  checkChoice,
  compareDescriptorValues,
  Dataset,
  Matrix,
  ParameterError,
  type ProgressCallback,
  ProgressReporter,
  workerModule,
} from '@concord/core';
import { COMPARE_METHODS, calcRdm, compareRdms, RDM_METHODS, Rdms } from '@concord/rsa';
import { Piscina } from 'piscina';
import { FMRI_ERRORS } from './errors.ts';
import type { NiftiMasker } from './masker.ts';
import type { NiftiImage } from './nifti-image.ts';
import {
  FAST_COMPARE_METHODS,
  FAST_RDM_METHODS,
  type FastCompareMethod,
  type FastRdmMethod,
  prepareModels,
  runSearchlightChunk,
} from './searchlight-kernel.ts';
import type { SearchlightTask } from './searchlight-worker.ts';
import { writeNifti } from './write-nifti.ts';

export interface Neighbourhoods {
  /** Masked column index of each centre. */
  centers: Int32Array;
  offsets: Int32Array;
  neighbours: Int32Array;
  /** Size of a full (untruncated) sphere. */
  fullSphere: number;
}

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
  return { centers, offsets, neighbours: Int32Array.from(neigh), fullSphere: offs.length };
}

export interface SearchlightOptions extends SphereOptions {
  radius: number;
  /** Centers with fewer mask voxels in their sphere get NaN (default 2: an RDM needs more than one voxel). */
  minVoxels?: number;
  /** calcRdm method (default 'correlation'). */
  method?: string;
  /** compareRdms method (default 'spearman'). */
  compareMethod?: string;
  /** Obs descriptor of the conditions (default: each observation is a condition). */
  descriptor?: string;
  cvDescriptor?: string;
  /** Noise precision for the sphere's voxels (mahalanobis / crossnobis), given the masked voxel indices. */
  noise?: (voxels: Int32Array) => Matrix;
  /** Model RDM(s): Rdms or vectors in scipy squareform order (one per row). */
  models: Rdms | Matrix | ArrayLike<number>;
  /** Subset of centers (mask column indices). */
  centers?: ArrayLike<number>;
  /** Worker threads for the fast path (default: available cores; 1 = in-process). */
  threads?: number;
  /** Sphere products through BLAS (core's native backend) when it is loaded (default true). */
  blas?: boolean;
  onProgress?: ProgressCallback;
}

export class SearchlightResult {
  constructor(
    /** nCentres × nModels comparison values (NaN below minVoxels). */
    readonly values: Matrix,
    /** Masked column index of each centre. */
    readonly centers: Int32Array,
    /** Voxels in each centre's (truncated) sphere. */
    readonly sphereSizes: Int32Array,
    private readonly masker: NiftiMasker,
  ) {}

  /** The comparison values as an image on the mask grid (one volume per model; NaN outside the centers). */
  toImage(): NiftiImage {
    const nModels = this.values.cols;
    const m = Matrix.zeros(nModels, this.masker.nVoxels, 'float32').data.fill(Number.NaN);
    const out = new Matrix(nModels, this.masker.nVoxels, m);
    for (let c = 0; c < this.centers.length; c++)
      for (let k = 0; k < nModels; k++) out.data[k * out.cols + this.centers[c]] = this.values.get(c, k);
    return this.masker.inverseTransform(out, { datatype: 'float32' });
  }

  /** Write the map(s) as NIfTI (.nii or .nii.gz), atomically. Voxels outside the mask are 0, centers dropped for minVoxels NaN. */
  writeMaps(path: string): void {
    writeNifti(path, this.toImage());
  }
}

/** Condition means (sorted unique descriptor values, as calcRdm) of an obs × voxels dataset. */
function conditionMeans(ds: Dataset, descriptor?: string): Matrix {
  if (!descriptor) return ds.measurements.astype('float64');
  const col = ds.obsDescriptor(descriptor);
  const values = [...new Set(col)].sort(compareDescriptorValues);
  const pos = new Map(values.map((v, i) => [v, i]));
  const m = Matrix.zeros(values.length, ds.nChannels);
  const counts = new Float64Array(values.length);
  for (let r = 0; r < ds.nObs; r++) {
    const g = pos.get(col[r])!;
    counts[g]++;
    const src = ds.measurements.row(r);
    const dst = m.row(g);
    for (let c = 0; c < src.length; c++) dst[c] += src[c];
  }
  for (let g = 0; g < values.length; g++) {
    const dst = m.row(g);
    for (let c = 0; c < dst.length; c++) dst[c] /= counts[g];
  }
  return m;
}

function modelMatrix(models: SearchlightOptions['models']): Matrix {
  if (models instanceof Rdms) return models.dissimilarities;
  if (models instanceof Matrix) return models.astype('float64');
  return Matrix.fromVector(models as ArrayLike<number>, true);
}

let pool: Piscina | undefined;
function getPool(threads: number): Piscina {
  if (!pool || pool.options.maxThreads !== threads) {
    void pool?.destroy();
    // compiled searchlight-worker.js from dist/, the TypeScript worker through tsx from src/
    const worker = workerModule(import.meta.url, 'searchlight-worker');
    pool = new Piscina({
      filename: worker.url.href,
      execArgv: worker.execArgv,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 2000,
    });
  }
  return pool;
}

/** Stop the worker pool (it also stops by itself after 2 s idle). */
export async function closeSearchlightPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.destroy();
}

function shared<T extends Float64Array | Int32Array>(a: T): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(a.byteLength);
  new (a.constructor as { new (b: SharedArrayBuffer): T })(sab).set(a);
  return sab;
}

/** Searchlight RSA; `data` is observations × mask voxels (the masker's column order). */
export async function searchlight(
  data: Dataset | Matrix,
  masker: NiftiMasker,
  opts: SearchlightOptions,
): Promise<SearchlightResult> {
  const ds = data instanceof Dataset ? data : new Dataset(data);
  if (ds.nChannels !== masker.nVoxels) {
    throw new ConcordError(
      FMRI_ERRORS.GRID_MISMATCH,
      `searchlight: data have ${ds.nChannels} channels, the mask has ${masker.nVoxels} voxels`,
      { field: 'data', expected: masker.nVoxels, received: ds.nChannels },
    );
  }
  const method = opts.method ?? 'correlation';
  const compareMethod = opts.compareMethod ?? 'spearman';
  if (!(RDM_METHODS as readonly string[]).includes(method))
    throw new ParameterError(
      FMRI_ERRORS.UNKNOWN_METHOD,
      'method',
      `expected one of ${RDM_METHODS.map((m) => `'${m}'`).join(', ')}; received '${method}'`,
    );
  if (!(COMPARE_METHODS as readonly string[]).includes(compareMethod))
    throw new ParameterError(
      FMRI_ERRORS.UNKNOWN_METHOD,
      'compareMethod',
      `expected one of ${COMPARE_METHODS.map((m) => `'${m}'`).join(', ')}; received '${compareMethod}'`,
    );
  const nb = searchlightNeighbourhoods(masker, opts);
  const minVoxels = opts.minVoxels ?? 2;
  const models = modelMatrix(opts.models);
  const nCentres = nb.centers.length;
  const progress = new ProgressReporter('searchlight', nCentres, opts.onProgress);
  const sizes = Int32Array.from({ length: nCentres }, (_, c) => nb.offsets[c + 1] - nb.offsets[c]);
  const fast =
    (FAST_RDM_METHODS as readonly string[]).includes(method) &&
    (FAST_COMPARE_METHODS as readonly string[]).includes(compareMethod) &&
    !opts.cvDescriptor &&
    !opts.noise;
  if (!fast)
    return new SearchlightResult(
      generalSearchlight(ds, nb, method, compareMethod, models, minVoxels, opts, progress),
      nb.centers,
      sizes,
      masker,
    );

  const means = conditionMeans(ds, opts.descriptor);
  const nCond = means.rows;
  const nPairs = (nCond * (nCond - 1)) / 2;
  if (models.cols !== nPairs)
    throw new ParameterError(
      FMRI_ERRORS.BAD_PARAMETER,
      'models',
      `model RDM vectors have length ${models.cols}; ${nCond} conditions need ${nPairs}`,
    );
  const voxelMajor = means.transpose().data as Float64Array;
  const prepared = prepareModels(models.data as Float64Array, models.rows, nPairs, compareMethod as FastCompareMethod);
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), 64));
  const out = new Float64Array(new SharedArrayBuffer(nCentres * models.rows * 8));
  if (threads === 1 || nCentres < 64) {
    const k = {
      nCond,
      data: voxelMajor,
      offsets: nb.offsets,
      neighbours: nb.neighbours,
      rdmMethod: method as FastRdmMethod,
      compareMethod: compareMethod as FastCompareMethod,
      models: prepared,
      nModels: models.rows,
      minVoxels,
      out,
    };
    const step = 256;
    for (let s = 0; s < nCentres; s += step) {
      runSearchlightChunk(k, s, Math.min(nCentres, s + step));
      progress.tick(Math.min(step, nCentres - s));
    }
  } else {
    const p = getPool(threads);
    const base = {
      nCond,
      data: shared(voxelMajor),
      offsets: shared(nb.offsets),
      neighbours: shared(nb.neighbours),
      models: shared(prepared),
      out: out.buffer as SharedArrayBuffer,
      nModels: models.rows,
      rdmMethod: method as FastRdmMethod,
      compareMethod: compareMethod as FastCompareMethod,
      minVoxels,
      blas: opts.blas !== false,
    };
    const chunk = Math.max(64, Math.min(2048, Math.ceil(nCentres / (threads * 16))));
    const tasks: Promise<void>[] = [];
    for (let s = 0; s < nCentres; s += chunk) {
      const task: SearchlightTask = { ...base, start: s, end: Math.min(nCentres, s + chunk) };
      tasks.push(p.run(task).then((n: number) => progress.tick(n)));
    }
    await Promise.all(tasks);
  }
  progress.finish();
  return new SearchlightResult(new Matrix(nCentres, models.rows, Float64Array.from(out)), nb.centers, sizes, masker);
}

/** Any calcRdm / compareRdms method, in-process through @concord/rsa (RDMs batched for the comparison). */
function generalSearchlight(
  ds: Dataset,
  nb: Neighbourhoods,
  method: string,
  compareMethod: string,
  models: Matrix,
  minVoxels: number,
  opts: SearchlightOptions,
  progress: ProgressReporter,
): Matrix {
  const nCentres = nb.centers.length;
  const out = Matrix.zeros(nCentres, models.rows);
  const batch = 256;
  for (let s = 0; s < nCentres; s += batch) {
    const e = Math.min(nCentres, s + batch);
    const vectors: Float64Array[] = [];
    const which: number[] = [];
    for (let c = s; c < e; c++) {
      const vox = nb.neighbours.subarray(nb.offsets[c], nb.offsets[c + 1]);
      if (vox.length < minVoxels || vox.length === 0) {
        out.row(c).fill(Number.NaN);
        continue;
      }
      const sub = ds.selectChannels(vox);
      const rdm = calcRdm(sub, {
        method,
        ...(opts.descriptor ? { descriptor: opts.descriptor } : {}),
        ...(opts.cvDescriptor ? { cvDescriptor: opts.cvDescriptor } : {}),
        ...(opts.noise ? { noise: opts.noise(Int32Array.from(vox)) } : {}),
      });
      vectors.push(Float64Array.from(rdm.dissimilarities.row(0)));
      which.push(c);
    }
    if (vectors.length) {
      if (vectors[0].length !== models.cols)
        throw new ParameterError(
          FMRI_ERRORS.BAD_PARAMETER,
          'models',
          `model RDM vectors have length ${models.cols}; the searchlight RDMs have ${vectors[0].length}`,
        );
      const m = Matrix.zeros(vectors.length, vectors[0].length);
      for (const [i, v] of vectors.entries()) m.data.set(v, i * m.cols);
      const cmp = compareRdms(m, models, { method: compareMethod as never });
      for (const [i, c] of which.entries()) out.row(c).set(cmp.row(i));
    }
    progress.tick(e - s);
  }
  return out;
}
