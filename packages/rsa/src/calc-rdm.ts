/**
 * calcRdm: RDMs from Datasets with rsatoolbox's calc_rdm semantics for every method. Observations are averaged per
 * condition (np.unique order of the descriptor); each method is one or a few big products on core's kernels.
 *
 * Differences from rsatoolbox (documented in the README):
 * - poisson_cv averages ALL cross-validation folds; rsatoolbox keeps only the last fold (its loop overwrites the
 *   result). `poissonCvFolds: 'last'` reproduces rsatoolbox.
 * - crossnobis / poisson_cv accept unbalanced designs: a fold in which a condition has no test (or no training)
 *   observation leaves that condition's pairs out of that fold, and each pair is averaged over the folds it
 *   appears in (rsatoolbox fails on a shape mismatch there).
 */
import {
  axpy,
  ConcordRangeError,
  checkChoice,
  compareDescriptorValues,
  crossProduct,
  type Dataset,
  type Descriptors,
  type DescriptorValue,
  eigh,
  gram,
  Matrix,
  matmul,
  ParameterError,
  type ProgressOptions,
  ProgressReporter,
  shapeStr,
  squaredDistances,
  withScratchFloat64,
} from '@concord/core';
import { RSA_ERRORS } from './errors.ts';
import { type ConditionPatterns, conditionPatterns, foldSums, meansOf } from './patterns.ts';
import { Rdms } from './rdms.ts';

export const RDM_METHODS = ['euclidean', 'correlation', 'mahalanobis', 'crossnobis', 'poisson', 'poisson_cv'] as const;
export type RdmMethod = (typeof RDM_METHODS)[number];

export interface CalcRdmOptions extends ProgressOptions {
  /** rsatoolbox method name; default 'euclidean'. */
  method?: string;
  /** Obs descriptor defining the conditions (rows/columns); default: one condition per observation. */
  descriptor?: string;
  /** Obs descriptor of the cross-validation folds (runs) for crossnobis / poisson_cv. */
  cvDescriptor?: string;
  /** Noise PRECISION matrix (nChannels × nChannels) for mahalanobis / crossnobis; one per dataset for a list. */
  noise?: Matrix | Matrix[];
  /** Subtract each pattern's mean across channels first (rsatoolbox remove_mean). */
  removeMean?: boolean;
  /** Poisson prior (rsatoolbox prior_lambda, prior_weight). */
  priorLambda?: number;
  priorWeight?: number;
  /** poisson_cv: 'all' (default) averages every fold; 'last' reproduces rsatoolbox's last-fold-only result. */
  poissonCvFolds?: 'all' | 'last';
}

interface MethodContext {
  ds: Dataset;
  opts: CalcRdmOptions;
  noise: Matrix | undefined;
  removeMean: boolean;
}

interface MethodResult {
  vector: Float64Array;
  values: DescriptorValue[];
  descriptor: string;
  measure: string;
  extraDescriptors?: Record<string, unknown>;
}

/** The upper triangle of D[i,j] = K_ii + K_jj − K_ij − K_ji, divided by `scale`. */
function kernelToDistances(k: Matrix, scale: number, out?: Float64Array): Float64Array {
  const n = k.rows;
  const d = k.data;
  const v = out ?? new Float64Array((n * (n - 1)) / 2);
  let idx = 0;
  for (let i = 0; i < n; i++) {
    const kii = d[i * n + i];
    for (let j = i + 1; j < n; j++) v[idx++] = (kii + d[j * n + j] - d[i * n + j] - d[j * n + i]) / scale;
  }
  return v;
}

function requirePatterns(cp: ConditionPatterns): ConditionPatterns {
  if (cp.patterns.rows < 2) {
    throw new ConcordRangeError(
      RSA_ERRORS.TOO_FEW_CONDITIONS,
      `calcRdm: an RDM needs at least 2 conditions; descriptor '${cp.descriptor}' has ${cp.patterns.rows}`,
      {
        field: 'descriptor',
        received: cp.patterns.rows,
      },
    );
  }
  return cp;
}

