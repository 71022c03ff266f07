/**
 * A study as submitted (the parsed study file, or a JSON body of POST /v1/jobs) → its plan.
 * - A comparison study (data/studies/*.json): validated, then planned (study/study-item.ts).
 * - A plan of items ({ name, items: [{id, kind, params, deps}] }, kinds from the registry): run as given (smoke
 *   runs of a cluster, tests, benchmarks).
 */
import { resolve } from 'node:path';
import type { Plan, PlanItem } from '../plan/types.ts';
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
  // LEARNING-STUDY PLANNER: when packages/pipeline/src/learning-study exports a planner (trained networks:
  // `networks[].train`, `rules`, `seeds`), dispatch to it here before the comparison study.
  const config = validateStudyConfig(raw, opts.baseDir);
  if (opts.outputDir) config.output = opts.outputDir;
  return planComparisonStudy(config);
}
