/**
 * A small deterministic runner for permutation and bootstrap loops on worker threads (both cores).
 * Work is split into fixed chunks (items first..first+count−1); each chunk's result depends only on the job's input
 * and its chunk index (random draws inside a chunk come from `chunkRng(seed, index)`), never on which thread ran
 * it, so results are identical whatever the number of threads. Threads pull chunks from a shared counter; the main
 * thread works too, and computes itself any chunk a failed worker did not return.
 * Workers start from the compiled chunk-worker.js under dist/ (plain Node, no loader), or from the TypeScript sources
 * through tsx's loader registered in the thread (core's workerThreadStart, as packages/eeg's parallel filter does);
 * where tsx cannot be resolved from the sources, or with one thread, everything runs on the main thread. CONCORD_STATS_THREADS overrides the default
 * thread count (the number of cores).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InternalError, type ProgressOptions, ProgressReporter, Rng, workerThreadStart } from '@concord/core';
import { STATS_ERRORS } from './errors.ts';

export interface ChunkSpec {
  index: number;
  first: number;
  count: number;
}

/** A chunk function: pure in (input, chunk). Results must be structured-cloneable. */
export type ChunkFunction<I, R> = (input: I, chunk: ChunkSpec) => R;

export interface ChunkedJob<I> {
  /**
   * URL (href) of the module exporting the chunk function: `import.meta.url` of the calling module, or
   * `workerModule(import.meta.url, 'x').url.href` for a sibling (the `.js` file once compiled, the `.ts` one in src/).
   */
  module: string;
  exportName: string;
  input: I;
  nItems: number;
  chunkSize: number;
}

export interface RunChunkedOptions extends ProgressOptions {
  /** Threads in all, the main thread included (default: CONCORD_STATS_THREADS, else the number of cores). */
  threads?: number;
  /** Progress stage name. */
  stage?: string;
  /** False leaves every chunk to the worker threads (tests of the worker path); default true. */
  mainThreadWorks?: boolean;
}

/** The generator of chunk `index` for a job seeded with `seed` (splitmix-style mixing of both). */
export function chunkRng(seed: number, index: number): Rng {
  let h = Math.imul((seed | 0) ^ Math.floor(seed / 0x100000000), 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  h ^= h >>> 15;
  const hi = Math.imul(index ^ 0x27d4eb2f, 0x165667b1) ^ (seed >>> 0);
  return new Rng((h >>> 0) * 2097152 + ((hi >>> 0) >>> 11));
}

export function chunksOf(nItems: number, chunkSize: number): ChunkSpec[] {
  const out: ChunkSpec[] = [];
  const size = Math.max(1, Math.floor(chunkSize));
  for (let first = 0, index = 0; first < nItems; first += size, index++) {
    out.push({ index, first, count: Math.min(size, nItems - first) });
  }
  return out;
}

export function defaultThreads(): number {
  const env = Number(process.env.CONCORD_STATS_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return availableParallelism();
}

/** Run every chunk on this thread (the reference the threaded runner must equal). */
export function runChunkedSync<I, R>(
  fn: ChunkFunction<I, R>,
  input: I,
  nItems: number,
  chunkSize: number,
  options: ProgressOptions & { stage?: string } = {},
): R[] {
  const chunks = chunksOf(nItems, chunkSize);
  const progress = new ProgressReporter(options.stage ?? 'permutations', nItems, options.onProgress);
  const out = chunks.map((c) => {
    const r = fn(input, c);
    progress.tick(c.count);
    return r;
  });
  progress.finish();
  return out;
}

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Run a chunked job on up to `threads` threads; results in chunk order. */
export async function runChunked<I, R>(job: ChunkedJob<I>, options: RunChunkedOptions = {}): Promise<R[]> {
  const chunks = chunksOf(job.nItems, job.chunkSize);
  const mod = (await import(job.module)) as Record<string, unknown>;
  const fn = mod[job.exportName];
  if (typeof fn !== 'function') {
    throw new InternalError(STATS_ERRORS.INTERNAL, `${job.module} does not export a function ${job.exportName}`);
  }
  const run = fn as ChunkFunction<I, R>;
  const threads = Math.max(1, Math.min(options.threads ?? defaultThreads(), chunks.length));
  const start = threads > 1 ? workerThreadStart(import.meta.url, 'chunk-worker') : null;
  if (start === null) return runChunkedSync(run, job.input, job.nItems, job.chunkSize, options);

  const progress = new ProgressReporter(options.stage ?? 'permutations', job.nItems, options.onProgress);
  const results: (R | undefined)[] = new Array(chunks.length);
  const have = new Uint8Array(chunks.length);
  let received = 0;
  const counter = new Int32Array(new SharedArrayBuffer(4));
  let wake: () => void = () => {};
  const store = (k: number, r: R) => {
    if (have[k]) return;
    have[k] = 1;
    results[k] = r;
    received++;
    progress.tick(chunks[k].count);
    if (received === chunks.length) wake();
  };
  const live: Worker[] = [];
  const exited: Promise<void>[] = [];
  for (let w = 1; w < threads; w++) {
    let worker: Worker;
    try {
      worker = new Worker(start.code, {
        eval: start.eval,
        execArgv: start.execArgv,
        workerData: { module: job.module, exportName: job.exportName, input: job.input, chunks, counter },
      });
    } catch {
      break;
    }
    live.push(worker);
    worker.on('message', (m: { index: number; result: R }) => store(m.index, m.result));
    exited.push(
      new Promise<void>((resolve) => {
        worker.on('error', () => resolve());
        worker.on('exit', () => resolve());
      }),
    );
  }
  // the main thread takes chunks from the same counter
  for (; options.mainThreadWorks !== false || live.length === 0; ) {
    const k = Atomics.add(counter, 0, 1);
    if (k >= chunks.length) break;
    store(k, run(job.input, chunks[k]));
    await yieldToEvents();
  }
  // wait for the workers' chunks (or for the workers to end, when one failed)
  if (received < chunks.length) {
    await Promise.race([new Promise<void>((resolve) => (wake = resolve)), Promise.all(exited)]);
  }
  for (const worker of live) void worker.terminate();
  // chunks a failed worker claimed but did not return
  for (let k = 0; k < chunks.length; k++) if (!have[k]) store(k, run(job.input, chunks[k]));
  progress.finish();
  if (received !== chunks.length) throw new InternalError(STATS_ERRORS.INTERNAL, 'chunk results missing');
  return results as R[];
}
