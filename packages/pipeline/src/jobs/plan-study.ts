/**
 * A study as submitted (the parsed study file, or a JSON body of POST /v1/jobs) → its plan.
 * - A learning-rule study (kind: learning-rules; data/studies/learning-rules.yaml): its own planner's items plus a
 *   final `learning-finish` item (planLearningJob).
 * - A comparison study (data/studies/*.json): validated, then planned (study/plan-comparison.ts).
 * - A plan of items ({ name, items: [{id, kind, params, deps}] }, kinds from the registry): run as given (smoke
 *   runs of a cluster, tests, benchmarks).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FinishParams } from '../learning-study/finish-item.ts';
import { isLearningStudy, resolveLearningStudy } from '../learning-study/load-study.ts';
import { planLearningStudy } from '../learning-study/plan-study.ts';
import type { Json, Plan, PlanItem } from '../plan/types.ts';
import { StudyConfigError, validateStudyConfig } from '../study/config.ts';
import { planComparisonStudy } from '../study/plan-comparison.ts';

export interface PlanStudyOptions {
  /** Relative paths in the study resolve against this (the study file's folder). */
  baseDir: string;
  /** Overrides the study's output folder (the service always sets it: clients do not choose server paths). */
  outputDir?: string;
  /** A learning-rule study's profile (default: the study's `profile`, else 'quick'). */
  profile?: string;
  /** Where the study came from, for the report's provenance (default: 'submitted study'). */
  source?: string;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function planOfItems(raw: Record<string, unknown>, opts: PlanStudyOptions): Plan {
  const name = typeof raw.name === 'string' ? raw.name : 'plan';
  const items = (raw.items as unknown[]).map((it, i): PlanItem => {
    if (!isObj(it) || typeof it.id !== 'string' || typeof it.kind !== 'string')
      throw new StudyConfigError(`items[${i}]`, 'expected {id: string, kind: string, params, deps: string[]}');
    const deps = it.deps ?? [];
    if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string'))
      throw new StudyConfigError(`items[${i}].deps`, `expected an array of item ids, received ${JSON.stringify(deps)}`);
    return { id: it.id, kind: it.kind, params: (it.params ?? null) as PlanItem['params'], deps: deps as string[] };
  });
  const output = opts.outputDir ?? resolve(opts.baseDir, typeof raw.output === 'string' ? raw.output : `out/${name}`);
  return { study: name, outputDir: output, items, ...(typeof raw.final === 'string' ? { final: raw.final } : {}) };
}

/**
 * A learning-rule study as a job (issue 17): its planner's items, plus a final `learning-finish` item that depends on
 * every other item and writes the statistics, results and report, so a job submitted to workers completes on the
 * workers.
 */
function planLearningJob(raw: unknown, opts: PlanStudyOptions): Plan {
  const baseDir = resolve(opts.baseDir);
  const file = opts.source ?? 'submitted study';
  const study = resolveLearningStudy(raw, { file, baseDir, profile: opts.profile });
  const { ids: _ids, ...plan } = planLearningStudy(opts.outputDir ? { ...study, outputDir: opts.outputDir } : study);
  const params: FinishParams = { study: raw as Json, file, baseDir, profile: study.profile };
  const finish = {
    id: 'finish',
    kind: 'learning-finish',
    params: params as unknown as Json,
    deps: plan.items.map((it) => it.id),
  };
  return { ...plan, items: [...plan.items, finish], final: finish.id };
}

export function planStudy(raw: unknown, opts: PlanStudyOptions): Plan {
  if (isObj(raw) && Array.isArray(raw.items)) return planOfItems(raw, opts);
  if (isLearningStudy(raw)) return planLearningJob(raw, opts);
  const config = validateStudyConfig(raw, opts.baseDir);
  if (opts.outputDir) config.output = opts.outputDir;
  return planComparisonStudy(config);
}

/** A study file's content (.json, .yaml); a missing or unparsable file is a StudyConfigError naming it. */
export function readStudyFile(path: string): unknown {
  if (!existsSync(path)) throw new StudyConfigError('--config', `no such file '${path}'`);
  const yaml = /\.ya?ml$/i.test(path);
  try {
    const text = readFileSync(path, 'utf8');
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new StudyConfigError(path, `not valid ${yaml ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The plan of a study file (relative paths resolve against its folder). */
export function planStudyFile(path: string, opts: { outputDir?: string; profile?: string } = {}): Plan {
  const file = resolve(path);
  return planStudy(readStudyFile(file), { baseDir: dirname(file), source: file, ...opts });
}
