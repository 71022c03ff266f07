/**
 * A plan made ready to distribute: kinds resolved, every item's content key computed up front (so a worker in
 * another process or on another machine needs only the item, its key and its dependencies' keys), dependents
 * indexed. The submitter does this once; executors only read it.
 */

import { contentKey } from '../plan/content-key.ts';
import { resolveItemKind } from '../plan/registry.ts';
import { topologicalOrder } from '../plan/run-in-process.ts';
import type { Json, Plan, PlanItem } from '../plan/types.ts';

export interface PreparedItem extends PlanItem {
  key: string;
}

export interface PreparedPlan {
  study: string;
  outputDir: string;
  final?: string;
  /** Items in dependency order. */
  items: PreparedItem[];
}

export async function preparePlan(plan: Plan): Promise<PreparedPlan> {
  const keys = new Map<string, string>();
  const items: PreparedItem[] = [];
  for (const item of topologicalOrder(plan)) {
    const kind = await resolveItemKind(item.kind);
    const key = contentKey(
      item.kind,
      kind.version,
      item.params,
      item.deps.map((d) => keys.get(d) ?? ''),
    );
    keys.set(item.id, key);
    items.push({ ...item, key });
  }
  return { study: plan.study, outputDir: plan.outputDir, ...(plan.final ? { final: plan.final } : {}), items };
}

/** Item id → ids of the items that depend on it. */
export function dependentsOf(plan: PreparedPlan): Map<string, string[]> {
  const out = new Map<string, string[]>(plan.items.map((it) => [it.id, []]));
  for (const it of plan.items) for (const d of it.deps) out.get(d)?.push(it.id);
  return out;
}

/** Items that can never run because a dependency (transitively) failed. */
export function blockedBy(plan: PreparedPlan, failed: Iterable<string>): Set<string> {
  const dependents = dependentsOf(plan);
  const blocked = new Set<string>();
  const stack = [...failed];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    for (const d of dependents.get(id) ?? []) {
      if (!blocked.has(d)) {
        blocked.add(d);
        stack.push(d);
      }
    }
  }
  return blocked;
}

export function planAsJson(plan: PreparedPlan): Json {
  return plan as unknown as Json;
}
