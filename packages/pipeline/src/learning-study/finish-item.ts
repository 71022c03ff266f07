/**
 * The item `learning-finish`: the last item of a learning-rule study submitted as a job (planLearningJob). It depends
 * on every other item, re-resolves the study from its params (the parsed study travels inside them, so workers on
 * other machines need no copy of the file, and an edited study is a different item) and re-plans it (planning is
 * deterministic), and assembles rows, cross-validated best layers, pairwise tests, the sensitivity table,
 * results.json/csv, the exported networks and report.html in its files folder; the executor then copies that folder
 * into the study's output folder. So a job finishes on whichever worker runs its last item, and the submitter need
 * not stay.
 */
import type { ItemKind, Json } from '../plan/types.ts';
import { resolveLearningStudy } from './load-study.ts';
import { planLearningStudy } from './plan-study.ts';
import { finishLearningStudy } from './run-learning-study.ts';

export interface FinishParams {
  /** The study as parsed (file content or JSON body). */
  study: Json;
  /** Where it came from (provenance in the report). */
  file: string;
  /** Its relative paths resolve against this folder (absolute; on a shared filesystem for remote workers). */
  baseDir: string;
  profile: string;
}

export const finishItem: ItemKind = {
  kind: 'learning-finish',
  // 3: rows name their metric in the pipeline's vocabulary (rsa:correlation/spearman)
  version: '3',
  async run(params, ctx) {
    const p = params as unknown as FinishParams;
    const loaded = resolveLearningStudy(p.study, { file: p.file, baseDir: p.baseDir, profile: p.profile });
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
