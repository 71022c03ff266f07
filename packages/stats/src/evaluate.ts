/**
 * Model evaluation with rsatoolbox's semantics and names (inference/evaluate.py at f1f83ca):
 * evalFixed, evalBootstrapPattern, evalBootstrapRdm, evalBootstrap (both) and evalDualBootstrap (Schütt et al.
 * 2023: one draw of subjects and conditions per sample, evaluated three ways — both, rdm only, pattern only — whose
 * covariances are combined by EvaluationResult). Samples that draw fewer than 3 distinct conditions are NaN rows.
 *
 * Draws: seeded (core Rng) or given explicitly (`draws`, indices into the sorted distinct descriptor values, e.g.
 * to replay an rsatoolbox run). cosine / corr / spearman / rho-a on complete RDMs use the weighted fast path;
 * every other comparator (or RDMs with NaN) builds each sample literally and uses @concord/rsa's compareRdms.
 * evalBootstrapParallel runs the samples on worker threads (S2's parallel.ts) with the same bytes as the others.
 */
import {
  ConcordRangeError,
  checkChoice,
  Matrix,
  ParameterError,
  type ProgressOptions,
  workerModule,
} from '@concord/core';
import { COMPARE_METHODS, compareRdms, Rdms } from '@concord/rsa';
import { type BootstrapJobInput, evaluateBootstrapChunk } from './bootstrap-chunk.ts';
import {
  type BootstrapDraw,
  type BootstrapKind,
  checkDraws,
  drawBootstrapSamples,
  type Grouping,
  groupingOf,
} from './bootstrap-sample.ts';
import { STATS_ERRORS } from './errors.ts';
import { EvaluationResult } from './evaluation-result.ts';
import { bootNoiseCeiling } from './expanded-sample.ts';
import { asModels, type Model } from './models.ts';
import { runChunked, runChunkedSync } from './parallel.ts';

export interface EvalOptions extends ProgressOptions {
  /** Comparator (rsatoolbox compare method); default 'cosine' as in rsatoolbox. */
  method?: string;
  /** Parameters per model (undefined entries: the model's default). */
  theta?: readonly (ArrayLike<number> | undefined)[];
}

export interface BootstrapOptions extends EvalOptions {
  /** Number of bootstrap samples (default 1000); ignored when `draws` is given. */
  nSamples?: number;
  /** Seed of the draws (default 0); ignored when `draws` is given. */
  seed?: number;
  /** Explicit draws, one per sample (indices into the sorted distinct descriptor values). */
  draws?: readonly BootstrapDraw[];
  /** Pattern descriptor grouping conditions that are drawn together (default 'index'). */
  patternDescriptor?: string;
  /** RDM descriptor grouping RDMs into subjects (bootstrap and noise ceiling; default 'index'). */
  rdmDescriptor?: string;
  /** A noise ceiling per sample (default true); otherwise one noise ceiling of the whole data. */
  bootNoiseCeil?: boolean;
}

type DataInput = Rdms | Matrix;
type ModelsInput = Model | readonly Model[] | Rdms | Matrix;

interface Prepared {
  models: Model[];
  data: Rdms;
  vectors: Float64Array[];
  predictions: Float64Array[];
  method: string;
  nCond: number;
  complete: boolean;
}

function prepare(modelsIn: ModelsInput, dataIn: DataInput, opts: EvalOptions): Prepared {
  const method = checkChoice('method', opts.method ?? 'cosine', COMPARE_METHODS, STATS_ERRORS.UNKNOWN_METHOD);
  const data = dataIn instanceof Rdms ? dataIn : new Rdms(dataIn);
  const models = asModels(modelsIn);
  if (data.nCond < 3)
    throw new ConcordRangeError(
      STATS_ERRORS.TOO_FEW,
      `data: model evaluation needs RDMs over at least 3 conditions; received ${data.nCond}`,
      {
        field: 'data',
        received: data.nCond,
      },
    );
  if (opts.theta !== undefined && opts.theta.length !== models.length)
    throw new ParameterError(
      STATS_ERRORS.MODEL,
      'theta',
      `expected one parameter vector per model (${models.length}); received ${opts.theta.length}`,
    );
  const predictions = models.map((m, i) => {
    const p = m.predictRdm(opts.theta?.[i]);
    if (p.length !== data.nPairs)
      throw new ConcordRangeError(
        STATS_ERRORS.CONDITIONS,
        `models[${i}] ('${m.name}'): predicts an RDM over ${m.nCond} conditions (${p.length} pairs) but the data are over ${data.nCond} conditions (${data.nPairs} pairs)`,
        { field: `models[${i}]`, expected: data.nCond, received: m.nCond },
      );
    return p;
  });
  const vectors = Array.from({ length: data.nRdms }, (_, r) => Float64Array.from(data.getVector(r)));
  const complete = [...vectors, ...predictions].every((v) => v.every((x) => !Number.isNaN(x)));
  return { models, data, vectors, predictions, method, nCond: data.nCond, complete };
}

