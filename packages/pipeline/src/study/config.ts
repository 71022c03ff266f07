/**
 * The study file of `concord compare-models --config study.json|yaml`. Validated in full before any heavy work:
 * a broken entry (missing file, unknown metric, unknown layer, bad option) is reported naming the entry.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ReduceSpec } from '@concord/activations';
import { ConcordError } from '@concord/core';
import { parse as parseYaml } from 'yaml';
import { PIPELINE_ERRORS } from '../errors.ts';
import { firstSchemaError } from '../schema/first-error.ts';
import { type StudyFile, StudySchema } from '../schema/study-schema.ts';

export class StudyConfigError extends ConcordError {
  constructor(entry: string, message: string) {
    super(PIPELINE_ERRORS.STUDY_CONFIG, `${entry}: ${message}`, { field: entry });
  }
}

/** Where the stimuli come from. */
export type StimuliConfig =
  | { generate: { categories?: string[]; perCategory?: number; size?: number; seed?: number } }
  | { dir: string; list?: string }
  /** An .npy tensor (fed as is) or a MAT file holding the images (`variable` names it). */
  | { file: string; variable?: string; labels?: string[] };

export interface NetworkConfig {
  name: string;
  /** An .onnx file or a TensorFlow.js model.json; or 'builtin:mobilenet_v2' for the network that ships with nsfwjs. */
  model?: string;
  /** Ready activations (.npz, one entry per layer) instead of a model. */
  activations?: string;
  layers: string[];
  /** Input preprocessing for images. */
  preprocess?: { size?: number; mean?: number[]; std?: number[]; layout?: 'nchw' | 'nhwc' };
  /** Reduction while streaming: 'none' (default), 'gap' (global average pooling), or a reduction spec of @concord/activations. */
  reduce?: 'none' | 'gap' | ReduceSpec;
  batchSize?: number;
}

export interface SimulationConfig {
  /** Which network layer's geometry the simulated brain carries. */
  network: string;
  layer: string;
  subjects?: number;
  seed?: number;
  /** Noise level relative to the signal's standard deviation. */
  noise?: number;
}

export type BrainConfig =
  | {
      name: string;
      type: 'eeg';
      /** One recording per subject (EDF/BDF/BrainVision/EEGLAB/FIF); events from annotations named by condition. */
      files?: string[];
      simulate?: SimulationConfig & { sfreq?: number; channels?: number; repetitions?: number };
      tmin?: number;
      tmax?: number;
      /** Average time points into bins of this many seconds. */
      binWidth?: number;
      /**
       * The window [from, to] in seconds, fixed before looking at the data, over which layers are compared (each
       * subject's mean score over the bins whose centre lies inside). Default: every bin from 0 s on.
       */
      window?: [number, number];
      rdmMethod?: string;
    }
  | {
      name: string;
      type: 'fmri';
      /** Per subject: runs (BOLD NIfTI + events TSV) and an ROI mask. */
      subjects?: { runs: { bold: string; events: string }[]; mask: string; tr?: number }[];
      simulate?: SimulationConfig & { runs?: number; tr?: number };
      rdmMethod?: string;
    }
  | {
      name: string;
      type: 'rdms';
      /** RDM vectors, one RDM per row (.npy) or a MAT file variable. */
      file: string;
      variable?: string;
      /**
       * Who each RDM belongs to, when a subject has several RDMs (sessions): the subject of every RDM in file order,
       * or a regular expression over a text field of the MAT struct array (named group `subject`, optionally
       * `session`). A subject's RDMs are averaged into one: subjects are the unit of inference (means, standard
       * errors, noise ceiling). Without it every RDM counts as a subject.
       */
      subjects?: string[] | { field?: string; pattern: string };
    };

export interface MetricConfig {
  type: 'rsa' | 'cka' | 'encoding';
  /** RSA: RDM method for model activations (default 'correlation'). */
  modelRdmMethod?: string;
  /** RSA: comparator (default 'spearman'). */
  compare?: string;
  /** CKA: 'linear' or 'rbf'; debiased. */
  kernel?: 'linear' | 'rbf';
  debiased?: boolean;
  /** Encoding: 'ridge' or 'pls'. */
  model?: 'ridge' | 'pls';
  folds?: number;
}

