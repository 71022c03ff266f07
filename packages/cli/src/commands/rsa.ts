/**
 * `concord rdm`, `concord compare`, `concord noise-ceiling`: rsatoolbox's calc_rdm, compare and
 * boot_noise_ceiling on .npy / JSON files. Contracts (names, flags, JSON fields) are public; see issue 3.
 */

import { extname, resolve } from 'node:path';
import { Dataset, type DescriptorValue, FileFormatError, type Matrix } from '@concord/core';
import { readFileChecked, readMatrixNpy, writeNpy } from '@concord/io';
import {
  COMPARE_METHODS,
  calcRdm,
  compareRdms,
  NOISE_CEILING_METHODS,
  noiseCeiling,
  RDM_METHODS,
  Rdms,
} from '@concord/rsa';
import { loadRdms, rdmFileFormat, saveRdms } from '@concord/rsa/node';
import { type Command, numberOption, requiredString, UsageError } from '../command.ts';
import { CLI_ERRORS } from '../errors.ts';

function requiredPath(opts: Record<string, unknown>, name: string, cwd: string): string {
  const v = opts[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing required option --${name}`);
  return resolve(cwd, v);
}

/** A JSON array with one string or number per observation. */
function readLabels(path: string, flag: string): DescriptorValue[] {
  const text = new TextDecoder().decode(readFileChecked(path));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(CLI_ERRORS.JSON, path, `${flag}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed))
    throw new FileFormatError(
      CLI_ERRORS.JSON,
      path,
      `${flag}: expected a JSON array with one label per observation, received ${typeof parsed}`,
    );
  parsed.forEach((v, i) => {
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new FileFormatError(
        CLI_ERRORS.JSON,
        path,
        `${flag}: entry ${i} is ${v === null ? 'null' : typeof v}; labels must be strings or numbers`,
        { field: `[${i}]` },
      );
    }
  });
  return parsed as DescriptorValue[];
}

/** RDMs from .h5/.hdf5 (rsatoolbox), .json (Rdms JSON), or any other path as an .npy of vectors (one per row). */
function readRdms(path: string): Rdms {
  const ext = extname(path).toLowerCase();
  if (ext === '.h5' || ext === '.hdf5' || ext === '.json') return loadRdms(path);
  return Rdms.fromVectors(readMatrixNpy(path, { dtype: 'float64', vectorAs: 'row' }));
}

function readVectors(path: string): Matrix {
  return readRdms(path).getVectors();
}

