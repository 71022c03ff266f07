/** Worker-thread entry of parallel.ts: pull chunks from the shared counter, post each result back. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChunkFunction, ChunkSpec } from './parallel.ts';

interface WorkerJob {
  module: string;
  exportName: string;
  input: unknown;
  chunks: ChunkSpec[];
  counter: Int32Array;
}

const job = workerData as WorkerJob;
const mod = (await import(job.module)) as Record<string, unknown>;
const run = mod[job.exportName] as ChunkFunction<unknown, unknown>;
for (;;) {
  const k = Atomics.add(job.counter, 0, 1);
  if (k >= job.chunks.length) break;
  const result = run(job.input, job.chunks[k]);
  parentPort?.postMessage({ index: k, result });
}
