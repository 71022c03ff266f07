/** The worker side of runTrainingInWorker: runs one training and reports progress, the summary or the error. */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '@concord/core';
import { type RunOptions, runTraining } from './run.ts';

const port = parentPort;
if (port) {
  const opts = workerData as RunOptions;
  runTraining({ ...opts, onProgress: (event) => port.postMessage({ kind: 'progress', event }) })
    .then((summary) => port.postMessage({ kind: 'done', summary }))
    .catch((e: unknown) => port.postMessage({ kind: 'error', error: serializeError(e) }));
}
