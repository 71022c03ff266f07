/**
 * Where tasks run: a piscina worker-thread pool for anything heavy, so the event loop stays free for /health and
 * for parsing the next request; tiny tasks (fewer than `inlineBelow` input elements) run inline, where a thread
 * hop would cost more than the work. From dist/ the workers run the compiled worker.js; from src/ they start from
 * worker-entry.mjs, which registers the TypeScript loader itself.
 */
import { availableParallelism } from 'node:os';
import { workerModule } from '@concord/core';
import { Piscina } from 'piscina';
import { runTask, type Task, type TaskOutcome } from './compute.ts';
import { API_ERRORS, ApiError } from './errors.ts';
import type { MatrixRef } from './input.ts';

export interface PoolOptions {
  /** Worker threads; 0 runs everything inline (tests, tiny deployments). Default: available cores − 1 (at least 1). */
  threads?: number;
  /** Tasks with fewer input elements run on the event loop. Default 20,000 (two 92-condition RDMs are 8,372). */
  inlineBelow?: number;
  /** Queued tasks beyond this are refused with 503 instead of growing memory without bound. Default 256. */
  maxQueue?: number;
  /** A task still queued or running after this long is abandoned with 503. Default 10 minutes. */
  taskTimeoutMs?: number;
}

function refsOf(task: Task): MatrixRef[] {
  const out: MatrixRef[] = [];
  for (const v of Object.values(task)) {
    if (typeof v === 'object' && v !== null && 'kind' in v && (v.kind === 'inline' || v.kind === 'file'))
      out.push(v as MatrixRef);
  }
  return out;
}

export function taskElements(task: Task): number {
  return refsOf(task).reduce((s, r) => s + r.rows * r.cols, 0);
}

export class ComputePool {
  private readonly piscina: Piscina | undefined;
  readonly inlineBelow: number;
  readonly threads: number;
  private readonly maxQueue: number;
  private readonly taskTimeoutMs: number;

  constructor(opts: PoolOptions = {}) {
    // One core is left to the event loop (parsing, /health); the rest compute.
    this.threads = opts.threads ?? Math.max(1, availableParallelism() - 1);
    this.inlineBelow = opts.inlineBelow ?? 20_000;
    this.maxQueue = opts.maxQueue ?? 256;
    this.taskTimeoutMs = opts.taskTimeoutMs ?? 10 * 60_000;
    if (this.threads > 0) {
      const worker = workerModule(import.meta.url, 'worker');
      this.piscina = new Piscina({
        filename: worker.compiled ? worker.url.href : new URL('./worker-entry.mjs', import.meta.url).href,
        // the source condition (from src/), so the workers' @concord/* imports reach the sources as well
        execArgv: worker.conditionArgv,
        minThreads: this.threads,
        maxThreads: this.threads,
        maxQueue: this.maxQueue,
        idleTimeout: Number.POSITIVE_INFINITY,
      });
    }
  }

  /** Run a task where it belongs. Inline data buffers are moved (not copied) to the worker. */
  async run(task: Task): Promise<TaskOutcome> {
    if (!this.piscina || taskElements(task) < this.inlineBelow) return runTask(task);
    const transferList = refsOf(task).flatMap((r) => (r.kind === 'inline' ? [r.data.buffer as ArrayBuffer] : []));
    try {
      return (await this.piscina.run(task, {
        transferList,
        signal: AbortSignal.timeout(this.taskTimeoutMs),
      })) as TaskOutcome;
    } catch (e) {
      if ((e as Error)?.name === 'AbortError' || (e as Error)?.name === 'TimeoutError') {
        throw new ApiError(
          503,
          API_ERRORS.BUSY,
          `the computation did not finish within ${this.taskTimeoutMs} ms (queued or running); send smaller inputs or retry later`,
        );
      }
      if (this.piscina.queueSize >= this.maxQueue)
        throw new ApiError(503, API_ERRORS.BUSY, `the compute queue is full (${this.maxQueue} tasks); retry later`);
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.piscina?.close();
  }
}
