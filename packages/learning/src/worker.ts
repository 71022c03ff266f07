/**
 * Training off the main thread: `runTrainingInWorker` starts a worker_threads Worker running `runTraining` (the
 * worker reads the dataset itself, so no image data crosses threads), forwards its progress events, and resolves
 * with the summary or rejects with the worker's error rebuilt with its code (so the CLI still exits 2 on bad input).
 */
import { Worker } from 'node:worker_threads';
import { ConcordError, InternalError, type ProgressEvent } from '@concord/core';
import type { RunOptions, RunSummary } from './run.ts';

type WorkerMessage =
  | { kind: 'progress'; event: ProgressEvent }
  | { kind: 'done'; summary: RunSummary }
  | { kind: 'error'; code?: string; message: string; badInput?: boolean; details?: Record<string, unknown> };

export type WorkerRunOptions = Omit<RunOptions, 'onProgress' | 'loadedDataset'> & {
  onProgress?: RunOptions['onProgress'];
};

export function runTrainingInWorker(opts: WorkerRunOptions): Promise<RunSummary> {
  const { onProgress, ...data } = opts;
  // The bootstrap loads worker-entry.ts through tsx, whatever loader the parent used (tsx, vitest).
  const worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), { workerData: data });
  return new Promise((resolveRun, rejectRun) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') onProgress?.(m.event);
      else if (m.kind === 'done') {
        settled = true;
        resolveRun(m.summary);
      } else {
        settled = true;
        rejectRun(
          m.code?.startsWith('ERR_')
            ? new ConcordError(m.code, m.message, m.details, { badInput: m.badInput ?? true })
            : new InternalError('ERR_LEARNING_WORKER', `training worker failed: ${m.message}`),
        );
      }
    });
    worker.on('error', (e) => {
      if (!settled) rejectRun(new InternalError('ERR_LEARNING_WORKER', `training worker failed: ${e.message}`, {}, e));
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled) rejectRun(new InternalError('ERR_LEARNING_WORKER', `training worker exited with code ${code}`));
    });
  });
}
