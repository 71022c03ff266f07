/**
 * One call for every executor: the in-process reference, the local worker pool (default) or BullMQ workers over
 * Redis (submits, then waits for workers started elsewhere: `concord jobs worker --redis URL`). The result is a
 * PlanOutcome that is also a PlanRunResult (outputs, keys, executed), so a caller of runPlanInProcess can switch.
 */
import { join } from 'node:path';
import type { ProgressEvent } from '@concord/core';
import type { ArtifactStore } from '../plan/artifact-store.ts';
import { type PlanRunResult, runPlanInProcess } from '../plan/run-in-process.ts';
import type { Json, Plan, PlanItem } from '../plan/types.ts';
import type { ItemEvent, PlanOutcome } from './events.ts';
import { runPlanLocal } from './local-pool.ts';
import { materializeOutputs } from './materialize.ts';
import { blockedBy, preparePlan } from './prepared-plan.ts';

export const ENGINES = ['local', 'bullmq', 'in-process'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface RunPlanOptions {
  /** Default 'local'. */
  engine?: EngineName;
  /** Local pool size (default: the machine's cores). */
  workers?: number;
  /** Redis URL (engine 'bullmq'). */
  redis?: string;
  signal?: AbortSignal;
  onEvent?: (event: ItemEvent) => void;
  /** Progress as runPlanInProcess reports it: an item finished, done of total. */
  onItem?: (id: string, done: number, total: number) => void;
  /**
   * An item's own progress (a network's epochs): every event in-process, throttled from the local pool's children;
   * not forwarded from BullMQ workers (their jobs report item counts).
   */
  itemProgress?: (item: string, event: ProgressEvent) => void;
  /** BullMQ: called once with the job id after submission. */
  onSubmitted?: (jobId: string) => void;
}

export type PlanResult = PlanOutcome & PlanRunResult;

export async function runPlan(plan: Plan, store: ArtifactStore, opts: RunPlanOptions = {}): Promise<PlanResult> {
  const prepared = await preparePlan(plan);
  const keys = new Map(prepared.items.map((it) => [it.id, it.key]));
  const engine = opts.engine ?? 'local';
  if (engine === 'in-process') {
    const itemProgress = opts.itemProgress;
    const r = await runPlanInProcess(plan, store, {
      signal: opts.signal,
      onItem: opts.onItem,
      ...(itemProgress ? { itemProgress: (item: PlanItem) => (e: ProgressEvent) => itemProgress(item.id, e) } : {}),
    });
    return {
      ...r,
      state: 'completed',
      failures: [],
      blocked: [],
      results: materializeOutputs(prepared, store),
      counts: {
        total: prepared.items.length,
        done: r.outputs.size,
        failed: 0,
        retried: 0,
        executions: r.executed.length,
      },
    };
  }
  if (engine === 'local') {
    const r = await runPlanLocal(prepared, store, {
      ...(opts.workers ? { workers: opts.workers } : {}),
      signal: opts.signal,
      ...(opts.itemProgress ? { onItemProgress: opts.itemProgress } : {}),
      onEvent: (e) => {
        opts.onEvent?.(e);
        if (e.state === 'done' || e.state === 'cached') opts.onItem?.(e.item, e.done, e.total);
      },
    });
    return { ...r, keys };
  }
  // BullMQ: submit, then follow the job's status until it ends.
  const { BullmqJobEngine } = await import('../jobs/bullmq-engine.ts');
  const jobs = new BullmqJobEngine({ redis: opts.redis ?? 'redis://127.0.0.1:6379', store });
  try {
    const { jobId } = await jobs.submit(plan);
    opts.onSubmitted?.(jobId);
    const onAbort = () => void jobs.cancel(jobId);
    opts.signal?.addEventListener('abort', onAbort);
    let lastDone = -1;
    for (;;) {
      const s = await jobs.status(jobId);
      if (!s) throw new Error(`job ${jobId} vanished from Redis`);
      if (s.items.done !== lastDone) {
        lastDone = s.items.done;
        opts.onItem?.('', s.items.done, s.items.total);
      }
      if (s.state === 'completed' || s.state === 'failed' || s.state === 'cancelled') {
        opts.signal?.removeEventListener('abort', onAbort);
        const outputs = new Map<string, Json>();
        for (const it of prepared.items) {
          const out = store.get(it.key);
          if (out !== undefined) outputs.set(it.id, out);
        }
        return {
          state: s.state,
          outputs,
          keys,
          executed: [],
          failures: s.failures,
          blocked: [
            ...blockedBy(
              prepared,
              s.failures.map((f) => f.item),
            ),
          ],
          results: s.results ?? (outputs.has(prepared.final ?? '') ? join(prepared.outputDir, 'results.json') : null),
          counts: {
            total: s.items.total,
            done: s.items.done,
            failed: s.items.failed,
            retried: s.items.retried,
            executions: s.items.done + s.items.retried,
          },
        };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await jobs.close();
  }
}
