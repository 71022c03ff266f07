/**
 * Jobs: a planned study submitted to an engine (the local worker pool, or BullMQ workers over Redis) and followed
 * by id. The CLI (`concord jobs ...`), the HTTP service (/v1/jobs) and notebooks use this one interface.
 */
import type { ProgressEvent } from '@concord/core';
import type { ItemEvent, ItemFailure } from '../executors/events.ts';
import type { Plan } from '../plan/types.ts';

export type JobState = 'waiting' | 'running' | 'completed' | 'failed' | 'cancelled';

/** The status object of `concord jobs status --json` and GET /v1/jobs/:id. */
export interface JobStatus {
  jobId: string;
  state: JobState;
  items: { total: number; done: number; running: number; waiting: number; failed: number; retried: number };
  /** results.json in the study's output folder once written; null before. */
  results: string | null;
}

/** The latest progress event of a running item that reports its own progress (a network's epochs and batches). */
export interface ItemProgress {
  item: string;
  stage: string;
  done: number;
  total: number;
  message?: string;
}

/** A status with what the service and the page also show (the study's name, when, and each failure's error). */
export interface JobDetails extends JobStatus {
  study: string;
  outputDir: string;
  created: string;
  failures: ItemFailure[];
  /** Running items' own progress, for the items that report it (throttled: see PROGRESS_INTERVAL_MS). */
  progress: ItemProgress[];
}

/** The fields of an item's progress event that a status carries. */
export function itemProgressOf(item: string, e: ProgressEvent): ItemProgress {
  return { item, stage: e.stage, done: e.done, total: e.total, ...(e.message ? { message: e.message } : {}) };
}

export type JobEvent = ItemEvent | { type: 'status'; status: JobDetails };

export interface SubmittedJob {
  jobId: string;
  items: number;
  outputDir: string;
}

export interface JobEngine {
  readonly engine: 'local' | 'bullmq';
  submit(plan: Plan): Promise<SubmittedJob>;
  status(jobId: string): Promise<JobDetails | undefined>;
  /** Every job known to the engine, newest first. */
  list(): Promise<JobDetails[]>;
  /** Stops handing out the job's items; false when no such job. */
  cancel(jobId: string): Promise<boolean>;
  /** Progress of one job: item events where the engine sees them, and a status event whenever the status changes. */
  subscribe(jobId: string, listener: (event: JobEvent) => void): () => void;
  close(): Promise<void>;
}

export const TERMINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/** The fields of the public status object only (the CLI's --json prints exactly these). */
export function publicStatus(s: JobStatus): JobStatus {
  return { jobId: s.jobId, state: s.state, items: { ...s.items }, results: s.results };
}
