/**
 * Searchlight RSA over any neighbourhood structure (Node only: the fast path runs on worker threads).
 *
 * The data are a Dataset of observations × channels (for fMRI: masked voxels) and the neighbourhoods are CSR lists
 * of channel indices, one per centre; where they come from (a sphere in a NIfTI mask, sensors on a scalp, vertices on
 * a surface) is the caller's business — `@concord/fmri`'s `searchlightNeighbourhoods(masker, {radius})` builds volume
 * spheres by rsatoolbox's or nilearn's rule (core's `Neighbourhoods` type is where the two meet). Centres with fewer than `minVoxels` neighbours get NaN.
 *
 * Per centre: an RDM of the conditions (observations averaged per `descriptor` as calcRdm does) and its comparison
 * with one or more model RDMs. Fast path (typed-array kernel, worker threads): RDM 'correlation' or 'euclidean'
 * with comparison 'spearman', 'corr' or 'cosine'. Any other calcRdm method (e.g. crossnobis with a noise
 * precision per sphere) or compareRdms method runs in-process through calcRdm and compareRdms, in batches.
 */
import { availableParallelism } from 'node:os';
import {
  ConcordError,
  compareDescriptorValues,
  Dataset,
  Matrix,
  type Neighbourhoods,
  ParameterError,
  type ProgressCallback,
  ProgressReporter,
  workerModule,
} from '@concord/core';
import { Piscina } from 'piscina';
import { type CalcRdmOptions, calcRdm, RDM_METHODS } from '../calc-rdm.ts';
import { COMPARE_METHODS, type CompareMethod, compareRdms } from '../compare.ts';
import { RSA_ERRORS } from '../errors.ts';
import { Rdms } from '../rdms.ts';
import {
  FAST_COMPARE_METHODS,
  FAST_RDM_METHODS,
  type FastCompareMethod,
  type FastRdmMethod,
  prepareModels,
  runSearchlightChunk,
} from '../searchlight-kernel.ts';
import type { SearchlightTask } from './searchlight-worker.ts';

export interface SearchlightOptions {
  /** Centers with fewer channels in their neighbourhood get NaN (default 2: an RDM needs more than one voxel). */
  minVoxels?: number;
  /** calcRdm method (default 'correlation'). */
  method?: string;
  /** compareRdms method (default 'spearman'). */
  compareMethod?: string;
  /** Obs descriptor of the conditions (default: each observation is a condition). */
  descriptor?: string;
  cvDescriptor?: string;
  /** Noise precision for a neighbourhood's channels (mahalanobis / crossnobis), given their channel indices. */
  noise?: (channels: Int32Array) => Matrix;
  /** Model RDM(s): Rdms or vectors in scipy squareform order (one per row). */
  models: Rdms | Matrix | ArrayLike<number>;
  /** Worker threads for the fast path (default: available cores; 1 = in-process). */
  threads?: number;
  /** Products through BLAS (core's native backend) when it is loaded (default true). */
  blas?: boolean;
  onProgress?: ProgressCallback;
}

export interface SearchlightResult {
  /** nCentres × nModels comparison values (NaN below minVoxels). */
  readonly values: Matrix;
  /** Channel index of each centre (the neighbourhoods' `centers`). */
  readonly centers: Int32Array;
  /** Channels in each centre's (truncated) neighbourhood. */
  readonly sphereSizes: Int32Array;
}