function euclidean({ ds, opts, removeMean }: MethodContext): MethodResult {
  const cp = requirePatterns(conditionPatterns(ds, opts.descriptor, removeMean, { readOnly: true }));
  const d2 = squaredDistances(cp.patterns);
  const n = d2.rows;
  const p = cp.patterns.cols;
  const v = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) v[k++] = d2.data[i * n + j] / p;
  return { vector: v, values: cp.values, descriptor: cp.descriptor, measure: 'squared euclidean' };
}

interface CentredGram {
  /** n×n: (x_i − μ_i)·(x_j − μ_j), μ_i the mean of row i. */
  g: ArrayLike<number>;
  /** |x_i − μ_i|. */
  norms: Float64Array;
}

/**
 * The centred cross-products from the raw Gram matrix, G_ij − p·μ_i·μ_j, without a centred copy of the data —
 * when that is accurate: float64 rows whose centred energy is at least 1% of their raw energy (|μ| ≲ 10σ), so
 * the subtraction loses at most two of the sixteen digits. Otherwise undefined (the rows are centred first).
 */
function centredGramOfRaw(x: Matrix): CentredGram | undefined {
  if (x.dtype !== 'float64') return undefined;
  const n = x.rows;
  const p = x.cols;
  const src = x.data;
  const means = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += src[i * p + j];
    means[i] = s / p;
  }
  const g = gram(x).data as Float64Array;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const raw = g[i * n + i];
    const centred = raw - p * means[i] * means[i];
    if (!(centred >= 0.01 * raw)) return undefined;
    norms[i] = Math.sqrt(centred);
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] -= p * means[i] * means[j];
  return { g, norms };
}

/** The centred cross-products of rows centred explicitly (into the scratch buffer: the copy only feeds the product). */
function centredGramOfCentred(x: Matrix): CentredGram {
  const n = x.rows;
  const p = x.cols;
  const norms = new Float64Array(n);
  const g = withScratchFloat64(n * p, (centred) => {
    const src = x.data;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += src[i * p + j];
      const mean = s / p;
      let ss = 0;
      for (let j = 0; j < p; j++) {
        const c = src[i * p + j] - mean;
        centred[i * p + j] = c;
        ss += c * c;
      }
      norms[i] = Math.sqrt(ss);
    }
    return gram(new Matrix(n, p, centred)).data;
  });
  return { g, norms };
}

function correlation({ ds, opts }: MethodContext): MethodResult {
  // remove_mean has no effect: correlation centres every pattern anyway.
  const cp = requirePatterns(conditionPatterns(ds, opts.descriptor, false, { readOnly: true }));
  const n = cp.patterns.rows;
  const { g, norms } = centredGramOfRaw(cp.patterns) ?? centredGramOfCentred(cp.patterns);
  // Normalising after the product instead of before saves a pass over the data; a constant pattern has norm 0
  // and gives 0/0 = NaN, exactly where rsatoolbox gives NaN.
  const v = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) v[k++] = 1 - g[i * n + j] / (norms[i] * norms[j]);
  return { vector: v, values: cp.values, descriptor: cp.descriptor, measure: 'correlation' };
}

function mahalanobis(ctx: MethodContext): MethodResult {
  if (!ctx.noise) return euclidean(ctx);
  const cp = requirePatterns(conditionPatterns(ctx.ds, ctx.opts.descriptor, ctx.removeMean));
  const xl = matmul(cp.patterns, ctx.noise);
  const k = crossProduct(xl, cp.patterns);
  return {
    vector: kernelToDistances(k, cp.patterns.cols),
    values: cp.values,
    descriptor: cp.descriptor,
    measure: 'squared mahalanobis',
  };
}

/**
 * Cross-validated estimates averaged over folds: for every fold, `kernel(train, test)` over the conditions present
 * in both, accumulated per pair.
 */
