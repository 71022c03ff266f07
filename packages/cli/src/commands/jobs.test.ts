/**
 * `concord jobs submit|worker|status|cancel` and `compare-models --engine` against a REAL redis-server (its own,
 * on a random loopback port) and `concord jobs worker` PROCESSES: the --json shapes of the contract; a
 * comparison study gives the same results.json in this process, on the local pool and on BullMQ; a worker exits
 * 0 on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpz } from '@concord/io';
import { hasRedisServer, startTestRedis, type TestRedis } from '@concord/pipeline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run.ts';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

class Capture {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

async function run(argv: string[], cwd: string) {
  const stdout = new Capture();
  const stderr = new Capture();
  const status = await runCli([...argv, '--quiet'], { stdout: stdout as never, stderr: stderr as never, cwd });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

/** A small comparison study: ready activations (2 layers) and simulated fMRI from one of them. */
function writeComparisonStudy(dir: string): string {
  let s = 12345;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  };
  const layer = (n: number, p: number) => ({ data: Float64Array.from({ length: n * p }, rand), shape: [n, p] });
  writeNpz(join(dir, 'acts.npz'), { early: layer(12, 30), late: layer(12, 20) });
  const file = join(dir, 'study.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'engines',
      output: 'out',
      cache: 'cache',
      stimuli: { generate: { perCategory: 2, size: 16, seed: 1 } },
      networks: [{ name: 'net', activations: 'acts.npz', layers: ['early', 'late'] }],
      brain: [
        { name: 'fmri', type: 'fmri', simulate: { network: 'net', layer: 'late', subjects: 3, runs: 2, seed: 4 } },
      ],
      metrics: [
        { type: 'rsa', modelRdmMethod: 'correlation', compare: 'spearman' },
        { type: 'cka', kernel: 'linear' },
      ],
    }),
  );
  return file;
}

/** results.json without its creation time, its own folder's path replaced by OUT (runs write to two folders). */
function resultsOf(dir: string): unknown {
  const text = readFileSync(join(dir, 'results.json'), 'utf8').split(`${dir}/`).join('OUT/');
  const { created: _created, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return rest;
}

function startCliWorker(redis: string, store: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'packages/cli/src/main.ts'),
      'jobs',
      'worker',
      '--redis',
      redis,
      '--store',
      store,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

const exitOf = (c: ChildProcess) =>
  new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

describe('compare-models --engine local', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-engine-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the results.json of the in-process run', async () => {
    const file = writeComparisonStudy(dir);
    const a = await run(['compare-models', '--config', file, '--output', join(dir, 'a'), '--json'], dir);
    expect(a.status, a.stderr).toBe(0);
    const b = await run(
      ['compare-models', '--config', file, '--output', join(dir, 'b'), '--engine', 'local', '--workers', '2'],
      dir,
    );
    expect(b.status, b.stderr).toBe(0);
    expect(resultsOf(join(dir, 'b'))).toEqual(resultsOf(join(dir, 'a')));
  }, 120_000);

  it('refuses an unknown engine and bullmq without --redis (exit 2)', async () => {
    const file = writeComparisonStudy(dir);
    const bad = await run(['compare-models', '--config', file, '--engine', 'spark', '--json'], dir);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toContain('--engine');
    const noRedis = await run(['compare-models', '--config', file, '--engine', 'bullmq', '--json'], dir);
    expect(noRedis.status).toBe(2);
    expect(noRedis.stdout).toContain('--redis');
  });
});

const noRedis = hasRedisServer ? '' : ' (skipped: /usr/bin/redis-server missing)';

