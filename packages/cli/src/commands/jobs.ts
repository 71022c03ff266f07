/**
 * `concord jobs submit|worker|status|cancel`: studies as jobs on BullMQ workers over Redis. Submit plans the study
 * and enqueues it (returns at once); workers on any machine that reaches Redis and the artifact store (--store)
 * run its items; status and cancel follow it by id.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type Command,
  type CommandContext,
  numberOption,
  type ParsedOptions,
  requiredString,
  stringOption,
  UsageError,
} from '../command.ts';

const redisOption = {
  redis: { type: 'string', value: 'URL', description: 'Redis URL, e.g. redis://127.0.0.1:6379', required: true },
} as const;
const storeOption = {
  store: {
    type: 'string',
    value: 'DIR',
    description: 'artifact store every worker can reach (default: $CONCORD_STORE or ~/.concord/artifacts)',
  },
} as const;

export function storeDirOf(opts: ParsedOptions, cwd: string): string {
  const given = stringOption(opts, 'store');
  if (given) return resolve(cwd, given);
  return process.env.CONCORD_STORE ?? join(homedir(), '.concord', 'artifacts');
}

async function engineFor(opts: ParsedOptions, cwd: string) {
  const { ArtifactStore, BullmqJobEngine } = await import('@concord/pipeline');
  return new BullmqJobEngine({ redis: requiredString(opts, 'redis'), store: new ArtifactStore(storeDirOf(opts, cwd)) });
}

function jobIdOf(positionals: string[]): string {
  const id = positionals[0];
  if (!id) throw new UsageError('JOB_ID: expected the id printed by `concord jobs submit`');
  return id;
}

const submit: Command = {
  name: 'jobs submit',
  summary: 'plan a study and enqueue its items on Redis for `concord jobs worker` processes; prints the job id',
  options: {
    config: { type: 'string', value: 'FILE', description: 'study file (.json, .yaml)', required: true },
    ...redisOption,
    ...storeOption,
    output: { type: 'string', value: 'DIR', description: "output folder (overrides the study file's output)" },
  },
  details: [
    '--json prints {"jobId", "items", "outputDir"}. The study is validated and planned here (a broken entry fails',
    'before anything is enqueued); its results are written to outputDir by the worker that finishes the last item.',
  ].join('\n'),
  async run(opts, _pos, ctx) {
    const { planStudyFile } = await import('@concord/pipeline');
    const out = stringOption(opts, 'output');
    const plan = planStudyFile(resolve(ctx.cwd, requiredString(opts, 'config')), {
      ...(out ? { outputDir: resolve(ctx.cwd, out) } : {}),
    });
    const engine = await engineFor(opts, ctx.cwd);
    try {
      const job = await engine.submit(plan);
      const result = { jobId: job.jobId, items: job.items, outputDir: job.outputDir };
      ctx.output(result, (r: typeof result) => `${r.jobId}\n(${r.items} items; results in ${r.outputDir})`);
    } finally {
      await engine.close();
    }
    return 0;
  },
};

const worker: Command = {
  name: 'jobs worker',
  summary: 'run a worker that takes study items from Redis until SIGTERM',
  options: {
    ...redisOption,
    ...storeOption,
    concurrency: { type: 'string', value: 'N', description: 'items at once in this process (default 1)' },
  },
  details: [
    'SIGTERM or SIGINT: takes no new item, finishes the current ones, exits 0. A worker killed outright loses its',
    "items' locks; after the stall interval another worker takes them. Start one per core (CPU-bound items).",
  ].join('\n'),
  async run(opts, _pos, ctx: CommandContext) {
    const concurrency = numberOption(opts, 'concurrency', { integer: true, min: 1 }) ?? 1;
    const { runWorkerUntilSignal } = await import('@concord/pipeline');
    return runWorkerUntilSignal({
      redis: requiredString(opts, 'redis'),
      store: storeDirOf(opts, ctx.cwd),
      concurrency,
      log: ctx.log,
    });
  },
};

const status: Command = {
  name: 'jobs status',
  summary: "a job's state and item counts",
  positionals: [{ name: 'JOB_ID', description: 'the id printed by jobs submit', required: true }],
  options: { ...redisOption },
  details:
    '--json prints {"jobId", "state", "items": {"total", "done", "running", "waiting", "failed", "retried"}, "results"}.',
  async run(opts, positionals, ctx) {
    const id = jobIdOf(positionals);
    const { publicStatus } = await import('@concord/pipeline');
    const engine = await engineFor(opts, ctx.cwd);
    try {
      const s = await engine.status(id);
      if (!s) throw new UsageError(`JOB_ID: no job ${id} in ${requiredString(opts, 'redis')}`);
      for (const f of s.failures) ctx.log(`failed: ${f.item} after ${f.attempts} attempts: ${f.error}`);
      const result = publicStatus(s);
      ctx.output(result, (r: typeof result) =>
        [
          `${r.jobId}: ${r.state}`,
          `items: ${r.items.done}/${r.items.total} done, ${r.items.running} running, ${r.items.waiting} waiting, ${r.items.failed} failed, ${r.items.retried} retried`,
          // the running items that report their own progress (a network's epochs); the --json contract is unchanged
          ...s.progress.map((p) => `  ${p.item}: ${p.message ?? `${p.stage} ${p.done}/${p.total}`}`),
          `results: ${r.results ?? '(not yet)'}`,
        ].join('\n'),
      );
    } finally {
      await engine.close();
    }
    return 0;
  },
};

const cancel: Command = {
  name: 'jobs cancel',
  summary: 'cancel a job: workers stop taking its items',
  positionals: [{ name: 'JOB_ID', description: 'the id printed by jobs submit', required: true }],
  options: { ...redisOption },
  async run(opts, positionals, ctx) {
    const id = jobIdOf(positionals);
    const engine = await engineFor(opts, ctx.cwd);
    try {
      if (!(await engine.cancel(id))) throw new UsageError(`JOB_ID: no job ${id} in ${requiredString(opts, 'redis')}`);
      const result = { jobId: id, state: 'cancelled' };
      ctx.output(result, () => `${id}: cancelled`);
    } finally {
      await engine.close();
    }
    return 0;
  },
};

export const jobsCommands: Command[] = [submit, worker, status, cancel];

/** compare-models' engine flags (spread into its options). */
export const ENGINE_OPTIONS = {
  engine: {
    type: 'string',
    value: 'local|bullmq|in-process',
    description:
      'where the items run: the local worker pool (default), BullMQ workers over Redis, or this process (debugging)',
  },
  redis: { type: 'string', value: 'URL', description: 'Redis URL (with --engine bullmq)' },
  ...storeOption,
  workers: { type: 'string', value: 'N', description: 'local pool size (default: the number of cores)' },
} as const;

