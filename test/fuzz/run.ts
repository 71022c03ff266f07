/**
 * The fuzz driver. Runs seeded mutation cases for each reader in worker processes with a per-case time limit and
 * classifies every outcome:
 *   ok        the reader returned data that satisfies its invariants
 *   typed     it threw a Concord error for bad input that names the file
 *   untyped   it threw anything else (a bare TypeError/RangeError, an error naming no file)
 *   invalid   it returned data that violates its own invariants (invalid-but-accepted)
 *   hang      the case ran past the time limit (the worker is killed)
 *   crash     the worker process died
 *   memory    peak memory grew past 256 MB + 32 × the input's size (or the worker ran out of heap)
 * Only ok and typed are good. `pnpm fuzz` (tsx test/fuzz/run.ts) runs 10,000 cases per format; see README.md.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseReply, CaseRequest, Outcome } from './case-worker.ts';
import { makeCase } from './cases.ts';
import { FUZZ_FORMATS, fuzzFormat } from './formats.ts';

export type FuzzClass = Outcome | 'hang' | 'crash';
export const FUZZ_CLASSES: FuzzClass[] = ['ok', 'typed', 'untyped', 'invalid', 'hang', 'crash', 'memory'];
export const BAD_CLASSES: FuzzClass[] = ['untyped', 'invalid', 'hang', 'crash', 'memory'];

export interface FuzzOptions {
  formats?: string[];
  /** Cases per format. */
  cases: number;
  seed?: number;
  /** Per-case time limit in ms (default 10,000). */
  timeoutMs?: number;
  /** Worker processes (default 1). */
  jobs?: number;
  /** Small seeds only (the CI sample). */
  quick?: boolean;
  /** Where reproducers of bad cases are written (none when absent). */
  outDir?: string;
  onCase?: (format: string, done: number, total: number) => void;
}

export interface BadCase {
  class: FuzzClass;
  index: number;
  seed: string;
  member: string;
  what: string;
  detail: string;
}

export interface FormatReport {
  format: string;
  counts: Record<FuzzClass, number>;
  bad: BadCase[];
  note: string;
  ms: number;
  /** Time spent inside the readers (sum over cases). */
  readMs: number;
}

const workerFile = join(dirname(fileURLToPath(import.meta.url)), 'case-worker.ts');
/** Cases a worker reads before it is replaced (bounds what leaks from one case into the next). */
const RECYCLE_AFTER = 500;

class Worker {
  proc: ChildProcess;
  handled = 0;
  stderr = '';
  private pending: ((m: unknown) => void) | null = null;
  private exited: ((code: number | null, signal: string | null) => void) | null = null;
  readonly ready: Promise<void>;
  alive = true;

  constructor(readonly dir: string) {
    this.proc = fork(workerFile, [], {
      execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=1536', '--stack-size=2000'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // HDF5 reads give up (ERR_IO_HDF5_TIMEOUT) well inside the case limit, so a looping libhdf5 shows as typed.
      env: {
        ...process.env,
        UV_THREADPOOL_SIZE: '1',
        OMP_NUM_THREADS: '1',
        CONCORD_HDF5_TIMEOUT_MS: process.env.CONCORD_HDF5_TIMEOUT_MS ?? '4000',
      },
    });
    this.proc.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: { type?: string }) => {
        if (m.type === 'ready') {
          this.proc.off('message', onMsg);
          resolve();
        }
      };
      this.proc.on('message', onMsg);
      this.proc.once('exit', (code) =>
        reject(new Error(`fuzz worker exited during start-up (${code}): ${this.stderr}`)),
      );
    });
    this.proc.on('message', (m) => {
      const p = this.pending;
      this.pending = null;
      p?.(m);
    });
    this.proc.on('exit', (code, signal) => {
      this.alive = false;
      const e = this.exited;
      this.exited = null;
      e?.(code, signal);
    });
  }

  /** Send a request; resolves with the reply, or {exit} when the process dies, or {timeout}. */
  request(msg: object, timeoutMs: number): Promise<{ reply?: unknown; exit?: string; timeout?: boolean }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.exited = null;
        this.kill();
        resolve({ timeout: true });
      }, timeoutMs);
      this.pending = (m) => {
        clearTimeout(timer);
        this.exited = null;
        resolve({ reply: m });
      };
      this.exited = (code, signal) => {
        clearTimeout(timer);
        this.pending = null;
        resolve({
          exit: `exit code ${code}, signal ${signal}; stderr: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`,
        });
      };
      this.proc.send(msg);
    });
  }

  kill(): void {
    if (this.alive) this.proc.kill('SIGKILL');
    this.alive = false;
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    await new Promise<void>((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.send({ type: 'exit' });
      setTimeout(() => {
        this.kill();
        resolve();
      }, 5000).unref();
    });
  }
}