const rdm: Command = {
  name: 'rdm',
  summary: 'representational dissimilarity matrix from patterns (rsatoolbox calc_rdm)',
  options: {
    data: { type: 'string', value: 'FILE', description: 'patterns.npy, nObs × nChannels', required: true },
    conditions: {
      type: 'string',
      value: 'FILE',
      description: 'JSON array, the condition of every observation',
      required: true,
    },
    runs: {
      type: 'string',
      value: 'FILE',
      description: 'JSON array, the run (cross-validation fold) of every observation',
    },
    method: { type: 'string', value: 'M', description: `one of ${RDM_METHODS.join(', ')}`, required: true },
    noise: {
      type: 'string',
      value: 'FILE',
      description: 'noise PRECISION matrix .npy (nChannels × nChannels) for mahalanobis/crossnobis',
    },
    'remove-mean': { type: 'boolean', description: "subtract each pattern's mean across channels first" },
    'prior-lambda': { type: 'string', value: 'X', description: 'poisson prior rate', default: '1' },
    'prior-weight': { type: 'string', value: 'X', description: 'poisson prior weight', default: '0.1' },
    'last-fold': {
      type: 'boolean',
      description: 'poisson_cv: keep only the last fold, as rsatoolbox does (default: average all folds)',
    },
    out: {
      type: 'string',
      value: 'FILE',
      description:
        'also write the RDM: .npy (the dissimilarity vector), .h5/.hdf5 (rsatoolbox RDMs file), .json (Rdms JSON)',
    },
  },
  details:
    'Output: {"method", "conditions" (sorted unique labels = RDM rows), "dissimilarities" (upper triangle, (0,1),(0,2),…)}.\n' +
    'euclidean is the squared distance divided by the number of channels, as in rsatoolbox. NaN is written as null.',
  run(opts, _pos, ctx) {
    const method = requiredString(opts, 'method');
    const outFormat = typeof opts.out === 'string' ? rdmFileFormat(opts.out, '--out') : undefined;
    const dataPath = requiredPath(opts, 'data', ctx.cwd);
    const x = readMatrixNpy(dataPath, { vectorAs: 'column' });
    const conds = readLabels(requiredPath(opts, 'conditions', ctx.cwd), '--conditions');
    const obsDescriptors: Record<string, DescriptorValue[]> = { conds };
    if (conds.length !== x.rows)
      throw new UsageError(`--conditions has ${conds.length} entries but --data has ${x.rows} observations (rows)`);
    if (opts.runs !== undefined) {
      const runs = readLabels(requiredPath(opts, 'runs', ctx.cwd), '--runs');
      if (runs.length !== x.rows)
        throw new UsageError(`--runs has ${runs.length} entries but --data has ${x.rows} observations (rows)`);
      obsDescriptors.runs = runs;
    }
    const noise =
      opts.noise !== undefined ? readMatrixNpy(requiredPath(opts, 'noise', ctx.cwd), { dtype: 'float64' }) : undefined;
    const ds = new Dataset(x, { obsDescriptors });
    const rdms = calcRdm(ds, {
      method,
      descriptor: 'conds',
      cvDescriptor: obsDescriptors.runs ? 'runs' : undefined,
      noise,
      removeMean: Boolean(opts['remove-mean']),
      priorLambda: numberOption(opts, 'prior-lambda'),
      priorWeight: numberOption(opts, 'prior-weight', { min: 0 }),
      poissonCvFolds: opts['last-fold'] ? 'last' : 'all',
      onProgress: ctx.progress('rdm'),
    });
    const vector = rdms.getVector(0);
    if (typeof opts.out === 'string') {
      const out = resolve(ctx.cwd, opts.out);
      // .npy keeps the contract of issue 3 (the 1-D vector); the other formats carry descriptors and measure.
      if (outFormat === 'npy') writeNpy(out, { data: Float64Array.from(vector), shape: [vector.length] });
      else saveRdms(out, rdms);
    }
    const result = { method, conditions: rdms.patternDescriptors.conds, dissimilarities: Array.from(vector) };
    ctx.output(
      result,
      (r: typeof result) =>
        `${r.method} RDM over ${r.conditions.length} conditions (${r.dissimilarities.length} pairs)${typeof opts.out === 'string' ? `, written to ${opts.out}` : ''}`,
    );
    return 0;
  },
};

const compare: Command = {
  name: 'compare',
  summary: 'compare two sets of RDM vectors (rsatoolbox compare)',
  options: {
    a: {
      type: 'string',
      value: 'FILE',
      description: 'a.npy: one RDM vector per row (a 1-D file is one RDM); or an rsatoolbox .h5/.hdf5 or Rdms .json',
      required: true,
    },
    b: {
      type: 'string',
      value: 'FILE',
      description: 'b.npy: one RDM vector per row (a 1-D file is one RDM); or an rsatoolbox .h5/.hdf5 or Rdms .json',
      required: true,
    },
    method: { type: 'string', value: 'M', description: `one of ${COMPARE_METHODS.join(', ')}`, required: true },
    'sigma-k': {
      type: 'string',
      value: 'FILE',
      description: 'pattern covariance .npy for *_cov / neg_riem_dist: nCond×nCond, or 1-D per-condition variances',
    },
  },
  details:
    'Output: {"method", "values"}: an nA × nB matrix. NaN entries in the inputs are excluded as rsatoolbox does; NaN results are written as null.',
  run(opts, _pos, ctx) {
    const method = requiredString(opts, 'method');
    const a = readVectors(requiredPath(opts, 'a', ctx.cwd));
    const b = readVectors(requiredPath(opts, 'b', ctx.cwd));
    const sigmaK =
      opts['sigma-k'] !== undefined
        ? readMatrixNpy(requiredPath(opts, 'sigma-k', ctx.cwd), { dtype: 'float64', vectorAs: 'row' })
        : undefined;
    const values = compareRdms(a, b, { method, sigmaK });
    const result = { method, values: values.toArray() };
    ctx.output(result, (r: typeof result) =>
      r.values.map((row) => row.map((v) => v.toPrecision(6)).join('\t')).join('\n'),
    );
    return 0;
  },
};

