/**
 * Small item kinds that ship with the engine: what the tests, the benchmarks and a smoke run of a new cluster use.
 * - pipeline.noop: returns `{ id, value }` after an optional sleep (sleepMs, reported in progressSteps steps) or fixed
 *   CPU work (work × 10⁶ sines).
 * - pipeline.fail: always throws (a poisoned item; tests check bounded retries).
 * - pipeline.collect: one result row per dependency, written as results.json in its files folder (plus padBytes
 *   zero bytes in padding.bin when asked: a slow-to-copy output).
 * Every kind appends one line per execution (`run <id> <pid>`) to `params.trace` (a file) when given, and collect
 * one line per result row it writes (`row <item> <pid>`), so a test counts executions, retries, rows written,
 * duplicates and lost rows independently of the engine's own counters (traceCounts in ../testing.ts). Each line is
 * one write to a file opened with O_APPEND: lines from processes writing at once do not interleave.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConcordError } from '@concord/core';
import { writeFileAtomic } from '@concord/io';
import { PIPELINE_ERRORS } from '../errors.ts';
import type { ItemKind, Json } from '../plan/types.ts';

type Params = { [key: string]: Json };

function asObject(params: Json): Params {
  return params !== null && typeof params === 'object' && !Array.isArray(params) ? params : {};
}

function trace(p: Params, what: string): void {
  if (typeof p.trace === 'string') appendFileSync(p.trace, `${what} ${process.pid}\n`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });
}

export const noopItem: ItemKind = {
  kind: 'pipeline.noop',
  version: '1',
  async run(params, ctx) {
    const p = asObject(params);
    trace(p, `run ${String(p.id ?? ctx.key)}`);
    if (typeof p.sleepMs === 'number' && p.sleepMs > 0) {
      // progressSteps: the sleep in that many steps, each reported (an item's own progress, like a network's epochs)
      const steps = typeof p.progressSteps === 'number' && p.progressSteps > 0 ? p.progressSteps : 1;
      for (let k = 1; k <= steps; k++) {
        await sleep(p.sleepMs / steps, ctx.signal);
        if (steps > 1) ctx.onProgress?.({ stage: 'noop', done: k, total: steps });
      }
    }
    if (typeof p.work === 'number' && p.work > 0) {
      // CPU-bound work (the training-bound benchmark): a fixed amount of floating-point work, work × 10⁶ sines, so
      // the time it takes grows when processes share a core (unlike a sleep or a wall-clock spin).
      let x = 0;
      for (let i = 0; i < p.work * 1e6; i++) x = Math.sin(x + i);
      if (Number.isNaN(x)) throw new Error('unreachable');
    }
    // `row`: extra fields of its result row (tests give them a score record's labels)
    const row = p.row !== null && typeof p.row === 'object' && !Array.isArray(p.row) ? p.row : {};
    return { id: p.id ?? null, value: p.value ?? null, ...row };
  },
};

export const failItem: ItemKind = {
  kind: 'pipeline.fail',
  version: '1',
  async run(params) {
    const p = asObject(params);
    trace(p, `run ${String(p.id ?? 'fail')}`);
    throw new ConcordError(PIPELINE_ERRORS.ITEM_FAILED, String(p.message ?? 'poisoned item: fails every time'));
  },
};

export const collectItem: ItemKind = {
  kind: 'pipeline.collect',
  version: '1',
  async run(params, ctx) {
    const p = asObject(params);
    trace(p, 'run collect');
    const rows = Object.entries(ctx.deps)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([item, out]) => ({ item, ...asObject(out) }));
    const study = typeof p.study === 'string' ? p.study : 'collect';
    const files = ctx.store.filesDir(ctx.key);
    writeFileAtomic(join(files, 'results.json'), `${JSON.stringify({ study, rows }, null, 2)}\n`);
    // every row just written, as written: a second execution of this item (or a row in it twice) shows up here
    for (const row of rows) trace(p, `row ${row.item}`);
    // A large output makes copying the outputs to the study's folder slow enough for a test to watch it.
    if (typeof p.padBytes === 'number' && p.padBytes > 0)
      writeFileAtomic(join(files, 'padding.bin'), new Uint8Array(p.padBytes));
    return { rows: rows.length };
  },
};