function crossValidated(
  ctx: MethodContext,
  kernel: (train: Matrix, test: Matrix) => Matrix,
  stage: string,
  lastOnly = false,
): { vector: Float64Array; values: DescriptorValue[]; descriptor: string } {
  const descriptor = ctx.opts.descriptor;
  if (descriptor === undefined) {
    throw new ParameterError(
      RSA_ERRORS.DESCRIPTOR,
      'descriptor',
      `method '${ctx.opts.method}' needs a descriptor: cross-validation requires multiple measurements grouped per condition`,
    );
  }
  const fs = foldSums(ctx.ds, descriptor, ctx.opts.cvDescriptor, ctx.removeMean);
  const nc = fs.conditions.length;
  if (nc < 2)
    throw new ConcordRangeError(
      RSA_ERRORS.TOO_FEW_CONDITIONS,
      `calcRdm: an RDM needs at least 2 conditions; descriptor '${descriptor}' has ${nc}`,
      { field: 'descriptor' },
    );
  const nPairs = (nc * (nc - 1)) / 2;
  const sum = new Float64Array(nPairs);
  const count = new Float64Array(nPairs);
  const p = fs.total.cols;
  const trainCounts = new Int32Array(nc);
  const foldSum = Matrix.zeros(nc, p);
  const trainSums = Matrix.zeros(nc, p);
  const progress = new ProgressReporter(stage, fs.folds.length, ctx.opts.onProgress);
  const foldList = lastOnly ? [fs.folds.length - 1] : fs.folds.map((_, f) => f);
  for (const f of foldList) {
    const present: number[] = [];
    for (let c = 0; c < nc; c++) {
      trainCounts[c] = fs.totalCounts[c] - fs.counts[f][c];
      if (fs.counts[f][c] > 0 && trainCounts[c] > 0) present.push(c);
    }
    if (present.length >= 2) {
      const testOfFold = fs.sumOfFold(f, foldSum);
      for (let k = 0; k < trainSums.data.length; k++) trainSums.data[k] = fs.total.data[k] - testOfFold.data[k];
      const train = meansOf(trainSums, trainCounts, present);
      const test = meansOf(testOfFold, fs.counts[f], present);
      const dist = kernelToDistances(kernel(train, test), p);
      let idx = 0;
      for (let a = 0; a < present.length; a++) {
        for (let b = a + 1; b < present.length; b++) {
          const i = present[a];
          const j = present[b];
          const pi = i * nc - (i * (i + 1)) / 2 + (j - i - 1);
          sum[pi] += dist[idx++];
          count[pi]++;
        }
      }
    }
    progress.tick();
  }
  finishAverage(sum, count, fs.conditions);
  return { vector: sum, values: fs.conditions, descriptor };
}

/**
 * crossnobis as one product per fold. With R_f the per-condition sums of fold f, S = Σ_f R_f and counts n_f (test)
 * and N − n_f (training), fold f's kernel is
 *   K_f[i,j] = (S_i − R_f,i)·Λ·R_f,jᵀ / ((N_i − n_f,i)·n_f,j)
 * i.e. training means against test means as rsatoolbox forms them; the training sums S − R_f and R_f live in
 * two buffers reused across folds. Conditions absent from a fold's test or training data leave their pairs out of
 * that fold (unbalanced designs); each pair is averaged over the folds it appears in.
 */
