/** What executors report while a plan runs, and the outcome they return. Same shapes for every executor. */
import type { ProgressEvent } from '@concord/core';
import type { Json } from '../plan/types.ts';

export type ItemState = 'running' | 'done' | 'cached' | 'retrying' | 'failed' | 'blocked';

/** One item changed state (progress: `done` of `total` items finished so far). */
export interface ItemEvent {
  type: 'item';
  item: string;
  state: ItemState;
  /** 1 for the first execution, 2 for the first retry ... */
  attempt: number;
  error?: string;
  done: number;
  total: number;
}

export interface ItemFailure {
  item: string;
  error: string;
  attempts: number;
}

export interface PlanOutcome {
  state: 'completed' | 'failed' | 'cancelled';
  outputs: Map<string, Json>;
  /** Items computed in this run (the rest came from the store). */
  executed: string[];
  failures: ItemFailure[];
  /** Items that never ran because something they depend on failed. */
  blocked: string[];
  /** results.json in the output folder, when the final item wrote one. */
  results: string | null;
  counts: { total: number; done: number; failed: number; retried: number; executions: number };
}

/** An item's own progress events leave its process (a pool child, a BullMQ worker) at most this often. */
export const PROGRESS_INTERVAL_MS = 500;

/**
 * `forward`, called at most once per PROGRESS_INTERVAL_MS: the first event at once, the ones between dropped, except
 * that a new stage's first event and a stage's last (done ≥ total) always pass, so a bar starts and ends where its
 * stage does instead of stopping short of 100 %.
 */
export function throttledProgress(forward: (event: ProgressEvent) => void): (event: ProgressEvent) => void {
  let last = -Infinity;
  let stage: string | undefined;
  return (event) => {
    const now = performance.now();
    const edge = event.stage !== stage || (event.total > 0 && event.done >= event.total);
    if (!edge && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    stage = event.stage;
    forward(event);
  };
}
