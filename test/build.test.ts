/**
 * The compiled build (scripts/build.mjs, `pnpm build`): it is built here into a temporary tree that has no src/, no
 * tsx and no root node_modules (`--out DIR`), so everything below runs only emitted JavaScript under plain Node — the
 * `concord` bin, real commands (rdm, train rules, a small training on its worker thread, a cluster permutation test on
 * the stats chunk workers; each checked against the same command run from the TypeScript sources), and the worker
 * threads the packages start (eeg two-thread filter, rsa searchlight pool, api compute pool, core's onnx backend
 * worker), the pipeline's worker processes (the local pool's children, `concord jobs worker` on a real
 * redis-server), and `pnpm concord`'s launcher (compiled while current, sources once stale). The compiled processes
 * are recorded by a preload (RECORD_CJS): their Node flags, every module they resolve and every Worker they start —
 * no TypeScript, no tsx, no loader flags. The repository's own dist/ is left alone.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, Rng } from '@concord/core';
import { repoPath } from '@concord/core/testing';
import { writeMatrixNpy, writeNpy } from '@concord/io';
import { hasRedisServer, startJobsWorker, startTestRedis } from '@concord/pipeline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'concord-build-'));
const stage = join(dir, 'stage');

/** Plain Node: no TypeScript loader and not the @concord/source condition the test runner puts in NODE_OPTIONS. */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

