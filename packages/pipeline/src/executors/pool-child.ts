/**
 * A child process of the local worker pool: receives one item at a time from the parent, runs it (or finds its
 * result in the store) and answers. Modules named in a 'preload' message are imported first (kinds registered
 * there with registerItemKind become runnable here). The item's own progress (a network's epochs and batches) goes
 * to the parent too, at most one event per PROGRESS_INTERVAL_MS, so a long item is followed without flooding the
 * channel with every batch.
 */
import type { ProgressEvent } from '@concord/core';
import type { Json } from '../plan/types.ts';
import { throttledProgress } from './events.ts';
import { executeItem, storeAt } from './execute-item.ts';
import type { PreparedItem } from './prepared-plan.ts';

export type ToChild =
  | { type: 'preload'; modules: string[] }
  | { type: 'run'; item: PreparedItem; deps: Record<string, Json>; store: string };

export type FromChild =
  | { type: 'ready' }
  | { type: 'progress'; item: string; event: ProgressEvent }
  | { type: 'done'; item: string; output: Json; cached: boolean }
  | { type: 'error'; item: string; error: string };

const send = (m: FromChild) => process.send?.(m);

process.on('message', async (m: ToChild) => {
  if (m.type === 'preload') {
    for (const mod of m.modules) await import(mod);
    send({ type: 'ready' });
    return;
  }
  try {
    const onProgress = throttledProgress((event) => send({ type: 'progress', item: m.item.id, event }));
    const r = await executeItem(m.item, m.deps, storeAt(m.store), undefined, onProgress);
    send({ type: 'done', item: m.item.id, output: r.output, cached: r.cached });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    send({ type: 'error', item: m.item.id, error: `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}` });
  }
});
