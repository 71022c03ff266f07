/**
 * Running one item wherever it is (this process, a pool child, a BullMQ worker): its result in the store means it
 * is done (idempotent under at-least-once delivery); otherwise its kind runs and the result is written atomically.
 */
import type { ProgressCallback } from '@concord/core';
import { ArtifactStore } from '../plan/artifact-store.ts';
import { resolveItemKind } from '../plan/registry.ts';
import type { Json } from '../plan/types.ts';
import { withOneBlasThread } from './blas-threads.ts';
import type { PreparedItem } from './prepared-plan.ts';

export interface ItemExecution {
  output: Json;
  /** True when the result was already in the store (nothing ran). */
  cached: boolean;
}

const stores = new Map<string, ArtifactStore>();

/** One ArtifactStore per root in a process. */
export function storeAt(root: string): ArtifactStore {
  let s = stores.get(root);
  if (!s) {
    s = new ArtifactStore(root);
    stores.set(root, s);
  }
  return s;
}

export async function executeItem(
  item: PreparedItem,
  deps: Record<string, Json>,
  store: ArtifactStore,
  signal?: AbortSignal,
  onProgress?: ProgressCallback,
): Promise<ItemExecution> {
  const existing = store.get(item.key);
  if (existing !== undefined) return { output: existing, cached: true };
  const kind = await resolveItemKind(item.kind);
  const output = await withOneBlasThread(() =>
    kind.run(item.params, { deps, store, key: item.key, signal, ...(onProgress ? { onProgress } : {}) }),
  );
  store.put(item.key, output);
  return { output, cached: false };
}