export interface StudyConfig {
  name: string;
  /** Output folder (results.csv, results.json, report.html, figures/). */
  output: string;
  /** Activation cache folder (default <output>/../.concord-cache). */
  cache?: string;
  stimuli: StimuliConfig;
  networks: NetworkConfig[];
  brain: BrainConfig[];
  metrics: MetricConfig[];
  seed?: number;
}

/** The study's activation cache folder: its `cache`, else `.concord-cache` beside the output folder. */
export function studyCacheDir(config: Pick<StudyConfig, 'output' | 'cache'>): string {
  return config.cache ?? join(resolve(config.output), '..', '.concord-cache');
}

/** HDF5 / MAT v7.3 support loads on demand: when any file a study entry names could need it. */
export async function loadHdf5IfNamed(entry: unknown): Promise<void> {
  if (/\.(mat|set|h5|hdf5)"/i.test(JSON.stringify(entry))) await (await import('@concord/io')).loadHdf5();
}

export function loadStudyConfig(path: string): { config: StudyConfig; baseDir: string } {
  if (!existsSync(path)) throw new StudyConfigError('--config', `no such file '${path}'`);
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new StudyConfigError(
      path,
      `not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const baseDir = dirname(resolve(path));
  return { config: validateStudyConfig(raw, baseDir), baseDir };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

function requireFile(entry: string, baseDir: string, p: unknown): string {
  if (typeof p !== 'string' || !p)
    throw new StudyConfigError(entry, `expected a file path, received ${JSON.stringify(p)}`);
  if (p.startsWith('builtin:')) return p;
  const full = resolvePath(baseDir, p);
  if (!existsSync(full)) throw new StudyConfigError(entry, `file not found: ${full}`);
  return full;
}

/** The `subjects` of an 'rdms' brain entry: a list of labels, or {field, pattern} with a named group `subject`. */
function rdmSubjects(entry: string, v: unknown): string[] | { field: string; pattern: string } {
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((s) => typeof s === 'string' || typeof s === 'number'))
      throw new StudyConfigError(entry, 'expected a non-empty list of subject labels, one per RDM in file order');
    return v.map(String);
  }
  if (isObj(v) && typeof v.pattern === 'string') {
    let re: RegExp;
    try {
      re = new RegExp(v.pattern);
    } catch (e) {
      throw new StudyConfigError(`${entry}.pattern`, `not a regular expression: ${(e as Error).message}`);
    }
    if (!re.source.includes('(?<subject>'))
      throw new StudyConfigError(`${entry}.pattern`, 'needs a named group (?<subject>...)');
    return { field: typeof v.field === 'string' ? v.field : 'name', pattern: v.pattern };
  }
  throw new StudyConfigError(
    entry,
    'expected a list of subject labels (one per RDM) or {field, pattern} with a named group (?<subject>...)',
  );
}

/**
 * Check structure (the schema), then what the schema cannot say: files exist, names are unique, simulations name a
 * listed network and layer, each network has exactly one source; resolve relative paths against the study file's
 * folder.
 */
export function validateStudyConfig(raw: unknown, baseDir: string): StudyConfig {
  // Structure: the one schema of the study file (schema/study-schema.ts). Below: what a schema cannot say.
  const problem = firstSchemaError(StudySchema, raw);
  if (problem) throw new StudyConfigError(problem.entry, problem.message);
  const study = raw as StudyFile;
  const name = study.name ?? 'study';
  const output = resolvePath(baseDir, study.output ?? `out/${name}`);
  // stimuli: one of the schema's three forms, the first whose field has its type (extra fields are allowed)
  const st = study.stimuli as { generate?: unknown; dir?: unknown; list?: string; file?: string; variable?: string };
  const stimuli: StimuliConfig = isObj(st.generate)
    ? { generate: st.generate }
    : typeof st.dir === 'string'
      ? {
          dir: requireFile('stimuli.dir', baseDir, st.dir),
          ...(st.list !== undefined ? { list: requireFile('stimuli.list', baseDir, st.list) } : {}),
        }
      : {
          file: requireFile('stimuli.file', baseDir, st.file),
          ...(st.variable !== undefined ? { variable: st.variable } : {}),
          ...('labels' in study.stimuli ? { labels: study.stimuli.labels } : {}),
        };
  // networks
  const names = new Set<string>();
  const networks: NetworkConfig[] = study.networks.map((n, i) => {
    const entry = `networks[${i}] (${n.name})`;
    if (names.has(n.name)) throw new StudyConfigError(entry, `duplicate network name '${n.name}'`);
    names.add(n.name);
    if ('train' in n)
      throw new StudyConfigError(
        entry,
        'a trained network belongs to a learning-rule study (kind: learning-rules; see data/studies/learning-rules.yaml)',
      );
    if ((n.model === undefined) === (n.activations === undefined))
      throw new StudyConfigError(entry, 'give exactly one of model (a network file) or activations (an .npz file)');
    const out: NetworkConfig = { ...(n as NetworkConfig) };
    if (n.model !== undefined) out.model = requireFile(`${entry}.model`, baseDir, n.model);
    if (n.activations !== undefined) out.activations = requireFile(`${entry}.activations`, baseDir, n.activations);
    return out;
  });
  // brain
  const brain: BrainConfig[] = study.brain.map((b, i) => {
    const entry = `brain[${i}] (${b.name})`;
    const sim = b.simulate;
    if (sim) {
      if (!names.has(sim.network))
        throw new StudyConfigError(
          `${entry}.simulate.network`,
          `unknown network '${sim.network}'; networks are ${[...names].join(', ')}`,
        );
      const net = networks.find((n) => n.name === sim.network);
      if (net && !net.layers.includes(sim.layer))
        throw new StudyConfigError(
          `${entry}.simulate.layer`,
          `'${sim.layer}' is not among the layers of ${net.name} (${net.layers.join(', ')})`,
        );
    }
    if (b.type === 'eeg') {
      const files = b.files?.map((f, k) => requireFile(`${entry}.files[${k}]`, baseDir, f));
      if (!files && !sim) throw new StudyConfigError(entry, 'give files (one recording per subject) or simulate');
      // the schema checks two finite numbers; their order it cannot
      if (b.window && b.window[0] > b.window[1])
        throw new StudyConfigError(
          `${entry}.window`,
          `expected [from, to] in seconds with from ≤ to, received ${JSON.stringify(b.window)}`,
        );
      return { ...b, ...(files ? { files } : {}) } as BrainConfig;
    }
    if (b.type === 'fmri') {
      // an fmri entry's subjects are not in the schema (the field is shared with rdms entries): checked here
      if (!Array.isArray(b.subjects) && !sim)
        throw new StudyConfigError(entry, 'give subjects (runs + mask) or simulate');
      const subjects = Array.isArray(b.subjects)
        ? b.subjects.map((s: unknown, k) => {
            if (!isObj(s) || !Array.isArray(s.runs))
              throw new StudyConfigError(`${entry}.subjects[${k}]`, 'expected {runs: [{bold, events}], mask}');
            return {
              ...s,
              mask: requireFile(`${entry}.subjects[${k}].mask`, baseDir, s.mask),
              runs: s.runs.map((r: unknown, q) => {
                if (!isObj(r))
                  throw new StudyConfigError(`${entry}.subjects[${k}].runs[${q}]`, 'expected {bold, events}');
                return {
                  bold: requireFile(`${entry}.subjects[${k}].runs[${q}].bold`, baseDir, r.bold),
                  events: requireFile(`${entry}.subjects[${k}].runs[${q}].events`, baseDir, r.events),
                };
              }),
            };
          })
        : undefined;
      return { ...b, ...(subjects ? { subjects } : {}) } as BrainConfig;
    }
    return {
      ...b,
      file: requireFile(`${entry}.file`, baseDir, b.file),
      ...(b.subjects !== undefined ? { subjects: rdmSubjects(`${entry}.subjects`, b.subjects) } : {}),
    } as BrainConfig;
  });
  return {
    name,
    output,
    ...(study.cache !== undefined ? { cache: resolvePath(baseDir, study.cache) } : {}),
    stimuli,
    networks,
    brain,
    metrics: study.metrics as MetricConfig[],
    ...(study.seed !== undefined ? { seed: study.seed } : {}),
  };
}
