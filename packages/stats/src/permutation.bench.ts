/**
 * Permutation benchmarks of issue 15, side by side with the Python tools when Debian's python3-mne is present:
 * - MNE permutation_cluster_1samp_test, 20 subjects × 300 time points, 1024 permutations (issue: 0.84 s; target ≥ 3×),
 *   ours on one thread and through the worker-thread runner (2 threads);
 * - a 10,000-permutation Mantel test on two 92-condition RDMs (target: under 1 s), beside a numpy loop doing the
 *   same permutations (np.corrcoef of the permuted square matrix's upper triangle).
 * Wall seconds are best of 3; the machine may be shared, so CPU seconds are printed too.
 */
import { spawnSync } from 'node:child_process';
import { Rng } from '@concord/core';
import { type BenchRow, printRows } from '@concord/core/bench';
import { permutationCluster1sampTest, permutationCluster1sampTestParallel } from './cluster-test.ts';
import { gridAdjacency } from './clusters.ts';
import { rdmPermutationTest } from './rdm-permutation-test.ts';

const PYTHON = '/usr/bin/python3';
const hasMne = spawnSync(PYTHON, ['-c', 'import mne'], { encoding: 'utf8' }).status === 0;

function python(script: string): number | undefined {
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    process.stderr.write(`python reference failed: ${r.stderr.split('\n').slice(-3).join(' ')}\n`);
    return undefined;
  }
  return Number.parseFloat(r.stdout.trim().split('\n').pop() ?? '');
}

async function best(fn: () => unknown | Promise<unknown>, repeats = 3): Promise<{ seconds: number; cpu: number }> {
  let seconds = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    seconds = Math.min(seconds, (performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  return { seconds, cpu };
}

const rows: BenchRow[] = [];

// cluster test
const rng = new Rng(15);
const nSub = 20;
const nTimes = 300;
const data = Float64Array.from(
  { length: nSub * nTimes },
  (_, k) => rng.normal() + (k % nTimes > 100 && k % nTimes < 160 ? 0.4 : 0),
);
const X = { rows: nSub, cols: nTimes, data };
const mneSeconds = hasMne
  ? python(`import time, numpy as np, mne
mne.set_log_level('ERROR')
X = np.random.RandomState(0).randn(${nSub}, ${nTimes}); X[:, 100:160] += 0.4
best = float('inf')
for _ in range(3):
    t0 = time.perf_counter(); mne.stats.permutation_cluster_1samp_test(X, n_permutations=1024, seed=0); best = min(best, time.perf_counter() - t0)
print(best)`)
  : undefined;
const reference = mneSeconds ?? 0.84;
const referenceName = mneSeconds ? 'MNE 1.3 (live)' : "MNE (issue's measurement)";
permutationCluster1sampTest(X, { nPermutations: 256, seed: 1 }); // warm up
const single = await best(() => permutationCluster1sampTest(X, { nPermutations: 1024, seed: 1 }));
rows.push({
  name: 'permutation_cluster_1samp_test 20 × 300, 1024 permutations (1 thread)',
  seconds: single.seconds,
  reference,
  referenceName,
  target: 3,
  note: `CPU ${single.cpu.toFixed(2)} s`,
});
const threaded = await best(() => permutationCluster1sampTestParallel(X, { nPermutations: 1024, seed: 1, threads: 2 }));
rows.push({
  name: 'same, worker-thread runner (2 threads, worker start-up included)',
  seconds: threaded.seconds,
  reference,
  referenceName,
  target: 3,
  note: `CPU ${threaded.cpu.toFixed(2)} s (main thread)`,
});

// a searchlight map over a masked 30 × 30 × 25 grid: where the worker threads pay
const mask = Array.from({ length: 30 * 30 * 25 }, (_, i) => i % 7 !== 0);
const adjacency = gridAdjacency([30, 30, 25], mask);
const nVox = adjacency.length;
const S = {
  rows: 16,
  cols: nVox,
  data: Float64Array.from({ length: 16 * nVox }, (_, k) => rng.normal() + (k % nVox < 2000 ? 0.5 : 0)),
};
const searchlight = { threshold: 2.5, adjacency, nPermutations: 200, seed: 1 };
const slOne = await best(() => permutationCluster1sampTest(S, searchlight), 1);
rows.push({
  name: `cluster test over a searchlight map, 16 × ${nVox} centres, 200 permutations, 1 thread`,
  seconds: slOne.seconds,
  referenceName: 'no Python reference run',
  note: `CPU ${slOne.cpu.toFixed(2)} s`,
});
const slTwo = await best(() => permutationCluster1sampTestParallel(S, { ...searchlight, threads: 2 }), 1);
rows.push({
  name: 'same, 2 threads (identical H0)',
  seconds: slTwo.seconds,
  reference: slOne.seconds,
  referenceName: 'ours, 1 thread',
  note: `CPU ${slTwo.cpu.toFixed(2)} s (main thread)`,
});

// Mantel test
const n = 92;
const m = (n * (n - 1)) / 2;
const a = Float64Array.from({ length: m }, () => rng.normal());
const b = a.map((x) => x + 2 * rng.normal());
const numpySeconds = python(`import time, numpy as np
rng = np.random.RandomState(0)
n = ${n}; iu = np.triu_indices(n, 1)
a = rng.randn(len(iu[0])); b = a + 2 * rng.randn(len(iu[0]))
B = np.zeros((n, n)); B[iu] = b; B = B + B.T
def run():
    obs = np.corrcoef(a, b)[0, 1]
    count = 1
    for _ in range(9999):
        p = rng.permutation(n)
        count += np.corrcoef(a, B[np.ix_(p, p)][iu])[0, 1] >= obs
    return count
best = float('inf')
for _ in range(2):
    t0 = time.perf_counter(); run(); best = min(best, time.perf_counter() - t0)
print(best)`);
for (const method of ['corr', 'spearman']) {
  rdmPermutationTest(a, b, { method, nPermutations: 500 }); // warm up
  const r = await best(() => rdmPermutationTest(a, b, { method, nPermutations: 10_000, seed: 2 }));
  rows.push({
    name: `Mantel test (${method}), 92 conditions, 10,000 permutations (1 thread; goal < 1 s)`,
    seconds: r.seconds,
    reference: numpySeconds,
    referenceName: numpySeconds ? 'numpy loop (corr)' : undefined,
    note: `CPU ${r.cpu.toFixed(2)} s`,
  });
}
printRows('permutation and cluster tests', rows);
