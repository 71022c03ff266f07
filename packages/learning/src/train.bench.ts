/**
 * Training speed against PyTorch (Debian python3-torch, CPU), side by side in one run: one epoch of the default MLP
 * (784-1024-512-256-10, tanh, Adam, batch 128) on the first N Fashion-MNIST images (N = CONCORD_BENCH_TRAIN_N,
 * default 60000) for BP, FA and DFA; PyTorch with one and with two threads (ratio = PyTorch's best / ours; ≥ 1 means
 * we are at least as fast). Every other registered rule: seconds per epoch against BP's (N/4 images). The
 * TypeScript backend: its ratio on a 2,000-image subset. Peak resident memory while training. Reported, not gated.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trainingKernelsFor } from '@concord/core';
import { trainNetwork } from './engine/train.ts';
import { RULES } from './rules/index.ts';
import { fashionMnist, pythonWithTorch } from './testing.ts';

const dataset = fashionMnist();
if (!dataset) {
  console.log('skipped: Debian package dataset-fashion-mnist is not installed');
  process.exit(0);
}
const n = Number(process.env.CONCORD_BENCH_TRAIN_N ?? 60000);
trainingKernelsFor('native').setThreads(1);
const python = pythonWithTorch();
const script = fileURLToPath(new URL('../scripts/torch_reference.py', import.meta.url));

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
function ours(rule: string, limit: number, backend: 'native' | 'js' = 'native'): number {
  const r = trainNetwork({
    rule,
    arch: 'mlp',
    dataset: dataset as NonNullable<typeof dataset>,
    seed: 0,
    limitTrain: limit,
    limitTest: 1,
    training: { epochs: 1 },
    backend,
  });
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return r.secondsPerEpoch[0];
}
function torch(rule: string, threads: number): number | undefined {
  if (!python) return undefined;
  const r = spawnSync(python, [script, rule, String(threads), String(n)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`  pytorch ${rule} failed: ${r.stderr.trim().split('\n').at(-1)}`);
    return undefined;
  }
  return (JSON.parse(r.stdout) as { seconds: number }).seconds;
}

console.log(`one epoch, default MLP, ${n} Fashion-MNIST images, batch 128, Adam; ours: native backend, 1 BLAS thread`);
console.log('rule            ours s   torch 1T s   torch 2T s   ratio (torch best / ours)');
const bpSeconds: number[] = [];
for (const rule of ['bp', 'fa', 'dfa']) {
  const t1 = torch(rule, 1);
  const mine = ours(rule, n);
  const t2 = torch(rule, 2);
  if (rule === 'bp') bpSeconds.push(mine);
  const best = Math.min(t1 ?? Infinity, t2 ?? Infinity);
  console.log(
    `${rule.padEnd(14)}${mine.toFixed(2).padStart(8)}${(t1?.toFixed(2) ?? '-').padStart(13)}${(t2?.toFixed(2) ?? '-').padStart(13)}${(Number.isFinite(best) ? (best / mine).toFixed(2) : 'n/a (no python3 with torch)').padStart(12)}`,
  );
}
const quarter = Math.max(1000, Math.floor(n / 4));
const bpQuarter = ours('bp', quarter);
console.log(`\nother rules, ${quarter} images: seconds per epoch and ratio to BP's (${bpQuarter.toFixed(2)} s)`);
for (const r of RULES) {
  const name = r.declaration.name;
  if (['bp', 'fa', 'dfa'].includes(name) || r.kind !== 'update' || !r.declaration.architectures.includes('mlp'))
    continue;
  try {
    const s = ours(name, quarter);
    console.log(`${name.padEnd(24)}${s.toFixed(2).padStart(8)} s   ×${(s / bpQuarter).toFixed(2)} of BP`);
  } catch (e) {
    console.log(`${name.padEnd(24)}failed: ${(e as Error).message}`);
  }
}
const jsN = 2000;
const nat = ours('bp', jsN);
const js = ours('bp', jsN, 'js');
console.log(
  `\nTypeScript backend, BP, ${jsN} images: ${js.toFixed(2)} s vs native ${nat.toFixed(2)} s (ratio native/js ${(nat / js).toFixed(3)})`,
);
clearInterval(sampler);
console.log(`peak resident memory: ${(peakRss / 2 ** 20).toFixed(0)} MB (goal < 1024 MB)`);
