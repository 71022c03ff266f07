/**
 * Jobs on the local worker pool (the service's default): jobs run one after another, each on the pool; status lives
 * in this process (a restarted service forgets its jobs, but their results stay in the store and output folders).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ItemFailure } from '../executors/events.ts';
import { type LocalPoolOptions, runPlanLocal } from '../executors/local-pool.ts';
import { type PreparedPlan, preparePlan } from '../executors/prepared-plan.ts';
import type { ArtifactStore } from '../plan/artifact-store.ts';
import type { Plan } from '../plan/types.ts';
import {
  type ItemProgress,
  itemProgressOf,
  type JobDetails,
  type JobEngine,
  type JobEvent,
  type JobState,
  type SubmittedJob,
} from './job-engine.ts';

interface LocalJob {
  plan: PreparedPlan;
  state: JobState;
  created: string;
  done: number;
  running: Set<string>;
  /** The latest own-progress event of each running item that reports one. */
  progress: Map<string, ItemProgress>;
  retried: number;
  failures: ItemFailure[];
  results: string | null;
  controller: AbortController;
}

export class LocalJobEngine implements JobEngine {
  readonly engine = 'local' as const;
  private readonly jobs = new Map<string, LocalJob>();
  private readonly events = new EventEmitter();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ArtifactStore,
    private readonly pool: Omit<LocalPoolOptions, 'signal' | 'onEvent'> = {},
  ) {
    this.events.setMaxListeners(0);
  }

  async submit(plan: Plan): Promise<SubmittedJob> {
    const prepared = await preparePlan(plan);
    const jobId = randomUUID();
    const job: LocalJob = {
      plan: prepared,
      state: 'waiting',
      created: new Date().toISOString(),
      done: 0,
      running: new Set(),
      progress: new Map(),
      retried: 0,
      failures: [],
      results: null,
      controller: new AbortController(),
    };
    this.jobs.set(jobId, job);
    this.queue = this.queue.then(() => this.run(jobId, job));
    return { jobId, items: prepared.items.length, outputDir: prepared.outputDir };
  }

  private async run(jobId: string, job: LocalJob): Promise<void> {
    if (job.state === 'cancelled') return;
    job.state = 'running';
    this.publish(jobId);
    try {
      const outcome = await runPlanLocal(job.plan, this.store, {
        ...this.pool,
        signal: job.controller.signal,
        onItemProgress: (item, e) => {
          job.progress.set(item, itemProgressOf(item, e));
          this.publish(jobId);
        },
        onEvent: (e) => {
          if (e.state === 'running') job.running.add(e.item);
          else job.running.delete(e.item);
          if (e.state !== 'running') job.progress.delete(e.item);
          if (e.state === 'retrying') job.retried++;
          job.done = e.done;
          this.events.emit(jobId, e satisfies JobEvent);
          this.publish(jobId);
        },
      });
      job.failures = outcome.failures;
      job.results = outcome.results;
      job.done = outcome.counts.done;
      job.state = job.controller.signal.aborted ? 'cancelled' : outcome.state;
    } catch (e) {
      job.failures.push({ item: '(plan)', error: (e as Error).message, attempts: 1 });
      job.state = 'failed';
    }
    job.running.clear();
    job.progress.clear();
    this.publish(jobId);
  }

  private details(jobId: string, job: LocalJob): JobDetails {
    const total = job.plan.items.length;
    return {
      jobId,
      state: job.state,
      items: {
        total,
        done: job.done,
        running: job.running.size,
        waiting: Math.max(0, total - job.done - job.running.size - job.failures.length),
        failed: job.failures.length,
        retried: job.retried,
      },
      results: job.results,
      study: job.plan.study,
      outputDir: job.plan.outputDir,
      created: job.created,
      failures: job.failures,
      progress: [...job.progress.values()],
    };
  }

  private publish(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job) this.events.emit(jobId, { type: 'status', status: this.details(jobId, job) } satisfies JobEvent);
  }

  async status(jobId: string): Promise<JobDetails | undefined> {
    const job = this.jobs.get(jobId);
    return job ? this.details(jobId, job) : undefined;
  }

  async list(): Promise<JobDetails[]> {
    return [...this.jobs.entries()].map(([id, job]) => this.details(id, job)).reverse();
  }

  async cancel(jobId: string): Promise<boolean> {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    if (job.state === 'waiting' || job.state === 'running') {
      job.state = 'cancelled';
      job.controller.abort();
      this.publish(jobId);
    }
    return true;
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void): () => void {
    this.events.on(jobId, listener);
    return () => this.events.off(jobId, listener);
  }

  async close(): Promise<void> {
    for (const [id, job] of this.jobs) if (job.state === 'waiting' || job.state === 'running') await this.cancel(id);
    await this.queue;
  }
}
