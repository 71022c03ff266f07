/**
 * Two-thread filtering for large recordings: a worker thread filters half of the rows while the main thread
 * filters the other half; the main thread then blocks on Atomics.wait until the worker is done, so the public
 * functions stay synchronous. From dist/ the worker is the compiled filter-worker.js; from src/ it loads the
 * TypeScript through tsx's loader. Everything runs on one thread where tsx is needed but cannot be resolved, with
 * CONCORD_EEG_THREADS=1, or when the 1-minute load average shows no free core
 * (CONCORD_EEG_THREADS=2 forces the worker). If the worker fails or stalls, the main thread
 * filters those rows itself, so results never depend on the worker (both paths do identical arithmetic).
 */
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Matrix, type WorkerThreadStart, workerThreadStart } from '@concord/core';
import type { RowSource } from './preprocessing.ts';

/** Below this many samples (rows × length) one thread is faster than starting a worker. */
export const PARALLEL_MIN_SAMPLES = 8_000_000;

export interface WorkerHalf {
  rows: number[];
  /** Rows the worker has finished so far. */
  progress(): number;
  /** Wait for the worker and copy its rows into `out`; false when the caller must filter them itself. */
  finish(out: Matrix): boolean;
}

/** How to start the worker (core's workerThreadStart), or null to filter on one thread. */
function bootstrap(): WorkerThreadStart | null {
  const setting = process.env.CONCORD_EEG_THREADS;
  if (setting === '1') return null;
  // a second thread only pays when a core is free (on a busy machine it just waits for a share of the same cores)
  if (setting !== '2' && loadavg()[0] > availableParallelism() - 1) return null;
  return workerThreadStart(import.meta.url, 'filter-worker');
}

export function startWorkerHalf(source: RowSource, n: number, h: Float64Array, rows: number[]): WorkerHalf | null {
  const start = bootstrap();
  if (start === null || rows.length === 0) return null;
  const input = new SharedArrayBuffer(rows.length * n * 8);
  const inView = new Float64Array(input);
  rows.forEach((r, k) => {
    inView.set(source(r), k * n);
  });
  const output = new SharedArrayBuffer(rows.length * n * 8);
  const flag = new SharedArrayBuffer(8);
  const flags = new Int32Array(flag);
  let worker: Worker;
  const t0 = performance.now();
  try {
    worker = new Worker(start.code, {
      eval: start.eval,
      workerData: { input, output, flag, n, rows: rows.map((_, k) => k), h },
      execArgv: start.execArgv,
    });
    worker.unref();
    worker.on('error', () => {
      Atomics.store(flags, 0, 2);
      Atomics.notify(flags, 0);
    });
  } catch {
    return null;
  }
  return {
    rows,
    progress: () => Atomics.load(flags, 1),
    finish: (out) => {
      // generous: the worker has as many rows as the main thread had, plus start-up time
      const budget = Math.max(30_000, 3 * (performance.now() - t0));
      const waited = Atomics.wait(flags, 0, 0, budget);
      const ok = Atomics.load(flags, 0) === 1 && waited !== 'timed-out';
      if (ok) {
        const outView = new Float64Array(output);
        rows.forEach((r, k) => {
          out.data.set(outView.subarray(k * n, (k + 1) * n), r * n);
        });
      }
      void worker.terminate();
      return ok;
    },
  };
}
