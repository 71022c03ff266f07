/**
 * Issue 16's performance points, each against BP's epoch in the same run (reported, not gated):
 * - predictive coding, T = 20, default MLP: seconds per epoch / BP's on the same images (goal ≤ 30×);
 * - equilibrium propagation 784-512-10 (T1 = 30, T2 = 10): / BP's epoch of the same 784-512-10 network (goal ≤ 60×);
 * - STDP with 400 excitatory neurons: training images per second on one core (goal ≥ 100).
 * Images: the first CONCORD_BENCH_TRAIN_N Fashion-MNIST training images (default 10000; ratios, not totals, matter).
 */
import { Rng, trainingKernelsFor } from '@concord/core';
import { trainNetwork } from '../engine/train.ts';
import { fashionMnist } from '../testing.ts';
import { DiehlCookNetwork } from './stdp-network.ts';

const dataset = fashionMnist();
if (!dataset) {
  console.log('skipped: Debian package dataset-fashion-mnist is not installed');
  process.exit(0);
}
const n = Number(process.env.CONCORD_BENCH_TRAIN_N ?? 10000);
trainingKernelsFor('native').setThreads(1);

function epochSeconds(rule: string, training: Record<string, unknown> = {}): number {
  const r = trainNetwork({
    rule,
    arch: 'mlp',
    dataset: dataset as NonNullable<typeof dataset>,
    seed: 0,
    limitTrain: n,
    limitTest: 1,
    training: { epochs: 1, ...training },
  });
  return r.secondsPerEpoch[0];
}

console.log(`one epoch on ${n} Fashion-MNIST images, native backend, 1 BLAS thread`);
const bp = epochSeconds('bp');
const pc = epochSeconds('predictive-coding');
console.log(`BP default MLP          ${bp.toFixed(2)} s`);
console.log(`predictive coding T=20  ${pc.toFixed(2)} s   ×${(pc / bp).toFixed(1)} of BP (goal ≤ 30)`);
const bpSmall = epochSeconds('bp', { hidden: [512], activation: 'hard-sigmoid', batch: 50 });
const eq = epochSeconds('equilibrium-propagation');
console.log(`BP 784-512-10, batch 50 ${bpSmall.toFixed(2)} s`);
console.log(`EqProp 784-512-10       ${eq.toFixed(2)} s   ×${(eq / bpSmall).toFixed(1)} of BP (goal ≤ 60)`);

const images = Math.min(300, dataset.train.n);
const net = new DiehlCookNetwork(784, 400, new Rng(1));
const c0 = process.cpuUsage().user;
const t0 = performance.now();
for (let s = 0; s < images; s++) net.present(dataset.train.images.subarray(s * 784, (s + 1) * 784), { learn: true });
const wall = (performance.now() - t0) / 1000;
const cpu = (process.cpuUsage().user - c0) / 1e6;
console.log(
  `STDP 400 neurons        ${(images / wall).toFixed(1)} training images/s wall, ${(images / cpu).toFixed(1)} per CPU-second (goal ≥ 100)`,
);