const noiseCeilingCommand: Command = {
  name: 'noise-ceiling',
  summary: 'leave-one-subject-out noise ceiling of subject RDMs (rsatoolbox boot_noise_ceiling)',
  options: {
    rdms: {
      type: 'string',
      value: 'FILE',
      description: 'rdms.npy: one subject RDM vector per row; or an rsatoolbox .h5/.hdf5 or Rdms .json',
      required: true,
    },
    method: { type: 'string', value: 'M', description: `one of ${NOISE_CEILING_METHODS.join(', ')}`, required: true },
  },
  details:
    'Output: {"method", "lower", "upper"}: lower = mean over subjects of the comparison with the pool of the others, upper = with the pool of all.',
  run(opts, _pos, ctx) {
    const method = requiredString(opts, 'method');
    const rdms = readRdms(requiredPath(opts, 'rdms', ctx.cwd));
    const { lower, upper } = noiseCeiling(rdms, { method });
    const result = { method, lower, upper };
    ctx.output(
      result,
      (r: typeof result) =>
        `${r.method} noise ceiling over ${rdms.nRdms} subjects: lower ${r.lower.toFixed(6)}, upper ${r.upper.toFixed(6)}`,
    );
    return 0;
  },
};

const rdmConvert: Command = {
  name: 'rdm convert',
  summary: 'convert RDM files between rsatoolbox HDF5 (.h5/.hdf5), .npy and .json',
  options: {
    in: {
      type: 'string',
      value: 'FILE',
      description: 'input: .h5/.hdf5 (rsatoolbox), .npy (vectors), .json',
      required: true,
    },
    out: {
      type: 'string',
      value: 'FILE',
      description: 'output: .h5/.hdf5, .npy or .json (replaced if it exists)',
      required: true,
    },
  },
  details:
    'HDF5 files use the layout of rsatoolbox rdms.save(path, file_type="hdf5") and are read by rsatoolbox.rdm.load_rdm.\n' +
    '.npy holds the vectors only (nRdms × nPairs); descriptors and the measure are lost there.\n' +
    'Output: {"in", "out", "format", "nRdms", "nCond", "dissimilarityMeasure"}.',
  run(opts, _pos, ctx) {
    const outFormat = rdmFileFormat(opts.out as string, '--out');
    rdmFileFormat(opts.in as string, '--in');
    const rdms = loadRdms(requiredPath(opts, 'in', ctx.cwd));
    saveRdms(requiredPath(opts, 'out', ctx.cwd), rdms, { format: outFormat });
    const result = {
      in: opts.in as string,
      out: opts.out as string,
      format: outFormat,
      nRdms: rdms.nRdms,
      nCond: rdms.nCond,
      dissimilarityMeasure: rdms.dissimilarityMeasure,
    };
    ctx.output(
      result,
      (r: typeof result) => `${r.nRdms} RDM(s) over ${r.nCond} conditions written to ${r.out} (${r.format})`,
    );
    return 0;
  },
};

export const rsaCommands: Command[] = [rdm, rdmConvert, compare, noiseCeilingCommand];
