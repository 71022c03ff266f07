/**
 * The local worker pool (the default executor): N child processes (default: one per core) take ready items (all
 * dependencies done) from the parent. A failed item is retried up to `attempts` times with exponential backoff; a
 * child that dies mid-item is replaced and its item retried. Items depending on a failed item are blocked, the
 * rest completes, and the failures are reported. Cancelling (signal) stops handing out items and ends the
 * children.
 */
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { ProgressEvent } from '@concord/core';
import type { ArtifactStore } from '../plan/artifact-store.ts';
import type { Json, Plan } from '../plan/types.ts';
import type { ItemEvent, ItemFailure, PlanOutcome } from './events.ts';
import { materializeOutputs } from './materialize.ts';
import type { FromChild, ToChild } from './pool-child.ts';
import { blockedBy, dependentsOf, type PreparedItem, type PreparedPlan, preparePlan } from './prepared-plan.ts';
import { siblingEntry, startWorkerProcess } from './start-worker.ts';

export interface LocalPoolOptions {
  /** Child processes (default: the machine's cores). */
  workers?: number;
  /** Executions per item before it is marked failed (default 3). */
  attempts?: number;
  /** First retry delay; doubles per retry (default 200 ms). */
  backoffMs?: number;
  /** Module URLs every child imports first (where extra kinds are registered). */
  preload?: string[];
  signal?: AbortSignal;
  onEvent?: (event: ItemEvent) => void;
  /** An item's own progress events (throttled by the child: PROGRESS_INTERVAL_MS). */
  onItemProgress?: (item: string, event: ProgressEvent) => void;
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  busy: PreparedItem | null;
}

function isPrepared(plan: Plan | PreparedPlan): plan is PreparedPlan {
  return plan.items.every((it) => typeof (it as PreparedItem).key === 'string');
}

export async function runPlanLocal(
  plan: Plan | PreparedPlan,
  store: ArtifactStore,
  opts: LocalPoolOptions = {},
): Promise<PlanOutcome> {
  const prepared = isPrepared(plan) ? plan : await preparePlan(plan);
  const total = prepared.items.length;
  const maxWorkers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), total));
  const attempts = Math.max(1, opts.attempts ?? 3);
  const backoffMs = opts.backoffMs ?? 200;
  const byId = new Map(prepared.items.map((it) => [it.id, it]));
  const dependents = dependentsOf(prepared);
  const outputs = new Map<string, Json>();
  const executed: string[] = [];
  const failures: ItemFailure[] = [];
  const attemptsOf = new Map<string, number>();
  const ready: PreparedItem[] = prepared.items.filter((it) => it.deps.length === 0);
  let retried = 0;
  let executions = 0;
  let pendingRetries = 0;
  const emit = (item: string, state: ItemEvent['state'], error?: string) =>
    opts.onEvent?.({
      type: 'item',
      item,
      state,
      attempt: attemptsOf.get(item) ?? 0,
      ...(error ? { error } : {}),
      done: outputs.size,
      total,
    });

  const slots: Slot[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let cancelled = false;

  const isSettled = () =>
    cancelled || (ready.length === 0 && pendingRetries === 0 && slots.every((s) => s.busy === null));

  const onDone = (id: string, output: Json, cached: boolean) => {
    outputs.set(id, output);
    if (!cached) executed.push(id);
    emit(id, cached ? 'cached' : 'done');
    for (const d of dependents.get(id) ?? []) {
      const item = byId.get(d);
      if (item?.deps.every((x) => outputs.has(x))) ready.push(item);
    }
  };

  const onFailure = (item: PreparedItem, error: string) => {
    const n = attemptsOf.get(item.id) ?? 1;
    if (n < attempts && !cancelled) {
      retried++;
      pendingRetries++;
      emit(item.id, 'retrying', error);
      setTimeout(
        () => {
          pendingRetries--;
          ready.push(item);
          pump();
        },
        backoffMs * 2 ** (n - 1),
      );
    } else {
      failures.push({ item: item.id, error, attempts: n });
      emit(item.id, 'failed', error);
    }
  };

  const spawn = (): Slot => {
    const child = startWorkerProcess(siblingEntry('pool-child', import.meta.url));
    let markReady: () => void = () => {};
    const slot: Slot = {
      child,
      busy: null,
      ready: new Promise<void>((resolve) => {
        markReady = resolve;
      }),
    };
    child.on('message', (m: FromChild) => {
      if (m.type === 'ready') return markReady();
      if (m.type === 'progress') {
        if (slot.busy?.id === m.item) opts.onItemProgress?.(m.item, m.event);
        return;
      }
      const item = slot.busy;
      slot.busy = null;
      if (!item || item.id !== m.item) return;
      if (m.type === 'done') onDone(m.item, m.output, m.cached);
      else onFailure(item, m.error);
      pump();
    });
    child.on('exit', (code, sig) => {
      const idx = slots.indexOf(slot);
      if (idx >= 0) slots.splice(idx, 1);
      const item = slot.busy;
      slot.busy = null;
      if (item) onFailure(item, `worker process ${child.pid} exited (${sig ?? `code ${code}`}) while running it`);
      pump();
    });
    child.send({ type: 'preload', modules: opts.preload ?? [] } satisfies ToChild);
    slots.push(slot);
    return slot;
  };

  const dispatch = async (slot: Slot, item: PreparedItem) => {
    slot.busy = item;
    attemptsOf.set(item.id, (attemptsOf.get(item.id) ?? 0) + 1);
    await slot.ready;
    const deps: Record<string, Json> = {};
    for (const d of item.deps) deps[d] = outputs.get(d) ?? null;
    executions++;
    emit(item.id, 'running');
    slot.child.send({ type: 'run', item, deps, store: store.root } satisfies ToChild);
  };

  function pump(): void {
    if (cancelled) {
      finish();
      return;
    }
    while (ready.length > 0) {
      let slot = slots.find((s) => s.busy === null);
      if (!slot && slots.length < maxWorkers) slot = spawn();
      if (!slot) break;
      const item = ready.shift() as PreparedItem;
      void dispatch(slot, item);
    }
    if (isSettled()) finish();
  }

  const onAbort = () => {
    cancelled = true;
    finish();
  };
  opts.signal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) cancelled = true;
  pump();
  await finished;
  opts.signal?.removeEventListener('abort', onAbort);
  for (const s of slots) {
    s.child.removeAllListeners('exit');
    if (s.busy) s.child.kill('SIGTERM');
    else s.child.disconnect();
  }

  const blocked = [
    ...blockedBy(
      prepared,
      failures.map((f) => f.item),
    ),
  ];
  for (const b of blocked) emit(b, 'blocked');
  const complete = outputs.size === total;
  // The final item may have completed even when an item it does not depend on failed: its outputs are published.
  const results =
    !cancelled && prepared.final !== undefined && outputs.has(prepared.final)
      ? materializeOutputs(prepared, store)
      : null;
  return {
    state: cancelled ? 'cancelled' : complete ? 'completed' : 'failed',
    outputs,
    executed,
    failures,
    blocked,
    results,
    counts: { total, done: outputs.size, failed: failures.length, retried, executions },
  };
}
