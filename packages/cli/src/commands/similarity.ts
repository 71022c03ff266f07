/**
 * `concord cka` and `concord similarity`: compare two activation/response matrices (.npy, rows = examples,
 * columns = features) with CKA, the CCA family, shape metrics, nearest-neighbour alignment or encoding models.
 */
import { resolve } from 'node:path';
import type { Matrix } from '@concord/core';
import { readMatrixNpy } from '@concord/io';
import {
  CKA_KERNELS,
  cka,
  RBF_MEDIANS,
  SIMILARITY_METRICS,
  type SimilarityMetric,
  type SimilarityResult,
  similarity,
} from '@concord/similarity';
import {
  type Command,
  type CommandContext,
  choiceOption,
  numberOption,
  type ParsedOptions,
  requiredChoice,
  requiredString,
  stringOption,
  UsageError,
} from '../command.ts';

const inputOptions = {
  x: {
    type: 'string',
    value: 'X.npy',
    description: 'first representation, examples × features (.npy)',
    required: true,
  },
  y: {
    type: 'string',
    value: 'Y.npy',
    description: 'second representation or responses, examples × features (.npy)',
    required: true,
  },
} as const;

function readPair(opts: ParsedOptions, ctx: CommandContext): [Matrix, Matrix] {
  const x = readMatrixNpy(resolve(ctx.cwd, requiredString(opts, 'x')));
  const y = readMatrixNpy(resolve(ctx.cwd, requiredString(opts, 'y')));
  return [x, y];
}

/** Scalars of details go into the JSON document; arrays (per-target scores, correlations) only with --details. */
function flatten(r: SimilarityResult, withArrays: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { metric: r.metric };
  for (const [k, v] of Object.entries(r.details)) if (withArrays || !Array.isArray(v)) out[k] = v;
  out.value = Number.isNaN(r.value) ? null : r.value;
  return out;
}

const ckaCommand: Command = {
  name: 'cka',
  summary: 'centered kernel alignment between two representations (Kornblith et al. 2019)',
  options: {
    ...inputOptions,
    kernel: { type: 'string', value: CKA_KERNELS.join('|'), description: 'kernel', default: 'linear' },
    threshold: {
      type: 'string',
      value: 'T',
      description: 'RBF: sigma = T · sqrt(median squared distance) (default 0.8)',
    },
    sigma: { type: 'string', value: 'S', description: 'RBF: a fixed bandwidth instead of the median heuristic' },
    median: {
      type: 'string',
      value: RBF_MEDIANS.join('|'),
      description: "RBF: median over the full n×n matrix (Kornblith's code) or over pairs i<j",
      default: 'full',
    },
    debiased: { type: 'boolean', description: 'unbiased HSIC estimator (Song et al. 2012; needs ≥ 4 examples)' },
    precision: {
      type: 'string',
      value: 'float64|float32',
      description: 'linear kernel: float32 products for big activations (~1e-6 relative accuracy)',
      default: 'float64',
    },
  },
  details:
    'Rows are examples (stimuli/conditions), columns are features; the two files may have different numbers of columns.\nJSON: {"metric":"cka","kernel":...,"debiased":bool,"value":v, ...} (value null when undefined; see details.reason).',
  run(opts, _pos, ctx) {
    const kernel = requiredChoice(opts, 'kernel', CKA_KERNELS);
    const threshold = numberOption(opts, 'threshold');
    const sigma = numberOption(opts, 'sigma');
    if (kernel === 'linear' && (threshold !== undefined || sigma !== undefined))
      throw new UsageError(`--${threshold !== undefined ? 'threshold' : 'sigma'} applies to --kernel rbf only`);
    const median = choiceOption(opts, 'median', RBF_MEDIANS);
    const [x, y] = readPair(opts, ctx);
    const r = cka(x, y, {
      kernel,
      debiased: opts.debiased === true,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(sigma !== undefined ? { sigma } : {}),
      ...(kernel === 'rbf' ? { median } : {}),
      precision: choiceOption(opts, 'precision', ['float64', 'float32'] as const),
    });
    const out = {
      ...flatten(r, false),
      metric: 'cka',
      kernel,
      debiased: opts.debiased === true,
      value: Number.isNaN(r.value) ? null : r.value,
    };
    ctx.output(out, (o: typeof out) => `cka (${o.kernel}${o.debiased ? ', debiased' : ''}): ${o.value}`);
    return 0;
  },
};

