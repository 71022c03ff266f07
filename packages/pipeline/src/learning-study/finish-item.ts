/**
 * The item `learning-finish`: the last item of a learning-rule study submitted as a job (planStudyFile). It depends
 * on every other item, re-reads the study file and its plan's ids (planning is deterministic), and assembles rows,
 * cross-validated best layers, pairwise tests, the sensitivity table, results.json/csv, the exported networks and
 * report.html in its files folder; the executor then copies that folder into the study's output folder. So a job
 * finishes on whichever worker runs its last item, and the submitter need not stay.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ItemKind, Json } from '../plan/types.ts';
import { loadLearningStudy } from './load-study.ts';
import { planLearningStudy } from './plan-study.ts';
import { finishLearningStudy } from './run-learning-study.ts';

export interface FinishParams {
  /** Absolute path of the study file (workers on other machines reach it on the shared filesystem). */
  studyFile: string;
  /** SHA-256 of the study file, so an edited file (e.g. another metric) is a different item. */
  studyHash: string;
  profile: string;
}

export function finishParams(studyFile: string, profile: string): FinishParams {
  return { studyFile, studyHash: createHash('sha256').update(readFileSync(studyFile)).digest('hex'), profile };
}

export const finishItem: ItemKind = {
  kind: 'learning-finish',
  version: '1',
  async run(params, ctx) {
    const p = params as unknown as FinishParams;
    const loaded = loadLearningStudy(p.studyFile, { profile: p.profile });
    const study = { ...loaded, outputDir: ctx.store.filesDir(ctx.key) };
    const plan = planLearningStudy(study);
    const outputs = new Map<string, Json>(Object.entries(ctx.deps));
    const outcome = await finishLearningStudy(study, plan, { outputs, keys: new Map(), executed: [] });
    return {
      results: outcome.results,
      report: outcome.report,
      rows: outcome.rows.length,
      networks: outcome.networks as unknown as Json,
    };
  },
};
