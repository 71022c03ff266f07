/**
 * The BullMQ engine against a REAL redis-server (started per file on a random loopback port, AOF on) and worker
 * PROCESSES: same results as the local pool with 1 and 3 workers; a worker SIGKILLed mid-item; Redis restarted
 * mid-run; a poisoned item; cancel. Each test counts, from the trace file every execution and every row write
 * appends to (not from the engine's counters), items, executions, retries, rows written, duplicates and lost rows,
 * and checks them against what the fault allows.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlanLocal } from '../executors/local-pool.ts';
import { siblingEntry, startWorkerProcess } from '../executors/start-worker.ts';
import { ArtifactStore } from '../plan/artifact-store.ts';
import type { Plan } from '../plan/types.ts';
import { longItemPlan, traceCounts } from '../testing.ts';
import { BullmqJobEngine, type BullmqWorkerOptions } from './bullmq-engine.ts';
import type { JobDetails } from './job-engine.ts';
import { hasRedisServer, startTestRedis, type TestRedis } from './redis-server.ts';

/** Short locks and stall checks so a killed worker's item comes back within ~2 s. */
const FAST: Partial<BullmqWorkerOptions> = { lockDurationMs: 1500, stalledIntervalMs: 500, maxStalledCount: 5 };

const itemId = (i: number) => `item-${String(i).padStart(2, '0')}`;
const itemIds = (n: number) => Array.from({ length: n }, (_, i) => itemId(i));

function plan(dir: string, n: number, opts: { sleepMs?: number; poison?: boolean; padBytes?: number } = {}): Plan {
  const trace = join(dir, 'trace.log');
  const items = itemIds(n).map((id, i) => ({
    id,
    kind: 'pipeline.noop',
    params: { id, value: i * i, sleepMs: opts.sleepMs ?? 0, trace },
    deps: [],
  }));
  const bad = opts.poison
    ? [{ id: 'poisoned', kind: 'pipeline.fail', params: { id: 'poisoned', trace }, deps: [] }]
    : [];
  return {
    study: 'reliability',
    outputDir: join(dir, 'out'),
    final: 'collect',
    items: [
      ...items,
      ...bad,
      {
        id: 'collect',
        kind: 'pipeline.collect',
        params: { study: 'reliability', trace, ...(opts.padBytes ? { padBytes: opts.padBytes } : {}) },
        deps: items.map((i) => i.id),
      },
    ],
  };
}

/**
 * Counted from the trace every execution and every row write appends to (not from the engine's own counters):
 * items, executions, retries, rows written, duplicates, lost.
 */
const count = (dir: string, n: number) => traceCounts(join(dir, 'trace.log'), itemIds(n));

/** The study's results.json holds each of the n rows once, in order, with its item's value (i²). */
function expectResults(dir: string, n: number): void {
  const results = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8')) as {
    rows: { item: string; id: string; value: number }[];
  };
  expect(results.rows).toEqual(itemIds(n).map((id, i) => ({ item: id, id, value: i * i })));
}