function parseAlphas(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const a = v.split(',').map((s) => Number(s.trim()));
  if (a.length === 0 || a.some((x) => !Number.isFinite(x) || x <= 0))
    throw new UsageError(`--alphas: expected comma-separated numbers > 0, received '${v}'`);
  return a;
}

const similarityCommand: Command = {
  name: 'similarity',
  summary: 'compare two representations by a named metric (CKA, CCA family, shape metrics, k-NN, encoding models)',
  options: {
    ...inputOptions,
    metric: { type: 'string', value: SIMILARITY_METRICS.join('|'), description: 'metric', required: true },
    kernel: { type: 'string', value: 'linear|rbf', description: 'cka: kernel' },
    debiased: { type: 'boolean', description: 'cka: unbiased HSIC estimator' },
    threshold: {
      type: 'string',
      value: 'T',
      description: 'cka (rbf): sigma factor (0.8); svcca: fraction of summed singular values kept (0.99)',
    },
    sigma: { type: 'string', value: 'S', description: 'cka (rbf): fixed bandwidth' },
    alpha: {
      type: 'string',
      value: 'A',
      description: 'procrustes/angular: partial whitening, 1 = none (default), 0 = full',
    },
    topk: { type: 'string', value: 'K', description: 'mutual_knn/cknna: neighbours per example (10)' },
    folds: { type: 'string', value: 'K', description: 'ridge/pls: cross-validation folds (5)' },
    seed: { type: 'string', value: 'N', description: 'ridge/pls: seed of the fold assignment (0)' },
    alphas: { type: 'string', value: 'A1,A2,...', description: 'ridge: penalty grid (default 10 values 1e-3 … 1e6)' },
    'alpha-per-target': {
      type: 'boolean',
      description: 'ridge: choose the penalty per target (default: one for all, as RidgeCV)',
    },
    'n-components': { type: 'string', value: 'C', description: 'pls: components (25)' },
    scale: {
      type: 'string',
      value: 'true|false',
      description: 'pls: standardise X and Y (true, as sklearn; Brain-Score uses false)',
    },
    details: {
      type: 'boolean',
      description: 'include array details (per-target r, canonical correlations, weights) in the output',
    },
  },
  details:
    'X rows and Y rows are the same examples. ridge and pls predict every column of Y from X (encoding models); value = median over targets of the fold-averaged Pearson r, `mean` beside it.\nJSON: {"metric":...,"value":v, ...details}',
  run(opts, _pos, ctx) {
    const metric = requiredChoice(opts, 'metric', SIMILARITY_METRICS) as SimilarityMetric;
    const o: Record<string, unknown> = { metric };
    const num = (flag: string, key: string, integer = false) => {
      const v = numberOption(opts, flag, { integer });
      if (v !== undefined) o[key] = v;
    };
    if (opts.kernel !== undefined) o.kernel = choiceOption(opts, 'kernel', CKA_KERNELS);
    if (opts.debiased) o.debiased = true;
    num('threshold', 'threshold');
    num('sigma', 'sigma');
    num('alpha', 'alpha');
    num('topk', 'topk', true);
    num('folds', 'folds', true);
    num('seed', 'seed', true);
    num('n-components', 'nComponents', true);
    const alphas = parseAlphas(stringOption(opts, 'alphas'));
    if (alphas) o.alphas = alphas;
    if (opts['alpha-per-target']) o.alphaPerTarget = true;
    if (opts.scale !== undefined) o.scale = choiceOption(opts, 'scale', ['true', 'false'] as const) === 'true';
    if (metric === 'ridge' || metric === 'pls') o.onProgress = ctx.progress(metric);
    const [x, y] = readPair(opts, ctx);
    const r = similarity(x, y, o as { metric: SimilarityMetric });
    const out = flatten(r, opts.details === true);
    ctx.output(out, (d: typeof out) => `${d.metric}: ${d.value}`);
    return 0;
  },
};

export const similarityCommands: Command[] = [ckaCommand, similarityCommand];