export interface EngineChoice {
  engine: 'local' | 'bullmq' | 'in-process';
  workers?: number;
  redis?: string;
  store: string;
}

export function engineChoiceOf(opts: ParsedOptions, cwd: string): EngineChoice {
  const engine = stringOption(opts, 'engine') ?? (opts.redis !== undefined ? 'bullmq' : 'local');
  if (engine !== 'local' && engine !== 'bullmq' && engine !== 'in-process')
    throw new UsageError(`--engine: expected local, bullmq or in-process, received '${engine}'`);
  const redis = stringOption(opts, 'redis');
  if (engine === 'bullmq' && !redis) throw new UsageError('--redis: required with --engine bullmq');
  const workers = numberOption(opts, 'workers', { integer: true, min: 1 });
  return { engine, store: storeDirOf(opts, cwd), ...(workers ? { workers } : {}), ...(redis ? { redis } : {}) };
}

/** A comparison study run through an engine: planned, executed, its outputs copied to the output folder. */
export async function runComparisonOnEngine(
  config: import('@concord/pipeline').StudyConfig,
  choice: EngineChoice,
  ctx: CommandContext,
): Promise<number> {
  const { ArtifactStore, checkComparisonStudy, planComparisonStudy, runPlan } = await import('@concord/pipeline');
  const t0 = performance.now();
  await checkComparisonStudy(config);
  const plan = planComparisonStudy(config);
  const bar = ctx.progress('study items');
  const outcome = await runPlan(plan, new ArtifactStore(choice.store), {
    engine: choice.engine,
    ...(choice.workers ? { workers: choice.workers } : {}),
    ...(choice.redis ? { redis: choice.redis } : {}),
    onItem: (id, done, total) => bar({ stage: id, done, total }),
    onSubmitted: (jobId) => ctx.log(`job ${jobId} submitted; waiting for workers (concord jobs worker --redis URL)`),
  });
  for (const f of outcome.failures) ctx.log(`failed: ${f.item} after ${f.attempts} attempts: ${f.error}`);
  if (outcome.state !== 'completed' || !outcome.results)
    throw new UsageError(`study '${config.name}' ${outcome.state}: ${outcome.failures.map((f) => f.error).join('; ')}`);
  const studyOut = outcome.outputs.get('study') as { rows?: number; cachedActivations?: boolean } | undefined;
  const result = {
    study: config.name,
    report: join(plan.outputDir, 'report.html'),
    results: { csv: join(plan.outputDir, 'results.csv'), json: outcome.results },
    rows: studyOut?.rows ?? 0,
    cachedActivations: studyOut?.cachedActivations ?? false,
    seconds: (performance.now() - t0) / 1000,
    timings: {},
    engine: choice.engine,
    fromStore: outcome.executed.length === 0,
  };
  ctx.output(result, (r: typeof result) =>
    [
      `study '${r.study}' finished in ${r.seconds.toFixed(1)} s on the ${r.engine} engine (${r.rows} result rows${r.fromStore ? ', from the store' : ''})`,
      `results: ${r.results.csv}`,
      `report:  ${r.report}`,
    ].join('\n'),
  );
  return 0;
}