function crossnobis(ctx: MethodContext): MethodResult {
  const descriptor = ctx.opts.descriptor;
  if (descriptor === undefined) {
    throw new ParameterError(
      RSA_ERRORS.DESCRIPTOR,
      'descriptor',
      `method 'crossnobis' needs a descriptor: cross-validation requires multiple measurements grouped per condition`,
    );
  }
  const fs = foldSums(ctx.ds, descriptor, ctx.opts.cvDescriptor, ctx.removeMean);
  const nc = fs.conditions.length;
  const nf = fs.folds.length;
  if (nc < 2)
    throw new ConcordRangeError(
      RSA_ERRORS.TOO_FEW_CONDITIONS,
      `calcRdm: an RDM needs at least 2 conditions; descriptor '${descriptor}' has ${nc}`,
      { field: 'descriptor' },
    );
  const p = fs.total.cols;
  const progress = new ProgressReporter('crossnobis', nf, ctx.opts.onProgress);
  const nPairs = (nc * (nc - 1)) / 2;
  const sum = new Float64Array(nPairs);
  const count = new Float64Array(nPairs);
  const kf = new Float64Array(nc * nc);
  const ok = new Uint8Array(nc);
  // The per-fold test and training sums live in scratch buffers, reused across folds and calls.
  const foldLoop = (testSums: Matrix, trainSums: Matrix): void => {
    const total = fs.total.data as Float64Array;
    const train = trainSums.data as Float64Array;
    for (let f = 0; f < nf; f++) {
      const testOfFold = fs.sumOfFold(f, testSums);
      train.set(total);
      axpy(-1, testOfFold.data, train);
      const z = ctx.noise ? matmul(testOfFold, ctx.noise) : testOfFold;
      const g = crossProduct(trainSums, z); // nc × nc: training sums against (noise-weighted) test sums
      const test = fs.counts[f];
      for (let i = 0; i < nc; i++) ok[i] = test[i] > 0 && fs.totalCounts[i] - test[i] > 0 ? 1 : 0;
      for (let i = 0; i < nc; i++) {
        if (!ok[i]) continue;
        const nTrain = fs.totalCounts[i] - test[i];
        for (let j = 0; j < nc; j++) {
          if (!ok[j]) continue;
          kf[i * nc + j] = g.data[i * nc + j] / (nTrain * test[j]);
        }
      }
      let k = 0;
      for (let i = 0; i < nc; i++) {
        for (let j = i + 1; j < nc; j++, k++) {
          if (!ok[i] || !ok[j]) continue;
          sum[k] += (kf[i * nc + i] + kf[j * nc + j] - kf[i * nc + j] - kf[j * nc + i]) / p;
          count[k]++;
        }
      }
      progress.tick();
    }
  };
  withScratchFloat64(nc * p, (testBuffer) =>
    withScratchFloat64(nc * p, (trainBuffer) =>
      foldLoop(new Matrix(nc, p, testBuffer), new Matrix(nc, p, trainBuffer)),
    ),
  );
  finishAverage(sum, count, fs.conditions);
  return {
    vector: sum,
    values: fs.conditions,
    descriptor,
    measure: 'crossnobis',
    extraDescriptors: { cvDescriptor: ctx.opts.cvDescriptor ?? 'cv_desc' },
  };
}

/** Divide pair sums by their fold counts; a pair never estimated is an error naming both conditions. */
function finishAverage(sum: Float64Array, count: Float64Array, conditions: DescriptorValue[]): void {
  const nc = conditions.length;
  let k = 0;
  for (let i = 0; i < nc; i++) {
    for (let j = i + 1; j < nc; j++, k++) {
      if (count[k] === 0) {
        throw new ParameterError(
          RSA_ERRORS.CROSS_VALIDATION,
          'cvDescriptor',
          `conditions ${String(conditions[i])} and ${String(conditions[j])} never appear together in a fold's test set with training data for both; no cross-validated estimate is possible`,
        );
      }
      sum[k] /= count[k];
    }
  }
}

function poissonPrior(m: Matrix, opts: CalcRdmOptions, where: string): Matrix {
  const lambda = opts.priorLambda ?? 1;
  const w = opts.priorWeight ?? 0.1;
  const out = Matrix.zeros(m.rows, m.cols);
  for (let k = 0; k < m.data.length; k++) {
    const v = (m.data[k] + lambda * w) / (1 + w);
    if (!(v > 0)) {
      throw new ConcordRangeError(
        RSA_ERRORS.DOMAIN,
        `calcRdm(poisson): ${where} [row ${Math.floor(k / m.cols)}, channel ${k % m.cols}] = ${m.data[k]} gives a non-positive rate ${v} after the prior (priorLambda ${lambda}, priorWeight ${w}); poisson methods need counts ≥ 0`,
        {
          field: 'data',
          received: m.data[k],
        },
      );
    }
    out.data[k] = v;
  }
  return out;
}

function logOf(m: Matrix): Matrix {
  const out = Matrix.zeros(m.rows, m.cols);
  for (let k = 0; k < m.data.length; k++) out.data[k] = Math.log(m.data[k]);
  return out;
}

function poisson({ ds, opts }: MethodContext): MethodResult {
  const cp = requirePatterns(conditionPatterns(ds, opts.descriptor, false));
  const m = poissonPrior(cp.patterns, opts, 'condition mean');
  const k = crossProduct(m, logOf(m));
  return { vector: kernelToDistances(k, m.cols), values: cp.values, descriptor: cp.descriptor, measure: 'poisson' };
}