describe.skipIf(!hasRedisServer)(`concord jobs on a real redis-server${noRedis}`, () => {
  let redis: TestRedis;
  let dir: string;
  beforeAll(async () => {
    redis = await startTestRedis();
    dir = mkdtempSync(join(tmpdir(), 'concord-jobs-cli-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submit → worker → status: the exact --json shapes; the worker exits 0 on SIGTERM', async () => {
    const store = join(dir, 'store');
    const plan = join(dir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        name: 'cli-plan',
        output: 'plan-out',
        final: 'collect',
        items: [
          { id: 'a', kind: 'pipeline.noop', params: { id: 'a', value: 1 } },
          { id: 'b', kind: 'pipeline.noop', params: { id: 'b', value: 2 } },
          { id: 'collect', kind: 'pipeline.collect', params: {}, deps: ['a', 'b'] },
        ],
      }),
    );
    const sub = await run(['jobs', 'submit', '--config', plan, '--redis', redis.url, '--store', store, '--json'], dir);
    expect(sub.status, sub.stderr).toBe(0);
    const submitted = JSON.parse(sub.stdout) as { jobId: string; items: number; outputDir: string };
    expect(Object.keys(submitted).sort()).toEqual(['items', 'jobId', 'outputDir']);
    expect(submitted.items).toBe(3);
    expect(submitted.outputDir).toBe(join(dir, 'plan-out'));

    const waiting = JSON.parse(
      (await run(['jobs', 'status', submitted.jobId, '--redis', redis.url, '--json'], dir)).stdout,
    ) as { state: string; items: Record<string, number> };
    expect(waiting).toMatchObject({ state: 'waiting', items: { total: 3, done: 0 } });

    const worker = startCliWorker(redis.url, store);
    let status: { jobId: string; state: string; items: Record<string, number>; results: string | null };
    const t0 = Date.now();
    for (;;) {
      status = JSON.parse((await run(['jobs', 'status', submitted.jobId, '--redis', redis.url, '--json'], dir)).stdout);
      if (status.state === 'completed' || Date.now() - t0 > 60_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status, worker.stderr?.read()?.toString()).toEqual({
      jobId: submitted.jobId,
      state: 'completed',
      items: { total: 3, done: 3, running: 0, waiting: 0, failed: 0, retried: 0 },
      results: join(dir, 'plan-out', 'results.json'),
    });
    const rows = (JSON.parse(readFileSync(join(dir, 'plan-out', 'results.json'), 'utf8')) as { rows: unknown[] }).rows;
    expect(rows).toEqual([
      { item: 'a', id: 'a', value: 1 },
      { item: 'b', id: 'b', value: 2 },
    ]);
    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
  }, 120_000);

  it('cancel: the job is cancelled and no worker takes its items', async () => {
    const plan = join(dir, 'long.json');
    writeFileSync(
      plan,
      JSON.stringify({
        name: 'long',
        items: Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, kind: 'pipeline.noop', params: { i } })),
      }),
    );
    const sub = JSON.parse(
      (await run(['jobs', 'submit', '--config', plan, '--redis', redis.url, '--json'], dir)).stdout,
    ) as { jobId: string };
    const c = await run(['jobs', 'cancel', sub.jobId, '--redis', redis.url], dir);
    expect(c.status, c.stderr).toBe(0);
    const s = JSON.parse((await run(['jobs', 'status', sub.jobId, '--redis', redis.url, '--json'], dir)).stdout) as {
      state: string;
      items: { done: number };
    };
    expect(s.state).toBe('cancelled');
    expect(s.items.done).toBe(0);
    const missing = await run(['jobs', 'status', '00000000-0000-4000-8000-000000000000', '--redis', redis.url], dir);
    expect(missing.status).toBe(2);
  });

  it('compare-models --engine bullmq (one worker process) gives the in-process results.json', async () => {
    const file = writeComparisonStudy(dir);
    const store = join(dir, 'store-cmp');
    const a = await run(['compare-models', '--config', file, '--output', join(dir, 'cmp-a')], dir);
    expect(a.status, a.stderr).toBe(0);
    const worker = startCliWorker(redis.url, store);
    const b = await run(
      [
        'compare-models',
        '--config',
        file,
        '--output',
        join(dir, 'cmp-b'),
        '--engine',
        'bullmq',
        '--redis',
        redis.url,
        '--store',
        store,
      ],
      dir,
    );
    expect(b.status, b.stderr).toBe(0);
    expect(resultsOf(join(dir, 'cmp-b'))).toEqual(resultsOf(join(dir, 'cmp-a')));
    worker.kill('SIGTERM');
    expect(await exitOf(worker)).toBe(0);
  }, 120_000);
});

describe.skipIf(!hasRedisServer)(`the default study (data/studies/default.json) on every executor${noRedis}`, () => {
  let redis: TestRedis;
  let dir: string;
  beforeAll(async () => {
    redis = await startTestRedis();
    dir = mkdtempSync(join(tmpdir(), 'concord-default-engines-'));
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('in-process, the local pool and BullMQ with 3 worker processes write the same results.json and rdms.json', async () => {
    // The shipped study with its output and caches moved into a temporary folder; each executor gets its own
    // store, so each computes every item (the activation cache, an input-addressed cache, is shared).
    const study = JSON.parse(readFileSync(join(repoRoot, 'data/studies/default.json'), 'utf8'));
    const file = join(dir, 'default.json');
    writeFileSync(file, JSON.stringify({ ...study, output: 'out', cache: join(dir, 'cache') }));
    const cli = (out: string, ...extra: string[]) =>
      run(
        [
          'compare-models',
          '--config',
          file,
          '--output',
          join(dir, out),
          '--store',
          join(dir, `store-${out}`),
          ...extra,
        ],
        dir,
      );
    const a = await cli('in-process', '--engine', 'in-process');
    expect(a.status, a.stderr).toBe(0);
    const b = await cli('local', '--engine', 'local', '--workers', '2');
    expect(b.status, b.stderr).toBe(0);
    const workers = [1, 2, 3].map(() => startCliWorker(redis.url, join(dir, 'store-bullmq')));
    try {
      const c = await cli('bullmq', '--engine', 'bullmq', '--redis', redis.url);
      expect(c.status, c.stderr).toBe(0);
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      for (const w of workers) expect(await exitOf(w)).toBe(0);
    }
    const reference = resultsOf(join(dir, 'in-process')) as { rows: unknown[] };
    expect(reference.rows.length).toBeGreaterThan(100);
    const rdms = (d: string) => readFileSync(join(dir, d, 'rdms.json'), 'utf8');
    for (const other of ['local', 'bullmq']) {
      expect(resultsOf(join(dir, other)), other).toEqual(reference);
      expect(rdms(other), other).toBe(rdms('in-process'));
    }
  }, 600_000);
});
