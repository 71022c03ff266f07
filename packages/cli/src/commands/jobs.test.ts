/**
 * `concord jobs submit|worker|status|cancel` and `compare-models --engine` against a REAL redis-server (its own,
 * on a random loopback port) and `concord jobs worker` PROCESSES: the --json shapes of the contract; a
 * comparison study gives the same results.json in this process, on the local pool and on BullMQ; a worker exits
 * 0 on SIGTERM; the shipped studies (the simulated demo and a reduced learning-rule study) give the same
 * results.json in this process, on the local pool, and on BullMQ with one and with three worker processes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpz } from '@concord/io';
import { loadLearningStudy, loadStudyConfig, planComparisonStudy, planLearningStudy } from '@concord/pipeline';
import {
  hasRedisServer,
  type JobsWorker,
  longItemPlan,
  startJobsWorker,
  startTestRedis,
  type TestRedis,
} from '@concord/pipeline/testing';
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

    const worker = startJobsWorker({ redis: redis.url, store });
    let status: { jobId: string; state: string; items: Record<string, number>; results: string | null };
    const t0 = Date.now();
    for (;;) {
      status = JSON.parse((await run(['jobs', 'status', submitted.jobId, '--redis', redis.url, '--json'], dir)).stdout);
      if (status.state === 'completed' || Date.now() - t0 > 60_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status, worker.log()).toEqual({
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
    expect(await worker.stop()).toBe(0);
  }, 120_000);

  it("status in text shows a running item's own progress (a network's epochs); --json keeps its exact fields", async () => {
    const store = join(dir, 'store-long');
    const plan = join(dir, 'long-item.json');
    writeFileSync(plan, JSON.stringify(longItemPlan(dir)));
    const sub = JSON.parse(
      (await run(['jobs', 'submit', '--config', plan, '--redis', redis.url, '--store', store, '--json'], dir)).stdout,
    ) as { jobId: string };
    const worker = startJobsWorker({ redis: redis.url, store });
    let text = '';
    const t0 = Date.now();
    while (!/^ {2}long: noop \d+\/20$/m.test(text) && Date.now() - t0 < 30_000) {
      text = (await run(['jobs', 'status', sub.jobId, '--redis', redis.url], dir)).stdout;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(text, worker.log()).toMatch(/^ {2}long: noop \d+\/20$/m);
    const json = JSON.parse((await run(['jobs', 'status', sub.jobId, '--redis', redis.url, '--json'], dir)).stdout);
    expect(Object.keys(json).sort()).toEqual(['items', 'jobId', 'results', 'state']);
    expect(await worker.stop()).toBe(0);
  }, 60_000);

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
    const worker = startJobsWorker({ redis: redis.url, store });
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
    expect(await worker.stop()).toBe(0);
  }, 120_000);
});

/** A reduced learning-rule study (data/studies/learning-rules.yaml's form): bp and fa, one seed, one epoch, 300 images. */
function writeLearningStudy(dir: string): string {
  const data = join(repoRoot, 'data/third-party');
  const file = join(dir, 'learning-rules.yaml');
  writeFileSync(
    file,
    `name: learning-rules-reduced
kind: learning-rules
stimuli: { file: ${data}/92imageData/Kriegeskorte_Neuron2008_supplementalData.mat }
brain:
  file: ${data}/92imageData/92_brainRDMs.mat
  models: ${data}/92imageData/92_modelRDMs.mat
  categoricalModels: [animacy]
  monkeyIt: monkeyIT
profiles:
  reduced:
    rules: [bp, fa]
    seeds: [0]
    defaults: { arch: mlp, dataset: ${data}/fashion-mnist-subset, epochs: 1, limitTrain: 300, limitTest: 100, hidden: [32] }
    randomSeeds: [0]
    bootstrapSamples: 20
    sensitivity: [{ background: keep }]
`,
  );
  return file;
}

/**
 * Issue 18's acceptance: the shipped studies give the same results.json whichever executor runs them — this process,
 * the local pool, BullMQ with one worker process and with three. Every executor has a store of its own, so each
 * computes every item (the comparison study's activation cache, input-addressed, is shared). One redis-server serves
 * both BullMQ cases (database 1: one worker; database 2: three), and those four worker processes serve both studies.
 */