function emptyCounts(): Record<FuzzClass, number> {
  return Object.fromEntries(FUZZ_CLASSES.map((c) => [c, 0])) as Record<FuzzClass, number>;
}

/** Run the fuzzer; one report per format. */
export async function runFuzz(opts: FuzzOptions): Promise<FormatReport[]> {
  const names = opts.formats ?? FUZZ_FORMATS.map((f) => f.name);
  const runSeed = opts.seed ?? 1;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const jobs = Math.max(1, opts.jobs ?? 1);
  const quick = opts.quick ?? false;
  const root = mkdtempSync(join(tmpdir(), 'concord-fuzz-'));
  const reports: FormatReport[] = [];
  let workerCount = 0;
  const spawn = async (format: string): Promise<{ w: Worker; note: string }> => {
    const w = new Worker(join(root, `w${workerCount++}`));
    await w.ready;
    const r = await w.request({ type: 'prepare', format, quick, dir: w.dir }, 10 * 60_000);
    const note = (r.reply as { note?: string } | undefined)?.note ?? `prepare: ${r.exit ?? 'timed out'}`;
    return { w, note };
  };
  try {
    for (const name of names) {
      fuzzFormat(name); // unknown names fail before any work
      const t0 = performance.now();
      const counts = emptyCounts();
      const bad: BadCase[] = [];
      const workers: Worker[] = [];
      let note = '';
      for (let j = 0; j < jobs; j++) {
        const s = await spawn(name);
        workers.push(s.w);
        note = s.note;
      }
      if (/^0 seeds/.test(note)) {
        for (const w of workers) await w.close();
        reports.push({ format: name, counts, bad, note: `${note} (no seed files: skipped)`, ms: 0, readMs: 0 });
        continue;
      }
      let next = 0;
      let done = 0;
      let readMs = 0;
      const record = (cls: FuzzClass, b: Omit<BadCase, 'class'>) => {
        counts[cls]++;
        if (BAD_CLASSES.includes(cls)) bad.push({ class: cls, ...b });
        done++;
        opts.onCase?.(name, done, opts.cases);
      };
      await Promise.all(
        workers.map(async (_, slot) => {
          while (next < opts.cases) {
            const index = next++;
            let w = workers[slot];
            const req: CaseRequest = { type: 'case', format: name, index, runSeed, quick, dir: w.dir };
            const r = await w.request(req, timeoutMs);
            if (r.reply) {
              const m = r.reply as CaseReply;
              readMs += m.ms;
              record(m.outcome, { index, seed: m.seed, member: m.member, what: m.what, detail: m.detail });
              if (m.outcome === 'memory') w.kill();
            } else {
              const oom = /heap out of memory|Allocation failed|out of memory/i.test(w.stderr);
              const cls: FuzzClass = r.timeout ? 'hang' : oom ? 'memory' : 'crash';
              record(cls, {
                index,
                seed: '',
                member: '',
                what: '',
                detail: r.timeout ? `no result within ${timeoutMs} ms` : (r.exit ?? ''),
              });
            }
            w.handled++;
            if (!w.alive || w.handled >= RECYCLE_AFTER) {
              await w.close();
              w = (await spawn(name)).w;
              workers[slot] = w;
            }
          }
        }),
      );
      for (const w of workers) await w.close();
      bad.sort((a, b) => a.index - b.index);
      if (opts.outDir && bad.length) await saveReproducers(opts.outDir, name, runSeed, quick, bad);
      reports.push({ format: name, counts, bad, note, ms: performance.now() - t0, readMs });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return reports;
}

/** Reproducers: each bad case's files (mutated member included) and a JSON line saying what happened. */
async function saveReproducers(outDir: string, name: string, runSeed: number, quick: boolean, bad: BadCase[]) {
  const format = fuzzFormat(name);
  const seeds = await format.seeds(quick);
  for (const b of bad.slice(0, 200)) {
    const c = makeCase(format, seeds, runSeed, b.index);
    const dir = join(outDir, name, `${b.class}-${b.index}`);
    mkdirSync(dir, { recursive: true });
    for (const [f, bytes] of Object.entries(c.seed.files))
      writeFileSync(join(dir, f), f === c.member ? c.mutation.bytes : bytes);
    writeFileSync(
      join(dir, 'case.json'),
      `${JSON.stringify({ ...b, seed: c.seed.name, member: c.member, what: c.mutation.what, runSeed }, null, 2)}\n`,
    );
  }
}

/** A Markdown table of the counts. */
export function formatReports(reports: FormatReport[]): string {
  const head = `| format | cases | ${FUZZ_CLASSES.join(' | ')} | s (reading) |`;
  const sep = `|${' --- |'.repeat(FUZZ_CLASSES.length + 3)}`;
  const rows = reports.map((r) => {
    const n = FUZZ_CLASSES.reduce((s, c) => s + r.counts[c], 0);
    return `| ${r.format} | ${n} | ${FUZZ_CLASSES.map((c) => r.counts[c]).join(' | ')} | ${(r.ms / 1000).toFixed(0)} (${(r.readMs / 1000).toFixed(0)}) |`;
  });
  return [head, sep, ...rows].join('\n');
}

function parseArgs(argv: string[]): FuzzOptions & { help?: boolean } {
  const o: FuzzOptions & { help?: boolean } = { cases: 10_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--cases') o.cases = Number(val());
    else if (a === '--seed') o.seed = Number(val());
    else if (a === '--timeout') o.timeoutMs = Number(val());
    else if (a === '--jobs') o.jobs = Number(val());
    else if (a === '--formats') o.formats = val().split(',');
    else if (a === '--out') o.outDir = val();
    else if (a === '--quick') o.quick = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(
      `usage: pnpm fuzz [--cases N=10000] [--seed S=1] [--timeout MS=10000] [--jobs J=1] [--formats ${FUZZ_FORMATS.map((f) => f.name).join(',')}] [--out DIR] [--quick]\n`,
    );
    return;
  }
  let last = 0;
  const reports = await runFuzz({
    ...o,
    onCase: (format, done, total) => {
      const now = Date.now();
      if (now - last > 2000 || done === total) {
        last = now;
        process.stderr.write(`\r${format}: ${done}/${total}   `);
        if (done === total) process.stderr.write('\n');
      }
    },
  });
  process.stdout.write(`${formatReports(reports)}\n`);
  for (const r of reports) {
    if (r.note) process.stdout.write(`\n${r.format}: ${r.note}\n`);
    for (const b of r.bad.slice(0, 20))
      process.stdout.write(`  ${b.class} #${b.index} ${b.seed} ${b.member}: ${b.what} -> ${b.detail}\n`);
  }
  if (reports.some((r) => BAD_CLASSES.some((c) => r.counts[c] > 0))) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  });
}
