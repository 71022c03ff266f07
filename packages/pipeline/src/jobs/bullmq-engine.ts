/**
 * Jobs on BullMQ over Redis: the submitter writes the prepared plan and enqueues the items with no dependencies;
 * workers (`concord jobs worker`, on any machine that reaches Redis and the artifact store) run items and enqueue
 * each dependent once all its dependencies are done. BullMQ job ids are derived from (job, item), so an item
 * enqueued twice (two dependencies finishing at once, a retried finish) is one BullMQ job; an item whose result is
 * already in the store is not recomputed. Together: at-least-once delivery, each item's result written once.
 *
 * Failures: BullMQ retries an item `attempts` times with exponential backoff; a worker that dies mid-item loses its
 * lock and the item is moved back to the queue by the stalled-job check, then taken by another worker.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConcordError } from '@concord/core';
import { type Job as BullJob, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { PIPELINE_ERRORS } from '../errors.ts';
import { throttledProgress } from '../executors/events.ts';
import { executeItem, storeAt } from '../executors/execute-item.ts';
import { materializeOutputs } from '../executors/materialize.ts';
import { blockedBy, dependentsOf, type PreparedPlan, preparePlan } from '../executors/prepared-plan.ts';
import type { ArtifactStore } from '../plan/artifact-store.ts';
import type { Json, Plan } from '../plan/types.ts';
import {
  type ItemProgress,
  itemProgressOf,
  type JobDetails,
  type JobEngine,
  type JobEvent,
  type SubmittedJob,
} from './job-engine.ts';
import { type JobRecord, JobRecords, PREFIX, QUEUE } from './redis-records.ts';

interface ItemJobData {
  jobId: string;
  item: string;
}

/** Redis connections that wait out a Redis restart instead of failing commands. */
export function redisConnection(url: string): Redis {
  const r = new Redis(url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  // Connection errors are retried by ioredis (retryStrategy); commands wait in the offline queue meanwhile.
  r.on('error', () => {});
  return r;
}

function bullJobId(jobId: string, item: string): string {
  return `${jobId}-${createHash('sha1').update(item).digest('hex').slice(0, 20)}`;
}

async function enqueue(queue: Queue, rec: JobRecord, jobId: string, items: string[]): Promise<void> {
  const byId = new Map(rec.plan.items.map((it) => [it.id, it]));
  await queue.addBulk(
    items.map((id) => ({
      name: byId.get(id)?.kind ?? 'item',
      data: { jobId, item: id } satisfies ItemJobData,
      opts: {
        jobId: bullJobId(jobId, id),
        attempts: rec.attempts,
        backoff: { type: 'exponential', delay: rec.backoffMs },
        removeOnComplete: false,
        removeOnFail: false,
      },
    })),
  );
}

export interface BullmqEngineOptions {
  redis: string;
  store: ArtifactStore;
  /** Executions per item before it is failed (default 3). */
  attempts?: number;
  /** First retry delay, doubling per retry (default 1000 ms). */
  backoffMs?: number;
  /** How often subscribers' status is refreshed (default 250 ms). */
  pollMs?: number;
}

export class BullmqJobEngine implements JobEngine {
  readonly engine = 'bullmq' as const;
  private readonly redis: Redis;
  private readonly queue: Queue;
  private readonly records: JobRecords;
  private readonly queueConnection: Redis;

  constructor(private readonly opts: BullmqEngineOptions) {
    this.redis = redisConnection(opts.redis);
    // BullMQ does not close connections it was given: close() does.
    this.queueConnection = redisConnection(opts.redis);
    this.queue = new Queue(QUEUE, { connection: this.queueConnection, prefix: PREFIX });
    this.records = new JobRecords(this.redis);
  }

  async submit(plan: Plan): Promise<SubmittedJob> {
    const prepared = await preparePlan(plan);
    if (prepared.items.length === 0) throw new ConcordError(PIPELINE_ERRORS.PLAN, `plan '${plan.study}': no items`);
    const jobId = randomUUID();
    const rec: JobRecord = {
      plan: prepared,
      state: 'running',
      created: new Date().toISOString(),
      attempts: this.opts.attempts ?? 3,
      backoffMs: this.opts.backoffMs ?? 1000,
      results: null,
    };
    await this.records.create(jobId, rec);
    await enqueue(
      this.queue,
      rec,
      jobId,
      prepared.items.filter((it) => it.deps.length === 0).map((it) => it.id),
    );
    return { jobId, items: prepared.items.length, outputDir: prepared.outputDir };
  }

  async status(jobId: string): Promise<JobDetails | undefined> {
    const rec = await this.records.get(jobId);
    if (!rec) return undefined;
    return jobDetails(jobId, rec, this.records, this.queue);
  }

  async list(): Promise<JobDetails[]> {
    const out: JobDetails[] = [];
    for (const id of await this.records.ids()) {
      const d = await this.status(id);
      if (d) out.push(d);
    }
    return out;
  }

  async cancel(jobId: string): Promise<boolean> {
    const rec = await this.records.get(jobId);
    if (!rec) return false;
    await this.records.setCancelled(jobId);
    // Items not yet taken are removed; running ones finish, and workers take none of the job's items after.
    for (const j of await this.queue.getJobs(['waiting', 'delayed', 'prioritized'])) {
      if ((j.data as ItemJobData).jobId === jobId) await j.remove().catch(() => {});
    }
    return true;
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void): () => void {
    let last = '';
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      try {
        const s = await this.status(jobId);
        const text = JSON.stringify(s);
        if (s && text !== last) {
          last = text;
          listener({ type: 'status', status: s });
        }
      } catch {
        // Redis unreachable for a moment: the next tick tries again.
      }
      if (!stopped) timer = setTimeout(tick, this.opts.pollMs ?? 250);
    };
    let timer = setTimeout(tick, 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.queueConnection.disconnect();
    this.redis.disconnect();
  }
}

/** The status of a job from its records and the BullMQ jobs currently active. */
export async function jobDetails(
  jobId: string,
  rec: JobRecord,
  records: JobRecords,
  queue: Queue,
): Promise<JobDetails> {
  const total = rec.plan.items.length;
  const [done, failures, executions, active] = await Promise.all([
    records.done(jobId),
    records.failures(jobId),
    records.executions(jobId),
    queue.getJobs(['active']),
  ]);
  const runningJobs = active.filter(
    (j) => (j.data as ItemJobData).jobId === jobId && !done.has((j.data as ItemJobData).item),
  );
  const running = runningJobs.length;
  // what the workers reported with job.updateProgress (an item's own progress events, throttled)
  const progress = runningJobs
    .map((j) => j.progress)
    .filter((p): p is ItemProgress => typeof p === 'object' && p !== null && 'item' in p && 'total' in p);
  const retried = Object.values(executions).reduce((a, n) => a + Math.max(0, n - 1), 0);
  const blocked = blockedBy(
    rec.plan,
    failures.map((f) => f.item),
  );
  const settled = done.size + failures.length + [...blocked].filter((b) => !done.has(b)).length >= total;
  const state =
    rec.state === 'cancelled'
      ? 'cancelled'
      : done.size === total
        ? 'completed'
        : failures.length > 0 && settled
          ? 'failed'
          : done.size > 0 || running > 0 || Object.keys(executions).length > 0
            ? 'running'
            : 'waiting';
  return {
    jobId,
    state,
    items: {
      total,
      done: done.size,
      running,
      waiting: Math.max(0, total - done.size - running - failures.length),
      failed: failures.length,
      retried,
    },
    results: rec.results,
    study: rec.plan.study,
    outputDir: rec.plan.outputDir,
    created: rec.created,
    failures,
    progress,
  };
}

export interface BullmqWorkerOptions {
  redis: string;
  /** The artifact store as this machine mounts it. */
  store: string;
  /** Items run at once by this process (default 1; use more processes for CPU-bound items). */
  concurrency?: number;
  /** A lock not renewed for this long marks the item stalled (default 30 s; tests use ~1 s). */
  lockDurationMs?: number;
  /** How often stalled items are looked for (default 15 s). */
  stalledIntervalMs?: number;
  /** Stalls tolerated per item before it fails (default 5). */
  maxStalledCount?: number;
  log?: (message: string) => void;
}

export interface RunningWorker {
  /** Stops taking items; resolves once the current items finished (or, with force, released). */
  close(force?: boolean): Promise<void>;
  /** Resolves when the worker is connected and taking items. */
  ready: Promise<void>;
}

export function startBullmqWorker(o: BullmqWorkerOptions): RunningWorker {
  const redis = redisConnection(o.redis);
  const records = new JobRecords(redis);
  const queueConnection = redisConnection(o.redis);
  const workerConnection = redisConnection(o.redis);
  const queue = new Queue(QUEUE, { connection: queueConnection, prefix: PREFIX });
  const store = storeAt(o.store);
  const log = o.log ?? (() => {});
  const plans = new Map<string, { rec: JobRecord; dependents: Map<string, string[]> }>();

  const load = async (jobId: string) => {
    const rec = await records.get(jobId);
    if (!rec) return undefined;
    let p = plans.get(jobId);
    if (!p) {
      p = { rec, dependents: dependentsOf(rec.plan) };
      plans.set(jobId, p);
    }
    p.rec.state = rec.state;
    return p;
  };

  const processor = async (job: BullJob): Promise<Json> => {
    const { jobId, item: itemId } = job.data as ItemJobData;
    const p = await load(jobId);
    if (!p) throw new ConcordError(PIPELINE_ERRORS.PLAN, `job ${jobId}: no record in Redis`);
    if (p.rec.state === 'cancelled') return { cancelled: true };
    const plan: PreparedPlan = p.rec.plan;
    const item = plan.items.find((it) => it.id === itemId);
    if (!item) throw new ConcordError(PIPELINE_ERRORS.PLAN, `job ${jobId}: no item '${itemId}'`);
    const [already] = await records.isDone(jobId, [itemId]);
    if (!already) {
      const attempt = await records.countExecution(jobId, itemId);
      const carried = await records.outputs(jobId, item.deps);
      const deps: Record<string, Json> = {};
      item.deps.forEach((d, i) => {
        const depItem = plan.items.find((it) => it.id === d);
        deps[d] = carried[i] ?? (depItem ? (store.get(depItem.key) ?? null) : null);
      });
      // The item's own progress (a network's epochs) goes on its BullMQ job, where any status reader sees it.
      const onProgress = throttledProgress((e) => {
        job.updateProgress(itemProgressOf(itemId, e) as unknown as object).catch(() => {});
      });
      try {
        const r = await executeItem(item, deps, store, undefined, onProgress);
        // The study's outputs are in place before the item counts as done: a client that sees 'completed' (every
        // item done) may read results.json at once.
        if (itemId === plan.final) await records.setResults(jobId, materializeOutputs(plan, store));
        await records.markDone(jobId, itemId, r.output);
        log(`${jobId} ${itemId}: ${r.cached ? 'from the store' : 'done'} (attempt ${attempt})`);
      } catch (e) {
        const err = e as { code?: string; message?: string };
        const message = `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`;
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
          await records.markFailed(jobId, { item: itemId, error: message, attempts: attempt });
        log(`${jobId} ${itemId}: failed (attempt ${attempt}): ${message}`);
        throw e;
      }
    }
    // Done before this attempt (a re-delivered item): the copy is repeated, which gives the same bytes.
    else if (itemId === plan.final) await records.setResults(jobId, materializeOutputs(plan, store));
    // Dependents whose dependencies are all done now; enqueueing one twice is harmless (same BullMQ job id).
    const ready: string[] = [];
    for (const d of p.dependents.get(itemId) ?? []) {
      const dep = plan.items.find((it) => it.id === d);
      if (dep && (await records.isDone(jobId, dep.deps)).every(Boolean)) ready.push(d);
    }
    if (ready.length > 0) await enqueue(queue, p.rec, jobId, ready);
    return { item: itemId };
  };

  const worker = new Worker(QUEUE, processor, {
    connection: workerConnection,
    prefix: PREFIX,
    concurrency: o.concurrency ?? 1,
    lockDuration: o.lockDurationMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? 15_000,
    maxStalledCount: o.maxStalledCount ?? 5,
  });
  // An item failed by BullMQ itself (stalled too often) never reached the processor's catch: record it here.
  worker.on('failed', (job, err) => {
    if (!job) return;
    const { jobId, item } = job.data as ItemJobData;
    if (job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message))
      void records.markFailed(jobId, { item, error: err.message, attempts: job.attemptsMade }).catch(() => {});
  });
  worker.on('error', (err) => log(`worker: ${err.message}`));
  return {
    ready: worker.waitUntilReady().then(() => {}),
    close: async (force = false) => {
      await worker.close(force);
      await queue.close();
      for (const c of [workerConnection, queueConnection, redis]) c.disconnect();
    },
  };
}
