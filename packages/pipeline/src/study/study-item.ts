/**
 * The comparison study of data/studies/*.json as a planned study. Today it is ONE item (kind 'study'): the stages
 * share in-memory activations and brain data that are not yet serialised between items. Its outputs (results,
 * report, figures) are written into the item's files folder in the store and copied to the study's output folder
 * by the executor, so a re-run with the same configuration is served from the store.
 */
import { join, resolve } from 'node:path';
import type { ItemKind, Json, Plan } from '../plan/types.ts';
import type { StudyConfig } from './config.ts';
import { runStudy } from './run-study.ts';

export const studyItem: ItemKind = {
  kind: 'study',
  version: '1',
  async run(params, ctx) {
    const config = (params as unknown as { config: StudyConfig }).config;
    const outcome = await runStudy({ ...config, output: ctx.store.filesDir(ctx.key) });
    return { study: config.name, rows: outcome.rows.length, cachedActivations: outcome.cachedActivations };
  },
};

/** The plan of a comparison study (paths absolute; the activation cache pinned beside the output folder). */
export function planComparisonStudy(config: StudyConfig): Plan {
  const output = resolve(config.output);
  const cache = config.cache ?? join(output, '..', '.concord-cache');
  const { output: _output, ...rest } = config;
  return {
    study: config.name,
    outputDir: output,
    final: 'study',
    // The output folder is not part of the item: the same study written elsewhere is the same computation.
    items: [
      { id: 'study', kind: 'study', params: { config: { ...rest, cache, output: '' } } as unknown as Json, deps: [] },
    ],
  };
}
