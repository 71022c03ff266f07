/**
 * Item kinds by name. Workers in other processes resolve a kind through this table, so every kind is registered
 * here with a lazy import of its module (a worker loads only what it runs).
 */

import { ConcordError } from '@concord/core';
import { PIPELINE_ERRORS } from '../errors.ts';
import type { ItemKind } from './types.ts';

const KIND_MODULES: Record<string, () => Promise<ItemKind>> = {
  // the engine's own kinds (tests, benchmarks, smoke runs)
  'pipeline.noop': () => import('../executors/builtin-kinds.ts').then((m) => m.noopItem),
  'pipeline.fail': () => import('../executors/builtin-kinds.ts').then((m) => m.failItem),
  'pipeline.collect': () => import('../executors/builtin-kinds.ts').then((m) => m.collectItem),
  // the comparison study of data/studies/*.json (study/plan-comparison.ts)
  'study-stimuli': () => import('../study/study-items.ts').then((m) => m.stimuliItem),
  'study-activations': () => import('../study/study-items.ts').then((m) => m.activationsItem),
  'study-brain': () => import('../study/study-items.ts').then((m) => m.brainItem),
  'study-scores': () => import('../study/study-items.ts').then((m) => m.scoresItem),
  'study-report': () => import('../study/study-items.ts').then((m) => m.reportItem),
  'learning-stimuli': () => import('../learning-study/items.ts').then((m) => m.stimuliItem),
  'learning-train': () => import('../learning-study/items.ts').then((m) => m.trainItem),
  'learning-rdms': () => import('../learning-study/items.ts').then((m) => m.rdmsItem),
  'learning-scores': () => import('../learning-study/scores-item.ts').then((m) => m.scoresItem),
  'learning-finish': () => import('../learning-study/finish-item.ts').then((m) => m.finishItem),
};

const extraKinds = new Map<string, ItemKind>();

/** Registers a kind in this process (tests' no-op and poisoned items; kinds defined by a notebook). */
export function registerItemKind(kind: ItemKind): void {
  extraKinds.set(kind.kind, kind);
}

export async function resolveItemKind(kind: string): Promise<ItemKind> {
  const extra = extraKinds.get(kind);
  if (extra) return extra;
  const load = KIND_MODULES[kind];
  if (!load)
    throw new ConcordError(
      PIPELINE_ERRORS.UNKNOWN_ITEM_KIND,
      `unknown item kind '${kind}'; expected one of ${[...Object.keys(KIND_MODULES), ...extraKinds.keys()].join(', ')}`,
    );
  return load();
}
