/**
 * Reads and checks a learning-rule study file before anything is trained: the shape (TypeBox schema), then every
 * network entry (known rule, a rule that supports the architecture, a dataset that exists, integer seeds), the data
 * files and the profile. Problems are StudyConfigError naming the entry (CLI exit 2); nothing is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ParameterError } from '@concord/core';
import {
  DATASET_NAMES,
  debianFashionMnistDir,
  getRule,
  resolveHyper,
  resolveTraining,
  ruleNames,
} from '@concord/learning';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { canonicalJson } from '../plan/content-key.ts';
import type { Json } from '../plan/types.ts';
import { StudyConfigError } from '../study/config.ts';
import type { TrainParams } from './items.ts';
import { type LearningStudyFile, LearningStudySchema, type StimulusTransform, type TrainSpec } from './schema.ts';

export const DEFAULT_TRANSFORM: Required<StimulusTransform> = {
  size: 28,
  channels: 1,
  resize: 'area',
  luminance: 'rec601',
  background: 'black',
  backgroundTolerance: 2,
  normalise: 'training',
};

/** One network to train, fully resolved (paths absolute, seed an integer). */
export interface PlannedNetwork {
  /** Unique: '<entry name>/seed-<seed>'. */
  id: string;
  name: string;
  rule: string;
  family: string;
  criteria: { asymmetricWeights: boolean; localErrors: boolean; singlePhase: boolean };
  arch: string;
  /** A dataset name or an absolute folder. */
  dataset: string;
  dataDir?: string;
  seed: number;
  epochs?: number;
  training: TrainParams['training'];
  hyper: Record<string, number | string | boolean>;
  limitTrain?: number;
  limitTest?: number;
}

export interface LearningStudy {
  name: string;
  profile: string;
  file: string;
  outputDir: string;
  storeDir: string;
  stimuli: { file: string; variable: string; transform: Required<StimulusTransform> };
  sensitivity: Required<StimulusTransform>[];
  brain: {
    file: string;
    variable: string;
    subjectPattern: string;
    models?: string;
    categoricalModels: string[];
    monkeyIt?: string;
  };
  metric: 'spearman' | 'corr' | 'corr_cov';
  seed: number;
  bootstrapSamples: number;
  randomSeeds: number[];
  networks: PlannedNetwork[];
  /** SHA-256 of the canonical resolved configuration. */
  configHash: string;
  /** The file as parsed (for provenance). */
  raw: LearningStudyFile;
}