function node(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd: repoPath(),
    encoding: 'utf8',
    env: plainEnv(extra),
    timeout: 240_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const bin = () => join(stage, 'packages/cli/dist/main.js');

interface Recorded {
  execArgv: string[];
  /** file: URLs of every module the main thread resolved. */
  modules: string[];
  workers: { file: string; eval: boolean; execArgv: string[] | null }[];
}

/** The compiled bin under plain Node with the recording preload; what it did is returned with its output. */
function compiled(args: string[], extra: Record<string, string> = {}) {
  const record = join(dir, `record-${Math.random().toString(36).slice(2)}`);
  const r = node(['--require', join(dir, 'record.cjs'), bin(), ...args], { ...extra, CONCORD_RECORD: record });
  const lines = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : [];
  const last = lines.filter((l) => l.startsWith('{"execArgv"')).pop();
  const recorded: Recorded = last ? JSON.parse(last) : { execArgv: [], modules: [], workers: [] };
  recorded.modules = lines.filter((l) => l.startsWith('file:'));
  return { ...r, recorded };
}

/** The same command from the TypeScript sources (what `pnpm concord:dev` runs). */
function fromSources(args: string[], extra: Record<string, string> = {}) {
  return node(
    ['--conditions=@concord/source', '--import', 'tsx', repoPath('packages/cli/src/main.ts'), ...args],
    extra,
  );
}

/** Only emitted JavaScript of the staged tree ran, with no loader flag and no TypeScript anywhere. */
function expectPlainCompiled(rec: Recorded): void {
  expect(rec.execArgv).toEqual(['--require', join(dir, 'record.cjs')]);
  expect(rec.modules.length).toBeGreaterThan(0);
  for (const url of rec.modules) {
    expect(url, url).not.toMatch(/\.(ts|tsx|mts|cts)$|\/tsx\//);
    if (url.includes('/packages/') || url.includes('/services/')) {
      expect(url.startsWith(`file://${stage}/`), url).toBe(true);
      expect(url, url).toMatch(/\/dist\//);
    }
  }
  for (const w of rec.workers) {
    expect(w.eval, w.file).toBe(false);
    expect(w.execArgv ?? [], w.file).toEqual([]);
    expect(w.file.startsWith(`file://${stage}/`), w.file).toBe(true);
    expect(w.file, w.file).toMatch(/\/dist\/.*\.m?js$/);
  }
}

interface RecordedProcess {
  pid: number;
  execArgv: string[];
  main: string | null;
}

/**
 * Every process that loaded the recorder through NODE_OPTIONS (so also the processes they start): what each was
 * started with, and every module any of them resolved.
 */
function recordedProcesses(record: string): { processes: RecordedProcess[]; modules: string[] } {
  const lines = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : [];
  return {
    processes: lines
      .filter((l) => l.startsWith('{"start"'))
      .map((l) => (JSON.parse(l) as { start: RecordedProcess }).start),
    modules: lines.filter((l) => l.startsWith('file:')),
  };
}

/** Plain Node for a process tree: the recorder preloaded into every process through NODE_OPTIONS, nothing else. */
function recordingEnv(record: string): NodeJS.ProcessEnv {
  return { ...plainEnv({ CONCORD_RECORD: record }), NODE_OPTIONS: `--require ${join(dir, 'record.cjs')}` };
}

/**
 * The items of a pipeline plan ran in processes started with no Node flag at all (no tsx, no loader, no source
 * condition) from `main`, and every module any process of the tree loaded is emitted JavaScript of the staged tree.
 */
function expectItemsRanCompiled(record: string, trace: string, main: string): void {
  const { processes, modules } = recordedProcesses(record);
  expect(modules.length).toBeGreaterThan(0);
  for (const url of modules) {
    expect(url, url).not.toMatch(/\.(ts|tsx|mts|cts)$|\/tsx\//);
    if (url.includes('/packages/') || url.includes('/services/')) {
      expect(url.startsWith(`file://${stage}/`), url).toBe(true);
      expect(url, url).toMatch(/\/dist\//);
    }
  }
  for (const p of processes) expect(p.execArgv, `${p.main}`).toEqual([]);
  // the processes that ran items (their trace lines name their pids) are the recorded ones started from `main`
  const ran = new Set(
    readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('run '))
      .map((l) => Number(l.split(' ')[2])),
  );
  expect(ran.size).toBeGreaterThan(0);
  for (const pid of ran) expect(processes.find((p) => p.pid === pid)?.main, `pid ${pid}`).toBe(main);
}

/** A plan of n no-op items (value i·7, each tracing its pid) and the collect item that writes results.json. */
function noopPlan(name: string, n: number, trace: string) {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  return {
    items: [
      ...ids.map((id, i) => ({
        id,
        kind: 'pipeline.noop',
        params: { id, value: i * 7, sleepMs: 100, trace },
        deps: [],
      })),
      { id: 'collect', kind: 'pipeline.collect', params: { study: name, trace }, deps: ids },
    ],
    final: 'collect',
    rows: ids.map((id, i) => ({ item: id, id, value: i * 7 })),
  };
}

const haveDigits = ['/usr/lib/python3/dist-packages', '/usr/share/scikit-learn'].some((d) =>
  existsSync(
    d.endsWith('dist-packages')
      ? join(d, 'sklearn/datasets/data/digits.csv.gz')
      : join(d, 'datasets/data/digits.csv.gz'),
  ),
);

beforeAll(() => {
  writeFileSync(join(dir, 'record.cjs'), RECORD_CJS);
  const r = node([repoPath('scripts/build.mjs'), '--quiet', '--out', stage]);
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the compiled build', () => {
  it('emits JavaScript and .d.ts for every workspace package, with no TypeScript sources in the tree', () => {
    for (const pkg of ['packages/core', 'packages/rsa', 'packages/cli', 'services/api']) {
      expect(existsSync(join(stage, pkg, 'dist/index.js')), pkg).toBe(true);
      expect(existsSync(join(stage, pkg, 'dist/index.d.ts')), pkg).toBe(true);
      expect(existsSync(join(stage, pkg, 'src')), pkg).toBe(false);
    }
    // relative .ts specifiers were rewritten for Node
    expect(readFileSync(join(stage, 'packages/rsa/dist/index.js'), 'utf8')).not.toMatch(/from ['"]\.[^'"]*\.ts['"]/);
    expect(readFileSync(join(stage, 'packages/cli/dist/main.js'), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('concord --version and --help run from the compiled bin; --help loads only the CLI shell and the manifest', () => {
    const version = node([bin(), '--version']);
    expect(version.code, version.stderr).toBe(0);
    const source = readFileSync(repoPath('packages/core/src/version.ts'), 'utf8');
    expect(version.stdout.trim()).toBe(/VERSION = '([^']+)'/.exec(source)?.[1]);
    const help = compiled(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^ {2}rdm /m);
    expect(help.stdout).toMatch(/^ {2}permutation-test /m);
    expectPlainCompiled(help.recorded);
    // no command module, no analysis package, no third-party package: only cli's shell and core's error classes
    const loaded = help.recorded.modules.map((u) => u.slice(`file://${stage}/`.length));
    expect(loaded.filter((u) => /commands\/(?!index\.js$)/.test(u))).toEqual([]);
    expect(loaded.filter((u) => u.includes('node_modules') || !/^packages\/(cli|core)\/dist\//.test(u))).toEqual([]);
  });

  it("pnpm concord's launcher runs the compiled bin in-process while the build is current, and not once a source is newer", () => {
    mkdirSync(join(stage, 'scripts'), { recursive: true });
    for (const f of ['concord.mjs', 'build-state.mjs']) cpSync(repoPath('scripts', f), join(stage, 'scripts', f));
    const launcher = join(stage, 'scripts/concord.mjs');
    const current = node(['--require', join(dir, 'record.cjs'), launcher, '--help'], {
      CONCORD_RECORD: join(dir, 'launcher-record'),
    });
    expect(current.code, current.stderr).toBe(0);
    expect(current.stdout).toMatch(/^ {2}rdm /m);
    expect(current.stderr).toBe('');
    const loaded = readFileSync(join(dir, 'launcher-record'), 'utf8');
    expect(loaded).toContain(`file://${stage}/packages/cli/dist/main.js`);
    // a source edited after the build: the launcher turns to the sources (absent from this tree, so it fails) and says why
    mkdirSync(join(stage, 'packages/rsa/src'), { recursive: true });
    writeFileSync(join(stage, 'packages/rsa/src/edited.ts'), 'export const edited = 1;\n');
    const stale = node([launcher, '--help']);
    rmSync(join(stage, 'packages/rsa/src'), { recursive: true, force: true });
    expect(stale.stderr).toContain('the build is older than the sources');
    expect(stale.code).not.toBe(0);
  });

  it('notebooks-run refuses a stale build (its kernels load the compiled packages) and names the fix', () => {
    mkdirSync(join(stage, 'scripts'), { recursive: true });
    for (const f of ['notebooks-run.mjs', 'notebooks-kernel.mjs', 'build-state.mjs'])
      cpSync(repoPath('scripts', f), join(stage, 'scripts', f));
    const probe = () => node([join(stage, 'scripts/notebooks-run.mjs'), '--probe']).stdout.trim();
    expect(probe()).not.toMatch(/pnpm build/); // current: any other missing prerequisite may remain in this tree
    mkdirSync(join(stage, 'packages/rsa/src'), { recursive: true });
    writeFileSync(join(stage, 'packages/rsa/src/edited.ts'), 'export const edited = 1;\n');
    try {
      expect(probe()).toBe('the compiled packages are older than their sources (pnpm build)');
    } finally {
      rmSync(join(stage, 'packages/rsa/src'), { recursive: true, force: true });
    }
  });

  it('concord rdm --json from the compiled bin: squared euclidean distance / channels (rsatoolbox)', () => {
    const x = Matrix.zeros(4, 3);
    new Rng(5).fillNormal(x.data);
    writeMatrixNpy(join(dir, 'x.npy'), x);
    writeFileSync(join(dir, 'c.json'), JSON.stringify(['a', 'b', 'c', 'd']));
    const r = node(
      [bin(), 'rdm', '--data', join(dir, 'x.npy'), '--conditions', join(dir, 'c.json')].concat([
        '--method',
        'euclidean',
        '--json',
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    const expected: number[] = [];
    for (let i = 0; i < 4; i++)
      for (let j = i + 1; j < 4; j++) {
        let s = 0;
        for (let c = 0; c < 3; c++) s += (x.get(i, c) - x.get(j, c)) ** 2;
        expected.push(s / 3);
      }
    const got = JSON.parse(r.stdout) as { dissimilarities: number[] };
    expect(got.dissimilarities).toHaveLength(6);
    got.dissimilarities.forEach((d, k) => {
      expect(d).toBeCloseTo(expected[k], 12);
    });
  });

  it('concord train rules --json: the compiled bin lists what the sources list', () => {
    const c = compiled(['train', 'rules', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expectPlainCompiled(c.recorded);
    const s = fromSources(['train', 'rules', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const { rules } = JSON.parse(c.stdout) as { rules: { name: string }[] };
    expect(rules.map((r) => r.name)).toEqual(expect.arrayContaining(['bp', 'fa', 'dfa']));
    expect({ rules }).toEqual(JSON.parse(s.stdout));
  });

  it.skipIf(!haveDigits)(
    `concord train on the compiled learning worker thread: the same network as from the sources${haveDigits ? '' : ' [skipped: no python3-sklearn digits.csv.gz]'}`,
    () => {
      const args = (out: string) => [
        'train',
        ...['--rule', 'bp', '--arch', 'mlp', '--hidden', '16', '--dataset', 'digits', '--epochs', '2'],
        ...['--limit-train', '400', '--limit-test', '200', '--seed', '3', '--out', out, '--json', '--quiet'],
      ];
      mkdirSync(join(dir, 'train-c'));
      mkdirSync(join(dir, 'train-s'));
      const c = compiled(args(join(dir, 'train-c/net.onnx')));
      expect(c.code, c.stderr).toBe(0);
      expectPlainCompiled(c.recorded);
      expect(c.recorded.workers.map((w) => w.file)).toEqual([`file://${stage}/packages/learning/dist/worker-entry.js`]);
      const s = fromSources(args(join(dir, 'train-s/net.onnx')));
      expect(s.code, s.stderr).toBe(0);
      const strip = (out: string) => {
        const { trainSeconds: _t, secondsPerEpoch: _e, onnx: _o, ...rest } = JSON.parse(out) as Record<string, unknown>;
        return rest;
      };
      const summary = strip(c.stdout) as { epochs: number; trainLoss: number[] };
      expect(summary.epochs).toBe(2);
      expect(summary.trainLoss).toHaveLength(2);
      expect(summary).toEqual(strip(s.stdout));
      expect(readFileSync(join(dir, 'train-c/net.onnx')).equals(readFileSync(join(dir, 'train-s/net.onnx')))).toBe(
        true,
      );
    },
  );

  it('concord stats cluster-test on the compiled chunk workers (2 threads) = the sources on one thread', () => {
    // 12 subjects × 200 time points, a bump in the middle; 25,000 permutations is above the CLI's threading cut-off
    const rng = new Rng(8);
    const data = new Float64Array(12 * 200);
    for (let s = 0; s < 12; s++)
      for (let t = 0; t < 200; t++) data[s * 200 + t] = rng.normal() + (t >= 80 && t < 120 ? 1 : 0);
    writeNpy(join(dir, 'cluster.npy'), { data, shape: [12, 200] });
    const args = ['stats', 'cluster-test', '--data', join(dir, 'cluster.npy'), '--threshold', '2.5'];
    args.push('--n-permutations', '25000', '--seed', '4', '--json', '--quiet');
    const c = compiled(args, { CONCORD_STATS_THREADS: '2' });
    expect(c.code, c.stderr).toBe(0);
    expectPlainCompiled(c.recorded);
    expect(c.recorded.workers.map((w) => w.file)).toEqual([`file://${stage}/packages/stats/dist/chunk-worker.js`]);
    const s = fromSources(args, { CONCORD_STATS_THREADS: '1' });
    expect(s.code, s.stderr).toBe(0);
    const result = JSON.parse(c.stdout) as { clusters: { start: number; stop: number }[]; pValues: number[] };
    // the bump is found (a cluster inside it with a small p), whatever noise clusters come with it
    const bump = result.clusters.findIndex((k) => k.start >= 70 && k.stop <= 130 && k.stop - k.start >= 10);
    expect(bump).toBeGreaterThanOrEqual(0);
    expect(result.pValues[bump]).toBeLessThan(0.05);
    expect(result).toEqual(JSON.parse(s.stdout));
  });

  it('worker threads start the compiled workers (no eval, no loader) and agree with the main thread', () => {
    writeFileSync(join(dir, 'workers.mjs'), WORKERS_SCRIPT);
    const r = node([join(dir, 'workers.mjs'), stage], { CONCORD_EEG_THREADS: '2' });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      eeg: { used: boolean; same: boolean };
      searchlight: { same: boolean; finite: number };
      api: { pooled: unknown; inline: unknown };
      onnx: { backend: string; maxError: number };
      started: { file: string; eval: boolean; execArgv: string[] | null; piscinaFile?: string }[];
    };
    expect(out.eeg).toEqual({ used: true, same: true });
    expect(out.searchlight.same).toBe(true);
    expect(out.searchlight.finite).toBeGreaterThan(0);
    expect(out.api.pooled).toEqual(out.api.inline);
    expect(out.onnx.backend).toBe('onnx');
    expect(out.onnx.maxError).toBeLessThan(1e-9);
    const files = out.started.map((s) => s.piscinaFile ?? s.file);
    expect(files.some((f) => f.endsWith('eeg/dist/filter-worker.js'))).toBe(true);
    expect(files.some((f) => f.endsWith('rsa/dist/node/searchlight-worker.js'))).toBe(true);
    expect(files.some((f) => f.endsWith('api/dist/worker.js'))).toBe(true);
    expect(files.some((f) => f.endsWith('core/dist/node/onnx-worker.mjs'))).toBe(true);
    for (const s of out.started) {
      expect(s.eval, s.file).toBe(false);
      expect(JSON.stringify(s.execArgv ?? []), s.file).not.toMatch(/tsx|@concord\/source/);
      expect(s.piscinaFile ?? s.file, s.file).not.toMatch(/\.ts$/);
    }
  });

  it('the local pool runs a plan in compiled child processes (pool-child.js under plain Node, no loader)', () => {
    const work = join(dir, 'pool');
    mkdirSync(work);
    const trace = join(work, 'trace.log');
    const record = join(work, 'record');
    const { rows, ...plan } = noopPlan('compiled-pool', 6, trace);
    writeFileSync(
      join(work, 'plan.json'),
      JSON.stringify({ study: 'compiled-pool', outputDir: join(work, 'out'), ...plan }),
    );
    writeFileSync(join(work, 'pool.mjs'), POOL_SCRIPT);
    const r = spawnSync(process.execPath, [join(work, 'pool.mjs'), stage, work], {
      encoding: 'utf8',
      env: recordingEnv(record),
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}')).toEqual({
      state: 'completed',
      results: join(work, 'out', 'results.json'),
    });
    expect(JSON.parse(readFileSync(join(work, 'out', 'results.json'), 'utf8')).rows).toEqual(rows);
    expectItemsRanCompiled(record, trace, join(stage, 'packages/pipeline/dist/executors/pool-child.js'));
  });

  it.skipIf(!hasRedisServer)(
    `a compiled \`concord jobs worker\` under plain Node runs a submitted plan and exits 0 on SIGTERM${hasRedisServer ? '' : ' [skipped: no redis-server]'}`,
    async () => {
      const work = join(dir, 'jobs');
      mkdirSync(work);
      const trace = join(work, 'trace.log');
      const record = join(work, 'record');
      const store = join(work, 'store');
      const { rows, ...plan } = noopPlan('compiled-worker', 4, trace);
      writeFileSync(
        join(work, 'plan.json'),
        JSON.stringify({ name: 'compiled-worker', output: join(work, 'out'), ...plan }),
      );
      const redis = await startTestRedis();
      const worker = startJobsWorker({ redis: redis.url, store, main: bin(), env: recordingEnv(record) });
      try {
        // submitted and followed with the compiled bin too
        const cli = (...args: string[]) => {
          const c = spawnSync(process.execPath, [bin(), ...args, '--redis', redis.url, '--json'], {
            encoding: 'utf8',
            env: recordingEnv(record),
          });
          expect(c.status, c.stderr).toBe(0);
          return JSON.parse(c.stdout) as Record<string, unknown>;
        };
        const { jobId } = cli('jobs', 'submit', '--config', join(work, 'plan.json'), '--store', store) as {
          jobId: string;
        };
        let status = cli('jobs', 'status', jobId);
        for (const t0 = Date.now(); status.state !== 'completed' && Date.now() - t0 < 60_000; ) {
          await new Promise((res) => setTimeout(res, 200));
          status = cli('jobs', 'status', jobId);
        }
        expect(status, worker.log()).toMatchObject({ state: 'completed', results: join(work, 'out', 'results.json') });
        expect(JSON.parse(readFileSync(join(work, 'out', 'results.json'), 'utf8')).rows).toEqual(rows);
      } finally {
        expect(await worker.stop()).toBe(0);
        await redis.stop();
      }
      expectItemsRanCompiled(record, trace, bin());
    },
    120_000,
  );
});

/**
 * Preloaded (--require, or NODE_OPTIONS for a process and the processes it starts) into the compiled bin: records
 * each process's pid, Node flags and main module at start, every Worker it constructs, and (through a module
 * resolve hook, which runs on Node's hooks thread) every module URL it resolves, into $CONCORD_RECORD.
 */
const RECORD_CJS = `
const { appendFileSync } = require('node:fs');
const { register, syncBuiltinESMExports } = require('node:module');
const wt = require('node:worker_threads');
const log = process.env.CONCORD_RECORD;
const workers = [];
const Original = wt.Worker;
wt.Worker = class extends Original {
  constructor(file, opts = {}) {
    workers.push({ file: String(file).slice(0, 300), eval: Boolean(opts.eval), execArgv: opts.execArgv ?? null });
    super(file, opts);
  }
};
syncBuiltinESMExports();
const hooks = [
  'import { appendFileSync } from "node:fs";',
  'let log;',
  'export function initialize(data) { log = data.log; }',
  'export async function resolve(specifier, context, next) {',
  '  const r = await next(specifier, context);',
  '  if (r.url.startsWith("file:")) appendFileSync(log, r.url + "\\\\n");',
  '  return r;',
  '}',
].join('\\n');
register('data:text/javascript,' + encodeURIComponent(hooks), { data: { log } });
// one line per process at start (a pool child ended by a signal writes no exit line); not from the hooks thread
if (wt.isMainThread) appendFileSync(log, JSON.stringify({ start: { pid: process.pid, execArgv: process.execArgv, main: process.argv[1] ?? null } }) + '\\n');
process.on('exit', () => {
  appendFileSync(log, JSON.stringify({ execArgv: process.execArgv, workers }) + '\\n');
});
`;

/**
 * Run in plain Node against the staged tree (argv[2]); records every Worker the packages construct (filename, eval,
 * execArgv; piscina's generic worker gets its task module in its start-up message) and checks each worker's results
 * against the same computation on the main thread.
 */
const WORKERS_SCRIPT = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
const require = createRequire(import.meta.url);
const wt = require('node:worker_threads');
const started = [];
const Original = wt.Worker;
wt.Worker = class extends Original {
  constructor(file, opts = {}) {
    const entry = { file: String(file).slice(0, 300), eval: Boolean(opts.eval), execArgv: opts.execArgv ?? null };
    started.push(entry);
    super(file, opts);
    // piscina's generic worker learns its task module from its start-up message
    const post = this.postMessage.bind(this);
    this.postMessage = (message, transfer) => {
      if (message && typeof message.filename === 'string') entry.piscinaFile = message.filename;
      return post(message, transfer);
    };
  }
};
syncBuiltinESMExports();
const stage = process.argv[2];
const dist = (p) => 'file://' + stage + '/' + p;
const core = await import(dist('packages/core/dist/index.node.js'));
const { Matrix, Rng, Dataset } = core;
const out = {};

{ // eeg: half the rows in a worker thread, the same rows on this thread
  const { startWorkerHalf } = await import(dist('packages/eeg/dist/parallel-filter.js'));
  const { OverlapAddFilter } = await import(dist('packages/eeg/dist/overlap-add.js'));
  const n = 500;
  const x = Matrix.zeros(4, n);
  new Rng(3).fillNormal(x.data);
  const h = Float64Array.from({ length: 31 }, (_, i) => Math.exp(-((i - 15) ** 2) / 20));
  const half = startWorkerHalf((r) => x.row(r), n, h, [1, 3]);
  const got = Matrix.zeros(4, n);
  const used = half !== null && half.finish(got);
  // the worker filters its rows in pairs, as the main thread does: the same pair gives the same bytes
  const a = new Float64Array(n), b = new Float64Array(n);
  new OverlapAddFilter(h, n).apply(x.row(1), x.row(3), a, b);
  let same = used;
  for (let i = 0; i < n; i++) if (got.get(1, i) !== a[i] || got.get(3, i) !== b[i]) same = false;
  out.eeg = { used, same };
}

{ // rsa/node: searchlight (fmri's neighbourhoods) on 2 worker threads = in-process
  const { NiftiMasker, createNiftiImage, searchlightNeighbourhoods } = await import(dist('packages/fmri/dist/index.js'));
  const { searchlight, closeSearchlightPool } = await import(dist('packages/rsa/dist/node/index.js'));
  const s = 9;
  const mask = new Float32Array(s * s * s);
  for (let k = 0; k < s; k++) for (let j = 0; j < s; j++) for (let i = 0; i < s; i++)
    if ((i - 4) ** 2 + (j - 4) ** 2 + (k - 4) ** 2 <= 16) mask[i + s * (j + s * k)] = 1;
  const eye = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  const masker = new NiftiMasker(createNiftiImage({ data: mask, shape: [s, s, s], affine: eye }));
  const rng = new Rng(7);
  const x = Matrix.zeros(8, masker.nVoxels);
  rng.fillNormal(x.data);
  const ds = new Dataset(x, { obsDescriptors: { stim: [0, 1, 2, 3, 4, 5, 6, 7] } });
  const models = Matrix.zeros(1, 28);
  rng.fillNormal(models.data);
  const opts = { models, method: 'correlation', compareMethod: 'spearman', descriptor: 'stim', minVoxels: 5 };
  const nb = searchlightNeighbourhoods(masker, { radius: 2 });
  const one = await searchlight(ds, nb, { ...opts, threads: 1 });
  const two = await searchlight(ds, nb, { ...opts, threads: 2 });
  let same = one.values.data.length === two.values.data.length;
  let finite = 0;
  for (let i = 0; i < one.values.data.length; i++) {
    const a = one.values.data[i], b = two.values.data[i];
    if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) same = false;
    if (Number.isFinite(a)) finite++;
  }
  await closeSearchlightPool();
  out.searchlight = { same, finite };
}

{ // api: a task through the compute pool's worker = the same task inline
  const { ComputePool } = await import(dist('services/api/dist/pool.js'));
  const { runTask } = await import(dist('services/api/dist/compute.js'));
  const task = () => ({ op: 'compare', method: 'spearman',
    a: { kind: 'inline', rows: 1, cols: 10, data: Float64Array.from({ length: 10 }, (_, i) => (i * 7) % 10) },
    b: { kind: 'inline', rows: 1, cols: 10, data: Float64Array.from({ length: 10 }, (_, i) => i) } });
  const pool = new ComputePool({ threads: 1, inlineBelow: 0 });
  const pooled = await pool.run(task());
  await pool.close();
  out.api = { pooled, inline: await runTask(task()) };
}

{ // core: the onnx backend's worker (plain .mjs copied into dist)
  core.setBackend('onnx');
  const x = Matrix.zeros(20, 30);
  new Rng(11).fillNormal(x.data);
  const g = core.gram(x);
  let maxError = 0;
  for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) {
    let s = 0;
    for (let c = 0; c < 30; c++) s += x.get(i, c) * x.get(j, c);
    maxError = Math.max(maxError, Math.abs(g.get(i, j) - s));
  }
  out.onnx = { backend: core.backendFor('syrk').name, maxError };
}

console.log(JSON.stringify({ ...out, started }));
process.exit(0);
`;

/**
 * Run in plain Node against the staged tree (argv[2]): the plan in argv[3]/plan.json through the compiled pipeline's
 * local pool (two child processes), its store in argv[3]/store; prints the outcome's state and results path.
 */
const POOL_SCRIPT = `
import { readFileSync } from 'node:fs';
const [stage, work] = process.argv.slice(2);
const { ArtifactStore, runPlanLocal } = await import('file://' + stage + '/packages/pipeline/dist/index.js');
const plan = JSON.parse(readFileSync(work + '/plan.json', 'utf8'));
const r = await runPlanLocal(plan, new ArtifactStore(work + '/store'), { workers: 2 });
console.log(JSON.stringify({ state: r.state, results: r.results }));
process.exit(0);
`;