/** Covariance (ddof 1 unless given) of variables stored as columns of `rows` (observations × variables). */
function covariance(rows: readonly Float64Array[], ddof = 1): Matrix {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const c = Matrix.zeros(d, d);
  for (const r of rows)
    for (let i = 0; i < d; i++) {
      const di = r[i] - mean[i];
      for (let j = 0; j < d; j++) c.data[i * d + j] += di * (r[j] - mean[j]);
    }
  for (let k = 0; k < d * d; k++) c.data[k] /= n - ddof;
  return c;
}

function drawsFor(
  kind: BootstrapKind,
  patternGrouping: Grouping,
  rdmGrouping: Grouping,
  opts: BootstrapOptions,
): readonly BootstrapDraw[] {
  const nP = patternGrouping.nGroups;
  const nR = rdmGrouping.nGroups;
  if (opts.draws !== undefined) {
    checkDraws(opts.draws, kind, nP, nR, 'draws');
    return opts.draws;
  }
  return drawBootstrapSamples(kind, nP, nR, opts.nSamples ?? 1000, opts.seed ?? 0);
}

/** Evaluation without resampling: every model against every data RDM (rsatoolbox eval_fixed). */
export function evalFixed(models: ModelsInput, data: DataInput, opts: EvalOptions = {}): EvaluationResult {
  const p = prepare(models, data, opts);
  const nRdm = p.data.nRdms;
  const all = Array.from({ length: nRdm }, (_, r) => r);
  const predictions = new Matrix(
    p.models.length,
    p.data.nPairs,
    Float64Array.from(p.predictions.flatMap((v) => Array.from(v))),
  );
  const per = compareRdms(predictions, p.data, { method: p.method }).data as Float64Array;
  // eval_fixed always computes its noise ceiling over rdm_descriptor='index' (every RDM its own subject)
  const nc = bootNoiseCeiling(p.data.getVectors(), all, p.method);
  let variances: { data: Float64Array; shape: number[] } | undefined;
  if (nRdm > 1) {
    const rows = all.map((r) => Float64Array.from({ length: p.models.length }, (_, m) => per[m * nRdm + r]));
    const cov = covariance(rows, 0);
    for (let k = 0; k < cov.data.length; k++) cov.data[k] /= nRdm;
    variances = { data: cov.data as Float64Array, shape: [cov.rows, cov.cols] };
  }
  return new EvaluationResult({
    models: p.models,
    evaluations: { data: per, shape: [1, p.models.length, nRdm] },
    method: p.method,
    cvMethod: 'fixed',
    noiseCeiling: { data: Float64Array.of(nc.lower, nc.upper), shape: [2] },
    variances,
    dof: nRdm > 1 ? nRdm - 1 : 0,
    nRdm,
  });
}

/** Everything the per-sample work needs (cloned to worker threads). */
function jobInput(kind: BootstrapKind | 'dual', p: Prepared, opts: BootstrapOptions): BootstrapJobInput {
  const patternGrouping = groupingOf(p.data.patternDescriptor(opts.patternDescriptor ?? 'index'));
  const rdmGrouping = groupingOf(p.data.rdmDescriptor(opts.rdmDescriptor ?? 'index'));
  const draws = drawsFor(kind === 'dual' ? 'both' : kind, patternGrouping, rdmGrouping, opts).map((d) => ({
    ...(d.patterns !== undefined ? { patterns: Int32Array.from(d.patterns) } : {}),
    ...(d.rdms !== undefined ? { rdms: Int32Array.from(d.rdms) } : {}),
  }));
  return {
    kind,
    method: p.method,
    nCond: p.nCond,
    predictions: p.predictions,
    vectors: p.vectors,
    complete: p.complete,
    patternGrouping,
    rdmGrouping,
    draws,
    bootNoiseCeil: kind === 'dual' || (opts.bootNoiseCeil ?? true),
  };
}