function readStudyText(path: string): unknown {
  if (!existsSync(path)) throw new StudyConfigError('config', `${path}: no such file`);
  const text = readFileSync(path, 'utf8');
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new StudyConfigError(
      'config',
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
}

/** True when a parsed study is a learning-rule study (it has `profiles` or `kind: learning-rules`). */
export function isLearningStudy(v: unknown): boolean {
  return (
    !!v &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    ((v as { kind?: unknown }).kind === 'learning-rules' || 'profiles' in v)
  );
}

/** True when a file holds a learning-rule study. */
export function isLearningStudyFile(path: string): boolean {
  try {
    return isLearningStudy(readStudyText(path));
  } catch {
    return false;
  }
}

function seedsOf(values: unknown[] | undefined, entry: string): number[] {
  const seeds = values ?? [0];
  if (seeds.length === 0) throw new StudyConfigError(`${entry}.seeds`, 'expected at least one seed');
  for (const [i, s] of seeds.entries())
    if (typeof s !== 'number' || !Number.isInteger(s))
      throw new StudyConfigError(`${entry}.seeds[${i}]`, `expected an integer seed, received ${JSON.stringify(s)}`);
  return seeds as number[];
}

function resolveDataset(spec: TrainSpec, base: string, entry: string): { dataset: string; dataDir?: string } {
  const dataset = spec.dataset ?? 'fashion-mnist';
  const dataDir = spec.dataDir ? resolve(base, spec.dataDir) : undefined;
  if ((DATASET_NAMES as readonly string[]).includes(dataset)) {
    if (dataDir) {
      if (!existsSync(dataDir) || !statSync(dataDir).isDirectory())
        throw new StudyConfigError(`${entry}.dataDir`, `dataset folder ${dataDir} does not exist`);
    } else if (dataset === 'fashion-mnist') {
      if (!debianFashionMnistDir())
        throw new StudyConfigError(
          `${entry}.dataset`,
          "fashion-mnist: the Debian package dataset-fashion-mnist is not installed; install it or name a folder with 'dataDir'",
        );
    } else if (dataset !== 'digits')
      throw new StudyConfigError(`${entry}.dataset`, `${dataset} needs 'dataDir' (a folder with its files)`);
    return { dataset, dataDir };
  }
  const folder = isAbsolute(dataset) ? dataset : resolve(base, dataset);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new StudyConfigError(
      `${entry}.dataset`,
      `'${dataset}' is neither a dataset name (${DATASET_NAMES.join(', ')}) nor an existing folder (${folder})`,
    );
  return { dataset: folder };
}

function planNetwork(name: string, spec: TrainSpec, seed: number, base: string, entry: string): PlannedNetwork {
  if (!ruleNames().includes(spec.rule))
    throw new StudyConfigError(
      `${entry}.rule`,
      `unknown learning rule '${spec.rule}'; known rules: ${ruleNames().join(', ')}`,
    );
  const decl = getRule(spec.rule).declaration;
  const arch = spec.arch ?? 'mlp';
  if (!decl.architectures.includes(arch as never))
    throw new StudyConfigError(
      `${entry}.arch`,
      `rule '${spec.rule}' does not support architecture '${arch}' (it supports ${decl.architectures.join(', ')})`,
    );
  const { dataset, dataDir } = resolveDataset(spec, base, entry);
  const training = {
    ...(spec.lr !== undefined ? { lr: spec.lr } : {}),
    ...(spec.optimizer !== undefined ? { optimizer: spec.optimizer } : {}),
    ...(spec.schedule !== undefined ? { schedule: spec.schedule } : {}),
    ...(spec.batch !== undefined ? { batch: spec.batch } : {}),
    ...(spec.hidden !== undefined ? { hidden: spec.hidden } : {}),
  };
  const hyper = { ...(spec.hyper ?? {}) };
  // The rule's own checks, now: a misspelt hyper-parameter must not surface hours into a full profile.
  try {
    resolveTraining(decl, { ...training, epochs: spec.epochs }); // it ignores settings left undefined
    resolveHyper(decl, hyper);
  } catch (e) {
    if (e instanceof ParameterError) {
      const name = String(e.details.field);
      const key = name in hyper ? `hyper.${name}` : name;
      throw new StudyConfigError(`${entry}.${key}`, e.message.slice(name.length + 2));
    }
    throw e;
  }
  return {
    id: `${name}/seed-${seed}`,
    name,
    rule: spec.rule,
    family: decl.family,
    criteria: { ...decl.criteria },
    arch,
    dataset,
    ...(dataDir ? { dataDir } : {}),
    seed,
    ...(spec.epochs !== undefined ? { epochs: spec.epochs } : {}),
    training,
    hyper,
    ...(spec.limitTrain !== undefined ? { limitTrain: spec.limitTrain } : {}),
    ...(spec.limitTest !== undefined ? { limitTest: spec.limitTest } : {}),
  };
}

function requireFile(path: string, entry: string): void {
  if (!existsSync(path)) throw new StudyConfigError(entry, `${path}: no such file`);
}

/** Loads, validates and resolves a learning-rule study file for one profile (default: the file's, else 'quick'). */
export function loadLearningStudy(
  path: string,
  opts: { profile?: string | undefined; seeds?: number[] | undefined } = {},
): LearningStudy {
  const file = resolve(path);
  return resolveLearningStudy(readStudyText(file), { file, baseDir: dirname(file), ...opts });
}

export interface ResolveLearningStudyOptions {
  /** Where the study came from (a file path, or a label such as 'POST /v1/jobs'): provenance only. */
  file: string;
  /** Relative paths in the study resolve against this folder. */
  baseDir: string;
  profile?: string | undefined;
  /**
   * Train only the networks of these seeds (each must be one of the profile's seeds); the random-weights baselines
   * keep theirs. A cheaper run of a profile, e.g. one seed of `full` to measure its time per network; the output
   * folder becomes `<profile>-seeds-<list>` so it never overwrites the whole profile's results.
   */
  seeds?: number[] | undefined;
}

/** The networks of the chosen seeds (`--seeds`); every chosen seed must be one the profile trains. */
function restrictToSeeds(networks: PlannedNetwork[], seeds: number[], profile: string): PlannedNetwork[] {
  const planned = [...new Set(networks.map((n) => n.seed))].sort((a, b) => a - b);
  if (seeds.length === 0) throw new StudyConfigError('--seeds', 'expected at least one seed');
  for (const s of seeds) {
    if (!Number.isInteger(s))
      throw new StudyConfigError('--seeds', `expected integer seeds, received ${JSON.stringify(s)}`);
    if (!planned.includes(s))
      throw new StudyConfigError(
        '--seeds',
        `seed ${s} is not one of profile '${profile}''s seeds (${planned.join(', ')})`,
      );
  }
  return networks.filter((n) => seeds.includes(n.seed));
}

/** Validates and resolves a parsed learning-rule study (a file's content, or a JSON body) for one profile. */
export function resolveLearningStudy(raw: unknown, opts: ResolveLearningStudyOptions): LearningStudy {
  const { file, baseDir: base } = opts;
  if (!Value.Check(LearningStudySchema, raw)) {
    const first = [...Value.Errors(LearningStudySchema, raw)][0];
    const where = first?.path ? first.path.replace(/^\//, '').replaceAll('/', '.') : 'study';
    throw new StudyConfigError(
      where || 'study',
      `${first?.message ?? 'invalid'} (received ${JSON.stringify(first?.value)})`,
    );
  }
  const study = raw as LearningStudyFile;
  const profileName = opts.profile ?? study.profile ?? 'quick';
  const profile = study.profiles[profileName];
  if (!profile)
    throw new StudyConfigError(
      'profile',
      `no profile '${profileName}' in ${file}; profiles: ${Object.keys(study.profiles).join(', ')}`,
    );
  const networks: PlannedNetwork[] = [];
  const gridSeeds = profile.rules ? seedsOf(profile.seeds, `profiles.${profileName}`) : [];
  for (const rule of profile.rules ?? []) {
    const spec: TrainSpec = { ...profile.defaults, ...profile.overrides?.[rule], rule };
    const entry = `profiles.${profileName}.rules[${rule}]`;
    for (const seed of gridSeeds) networks.push(planNetwork(rule, spec, seed, base, entry));
  }
  for (const [i, n] of (profile.networks ?? []).entries()) {
    const entry = `profiles.${profileName}.networks[${i}] (${n.name})`;
    const spec: TrainSpec = { ...profile.defaults, ...n.train };
    for (const seed of seedsOf(n.train.seeds ?? profile.seeds, `${entry}.train`))
      networks.push(planNetwork(n.name, spec, seed, base, `${entry}.train`));
  }
  if (networks.length === 0)
    throw new StudyConfigError(
      `profiles.${profileName}`,
      'names no network to train (rules: [...] or networks: [...])',
    );
  const chosen = opts.seeds ? restrictToSeeds(networks, opts.seeds, profileName) : networks;
  const ids = new Set<string>();
  for (const n of chosen) {
    if (ids.has(n.id)) throw new StudyConfigError(`profiles.${profileName}`, `network '${n.id}' appears twice`);
    ids.add(n.id);
  }
  const stimuliFile = resolve(base, study.stimuli.file);
  requireFile(stimuliFile, 'stimuli.file');
  const brainFile = resolve(base, study.brain.file);
  requireFile(brainFile, 'brain.file');
  const models = study.brain.models ? resolve(base, study.brain.models) : undefined;
  if (models) requireFile(models, 'brain.models');
  const transform = { ...DEFAULT_TRANSFORM, ...study.stimuli.transform };
  const randomSeeds = profile.randomSeeds ?? [0, 1, 2];
  const resolved = {
    name: study.name,
    profile: profileName,
    file,
    outputDir: resolve(
      base,
      study.output ?? `../../out/${study.name}`,
      opts.seeds ? `${profileName}-seeds-${[...opts.seeds].sort((a, b) => a - b).join('-')}` : profileName,
    ),
    storeDir: resolve(base, study.store ?? '../../.concord-cache/pipeline'),
    stimuli: { file: stimuliFile, variable: study.stimuli.variable ?? 'stimuli_92objs', transform },
    sensitivity: (profile.sensitivity ?? []).map((t) => ({ ...transform, ...t })),
    brain: {
      file: brainFile,
      variable: study.brain.variable ?? 'RDMs',
      subjectPattern: study.brain.subjectPattern ?? '\\| (?<subject>\\w+) \\| Session: (?<session>\\d+)',
      ...(models ? { models } : {}),
      categoricalModels: study.brain.categoricalModels ?? ['animacy', 'FaceBodyManmadeNatobj'],
      ...(study.brain.monkeyIt ? { monkeyIt: study.brain.monkeyIt } : {}),
    },
    metric: study.metric ?? 'spearman',
    seed: study.seed ?? 0,
    bootstrapSamples: profile.bootstrapSamples ?? 1000,
    randomSeeds,
    networks: chosen,
  } satisfies Omit<LearningStudy, 'configHash' | 'raw'>;
  const configHash = createHash('sha256')
    .update(canonicalJson(JSON.parse(JSON.stringify(resolved)) as Json))
    .digest('hex');
  return { ...resolved, configHash, raw: study };
}
