/**
 * The local worker pool (child processes): the in-process executor's outputs; a child killed mid-item is replaced
 * and its item retried; a poisoned item is tried `attempts` times and reported while the rest completes; items
 * already in the store are not recomputed; cancel stops handing out items.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../plan/artifact-store.ts';
import { runPlanInProcess } from '../plan/run-in-process.ts';
import type { Plan } from '../plan/types.ts';
import { longItemPlan, traceCounts } from '../testing.ts';
import { PROGRESS_INTERVAL_MS } from './events.ts';
import { runPlanLocal } from './local-pool.ts';
import { runPlan } from './run-plan.ts';

const root = mkdtempSync(join(tmpdir(), 'concord-pool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function plan(dir: string, n: number, extra: Record<string, number> = {}, poison = false): Plan {
  const trace = join(dir, 'trace.log');
  const items = Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    kind: 'pipeline.noop',
    params: { id: i, value: i * 3, trace, ...extra },
    deps: [],
  }));
  const bad = poison ? [{ id: 'bad', kind: 'pipeline.fail', params: { id: 'bad', trace }, deps: [] }] : [];
  return {
    study: 'pool',
    outputDir: join(dir, 'out'),
    final: 'collect',
    items: [
      ...items,
      ...bad,
      { id: 'collect', kind: 'pipeline.collect', params: { trace }, deps: items.map((i) => i.id) },
    ],
  };
}

const traceLines = (dir: string) =>
  existsSync(join(dir, 'trace.log')) ? readFileSync(join(dir, 'trace.log'), 'utf8').trim().split('\n') : [];

describe('runPlanLocal', () => {
  it('gives the outputs of the in-process executor; a second run comes from the store', async () => {
    const a = mkdtempSync(join(root, 'a-'));
    const b = mkdtempSync(join(root, 'b-'));
    const ref = await runPlanInProcess(plan(a, 6), new ArtifactStore(join(a, 'store')));
    const store = new ArtifactStore(join(b, 'store'));
    const r = await runPlanLocal(plan(a, 6), store, { workers: 2 });
    expect(r.state).toBe('completed');
    expect(Object.fromEntries(r.outputs)).toEqual(Object.fromEntries(ref.outputs));
    const again = await runPlanLocal(plan(a, 6), store, { workers: 2 });
    expect(again.executed).toEqual([]);
    expect(again.counts.done).toBe(7);
  }, 60_000);

  it("an item's own progress reaches the parent from the child, throttled (the in-process executor: every event)", async () => {
    const dir = mkdtempSync(join(root, 'progress-'));
    const long = longItemPlan(dir);
    const pooled: { item: string; done: number; total: number }[] = [];
    const r = await runPlan(long, new ArtifactStore(join(dir, 'store-pool')), {
      engine: 'local',
      workers: 1,
      itemProgress: (item, e) => pooled.push({ item, done: e.done, total: e.total }),
    });
    expect(r.state).toBe('completed');
    // 20 steps over 2 s, at most one event per PROGRESS_INTERVAL_MS (500 ms): the first, then about every fifth,
    // and the last one (20 of 20) always, so a bar ends at 100 %
    expect(pooled.length).toBeGreaterThanOrEqual(2);
    expect(pooled.length).toBeLessThanOrEqual(Math.ceil(2000 / PROGRESS_INTERVAL_MS) + 2);
    expect(pooled.at(-1)?.done).toBe(20);
    for (const [k, e] of pooled.entries()) {
      expect(e).toMatchObject({ item: 'long', total: 20 });
      if (k > 0) expect(e.done).toBeGreaterThan(pooled[k - 1].done);
    }
    const inProcess: number[] = [];
    await runPlan(long, new ArtifactStore(join(dir, 'store-here')), {
      engine: 'in-process',
      itemProgress: (_item, e) => inProcess.push(e.done),
    });
    expect(inProcess).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
  }, 60_000);

  it('a child killed mid-item is replaced and the item retried; every row once', async () => {
    const dir = mkdtempSync(join(root, 'kill-'));
    let killed = false;
    const r = await runPlanLocal(plan(dir, 6, { sleepMs: 400 }), new ArtifactStore(join(dir, 'store')), {
      workers: 2,
      backoffMs: 10,
      onEvent: (e) => {
        // kill the process running the first item once it is inside it: its trace line (written as the item
        // starts, before its 400 ms of work) names the pid. Polled, because a loaded machine may take a while to
        // get there after the 'running' event.
        if (killed || e.state !== 'running' || e.item !== 'i0') return;
        killed = true;
        const started = Date.now();
        const poll = setInterval(() => {
          const line = traceLines(dir).find((l) => l.startsWith('run 0 '));
          if (line) process.kill(Number(line.split(' ')[2]), 'SIGKILL');
          if (line || Date.now() - started > 20_000) clearInterval(poll);
        }, 10);
      },
    });
    expect(r.state).toBe('completed');
    expect(r.counts.retried).toBeGreaterThanOrEqual(1);
    expect(traceLines(dir).filter((l) => l.startsWith('run 0 '))).toHaveLength(2);
    // counted from the trace: six items, seven executions, each row written once
    const ids = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5'];
    expect(traceCounts(join(dir, 'trace.log'), ids)).toMatchObject({
      items: 6,
      executions: 7,
      retries: 1,
      rows: 6,
      duplicates: 0,
      lost: 0,
    });
    const rows = (JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as { rows: { item: string }[] })
      .rows;
    expect(rows.map((x) => x.item)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4', 'i5']);
  }, 60_000);

  it('a poisoned item: tried 3 times, reported; the rest completes and its results are written', async () => {
    const dir = mkdtempSync(join(root, 'poison-'));
    const r = await runPlanLocal(plan(dir, 3, {}, true), new ArtifactStore(join(dir, 'store')), {
      workers: 2,
      attempts: 3,
      backoffMs: 10,
    });
    expect(r.state).toBe('failed');
    expect(r.failures).toEqual([
      { item: 'bad', attempts: 3, error: 'ERR_PIPELINE_ITEM_FAILED: poisoned item: fails every time' },
    ]);
    expect(traceLines(dir).filter((l) => l.startsWith('run bad'))).toHaveLength(3);
    expect(r.counts).toMatchObject({ total: 5, done: 4, failed: 1, retried: 2 });
    expect(existsSync(join(dir, 'out', 'results.json'))).toBe(true);
  }, 60_000);

  it('cancel: no item is handed out after the signal', async () => {
    const dir = mkdtempSync(join(root, 'cancel-'));
    const controller = new AbortController();
    const r = await runPlanLocal(plan(dir, 20, { sleepMs: 150 }), new ArtifactStore(join(dir, 'store')), {
      workers: 1,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.state === 'done' && e.done === 2) controller.abort();
      },
    });
    expect(r.state).toBe('cancelled');
    await new Promise((res) => setTimeout(res, 400));
    expect(traceLines(dir).length).toBeLessThanOrEqual(3);
    expect(existsSync(join(dir, 'out', 'results.json'))).toBe(false);
  }, 60_000);
});
