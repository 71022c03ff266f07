/**
 * Test helpers other packages' tests use (a private redis-server, `concord jobs worker` processes, trace counts).
 * Not part of the runtime API.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '@concord/core/testing';

import type { Plan, PlanItem } from './plan/types.ts';

export { hasRedisServer, REDIS_SERVER, startTestRedis, type TestRedis } from './jobs/redis-server.ts';

export interface JobsWorker {
  process: ChildProcess;
  /** What it wrote to stderr so far (its log: one line per item it finished). */
  log(): string;
  /** SIGTERM, then its exit code (0: it finished or released its item and stopped cleanly). */
  stop(): Promise<number | null>;
}

export interface JobsWorkerOptions {
  redis: string;
  store: string;
  /**
   * The CLI's entry. Default: its TypeScript sources, run under tsx with the sources' export condition (tests). A
   * compiled `dist/main.js` runs under plain Node with no loader flag; pass `env` without NODE_OPTIONS for that.
   */
  main?: string;
  env?: NodeJS.ProcessEnv;
}

/** A `concord jobs worker --redis URL --store DIR` process, the user-facing worker (the CLI and API tests share it). */
export function startJobsWorker(opts: JobsWorkerOptions): JobsWorker {
  const main = opts.main ?? repoPath('packages/cli/src/main.ts');
  const loader = main.endsWith('.ts') ? ['--conditions=@concord/source', '--import', 'tsx'] : [];
  const child = spawn(
    process.execPath,
    [...loader, main, 'jobs', 'worker', '--redis', opts.redis, '--store', opts.store],
    { cwd: repoPath(), env: opts.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );
  return {
    process: child,
    log: () => stderr,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** What a run did, counted from the trace file its built-in items append to (executors/builtin-kinds.ts). */
export interface TraceCounts {
  /** Distinct items that started at least once (collect not counted). */
  items: number;
  /** Executions started (`run` lines; collect not counted). */
  executions: number;
  /** Executions beyond the first of each item. */
  retries: number;
  /** Result rows written (`row` lines), over every execution of collect. */
  rows: number;
  /** Row writes beyond the first of each key: a row written twice, by one execution or by two. */
  duplicates: number;
  /** Expected keys never written. */
  lost: number;
  /** Executions started per item id (collect included). */
  runs: Record<string, number>;
}

/** Counts of a trace file (absent: nothing ran); `expected` are the row keys the run should write, once each. */
export function traceCounts(trace: string, expected: readonly string[]): TraceCounts {
  const lines = existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];
  const runs: Record<string, number> = {};
  const written = new Map<string, number>();
  for (const line of lines) {
    const [what, id] = line.split(' ');
    if (what === 'run') runs[id] = (runs[id] ?? 0) + 1;
    else if (what === 'row') written.set(id, (written.get(id) ?? 0) + 1);
    else throw new Error(`trace ${trace}: unexpected line '${line}'`);
  }
  const itemRuns = Object.entries(runs).filter(([id]) => id !== 'collect');
  const executions = itemRuns.reduce((a, [, n]) => a + n, 0);
  const rows = [...written.values()].reduce((a, n) => a + n, 0);
  return {
    items: itemRuns.length,
    executions,
    retries: executions - itemRuns.length,
    rows,
    duplicates: rows - written.size,
    lost: expected.filter((k) => !written.has(k)).length,
    runs,
  };
}

/** An item 'long' that sleeps `sleepMs` in `steps` reported steps: progress of its own, like a network's epochs. */
export function longItem(sleepMs = 2000, steps = 20): PlanItem {
  return { id: 'long', kind: 'pipeline.noop', params: { id: 'long', sleepMs, progressSteps: steps }, deps: [] };
}

/** A plan of one long item (2 s in 20 reported steps). */
export function longItemPlan(dir: string): Plan {
  return { study: 'long-item', outputDir: join(dir, 'out'), items: [longItem()] };
}
