/**
 * Shared helpers for `pnpm bench` files (*.bench.ts): best-of-N timing, running the numpy/scipy equivalent
 * side by side when python3 with numpy is present, and one table format with the ratio numpy-time / our-time
 * (> 1 means Concord is faster). Benchmarks report; they never assert timings.
 */
import { spawnSync } from 'node:child_process';

export function timeBest(fn: () => unknown, repeats = 3): number {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

export async function timeBestAsync(fn: () => Promise<unknown>, repeats = 3): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

let pythonChecked: boolean | undefined;

/** True when python3 can import numpy (and scipy, when asked). */
export function hasPython(modules: string[] = ['numpy']): boolean {
  if (pythonChecked === false) return false;
  const r = spawnSync('python3', ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  const ok = r.status === 0;
  if (modules.length === 1 && modules[0] === 'numpy') pythonChecked = ok;
  return ok;
}

/**
 * Run a python snippet that defines `setup()` returning state and `run(state)`; prints the best of `repeats`
 * wall times of run(). Returns seconds, or undefined when python3/numpy is missing or the snippet fails.
 */
export function timePython(setupAndRun: string, repeats = 3, modules: string[] = ['numpy']): number | undefined {
  if (!hasPython(modules)) return undefined;
  const script = `
import time, sys
${setupAndRun}
st = setup()
best = float('inf')
for _ in range(${repeats}):
    t0 = time.perf_counter(); run(st); best = min(best, time.perf_counter() - t0)
print(best)
`;
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    process.stderr.write(`python reference failed: ${r.stderr.split('\n').slice(-3).join(' ')}\n`);
    return undefined;
  }
  return Number.parseFloat(r.stdout.trim().split('\n').at(-1) ?? '');
}

export interface BenchRow {
  name: string;
  /** Our time in seconds. */
  seconds: number;
  /** The reference's time in seconds, when it ran. */
  reference?: number;
  referenceName?: string;
  /** The target ratio from the issue, printed beside the measured one. */
  target?: number;
  note?: string;
}

export function printRows(title: string, rows: BenchRow[]): void {
  const lines = [
    `\n## ${title}`,
    `| case | concord s | reference | ref s | ratio (ref/concord) | target | note |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ratio = r.reference !== undefined ? (r.reference / r.seconds).toFixed(2) : 'n/a';
    lines.push(
      `| ${r.name} | ${r.seconds.toFixed(4)} | ${r.referenceName ?? (r.reference !== undefined ? 'numpy' : 'python3/numpy absent')} | ${r.reference?.toFixed(4) ?? '-'} | ${ratio} | ${r.target !== undefined ? `≥ ${r.target}` : '-'} | ${r.note ?? ''} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Peak resident memory so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