/** Condition means (sorted unique descriptor values, as calcRdm) of an obs × channels dataset. */
function conditionMeans(ds: Dataset, descriptor?: string): Matrix {
  if (!descriptor) return ds.measurements.astype('float64');
  const col = ds.obsDescriptor(descriptor);
  const values = [...new Set(col)].sort(compareDescriptorValues);
  const m = Matrix.zeros(values.length, ds.nChannels);
  const counts = new Float64Array(values.length);
  const pos = new Map(values.map((v, i) => [v, i]));
  for (let r = 0; r < ds.nObs; r++) {
    const g = pos.get(col[r]);
    if (g === undefined) continue; // unreachable: `pos` is built from this column
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
  return Matrix.fromVector(models, true);
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

/** Neighbourhoods that fit the data: consistent CSR arrays, every index a channel of the data. */
function checkNeighbourhoods(nb: Neighbourhoods, nChannels: number): void {
  if (nChannels !== nb.nChannels)
    throw new ConcordError(
      RSA_ERRORS.NEIGHBOURHOODS,
      `searchlight: data have ${nChannels} channels, the neighbourhoods refer to ${nb.nChannels}`,
      { field: 'data', expected: nb.nChannels, received: nChannels },
    );
  const n = nb.centers.length;
  if (nb.offsets.length !== n + 1 || nb.offsets[0] !== 0 || nb.offsets[n] !== nb.neighbours.length)
    throw new ConcordError(
      RSA_ERRORS.NEIGHBOURHOODS,
      `searchlight: offsets must have ${n + 1} entries from 0 to ${nb.neighbours.length} (the neighbours' length); received ${nb.offsets.length} entries from ${nb.offsets[0]} to ${nb.offsets[nb.offsets.length - 1]}`,
      { field: 'offsets' },
    );
  for (let c = 0; c < n; c++)
    if (nb.offsets[c + 1] < nb.offsets[c])
      throw new ConcordError(RSA_ERRORS.NEIGHBOURHOODS, `searchlight: offsets decrease at centre ${c}`, {
        field: 'offsets',
      });
  for (const list of [nb.neighbours, nb.centers])
    for (const v of list)
      if (!(v >= 0 && v < nChannels))
        throw new ConcordError(
          RSA_ERRORS.NEIGHBOURHOODS,
          `searchlight: channel index ${v} outside the data's 0..${nChannels - 1}`,
          { field: list === nb.centers ? 'centers' : 'neighbours', expected: `0..${nChannels - 1}`, received: v },
        );
}

/** Searchlight RSA: `data` is observations × channels, `neighbourhoods` lists each centre's channels. */
export async function searchlight(
  data: Dataset | Matrix,
  neighbourhoods: Neighbourhoods,
  opts: SearchlightOptions,
): Promise<SearchlightResult> {
  const ds = data instanceof Dataset ? data : new Dataset(data);
  const nb = neighbourhoods;
  checkNeighbourhoods(nb, ds.nChannels);
  const method = opts.method ?? 'correlation';
  const compareMethod = opts.compareMethod ?? 'spearman';
  if (!(RDM_METHODS as readonly string[]).includes(method))
    throw new ParameterError(
      RSA_ERRORS.UNKNOWN_METHOD,
      'method',
      `expected one of ${RDM_METHODS.map((m) => `'${m}'`).join(', ')}; received '${method}'`,
    );
  if (!(COMPARE_METHODS as readonly string[]).includes(compareMethod))
    throw new ParameterError(
      RSA_ERRORS.UNKNOWN_METHOD,
      'compareMethod',
      `expected one of ${COMPARE_METHODS.map((m) => `'${m}'`).join(', ')}; received '${compareMethod}'`,
    );
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
    return {
      values: generalSearchlight(ds, nb, method, compareMethod as CompareMethod, models, minVoxels, opts, progress),
      centers: nb.centers,
      sphereSizes: sizes,
    };

  const means = conditionMeans(ds, opts.descriptor);
  const nCond = means.rows;
  const nPairs = (nCond * (nCond - 1)) / 2;
  if (models.cols !== nPairs)
    throw new ParameterError(
      RSA_ERRORS.VECTOR_LENGTH,
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
  return { values: new Matrix(nCentres, models.rows, Float64Array.from(out)), centers: nb.centers, sphereSizes: sizes };
}

/** Any calcRdm / compareRdms method, in-process (RDMs batched for the comparison). */
function generalSearchlight(
  ds: Dataset,
  nb: Neighbourhoods,
  method: string,
  compareMethod: CompareMethod,
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
      const rdmOptions: CalcRdmOptions = {
        method,
        ...(opts.descriptor ? { descriptor: opts.descriptor } : {}),
        ...(opts.cvDescriptor ? { cvDescriptor: opts.cvDescriptor } : {}),
        ...(opts.noise ? { noise: opts.noise(Int32Array.from(vox)) } : {}),
      };
      const rdm = calcRdm(sub, rdmOptions);
      vectors.push(Float64Array.from(rdm.dissimilarities.row(0)));
      which.push(c);
    }
    if (vectors.length) {
      if (vectors[0].length !== models.cols)
        throw new ParameterError(
          RSA_ERRORS.VECTOR_LENGTH,
          'models',
          `model RDM vectors have length ${models.cols}; the searchlight RDMs have ${vectors[0].length}`,
        );
      const m = Matrix.zeros(vectors.length, vectors[0].length);
      for (const [i, v] of vectors.entries()) m.data.set(v, i * m.cols);
      const cmp = compareRdms(m, models, { method: compareMethod });
      for (const [i, c] of which.entries()) out.row(c).set(cmp.row(i));
    }
    progress.tick(e - s);
  }
  return out;
}
