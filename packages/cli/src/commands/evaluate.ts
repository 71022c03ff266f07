/**
 * `concord evaluate`: rsatoolbox-style model evaluation (bootstrap, tests on results). The JSON contract is public
 * (issue 15): {"method", "bootstrap", "evaluations" (samples × models; one row of per-model means for none),
 * "mean", "covariance", "noiseCeiling": {"lower", "upper"}, "tests": {"pairwise": {"p"}, "zero": {"p"},
 * "noise": {"p"}}}, NaN written as null.
 */
import { resolve } from 'node:path';
import { FileFormatError, type Matrix, ParameterError } from '@concord/core';
import { readFileChecked, readMatrixNpy } from '@concord/io';
import { COMPARE_METHODS } from '@concord/rsa';
import {
  type BootstrapDraw,
  CORRECTION_METHODS,
  type EvaluationResult,
  evalBootstrap,
  evalBootstrapParallel,
  evalBootstrapPattern,
  evalBootstrapRdm,
  evalDualBootstrap,
  evalFixed,
  STATS_ERRORS,
  TEST_TYPES,
} from '@concord/stats';
import { type Command, choiceOption, numberOption, stringOption, UsageError } from '../command.ts';

const BOOTSTRAPS = ['none', 'pattern', 'rdm', 'both', 'dual'] as const;

function requiredPath(opts: Record<string, unknown>, name: string, cwd: string): string {
  const v = opts[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing required option --${name}`);
  return resolve(cwd, v);
}

/** `--indices`: a JSON array, one {"patterns": [...], "rdms": [...]} per sample (range-checked by the library). */
function readDraws(path: string): BootstrapDraw[] {
  const text = new TextDecoder().decode(readFileChecked(path));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(STATS_ERRORS.INDICES, path, `--indices: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0)
    throw new FileFormatError(
      STATS_ERRORS.INDICES,
      path,
      '--indices: expected a non-empty JSON array with one {"patterns": [...]} and/or {"rdms": [...]} per sample',
    );
  return parsed.map((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw new FileFormatError(
        STATS_ERRORS.INDICES,
        path,
        `--indices: entry ${i} is not an object with "patterns" and/or "rdms"`,
        { field: `[${i}]` },
      );
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e))
      if (key !== 'patterns' && key !== 'rdms')
        throw new FileFormatError(
          STATS_ERRORS.INDICES,
          path,
          `--indices: entry ${i} has unknown key "${key}" (allowed: "patterns", "rdms")`,
          { field: `[${i}].${key}` },
        );
    return e as BootstrapDraw;
  });
}

function rows(m: Matrix): number[][] {
  return m.toArray();
}

/** Per-sample evaluations for the JSON: the 'both' column of a dual bootstrap, inner means otherwise. */
function evaluationRows(r: EvaluationResult, bootstrap: (typeof BOOTSTRAPS)[number]): number[][] {
  if (bootstrap === 'none') return [Array.from(r.getMeans())];
  if (bootstrap === 'dual') {
    const [n, m] = r.evaluations.shape;
    return Array.from({ length: n }, (_, s) =>
      Array.from({ length: m }, (_, j) => r.evaluations.data[(s * m + j) * 3]),
    );
  }
  return rows(r.perSample());
}

function covarianceRows(r: EvaluationResult): number[][] | null {
  const v = r.variances;
  if (!v) return null;
  const d = v.shape[v.shape.length - 1];
  return Array.from({ length: d }, (_, i) => Array.from(v.data.subarray(i * d, (i + 1) * d)));
}