describe.skipIf(!hasRedisServer)(`the shipped studies on every executor${noRedis}`, () => {
  let redis: TestRedis;
  let dir: string;
  const clusters: { name: string; redis: string; store: string; workers: JobsWorker[] }[] = [];
  beforeAll(async () => {
    redis = await startTestRedis();
    dir = mkdtempSync(join(tmpdir(), 'concord-study-engines-'));
    for (const [name, db, n] of [
      ['bullmq-1', 1, 1],
      ['bullmq-3', 2, 3],
    ] as const) {
      const url = `${redis.url}/${db}`;
      const store = join(dir, `store-${name}`);
      clusters.push({
        name,
        redis: url,
        store,
        workers: Array.from({ length: n }, () => startJobsWorker({ redis: url, store })),
      });
    }
  });
  afterAll(async () => {
    const exits = await Promise.all(clusters.flatMap((c) => c.workers.map((w) => w.stop())));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(exits).toEqual(exits.map(() => 0));
  });

  /** Items a worker computed so far (its log has one line per item: "<job> <item>: done (attempt n)"). */
  const computed = (w: JobsWorker) =>
    w
      .log()
      .split('\n')
      .filter((l) => /: done \(attempt \d+\)$/.test(l)).length;

  /**
   * compare-models on every executor, each into its own output folder with its own store; returns the output folders.
   * On BullMQ, the items must have been computed by that cluster's worker processes — all of them, once each, and by
   * more than one of the three.
   */
  async function onEveryExecutor(study: string, file: string, items: number, extra: string[] = []) {
    const outs: Record<string, string> = {};
    const engines: [string, string[], string][] = [
      ['in-process', ['--engine', 'in-process'], join(dir, `store-${study}-in-process`)],
      ['local', ['--engine', 'local', '--workers', '2'], join(dir, `store-${study}-local`)],
      ...clusters.map((c): [string, string[], string] => [c.name, ['--engine', 'bullmq', '--redis', c.redis], c.store]),
    ];
    for (const [name, engine, store] of engines) {
      const cluster = clusters.find((c) => c.name === name);
      const before = cluster?.workers.map(computed) ?? [];
      const t0 = performance.now();
      outs[name] = join(dir, `${study}-${name}`);
      const r = await run(
        ['compare-models', '--config', file, '--output', outs[name], '--store', store, ...extra, ...engine],
        dir,
      );
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      console.log(`${study} on ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      if (cluster) {
        // a worker logs an item just after marking it done: its last line may still be on the way
        const by = () => cluster.workers.map((w, k) => computed(w) - before[k]);
        const sum = () => by().reduce((a, b) => a + b, 0);
        const t1 = Date.now();
        while (sum() < items && Date.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 50));
        expect(sum(), `${name}: items computed per worker ${by()}`).toBe(items);
        // How BullMQ spreads items over the workers is its business: reported, not asserted (it could be one).
        console.log(`${study} on ${name}: items computed per worker ${by()}`);
      }
    }
    return outs;
  }

  it('the learning-rule study (reduced): the same results.json bytes on all four', async () => {
    const file = writeLearningStudy(dir);
    const items = planLearningStudy(loadLearningStudy(file, { profile: 'reduced' })).items.length;
    const outs = await onEveryExecutor('learning', file, items, ['--profile', 'reduced']);
    const text = (name: string, f: string) => readFileSync(join(outs[name], f), 'utf8');
    const reference = JSON.parse(text('in-process', 'results.json')) as { rows: { rule: string }[] };
    expect(new Set(reference.rows.map((r) => r.rule))).toEqual(
      new Set(['bp', 'fa', 'random', 'pixels', 'categorical']),
    );
    for (const name of ['local', 'bullmq-1', 'bullmq-3']) {
      expect(text(name, 'results.json'), name).toBe(text('in-process', 'results.json'));
      expect(text(name, 'rdms.json'), name).toBe(text('in-process', 'rdms.json'));
    }
  }, 300_000);

  it('the simulated demo study (data/studies/default.json): the same results.json and rdms.json on all four', async () => {
    // The shipped study with its output and activation cache moved into the temporary folder.
    const study = JSON.parse(readFileSync(join(repoRoot, 'data/studies/default.json'), 'utf8'));
    const file = join(dir, 'default.json');
    writeFileSync(file, JSON.stringify({ ...study, output: 'out', cache: join(dir, 'cache') }));
    const items = planComparisonStudy(loadStudyConfig(file).config).items.length;
    const outs = await onEveryExecutor('default', file, items);
    // results.json names the recordings it wrote by absolute path (in its own folder) and when it was made: the rest,
    // byte for byte, is the same
    const results = (name: string) =>
      readFileSync(join(outs[name], 'results.json'), 'utf8')
        .split(`${outs[name]}/`)
        .join('OUT/')
        .replace(/^ {2}"created": "[^"]+",$/m, '  "created": "(time)",');
    const reference = JSON.parse(results('in-process')) as { created: string; rows: unknown[] };
    expect(reference.created).toBe('(time)');
    expect(reference.rows.length).toBeGreaterThan(100);
    const rdms = (name: string) => readFileSync(join(outs[name], 'rdms.json'), 'utf8');
    for (const name of ['local', 'bullmq-1', 'bullmq-3']) {
      expect(results(name), name).toBe(results('in-process'));
      expect(rdms(name), name).toBe(rdms('in-process'));
    }
  }, 600_000);
});
