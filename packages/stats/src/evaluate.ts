/**
 * Model evaluation with rsatoolbox's semantics and names (inference/evaluate.py at f1f83ca):
 * evalFixed, evalBootstrapPattern, evalBootstrapRdm, evalBootstrap (both) and evalDualBootstrap (Schütt et al.
 * 2023: one draw of subjects and conditions per sample, evaluated three ways — both, rdm only, pattern only — whose
 * covariances are combined by EvaluationResult). Samples that draw fewer than 3 distinct conditions are NaN rows.
 *
 * Draws: seeded (core Rng) or given explicitly (`draws`, indices into the sorted distinct descriptor values, e.g.
 * to replay an rsatoolbox run). cosine / corr / spearman / rho-a on complete RDMs use the weighted fast path;
 * every other comparator (or RDMs with NaN) builds each sample literally and uses @concord/rsa's compareRdms.
 * Runs on the calling thread (deterministic whatever the machine).
 */
import {
  ConcordRangeError,
  checkChoice,
  Matrix,
  ParameterError,
  type ProgressOptions,
  ProgressReporter,
} from '@concord/core';
import { COMPARE_METHODS, compareRdms, Rdms } from '@concord/rsa';
import {
  type BootstrapDraw,
  type BootstrapKind,
  checkDraws,
  distinctCount,
  drawBootstrapSamples,
  type Grouping,
  groupingOf,
  itemMultiplicities,
  sampleItems,
} from './bootstrap-sample.ts';
import { STATS_ERRORS } from './errors.ts';
import { EvaluationResult } from './evaluation-result.ts';
import { bootNoiseCeiling, evaluateExpanded } from './expanded-sample.ts';
import { asModels, type Model } from './models.ts';
import { isWeightedMethod, type SampleEvaluation, WeightedEvaluator } from './weighted-evaluator.ts';

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

class SampleRunner {
  private readonly fast: WeightedEvaluator | undefined;
  readonly patternGrouping: Grouping;
  readonly rdmGrouping: Grouping;
  constructor(
    private readonly p: Prepared,
    patternDescriptor: string,
    rdmDescriptor: string,
  ) {
    this.patternGrouping = groupingOf(p.data.patternDescriptor(patternDescriptor));
    this.rdmGrouping = groupingOf(p.data.rdmDescriptor(rdmDescriptor));
    if (p.complete && isWeightedMethod(p.method))
      this.fast = new WeightedEvaluator(p.predictions, p.vectors, p.nCond, this.rdmGrouping.groupOf, p.method);
  }

  /** Evaluate the sample with these drawn pattern groups / rdm groups (undefined: not resampled). */
  run(
    patterns: ArrayLike<number> | undefined,
    rdms: ArrayLike<number> | undefined,
    withNoiseCeiling: boolean,
  ): SampleEvaluation {
    if (this.fast) {
      return this.fast.evaluate(
        itemMultiplicities(patterns, this.patternGrouping),
        itemMultiplicities(rdms, this.rdmGrouping),
        withNoiseCeiling,
      );
    }
    return evaluateExpanded(
      this.p.predictions,
      this.p.vectors,
      this.p.nCond,
      sampleItems(rdms, this.rdmGrouping, false),
      patterns === undefined ? undefined : sampleItems(patterns, this.patternGrouping, true),
      this.rdmGrouping.groupOf,
      this.p.method,
      withNoiseCeiling,
    );
  }
}

function nanEvaluation(nModels: number): SampleEvaluation {
  return { evaluations: new Float64Array(nModels).fill(Number.NaN), lower: Number.NaN, upper: Number.NaN };
}

function drawsFor(kind: BootstrapKind, runner: SampleRunner, opts: BootstrapOptions): readonly BootstrapDraw[] {
  const nP = runner.patternGrouping.nGroups;
  const nR = runner.rdmGrouping.nGroups;
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

function bootstrapResult(
  kind: BootstrapKind,
  modelsIn: ModelsInput,
  dataIn: DataInput,
  opts: BootstrapOptions,
): EvaluationResult {
  const p = prepare(modelsIn, dataIn, opts);
  const runner = new SampleRunner(p, opts.patternDescriptor ?? 'index', opts.rdmDescriptor ?? 'index');
  const draws = drawsFor(kind, runner, opts);
  const bootNc = opts.bootNoiseCeil ?? true;
  const M = p.models.length;
  const N = draws.length;
  const evaluations = new Float64Array(N * M);
  const lower = new Float64Array(N);
  const upper = new Float64Array(N);
  const progress = new ProgressReporter(`bootstrap ${kind}`, N, opts.onProgress);
  draws.forEach((d, s) => {
    const patterns = kind === 'rdm' ? undefined : d.patterns;
    const rdms = kind === 'pattern' ? undefined : d.rdms;
    const ok = patterns === undefined || distinctCount(patterns) >= 3;
    const e = ok ? runner.run(patterns, rdms, bootNc) : nanEvaluation(M);
    evaluations.set(e.evaluations, s * M);
    lower[s] = e.lower;
    upper[s] = e.upper;
    progress.tick();
  });
  progress.finish();
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
    const nc = bootNoiseCeiling(p.data.getVectors(), runner.rdmGrouping.groupOf, p.method);
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
  const runner = new SampleRunner(p, opts.patternDescriptor ?? 'index', opts.rdmDescriptor ?? 'index');
  const draws = drawsFor('both', runner, opts);
  const M = p.models.length;
  const N = draws.length;
  const evaluations = new Float64Array(N * M * 3).fill(Number.NaN);
  const nc = new Float64Array(2 * N * 3).fill(Number.NaN);
  const progress = new ProgressReporter('dual bootstrap', N, opts.onProgress);
  const ok: boolean[] = [];
  draws.forEach((d, s) => {
    const valid = distinctCount(d.patterns as ArrayLike<number>) >= 3;
    ok.push(valid);
    if (valid) {
      const runs = [
        runner.run(d.patterns, d.rdms, true),
        runner.run(undefined, d.rdms, true),
        runner.run(d.patterns, undefined, true),
      ];
      runs.forEach((e, t) => {
        for (let m = 0; m < M; m++) evaluations[(s * M + m) * 3 + t] = e.evaluations[m];
        nc[s * 3 + t] = e.lower;
        nc[N * 3 + s * 3 + t] = e.upper;
      });
    }
    progress.tick();
  });
  progress.finish();
  const d = M + 2;
  const variances = new Float64Array(3 * d * d);
  for (let t = 0; t < 3; t++) {
    const rows: Float64Array[] = [];
    for (let s = 0; s < N; s++) {
      if (!ok[s]) continue;
      const row = new Float64Array(d);
      for (let m = 0; m < M; m++) row[m] = evaluations[(s * M + m) * 3 + t];
      row[M] = nc[s * 3 + t];
      row[M + 1] = nc[N * 3 + s * 3 + t];
      rows.push(row);
    }
    variances.set(covariance(rows).data, t * d * d);
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
