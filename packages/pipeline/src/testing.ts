/** Test helpers other packages' tests use (a private redis-server, trace counts). Not part of the runtime API. */
import { existsSync, readFileSync } from 'node:fs';

export { hasRedisServer, REDIS_SERVER, startTestRedis, type TestRedis } from './jobs/redis-server.ts';

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