const CHUNK = 25;

function rowsSync(input: BootstrapJobInput, opts: BootstrapOptions): Float64Array {
  const parts = runChunkedSync(evaluateBootstrapChunk, input, input.draws.length, CHUNK, {
    stage: `bootstrap ${input.kind}`,
    onProgress: opts.onProgress,
  });
  return concat(parts);
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, x) => s + x.length, 0));
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

function bootstrapAssemble(
  kind: BootstrapKind,
  p: Prepared,
  input: BootstrapJobInput,
  rows: Float64Array,
): EvaluationResult {
  const bootNc = input.bootNoiseCeil;
  const M = p.models.length;
  const N = input.draws.length;
  const evaluations = new Float64Array(N * M);
  const lower = new Float64Array(N);
  const upper = new Float64Array(N);
  for (let s = 0; s < N; s++) {
    evaluations.set(rows.subarray(s * (M + 2), s * (M + 2) + M), s * M);
    lower[s] = rows[s * (M + 2) + M];
    upper[s] = rows[s * (M + 2) + M + 1];
  }
  const nRdm = p.data.nRdms;
  const nCond = p.nCond;
  const okRows: Float64Array[] = [];
  for (let s = 0; s < N; s++) {
    if (!Number.isFinite(evaluations[s * M])) continue;
    const row = evaluations.slice(s * M, (s + 1) * M);
    okRows.push(bootNc ? Float64Array.from([...row, lower[s], upper[s]]) : row);
  }
  let variances: Matrix;
  if (kind === 'rdm') {
    // eval_bootstrap_rdm overwrites its covariance with np.cov(evaluations.T): models only, every row
    variances = covariance(Array.from({ length: N }, (_, s) => evaluations.slice(s * M, (s + 1) * M)));
  } else variances = covariance(okRows);
  let noiseCeiling: { data: Float64Array; shape: number[] };
  if (bootNc) noiseCeiling = { data: Float64Array.from([...lower, ...upper]), shape: [2, N] };
  else {
    const nc = bootNoiseCeiling(p.data.getVectors(), input.rdmGrouping.groupOf, p.method);
    noiseCeiling = { data: Float64Array.of(nc.lower, nc.upper), shape: [2] };
  }
  const spec = {
    pattern: { cvMethod: 'bootstrap_pattern', dof: nCond - 1, nRdm: undefined, nPattern: nCond },
    rdm: { cvMethod: 'bootstrap_rdm', dof: nRdm - 1, nRdm, nPattern: undefined },
    both: { cvMethod: 'bootstrap', dof: Math.min(nRdm, nCond) - 1, nRdm, nPattern: nCond },
  }[kind];
  return new EvaluationResult({
    models: p.models,
    evaluations: { data: evaluations, shape: [N, M] },
    method: p.method,
    cvMethod: spec.cvMethod,
    noiseCeiling,
    variances: { data: variances.data as Float64Array, shape: [variances.rows, variances.cols] },
    dof: spec.dof,
    nRdm: spec.nRdm,
    nPattern: spec.nPattern,
  });
}

function bootstrapResult(
  kind: BootstrapKind,
  modelsIn: ModelsInput,
  dataIn: DataInput,
  opts: BootstrapOptions,
): EvaluationResult {
  const p = prepare(modelsIn, dataIn, opts);
  const input = jobInput(kind, p, opts);
  return bootstrapAssemble(kind, p, input, rowsSync(input, opts));
}

/** Bootstrap over conditions (rsatoolbox eval_bootstrap_pattern). */
export function evalBootstrapPattern(
  models: ModelsInput,
  data: DataInput,
  opts: BootstrapOptions = {},
): EvaluationResult {
  return bootstrapResult('pattern', models, data, opts);
}