function poissonCv(ctx: MethodContext): MethodResult {
  const lastOnly = ctx.opts.poissonCvFolds === 'last';
  const r = crossValidated(
    { ...ctx, removeMean: false },
    (train, test) =>
      crossProduct(poissonPrior(train, ctx.opts, 'training mean'), logOf(poissonPrior(test, ctx.opts, 'test mean'))),
    'poisson_cv',
    lastOnly,
  );
  return { ...r, measure: 'poisson_cv' };
}

const METHOD_TABLE: Record<RdmMethod, (ctx: MethodContext) => MethodResult> = {
  euclidean,
  correlation,
  mahalanobis,
  crossnobis,
  poisson,
  poisson_cv: poissonCv,
};

function checkNoise(noise: Matrix | undefined, nChannels: number, parameter: string): Matrix | undefined {
  if (noise === undefined) return undefined;
  if (!(noise instanceof Matrix))
    throw new ParameterError(RSA_ERRORS.NOISE, parameter, 'expected a Matrix (nChannels × nChannels precision matrix)');
  if (noise.rows !== nChannels || noise.cols !== nChannels) {
    throw new ParameterError(
      RSA_ERRORS.NOISE,
      parameter,
      `the precision matrix is ${shapeStr(noise)} but the data have ${nChannels} channels (expected ${nChannels}×${nChannels})`,
      {
        expected: [nChannels, nChannels],
        received: [noise.rows, noise.cols],
      },
    );
  }
  return noise.astype('float64');
}

/**
 * A precision matrix must be positive semidefinite: with a negative eigenvalue, (x−y)ᵀΛ(x−y) is negative for some
 * pairs and the "distances" are meaningless (rsatoolbox computes them silently). Only the symmetric part of Λ enters
 * the quadratic form, so that is what is checked; eigenvalues down to −1e-10 × the largest |eigenvalue| count as 0.
 */
function checkSemidefinite(noise: Matrix, parameter: string): void {
  const p = noise.rows;
  const sym = Matrix.zeros(p, p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) sym.data[i * p + j] = (noise.data[i * p + j] + noise.data[j * p + i]) / 2;
  sym.assertFinite(parameter);
  const { values } = eigh(sym);
  const smallest = values[0];
  const largest = Math.max(Math.abs(values[0]), Math.abs(values[p - 1]));
  if (smallest < -1e-10 * largest) {
    throw new ParameterError(
      RSA_ERRORS.NOISE,
      parameter,
      `the precision matrix is not positive semidefinite: its smallest eigenvalue is ${smallest} (largest |eigenvalue| ${largest}), so some squared distances would be negative; pass a covariance estimate's inverse (e.g. from covFromResiduals)`,
      { received: smallest },
    );
  }
}

/** Check every distinct precision matrix once (a list may repeat one matrix for many datasets). */
function checkNoises(noise: Matrix | Matrix[] | undefined): void {
  if (noise === undefined) return;
  const list = Array.isArray(noise) ? noise : [noise];
  const seen = new Set<Matrix>();
  list.forEach((m, i) => {
    if (!(m instanceof Matrix) || m.rows !== m.cols || seen.has(m)) return; // shapes are checked per dataset
    seen.add(m);
    checkSemidefinite(m.astype('float64'), Array.isArray(noise) ? `noise[${i}]` : 'noise');
  });
}

function calcSingle(ds: Dataset, opts: CalcRdmOptions, method: RdmMethod, noise: Matrix | undefined): Rdms {
  if (ds.nChannels < 1)
    throw new ConcordRangeError(RSA_ERRORS.TOO_FEW_CONDITIONS, 'calcRdm: the dataset has no channels', {
      field: 'data',
    });
  const checked = checkNoise(noise, ds.nChannels, 'noise');
  const r = METHOD_TABLE[method]({ ds, opts, noise: checked, removeMean: opts.removeMean ?? false });
  const rdmDescriptors: Descriptors = {};
  for (const [k, v] of Object.entries(ds.descriptors))
    if (typeof v === 'string' || typeof v === 'number') rdmDescriptors[k] = [v];
  return new Rdms(Matrix.fromVector(r.vector, true), {
    dissimilarityMeasure: r.measure,
    descriptors: { ...ds.descriptors, ...(r.extraDescriptors ?? {}) },
    rdmDescriptors,
    patternDescriptors: { [r.descriptor]: r.values, index: r.values.map((_, i) => i) },
  });
}

