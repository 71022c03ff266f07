/**
 * The in-process executor: items in dependency order, one at a time, skipping those whose result is already in
 * the store. The reference the other executors are checked against.
 */

import { ConcordError, type ProgressCallback } from '@concord/core';
import { PIPELINE_ERRORS } from '../errors.ts';
import { executeItem } from '../executors/execute-item.ts';
import type { ArtifactStore } from './artifact-store.ts';
import { contentKey } from './content-key.ts';
import { resolveItemKind } from './registry.ts';
import type { Json, Plan, PlanItem } from './types.ts';

export interface PlanRunResult {
  /** Outputs by item id. */
  outputs: Map<string, Json>;
  /** Content keys by item id. */
  keys: Map<string, string>;
  /** Items computed in this run (the rest came from the store). */
  executed: string[];
}

/** Items sorted so every item comes after its dependencies; unknown dependencies and cycles are errors. */
export function topologicalOrder(plan: Plan): PlanItem[] {
  const byId = new Map(plan.items.map((it) => [it.id, it]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: PlanItem[] = [];
  const visit = (item: PlanItem, path: string[]) => {
    const s = state.get(item.id);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new ConcordError(PIPELINE_ERRORS.PLAN, `plan '${plan.study}': cycle ${[...path, item.id].join(' → ')}`);
    state.set(item.id, 'visiting');
    for (const dep of item.deps) {
      const d = byId.get(dep);
      if (!d)
        throw new ConcordError(
          PIPELINE_ERRORS.PLAN,
          `plan '${plan.study}': item '${item.id}' depends on unknown '${dep}'`,
        );
      visit(d, [...path, item.id]);
    }
    state.set(item.id, 'done');
    order.push(item);
  };
  for (const item of plan.items) visit(item, []);
  return order;
}

export async function runPlanInProcess(
  plan: Plan,
  store: ArtifactStore,
  opts: {
    signal?: AbortSignal;
    onItem?: (id: string, done: number, total: number) => void;
    /** Progress inside an item (a bar per item in the CLI). */
    itemProgress?: (item: PlanItem) => ProgressCallback | undefined;
  } = {},
): Promise<PlanRunResult> {
  const outputs = new Map<string, Json>();
  const keys = new Map<string, string>();
  const executed: string[] = [];
  const order = topologicalOrder(plan);
  for (const [i, item] of order.entries()) {
    opts.signal?.throwIfAborted();
    const kind = await resolveItemKind(item.kind);
    const key = contentKey(
      item.kind,
      kind.version,
      item.params,
      item.deps.map((d) => keys.get(d) ?? ''),
    );
    keys.set(item.id, key);
    const deps: Record<string, Json> = {};
    for (const d of item.deps) deps[d] = outputs.get(d) ?? null;
    // the one way an item runs anywhere (store check, one BLAS thread, atomic result), as in the pool and workers
    const { output: out, cached } = await executeItem(
      { ...item, key },
      deps,
      store,
      opts.signal,
      opts.itemProgress?.(item),
    );
    if (!cached) executed.push(item.id);
    outputs.set(item.id, out);
    opts.onItem?.(item.id, i + 1, order.length);
  }
  return { outputs, keys, executed };
}
