/**
 * The job engine's costs (issue 18), on a private redis-server on loopback with worker PROCESSES:
 * - scheduling overhead: wall time per no-op item through BullMQ, submit to completion (goal ≤ 5 ms per item);
 * - a training-bound grid: a learning-rule study of 8 rules × 1 seed (the default MLP, 6 epochs on the shipped
 *   5,000-image Fashion-MNIST subset, then their RDMs, scores and statistics), every item computed afresh, on
 *   1–4 worker processes (goal: 2 workers ≥ 1.7× faster than 1 on a 2-core machine);
 * - the same curve for a CPU-bound grid of 8 items of fixed floating-point work (no I/O, no training), the
 *   engine's ceiling.
 * Reported, never asserted. Skipped when /usr/bin/redis-server is missing. Worker start-up is excluded (workers
 * are ready before the clock starts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { siblingEntry, startWorkerProcess } from './executors/start-worker.ts';
import { BullmqJobEngine } from './jobs/bullmq-engine.ts';
import { planStudy } from './jobs/plan-study.ts';
import { hasRedisServer, startTestRedis } from './jobs/redis-server.ts';
import { ArtifactStore } from './plan/artifact-store.ts';
import type { Plan } from './plan/types.ts';

const ITEMS = Number(process.env.CONCORD_BENCH_ITEMS ?? 300);
const GRID = 8;
const WORK = Number(process.env.CONCORD_BENCH_WORK ?? 15);

if (!hasRedisServer) {
  process.stdout.write('skipped: /usr/bin/redis-server missing\n');
  process.exit(0);
}

const redis = await startTestRedis();
const root = mkdtempSync(join(tmpdir(), 'concord-engine-bench-'));
let run = 0;

async function startWorkers(n: number, store: string, concurrency = 1): Promise<ChildProcess[]> {
  const ws = Array.from({ length: n }, () =>
    startWorkerProcess(
      siblingEntry('jobs/worker-entry', import.meta.url),
      [JSON.stringify({ redis: redis.url, store, concurrency })],
      { ...process.env, CONCORD_WORKER_LOG: '1' },
    ),
  );
  // A worker is ready once it is registered with BullMQ: wait for as many registered workers.
  const r = new Redis(redis.url);
  for (;;) {
    const list = (await r.call('CLIENT', 'LIST')) as string;
    if ((list.match(/name=concord:\S+/g) ?? []).length >= n) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  r.disconnect();
  return ws;
}

async function stop(ws: ChildProcess[]): Promise<void> {
  await Promise.all(
    ws.map(
      (w) =>
        new Promise<void>((res) => {
          if (w.exitCode !== null) return res();
          w.once('exit', () => res());
          w.kill('SIGTERM');
        }),
    ),
  );
}

async function timePlan(plan: Plan, store: string): Promise<number> {
  const engine = new BullmqJobEngine({ redis: redis.url, store: new ArtifactStore(store) });
  const t0 = performance.now();
  const { jobId } = await engine.submit(plan);
  for (;;) {
    const s = await engine.status(jobId);
    if (s && ['completed', 'failed', 'cancelled'].includes(s.state)) {
      if (s.state !== 'completed') throw new Error(`job ${s.state}: ${JSON.stringify(s.failures)}`);
      break;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  await engine.close();
  return seconds;
}

function noopPlan(n: number, extra: Record<string, number> = {}): Plan {
  run++;
  const items = Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    kind: 'pipeline.noop',
    // `run` makes every run's content keys new: nothing comes from the store
    params: { id: i, run, ...extra },
    deps: [],
  }));
  return { study: 'bench', outputDir: join(root, `out-${run}`), items };
}

const DATA = fileURLToPath(new URL('../../../data/third-party/', import.meta.url));
const GRID_RULES = ['bp', 'fa', 'dfa', 'sign-symmetry', 'dtp', 'local-pred', 'forward-forward', 'softhebb'];

/**
 * The training-bound grid: 8 rules × 1 seed on the shipped subset, planned like a submitted job. The default MLP
 * (784-1024-512-256-10) for 6 epochs, so training dominates (the quick profile's 784-128-64-10 nets train in under a
 * second each, and a child's start-up and the serial scoring would be what is measured).
 */
function trainingGridPlan(): Plan {
  run++;
  const study = {
    name: `bench-grid-${run}`,
    kind: 'learning-rules',
    stimuli: { file: join(DATA, '92imageData/Kriegeskorte_Neuron2008_supplementalData.mat') },
    brain: {
      file: join(DATA, '92imageData/92_brainRDMs.mat'),
      models: join(DATA, '92imageData/92_modelRDMs.mat'),
      monkeyIt: 'monkeyIT',
    },
    profiles: {
      quick: {
        rules: GRID_RULES,
        seeds: [0],
        defaults: { arch: 'mlp', dataset: join(DATA, 'fashion-mnist-subset'), epochs: 6 },
        overrides: { softhebb: { hyper: { hebbianEpochs: 1 } } },
        randomSeeds: [0],
        bootstrapSamples: 100,
      },
    },
  };
  return planStudy(study, { baseDir: root, outputDir: join(root, `grid-out-${run}`), profile: 'quick' });
}

const lines: string[] = [];
try {
  lines.push('\n## scheduling overhead through BullMQ (no-op items, loopback Redis)');
  lines.push('| workers × concurrency | items | wall s | ms per item | goal |', '|---|---|---|---|---|');
  for (const [n, c] of [
    [1, 1],
    [1, 8],
    [2, 8],
  ] as const) {
    const store = mkdtempSync(join(root, 's-'));
    const ws = await startWorkers(n, store, c);
    const s = await timePlan(noopPlan(ITEMS), store);
    lines.push(`| ${n} × ${c} | ${ITEMS} | ${s.toFixed(2)} | ${((s * 1000) / ITEMS).toFixed(2)} | ≤ 5 |`);
    await stop(ws);
  }

  const gridItems = trainingGridPlan().items.length;
  lines.push(
    `\n## training-bound grid: ${GRID_RULES.length} rules × 1 seed, default MLP, 6 epochs on 5,000 images (${gridItems} items: stimuli, training, RDMs, scores, statistics), worker processes (${availableParallelism()} cores)`,
  );
  lines.push('| workers | wall s | speed-up vs 1 | goal |', '|---|---|---|---|');
  let single = 0;
  for (const n of [1, 2, 3, 4]) {
    const store = mkdtempSync(join(root, 't-'));
    const ws = await startWorkers(n, store, 1);
    const s = await timePlan(trainingGridPlan(), store);
    if (n === 1) single = s;
    lines.push(`| ${n} | ${s.toFixed(2)} | ${(single / s).toFixed(2)} | ${n === 2 ? '≥ 1.7' : '-'} |`);
    await stop(ws);
  }

  lines.push(
    `\n## CPU-bound grid: ${GRID} items × ${WORK}·10⁶ sines each (fixed work), worker processes (${availableParallelism()} cores)`,
  );
  lines.push('| workers | wall s | speed-up vs 1 | goal |', '|---|---|---|---|');
  let one = 0;
  for (const n of [1, 2, 3, 4]) {
    const store = mkdtempSync(join(root, 'g-'));
    const ws = await startWorkers(n, store, 1);
    const s = await timePlan(noopPlan(GRID, { work: WORK }), store);
    if (n === 1) one = s;
    lines.push(`| ${n} | ${s.toFixed(2)} | ${(one / s).toFixed(2)} | - |`);
    await stop(ws);
  }
} finally {
  process.stdout.write(`${lines.join('\n')}\n`);
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
}