const evaluate: Command = {
  name: 'evaluate',
  summary: 'evaluate model RDMs against subject RDMs with rsatoolbox semantics (bootstrap, tests on results)',
  options: {
    data: { type: 'string', value: 'FILE', description: 'data.npy: one subject RDM vector per row', required: true },
    models: { type: 'string', value: 'FILE', description: 'models.npy: one model RDM vector per row', required: true },
    method: { type: 'string', value: 'M', description: `comparator: ${COMPARE_METHODS.join(', ')}`, required: true },
    bootstrap: { type: 'string', value: 'KIND', description: `${BOOTSTRAPS.join('|')}`, default: 'none' },
    samples: { type: 'string', value: 'N', description: 'number of bootstrap samples', default: '1000' },
    seed: { type: 'string', value: 'S', description: 'seed of the bootstrap draws', default: '0' },
    indices: {
      type: 'string',
      value: 'FILE',
      description:
        'samples.json: the draws, one {"patterns": [...], "rdms": [...]} per sample (then --samples/--seed are ignored)',
    },
    'test-type': { type: 'string', value: 'T', description: `p-values: ${TEST_TYPES.join('|')}`, default: 't-test' },
    correction: {
      type: 'string',
      value: 'C',
      description: `multiple-comparison correction per test family: ${CORRECTION_METHODS.join('|')}`,
    },
  },
  details: [
    'Output: {"method", "bootstrap", "evaluations" (samples × models; one row of means for none), "mean",',
    '"covariance" (models [+ lower, upper noise ceiling] square; the both-bootstrap one for dual), "noiseCeiling":',
    '{"lower", "upper"}, "tests": {"pairwise": {"p"}, "zero": {"p"}, "noise": {"p"}}}; NaN is written as null.',
    'Samples that draw fewer than 3 distinct conditions are rows of null (rsatoolbox). Draws in --indices are',
    'condition indices (patterns) and subject indices (rdms) with repeats, 0-based.',
  ].join('\n'),
  async run(opts, _pos, ctx) {
    const method = stringOption(opts, 'method') as string;
    const bootstrap = choiceOption(opts, 'bootstrap', BOOTSTRAPS) ?? 'none';
    const testType = choiceOption(opts, 'test-type', TEST_TYPES) ?? 't-test';
    const correction = choiceOption(opts, 'correction', CORRECTION_METHODS);
    const nSamples = numberOption(opts, 'samples', { integer: true, min: 1 }) ?? 1000;
    const seed = numberOption(opts, 'seed', { integer: true }) ?? 0;
    const data = readMatrixNpy(requiredPath(opts, 'data', ctx.cwd), { dtype: 'float64', vectorAs: 'row' });
    const models = readMatrixNpy(requiredPath(opts, 'models', ctx.cwd), { dtype: 'float64', vectorAs: 'row' });
    if (data.cols !== models.cols)
      throw new ParameterError(
        STATS_ERRORS.CONDITIONS,
        '--models',
        `model RDM vectors have ${models.cols} entries but the data's have ${data.cols}; both must be over the same conditions`,
        { expected: data.cols, received: models.cols },
      );
    if (bootstrap !== 'pattern' && data.rows < 2)
      throw new ParameterError(
        STATS_ERRORS.TOO_FEW,
        '--data',
        `subject-level tests (--bootstrap ${bootstrap}) need at least 2 subjects (rows); received ${data.rows}`,
        { received: data.rows },
      );
    const draws =
      stringOption(opts, 'indices') !== undefined ? readDraws(requiredPath(opts, 'indices', ctx.cwd)) : undefined;
    if (draws && bootstrap === 'none') throw new UsageError('--indices needs --bootstrap pattern|rdm|both|dual');
    const common = { method, nSamples, seed, draws, onProgress: ctx.progress('bootstrap') };
    let result: EvaluationResult;
    try {
      // worker threads only pay off for large jobs (each thread starts in ~0.2–1 s); the bytes are the same
      const work = (draws?.length ?? nSamples) * data.cols * (data.rows + models.rows);
      if (bootstrap === 'none') result = evalFixed(models, data, { method });
      else if (work > 2e7) result = await evalBootstrapParallel(bootstrap, models, data, common);
      else
        result = { pattern: evalBootstrapPattern, rdm: evalBootstrapRdm, both: evalBootstrap, dual: evalDualBootstrap }[
          bootstrap
        ](models, data, common);
    } catch (e) {
      // the library names its parameters; on the command line they are flags
      const err = e as Error & { details?: { field?: string } };
      if (err.details?.field?.startsWith('draws')) err.message = err.message.replace(/^draws/, '--indices');
      throw e;
    }
    const testOpts = { testType, ...(correction ? { correction } : {}) };
    const out = {
      method,
      bootstrap,
      evaluations: evaluationRows(result, bootstrap),
      mean: Array.from(result.getMeans()),
      covariance: covarianceRows(result),
      noiseCeiling: result.noiseCeilingBounds(),
      tests: {
        pairwise: { p: rows(result.testPairwise(testOpts)) },
        zero: { p: Array.from(result.testZero(testOpts)) },
        noise: { p: Array.from(result.testNoise(testOpts)) },
      },
    };
    ctx.output(out, (r: typeof out) => {
      const lines = [
        `${r.method}, bootstrap ${r.bootstrap}: noise ceiling [${r.noiseCeiling.lower.toFixed(4)}, ${r.noiseCeiling.upper.toFixed(4)}]`,
      ];
      for (let i = 0; i < r.mean.length; i++)
        lines.push(
          `model ${i}\tmean ${r.mean[i].toFixed(4)}\tp(>0) ${r.tests.zero.p[i].toPrecision(3)}\tp(vs lower NC) ${r.tests.noise.p[i].toPrecision(3)}`,
        );
      return lines.join('\n');
    });
    return 0;
  },
};

export const evaluateCommands: Command[] = [evaluate];