/**
 * Combine per-dataset RDMs: when every dataset has the same conditions they are concatenated, otherwise they are
 * placed on the union of conditions with NaN for pairs a dataset lacks (rsatoolbox from_partials).
 */
function combine(list: Rdms[], descriptor: string | undefined): Rdms {
  const name = descriptor ?? 'pattern';
  const same = list.every(
    (r) =>
      r.nCond === list[0].nCond &&
      r.patternDescriptors[name]?.every((v, i) => v === list[0].patternDescriptors[name][i]),
  );
  if (same || descriptor === undefined) return Rdms.concat(list);
  const all = new Set<DescriptorValue>();
  for (const r of list) for (const v of r.patternDescriptors[name]) all.add(v);
  const union = [...all].sort(compareDescriptorValues);
  const n = union.length;
  const pos = new Map(union.map((v, i) => [v, i]));
  const out = Matrix.zeros(list.length, (n * (n - 1)) / 2);
  out.data.fill(Number.NaN);
  list.forEach((r, row) => {
    // every pattern label is in the union (built from them)
    const idx = r.patternDescriptors[name].map((v) => pos.get(v) ?? -1);
    const v = r.getVector(0);
    let k = 0;
    for (let a = 0; a < r.nCond; a++) {
      for (let b = a + 1; b < r.nCond; b++) {
        const i = Math.min(idx[a], idx[b]);
        const j = Math.max(idx[a], idx[b]);
        out.data[row * out.cols + i * n - (i * (i + 1)) / 2 + (j - i - 1)] = v[k++];
      }
    }
  });
  const merged = Rdms.concat(
    list.map((r) => r.withDissimilarities(Matrix.fromVector(new Float64Array(r.nPairs), true))),
  );
  return new Rdms(out, {
    dissimilarityMeasure: list[0].dissimilarityMeasure,
    descriptors: list[0].descriptors,
    rdmDescriptors: merged.rdmDescriptors,
    patternDescriptors: { [name]: union, index: union.map((_, i) => i) },
  });
}

/** One RDM per dataset (nRdms = number of datasets). */
export function calcRdm(data: Dataset | Dataset[], opts: CalcRdmOptions = {}): Rdms {
  const method = checkChoice('method', opts.method ?? 'euclidean', RDM_METHODS, RSA_ERRORS.UNKNOWN_METHOD);
  if (method === 'mahalanobis' || method === 'crossnobis') checkNoises(opts.noise);
  if (!Array.isArray(data)) {
    if (Array.isArray(opts.noise))
      throw new ParameterError(
        RSA_ERRORS.NOISE,
        'noise',
        'a list of precision matrices needs a list of datasets (one per dataset)',
      );
    const progress = method === 'crossnobis' ? undefined : new ProgressReporter('rdm', 1, opts.onProgress);
    const r = calcSingle(data, opts, method, opts.noise);
    progress?.finish();
    return r;
  }
  if (data.length === 0) throw new ParameterError(RSA_ERRORS.DESCRIPTOR, 'data', 'received an empty list of datasets');
  const noises = opts.noise;
  if (Array.isArray(noises) && noises.length !== data.length) {
    throw new ParameterError(
      RSA_ERRORS.NOISE,
      'noise',
      `received ${noises.length} precision matrices for ${data.length} datasets (one per dataset)`,
    );
  }
  const progress = new ProgressReporter('rdm', data.length, opts.onProgress);
  const list = data.map((ds, i) => {
    const r = calcSingle(ds, { ...opts, onProgress: undefined }, method, Array.isArray(noises) ? noises[i] : noises);
    progress.tick();
    return r;
  });
  return combine(list, opts.descriptor);
}
