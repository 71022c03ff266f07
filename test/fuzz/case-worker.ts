/**
 * The fuzz worker: a child process that reads cases one at a time and classifies each outcome. The parent owns the
 * time limit (it kills a worker whose case runs too long) and notices crashes (the process exits mid-case).
 */
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isConcordError } from '@concord/core';
import { type FuzzCase, makeCase, writeCase } from './cases.ts';
import { type FuzzFormat, type FuzzSeed, fuzzFormat } from './formats.ts';

export type Outcome = 'ok' | 'typed' | 'untyped' | 'invalid' | 'memory';

export interface CaseRequest {
  type: 'case';
  format: string;
  index: number;
  runSeed: number;
  quick: boolean;
  dir: string;
}
export interface PrepareRequest {
  type: 'prepare';
  format: string;
  quick: boolean;
  dir: string;
}
export interface CaseReply {
  type: 'result';
  index: number;
  outcome: Outcome;
  detail: string;
  seed: string;
  member: string;
  what: string;
  ms: number;
}

const seedsCache = new Map<string, FuzzSeed[]>();

async function seedsOf(format: FuzzFormat, quick: boolean): Promise<FuzzSeed[]> {
  const key = `${format.name}:${quick}`;
  let s = seedsCache.get(key);
  if (!s) {
    s = await format.seeds(quick);
    seedsCache.set(key, s);
  }
  return s;
}

/** Memory a case may take beyond the process's baseline: 256 MB plus 32 bytes per byte of input. */
export function memoryBound(totalBytes: number): number {
  return 256 * 2 ** 20 + 32 * totalBytes;
}

const gc = (globalThis as { gc?: () => void }).gc;

function describeError(e: unknown): string {
  if (e instanceof Error)
    return `${e.name}${(e as { code?: string }).code ? ` ${(e as { code?: string }).code}` : ''}: ${e.message.slice(0, 300)}`;
  return String(e).slice(0, 300);
}

async function runCase(req: CaseRequest): Promise<CaseReply> {
  const format = fuzzFormat(req.format);
  const seeds = await seedsOf(format, req.quick);
  const c: FuzzCase = makeCase(format, seeds, req.runSeed, req.index);
  const dir = join(req.dir, `s${c.seedIndex}`);
  const { main, total } = writeCase(c, dir);
  // a full collection now and then keeps the baseline honest without paying for one per case
  if (req.index % 50 === 0) gc?.();
  const rssBefore = process.memoryUsage.rss();
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  let outcome: Outcome;
  let detail = '';
  try {
    const violations = await format.read(main, total);
    outcome = violations.length ? 'invalid' : 'ok';
    detail = violations.join('; ');
  } catch (e) {
    // typed: a Concord error for bad input that names the file it is about
    const names = Object.keys(c.seed.files);
    const named = e instanceof Error && names.some((n) => e.message.includes(n));
    outcome = isConcordError(e) && e.badInput && named ? 'typed' : 'untyped';
    detail = `${describeError(e)}${isConcordError(e) && !named ? ' [message names no file]' : ''}`;
  }
  const ms = performance.now() - t0;
  const peakAfter = process.resourceUsage().maxRSS * 1024;
  if (peakAfter > peakBefore && peakAfter - rssBefore > memoryBound(total)) {
    detail = `peak RSS grew ${((peakAfter - rssBefore) / 2 ** 20).toFixed(0)} MB for ${total} input bytes (${outcome}: ${detail})`;
    outcome = 'memory';
  }
  return {
    type: 'result',
    index: req.index,
    outcome,
    detail,
    seed: c.seed.name,
    member: basename(c.member),
    what: c.mutation.what,
    ms,
  };
}

/** Load the format's modules and read each unmutated seed once, so module loading never counts against a case. */
async function prepare(req: PrepareRequest): Promise<string> {
  const format = fuzzFormat(req.format);
  const seeds = await seedsOf(format, req.quick);
  const problems: string[] = [];
  for (const [i, seed] of seeds.entries()) {
    const dir = join(req.dir, `s${i}`);
    const { main, total } = writeCase(
      { index: -1, seedIndex: i, seed, member: seed.main, mutation: { bytes: seed.files[seed.main], what: '' } },
      dir,
    );
    try {
      const v = await format.read(main, total);
      if (v.length) problems.push(`${seed.name}: ${v.join('; ')}`);
    } catch (e) {
      problems.push(`${seed.name}: ${describeError(e)}`);
    }
  }
  return `${seeds.length} seeds${problems.length ? `; unmutated seeds failing: ${problems.join(' | ')}` : ''}`;
}

process.on('message', (msg: CaseRequest | PrepareRequest | { type: 'exit'; dir?: string }) => {
  void (async () => {
    if (msg.type === 'exit') {
      if (msg.dir) rmSync(msg.dir, { recursive: true, force: true });
      process.exit(0);
    }
    if (msg.type === 'prepare') {
      const note = await prepare(msg).catch((e) => `prepare failed: ${describeError(e)}`);
      process.send?.({ type: 'prepared', format: msg.format, note });
      return;
    }
    const reply = await runCase(msg).catch(
      (e): CaseReply => ({
        type: 'result',
        index: msg.index,
        outcome: 'untyped',
        detail: `harness: ${describeError(e)}`,
        seed: '',
        member: '',
        what: '',
        ms: 0,
      }),
    );
    process.send?.(reply);
  })();
});
// unhandled rejections from a reader's stray promise are the reader's fault: report and die (a crash)
process.on('unhandledRejection', (e) => {
  process.stderr.write(`unhandled rejection: ${describeError(e)}\n`);
  process.exit(70);
});
process.send?.({ type: 'ready' });