/** Bootstrap over subjects (rsatoolbox eval_bootstrap_rdm). */
export function evalBootstrapRdm(models: ModelsInput, data: DataInput, opts: BootstrapOptions = {}): EvaluationResult {
  return bootstrapResult('rdm', models, data, opts);
}

/** Bootstrap over subjects and conditions together (rsatoolbox eval_bootstrap). */
export function evalBootstrap(models: ModelsInput, data: DataInput, opts: BootstrapOptions = {}): EvaluationResult {
  return bootstrapResult('both', models, data, opts);
}

/**
 * Dual bootstrap (rsatoolbox eval_dual_bootstrap with k_pattern = k_rdm = 1, i.e. fixed models without
 * cross-validation): each sample's one draw of subjects and conditions is evaluated resampling both, subjects
 * only and conditions only; the three covariances are combined with the small-sample formula of Schütt et al.
 * (2023). Evaluations are samples × models × 1 × 1 × 3 (both, rdm, pattern), the noise ceiling 2 × samples × 1 × 3.
 */
export function evalDualBootstrap(models: ModelsInput, data: DataInput, opts: BootstrapOptions = {}): EvaluationResult {
  const p = prepare(models, data, opts);
  const input = jobInput('dual', p, opts);
  return dualAssemble(p, input, rowsSync(input, opts));
}

function dualAssemble(p: Prepared, input: BootstrapJobInput, rows: Float64Array): EvaluationResult {
  const M = p.models.length;
  const N = input.draws.length;
  const d = M + 2;
  const evaluations = new Float64Array(N * M * 3);
  const nc = new Float64Array(2 * N * 3);
  const ok: boolean[] = [];
  for (let s = 0; s < N; s++) {
    ok.push(!Number.isNaN(rows[s * 3 * d]));
    for (let t = 0; t < 3; t++) {
      const at = (s * 3 + t) * d;
      for (let m = 0; m < M; m++) evaluations[(s * M + m) * 3 + t] = rows[at + m];
      nc[s * 3 + t] = rows[at + M];
      nc[N * 3 + s * 3 + t] = rows[at + M + 1];
    }
  }
  const variances = new Float64Array(3 * d * d);
  for (let t = 0; t < 3; t++) {
    const okRows: Float64Array[] = [];
    for (let s = 0; s < N; s++) if (ok[s]) okRows.push(rows.slice((s * 3 + t) * d, (s * 3 + t + 1) * d));
    variances.set(covariance(okRows).data, t * d * d);
  }
  const nRdm = p.data.nRdms;
  return new EvaluationResult({
    models: p.models,
    evaluations: { data: evaluations, shape: [N, M, 1, 1, 3] },
    method: p.method,
    cvMethod: 'dual_bootstrap',
    noiseCeiling: { data: nc, shape: [2, N, 1, 3] },
    variances: { data: variances, shape: [3, d, d] },
    dof: Math.min(nRdm, p.nCond) - 1,
    nRdm,
    nPattern: p.nCond,
  });
}

export const BOOTSTRAP_KINDS = ['pattern', 'rdm', 'both', 'dual'] as const;

/**
 * Any of the bootstrap evaluations on worker threads (both cores; `threads` or CONCORD_STATS_THREADS): the same
 * draws and the same bytes as the single-threaded functions, whatever the number of threads.
 */
export async function evalBootstrapParallel(
  kind: (typeof BOOTSTRAP_KINDS)[number],
  models: ModelsInput,
  data: DataInput,
  opts: BootstrapOptions & { threads?: number } = {},
): Promise<EvaluationResult> {
  const k = checkChoice('kind', kind, BOOTSTRAP_KINDS, STATS_ERRORS.UNKNOWN_METHOD);
  const p = prepare(models, data, opts);
  const input = jobInput(k, p, opts);
  const parts = await runChunked<BootstrapJobInput, Float64Array>(
    {
      module: workerModule(import.meta.url, 'bootstrap-chunk').url.href,
      exportName: 'evaluateBootstrapChunk',
      input,
      nItems: input.draws.length,
      chunkSize: CHUNK,
    },
    { threads: opts.threads, stage: `bootstrap ${k}`, onProgress: opts.onProgress },
  );
  const rows = concat(parts);
  return k === 'dual' ? dualAssemble(p, input, rows) : bootstrapAssemble(k, p, input, rows);
}
