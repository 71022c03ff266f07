/**
 * `concord stats correct`, `concord stats cluster-test`, `concord permutation-test`: multiple-comparison correction,
 * MNE-style cluster-based permutation tests over time courses, and the condition-label permutation test of two
 * RDMs. Contracts (names, flags, JSON fields) are public; see issue 15. (`concord evaluate` is in evaluate.ts.)
 */
import { resolve } from 'node:path';
import { FileFormatError } from '@concord/core';
import { readNpy } from '@concord/io';
import {
  CORRECTION_METHODS,
  correctPValues,
  permutationCluster1sampTestParallel,
  rdmPermutationTestParallel,
  STATS_ERRORS,
} from '@concord/stats';
import { type Command, choiceOption, numberOption, type ParsedOptions, UsageError } from '../command.ts';

function requiredPath(opts: ParsedOptions, name: string, cwd: string): string {
  const v = opts[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing required option --${name}`);
  return resolve(cwd, v);
}

/** A .npy as float64 values with its shape (any numeric dtype). */
function readArray(path: string): { data: Float64Array; shape: number[] } {
  const a = readNpy(path);
  const data =
    a.data instanceof Float64Array ? a.data : Float64Array.from(a.data as ArrayLike<number | bigint>, Number);
  return { data, shape: [...a.shape] };
}

/** Threads for a permutation loop: one for small jobs (starting a worker costs more than it saves). */
function threadsFor(work: number): number | undefined {
  return work > 5e7 ? undefined : 1;
}

const correct: Command = {
  name: 'stats correct',
  summary: 'multiple-comparison correction of p-values (Bonferroni, Holm, Benjamini–Hochberg, Benjamini–Yekutieli)',
  options: {
    p: {
      type: 'string',
      value: 'FILE',
      description: 'p.npy: the p-values (any shape; flattened in C order)',
      required: true,
    },
    method: {
      type: 'string',
      value: 'M',
      description: `one of ${CORRECTION_METHODS.join(', ')}`,
      required: true,
    },
    alpha: {
      type: 'string',
      value: 'A',
      description: 'familywise error rate or false discovery rate',
      default: '0.05',
    },
  },
  details:
    'Output: {"method", "alpha", "pCorrected": [...], "reject": [...]}. bonferroni and fdr_bh follow MNE\'s ' +
    "bonferroni_correction / fdr_correction, holm and fdr_by statsmodels' multipletests.",
  run(opts, _pos, ctx) {
    const method = choiceOption(opts, 'method', CORRECTION_METHODS);
    const alpha = numberOption(opts, 'alpha') ?? 0.05;
    const path = requiredPath(opts, 'p', ctx.cwd);
    const { data } = readArray(path);
    const r = correctPValues(data, method ?? '', alpha);
    const result = { method: r.method, alpha: r.alpha, pCorrected: Array.from(r.pCorrected), reject: r.reject };
    ctx.output(result, (x: typeof result) =>
      x.pCorrected.map((p, i) => `${i}\t${p.toPrecision(6)}\t${x.reject[i] ? 'reject' : ''}`).join('\n'),
    );
    return 0;
  },
};

/** --n-permutations: 'all' or an integer >= 1. */
function nPermutationsOption(opts: ParsedOptions, fallback: number, allowAll: boolean): number | 'all' {
  const v = opts['n-permutations'];
  if (v === undefined) return fallback;
  if (v === 'all' && allowAll) return 'all';
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`--n-permutations: expected ${allowAll ? "'all' or " : ''}an integer >= 1, received '${v}'`);
  }
  return n;
}

const clusterTest: Command = {
  name: 'stats cluster-test',
  summary: 'cluster-based permutation test over time courses (MNE permutation_cluster_1samp_test)',
  options: {
    data: {
      type: 'string',
      value: 'FILE',
      description: 'X.npy: subjects × time points (e.g. per-subject RSA time courses minus chance)',
      required: true,
    },
    threshold: {
      type: 'string',
      value: 'T',
      description: 'cluster-forming t threshold (>= 0 for tail 0 and 1, <= 0 for tail -1: write --threshold=-2)',
      required: true,
    },
    tail: {
      type: 'string',
      value: '0|1|-1',
      description: 'two-tailed (0), upper (1) or lower (-1: write --tail=-1)',
      default: '0',
    },
    'n-permutations': {
      type: 'string',
      value: 'all|N',
      description: "'all' (every sign flip) or the size of the null distribution including the observed data",
      default: '1024',
    },
    seed: { type: 'string', value: 'S', description: 'seed of the random sign flips', default: '0' },
  },
  details:
    'Output: {"tObs": [...], "clusters": [{"start", "stop"}] (stop exclusive), "pValues": [...], "nPermutations"}. ' +
    'nPermutations is the size of the null distribution, the observed data included (2^(n-1) for --n-permutations all ' +
    'and tail 0). Non-finite t values (a time point where every subject has the same value) are written as null.',
  async run(opts, _pos, ctx) {
    const threshold = numberOption(opts, 'threshold');
    const tail = choiceOption(opts, 'tail', ['0', '1', '-1'] as const);
    const seed = numberOption(opts, 'seed', { integer: true });
    const nPermutations = nPermutationsOption(opts, 1024, true);
    const path = requiredPath(opts, 'data', ctx.cwd);
    const X = readArray(path);
    if (X.shape.length !== 2) {
      throw new FileFormatError(
        STATS_ERRORS.SHAPE,
        path,
        `expected a 2-D array (subjects × time points); received shape [${X.shape.join(', ')}]`,
        {
          field: 'shape',
        },
      );
    }
    const [rows, cols] = X.shape;
    const permutations = nPermutations === 'all' ? 2 ** Math.min(rows, 40) : nPermutations;
    const result = await permutationCluster1sampTestParallel(
      { rows, cols, data: X.data },
      {
        threshold,
        tail: Number(tail ?? '0') as 0 | 1 | -1,
        nPermutations,
        seed: seed ?? 0,
        onProgress: ctx.progress('cluster test'),
        threads: threadsFor(permutations * rows * cols),
      },
    );
    const out = {
      tObs: Array.from(result.tObs),
      clusters: result.clusters.map((c) => ({ start: c[0], stop: c[c.length - 1] + 1 })),
      pValues: Array.from(result.pValues),
      nPermutations: result.nPermutations,
    };
    ctx.output(out, (r: typeof out) =>
      r.clusters.length === 0
        ? 'no clusters'
        : r.clusters.map((c, i) => `[${c.start}, ${c.stop})\tp = ${r.pValues[i].toPrecision(4)}`).join('\n'),
    );
    return 0;
  },
};

/** An RDM vector from a .npy: 1-D, or 2-D with one row. */
function readRdmVector(path: string, flag: string): Float64Array {
  const a = readArray(path);
  if (a.shape.length === 1 || (a.shape.length === 2 && a.shape[0] === 1)) return a.data;
  throw new FileFormatError(
    STATS_ERRORS.SHAPE,
    path,
    `--${flag}: expected one RDM vector (1-D, or 1 × n(n-1)/2); received shape [${a.shape.join(', ')}]`,
    { field: 'shape' },
  );
}

const permutationTest: Command = {
  name: 'permutation-test',
  summary: 'relatedness of two RDMs by condition-label randomisation (Kriegeskorte et al. 2008; Mantel test)',
  options: {
    a: {
      type: 'string',
      value: 'FILE',
      description: 'a.npy: one RDM vector (n(n-1)/2 dissimilarities)',
      required: true,
    },
    b: { type: 'string', value: 'FILE', description: 'b.npy: one RDM vector over the same conditions', required: true },
    method: {
      type: 'string',
      value: 'M',
      description:
        'an rsatoolbox comparator: corr, spearman, cosine, rho-a, tau-a, kendall, tau-b, bures, bures_metric',
      required: true,
    },
    'n-permutations': {
      type: 'string',
      value: 'N',
      description: 'size of the null distribution including the observed labelling (all n! when that is at most N)',
      default: '10000',
    },
    seed: { type: 'string', value: 'S', description: 'seed of the random permutations', default: '0' },
  },
  details:
    'Output: {"method", "value", "p", "nPermutations"}: p is one-sided (relatedness above chance), the fraction of ' +
    'the null distribution (observed labelling included) that reaches the observed value.',
  async run(opts, _pos, ctx) {
    const method = typeof opts.method === 'string' ? opts.method : '';
    const seed = numberOption(opts, 'seed', { integer: true });
    const nPermutations = nPermutationsOption(opts, 10_000, false) as number;
    const a = readRdmVector(requiredPath(opts, 'a', ctx.cwd), 'a');
    const b = readRdmVector(requiredPath(opts, 'b', ctx.cwd), 'b');
    const r = await rdmPermutationTestParallel(a, b, {
      method,
      nPermutations,
      seed: seed ?? 0,
      onProgress: ctx.progress('permutations'),
      threads: threadsFor(
        nPermutations * a.length * (['corr', 'spearman', 'cosine', 'rho-a'].includes(method) ? 1 : 30),
      ),
    });
    const out = { method: r.method, value: r.value, p: r.p, nPermutations: r.nPermutations };
    ctx.output(
      out,
      (x: typeof out) =>
        `${x.method} = ${x.value.toPrecision(6)}, p = ${x.p.toPrecision(4)} (${x.nPermutations} permutations)`,
    );
    return 0;
  },
};

export const statsCommands: Command[] = [correct, clusterTest, permutationTest];
