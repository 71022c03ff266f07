/**
 * A study as submitted (the parsed study file, or a JSON body of POST /v1/jobs) → its plan.
 * - A comparison study (data/studies/*.json): validated, then planned (study/study-item.ts).
 * - A plan of items ({ name, items: [{id, kind, params, deps}] }, kinds from the registry): run as given (smoke
 *   runs of a cluster, tests, benchmarks).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { finishParams } from '../learning-study/finish-item.ts';
import { isLearningStudyFile, loadLearningStudy } from '../learning-study/load-study.ts';
import { planLearningStudy } from '../learning-study/plan-study.ts';
import type { Json, Plan, PlanItem } from '../plan/types.ts';
import { StudyConfigError, validateStudyConfig } from '../study/config.ts';
import { planComparisonStudy } from '../study/study-item.ts';

export interface PlanStudyOptions {
  /** Relative paths in the study resolve against this (the study file's folder). */
  baseDir: string;
  /** Overrides the study's output folder (the service always sets it: clients do not choose server paths). */
  outputDir?: string;
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

export function planStudy(raw: unknown, opts: PlanStudyOptions): Plan {
  if (isObj(raw) && Array.isArray(raw.items)) return planOfItems(raw, opts);
  // A learning-rule study arrives as a file (planStudyFile), where its own planner takes it.
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

/**
 * The plan of a study file (relative paths resolve against its folder). A learning-rule study (issue 17) is
 * planned by its own planner, plus a final `learning-finish` item that depends on every other item and writes the
 * statistics, results and report, so a job submitted to workers completes on the workers.
 */
export function planStudyFile(path: string, opts: { outputDir?: string; profile?: string } = {}): Plan {
  if (isLearningStudyFile(path)) {
    const file = resolve(path);
    const study = loadLearningStudy(file, opts.profile ? { profile: opts.profile } : {});
    const { ids: _ids, ...plan } = planLearningStudy(opts.outputDir ? { ...study, outputDir: opts.outputDir } : study);
    const finish = {
      id: 'finish',
      kind: 'learning-finish',
      params: finishParams(file, study.profile) as unknown as Json,
      deps: plan.items.map((it) => it.id),
    };
    return { ...plan, items: [...plan.items, finish], final: finish.id };
  }
  return planStudy(readStudyFile(path), { baseDir: dirname(resolve(path)), ...opts });
}