async function waitFor(
  engine: BullmqJobEngine,
  jobId: string,
  until: (s: JobDetails) => boolean,
  timeoutMs = 60_000,
): Promise<JobDetails> {
  const t0 = Date.now();
  for (;;) {
    const s = await engine.status(jobId);
    if (s && until(s)) return s;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out; last status ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const terminal = (s: JobDetails) => ['completed', 'failed', 'cancelled'].includes(s.state);

describe.skipIf(!hasRedisServer)(
  `BullMQ engine on a real redis-server${hasRedisServer ? '' : ' (skipped: /usr/bin/redis-server missing)'}`,
  () => {
    let redis: TestRedis;
    let root: string;
    const workers: ChildProcess[] = [];
    const startWorkers = (n: number, store: string, extra: Partial<BullmqWorkerOptions> = {}) =>
      Array.from({ length: n }, () => {
        const w = startWorkerProcess(siblingEntry('worker-entry', import.meta.url), [
          JSON.stringify({ redis: redis.url, store, concurrency: 1, ...FAST, ...extra }),
        ]);
        workers.push(w);
        return w;
      });
    const stopWorkers = async () => {
      await Promise.all(
        workers.splice(0).map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.exitCode !== null || w.signalCode !== null) return resolve();
              w.once('exit', () => resolve());
              w.kill('SIGTERM');
            }),
        ),
      );
    };
    const fresh = async () => {
      // Each test gets its own Redis content: nothing of an earlier test's queue is left for its workers.
      const { Redis } = await import('ioredis');
      const r = new Redis(redis.url);
      await r.flushall();
      r.disconnect();
      return mkdtempSync(join(root, 't-'));
    };

    beforeAll(async () => {
      redis = await startTestRedis();
      root = mkdtempSync(join(tmpdir(), 'concord-bullmq-'));
    });
    afterAll(async () => {
      await stopWorkers();
      await redis?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    it('gives the same results.json as the local pool, with 1 and with 3 worker processes', async () => {
      const outputs: string[] = [];
      const local = await fresh();
      const r = await runPlanLocal(plan(local, 8), new ArtifactStore(join(local, 'store')), { workers: 2 });
      expect(r.state).toBe('completed');
      expect(count(local, 8)).toMatchObject({ items: 8, executions: 8, rows: 8, duplicates: 0, lost: 0 });
      outputs.push(readFileSync(join(local, 'out', 'results.json'), 'utf8'));
      for (const n of [1, 3]) {
        const dir = await fresh();
        const store = join(dir, 'store');
        startWorkers(n, store);
        const engine = new BullmqJobEngine({ redis: redis.url, store: new ArtifactStore(store), backoffMs: 100 });
        const { jobId } = await engine.submit(plan(dir, 8));
        const s = await waitFor(engine, jobId, terminal);
        expect(s.state).toBe('completed');
        expect(s.results).toBe(join(dir, 'out', 'results.json'));
        outputs.push(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
        expect(count(dir, 8)).toMatchObject({ items: 8, executions: 8, rows: 8, duplicates: 0, lost: 0 });
        await engine.close();
        await stopWorkers();
      }
      expect(outputs[1]).toBe(outputs[0]);
      expect(outputs[2]).toBe(outputs[0]);
      expectResults(local, 8);
    }, 90_000);

    it("a running item's own progress is in the job's status (from the worker process), and gone once it ends", async () => {
      const dir = await fresh();
      const store = join(dir, 'store');
      startWorkers(1, store);
      const engine = new BullmqJobEngine({ redis: redis.url, store: new ArtifactStore(store) });
      const { jobId } = await engine.submit(longItemPlan(dir));
      const seen = await waitFor(engine, jobId, (s) => s.progress.length > 0 || terminal(s));
      expect(seen.progress).toHaveLength(1);
      expect(seen.progress[0]).toMatchObject({ item: 'long', stage: 'noop', total: 20 });
      expect(seen.progress[0].done).toBeGreaterThanOrEqual(1);
      expect(seen.progress[0].done).toBeLessThanOrEqual(20);
      const end = await waitFor(engine, jobId, terminal);
      expect(end.state).toBe('completed');
      expect(end.progress).toEqual([]);
      await engine.close();
      await stopWorkers();
    }, 60_000);

    it('completed means the outputs are in the study folder: every poll that sees completed finds results.json', async () => {
      const dir = await fresh();
      const store = join(dir, 'store');
      startWorkers(1, store);
      const engine = new BullmqJobEngine({ redis: redis.url, store: new ArtifactStore(store), backoffMs: 100 });
      // 64 MB to copy: the window between the last item's end and its outputs' arrival is wide.
      const { jobId } = await engine.submit(plan(dir, 2, { padBytes: 64 * 2 ** 20 }));
      const t0 = Date.now();
      let s: JobDetails | undefined;
      for (;;) {
        s = await engine.status(jobId);
        if (s && terminal(s)) break;
        if (Date.now() - t0 > 60_000) throw new Error(`timed out; last status ${JSON.stringify(s)}`);
      }
      expect(s?.state).toBe('completed');
      expect(s?.results).toBe(join(dir, 'out', 'results.json'));
      expect(existsSync(join(dir, 'out', 'results.json'))).toBe(true);
      expect(statSync(join(dir, 'out', 'padding.bin')).size).toBe(64 * 2 ** 20);
      await engine.close();
      await stopWorkers();
    }, 90_000);

    it('a worker SIGKILLed mid-item: the item is retried by another after the stall interval, every row once', async () => {
      const dir = await fresh();
      const store = join(dir, 'store');
      const [victim] = startWorkers(2, store);
      const engine = new BullmqJobEngine({ redis: redis.url, store: new ArtifactStore(store), backoffMs: 100 });
      const { jobId } = await engine.submit(plan(dir, 10, { sleepMs: 700 }));
      // Mid-run and mid-item: after the first items finished, 200 ms into the next 700 ms item the victim starts
      // (its trace line names its pid), so the kill cannot fall between two items or after an item's result.
      await waitFor(engine, jobId, (s) => s.items.done >= 2);
      const victimRuns = () =>
        readFileSync(join(dir, 'trace.log'), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('run ') && l.endsWith(` ${victim.pid}`));
      const before = victimRuns().length;
      const t0 = Date.now();
      while (victimRuns().length === before) {
        if (Date.now() - t0 > 30_000) throw new Error('the victim started no further item');
        await new Promise((r) => setTimeout(r, 10));
      }
      const killed = victimRuns()[before].split(' ')[1];
      await new Promise((r) => setTimeout(r, 200));
      victim.kill('SIGKILL');
      const s = await waitFor(engine, jobId, terminal);
      const c = count(dir, 10);
      console.log('SIGKILL', JSON.stringify({ ...c, killed, engineRetried: s.items.retried }));
      expect(s.state).toBe('completed');
      // every item ran, the killed one again on the other worker; every row written exactly once
      expect(c).toMatchObject({ items: 10, rows: 10, duplicates: 0, lost: 0 });
      expect(c.executions).toBeGreaterThanOrEqual(11);
      expect(c.retries).toBeGreaterThanOrEqual(1);
      expect(c.runs[killed]).toBeGreaterThanOrEqual(2);
      expect(c.runs.collect).toBe(1);
      expect(s.items.retried).toBeGreaterThanOrEqual(1);
      expectResults(dir, 10);
      await engine.close();
      await stopWorkers();
    }, 90_000);

    it('Redis restarted mid-run (AOF): workers and submitter reconnect, nothing lost or duplicated', async () => {
      const dir = await fresh();
      const store = join(dir, 'store');
      startWorkers(2, store);
      const engine = new BullmqJobEngine({ redis: redis.url, store: new ArtifactStore(store), backoffMs: 100 });
      const { jobId } = await engine.submit(plan(dir, 16, { sleepMs: 250 }));
      await waitFor(engine, jobId, (s) => s.items.done >= 3);
      await redis.restart(800);
      const s = await waitFor(engine, jobId, terminal, 90_000);
      const c = count(dir, 16);
      console.log('Redis restart', JSON.stringify({ ...c, engineRetried: s.items.retried }));
      expect(s.state).toBe('completed');
      expect(c).toMatchObject({ items: 16, rows: 16, duplicates: 0, lost: 0 });
      expect(c.executions).toBeGreaterThanOrEqual(16);
      expectResults(dir, 16);
      await engine.close();
      await stopWorkers();
    }, 120_000);

    it('a poisoned item: bounded retries with backoff, then failed with its error; the rest completes', async () => {
      const dir = await fresh();
      const store = join(dir, 'store');
      startWorkers(2, store);
      const engine = new BullmqJobEngine({
        redis: redis.url,
        store: new ArtifactStore(store),
        attempts: 3,
        backoffMs: 100,
      });
      const t0 = Date.now();
      const { jobId } = await engine.submit(plan(dir, 6, { poison: true }));
      const s = await waitFor(engine, jobId, terminal);
      const c = count(dir, 6);
      console.log('poisoned', JSON.stringify({ ...c, ms: Date.now() - t0 }));
      expect(s.state).toBe('failed');
      expect(s.failures).toHaveLength(1);
      expect(s.failures[0]).toMatchObject({ item: 'poisoned', attempts: 3 });
      expect(s.failures[0].error).toContain('poisoned item');
      expect(c.runs.poisoned).toBe(3);
      // backoff 100 ms then 200 ms between the three executions
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
      expect(s.items).toMatchObject({ total: 8, done: 7, failed: 1, retried: 2 });
      // the six good items once each, the poisoned one three times; the six rows once each
      expect(c).toMatchObject({ items: 7, executions: 9, retries: 2, rows: 6, duplicates: 0, lost: 0 });
      expectResults(dir, 6);
      await engine.close();
      await stopWorkers();
    }, 90_000);

    it('cancel: workers stop taking the job’s items', async () => {
      const dir = await fresh();
      const store = join(dir, 'store');
      startWorkers(1, store);
      const engine = new BullmqJobEngine({ redis: redis.url, store: new ArtifactStore(store), backoffMs: 100 });
      const { jobId } = await engine.submit(plan(dir, 30, { sleepMs: 200 }));
      await waitFor(engine, jobId, (s) => s.items.done >= 2);
      expect(await engine.cancel(jobId)).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
      const before = count(dir, 30).executions;
      await new Promise((r) => setTimeout(r, 1000));
      const after = count(dir, 30).executions;
      const s = await engine.status(jobId);
      console.log('cancel', JSON.stringify({ executionsAtCancel: before, executionsLater: after }));
      expect(s?.state).toBe('cancelled');
      expect(after).toBe(before);
      expect(after).toBeLessThan(30);
      expect(existsSync(join(dir, 'out', 'results.json'))).toBe(false);
      await engine.close();
      await stopWorkers();
    }, 60_000);
  },
);
