/**
 * Training off the main thread: `runTrainingInWorker` starts a worker_threads Worker running `runTraining` (the
 * worker reads the dataset itself, so no image data crosses threads), forwards its progress events, and resolves
 * with the summary or rejects with the worker's error rebuilt with its class and code (core's deserializeError, so
 * the CLI still exits 2 on bad input).
 * The worker is the compiled worker-entry.js under dist/ (plain Node, no loader) or, from the sources,
 * worker-entry.ts through tsx's loader registered in the thread (core's workerThreadStart).
 */
import { Worker } from 'node:worker_threads';
import {
  deserializeError,
  InternalError,
  isConcordError,
  type ProgressEvent,
  type SerializedError,
  workerThreadStart,
} from '@concord/core';
import type { RunOptions, RunSummary } from './run.ts';

type WorkerMessage =
  | { kind: 'progress'; event: ProgressEvent }
  | { kind: 'done'; summary: RunSummary }
  | { kind: 'error'; error: SerializedError };

export type WorkerRunOptions = Omit<RunOptions, 'onProgress' | 'loadedDataset'> & {
  onProgress?: RunOptions['onProgress'];
};

export function runTrainingInWorker(opts: WorkerRunOptions): Promise<RunSummary> {
  const { onProgress, ...data } = opts;
  const start = workerThreadStart(import.meta.url, 'worker-entry');
  if (start === null)
    return Promise.reject(
      new InternalError(
        'ERR_LEARNING_WORKER',
        'training worker: running from the TypeScript sources needs tsx, which cannot be resolved; build with pnpm build and run the compiled package',
      ),
    );
  const worker = new Worker(start.code, { eval: start.eval, execArgv: start.execArgv, workerData: data });
  return new Promise((resolveRun, rejectRun) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') onProgress?.(m.event);
      else if (m.kind === 'done') {
        settled = true;
        resolveRun(m.summary);
      } else {
        settled = true;
        const e = deserializeError(m.error);
        rejectRun(
          isConcordError(e) ? e : new InternalError('ERR_LEARNING_WORKER', `training worker failed: ${e.message}`),
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
