/**
 * Pattern bootstrap as in issue 15: 1000 samples × 92 conditions × 8 subject RDMs × 10 models, corr and spearman,
 * noise ceiling per sample. Reference: rsatoolbox's eval_bootstrap_pattern on the same sizes when python3 can import
 * it (RSATOOLBOX_PYTHONPATH / RSATOOLBOX_PYTHON; timed on 50 samples and scaled to 1000, its cost is linear in
 * samples), otherwise the issue's measurement on this kind of machine (23 s corr, 108 s spearman). Target ≥ 20×.
 * Concord runs single-threaded, then on 2 threads (CPU seconds are printed beside wall seconds: the machine may be
 * shared).
 */
import { spawnSync } from 'node:child_process';
import { Matrix, Rng } from '@concord/core';
import { type BenchRow, printRows } from '@concord/core/bench';
import { evalBootstrapParallel, evalBootstrapPattern } from './evaluate.ts';

const n = 92;
const pairs = (n * (n - 1)) / 2;
const rng = new Rng(15);
const data = Matrix.zeros(8, pairs);
const models = Matrix.zeros(10, pairs);
rng.fillUniform(data.data as Float64Array);
rng.fillUniform(models.data as Float64Array);

const rsaPath = process.env.RSATOOLBOX_PYTHONPATH;
const env = rsaPath ? { ...process.env, PYTHONPATH: rsaPath } : process.env;
const python = process.env.RSATOOLBOX_PYTHON ?? 'python3';
const hasRsatoolbox = spawnSync(python, ['-c', 'import rsatoolbox.inference'], { env, encoding: 'utf8' }).status === 0;
const ISSUE_SECONDS: Record<string, number> = { corr: 23, spearman: 108 };

function rsatoolboxSeconds(method: string): { seconds: number; name: string } {
  if (!hasRsatoolbox) return { seconds: ISSUE_SECONDS[method], name: "rsatoolbox (issue's measurement)" };
  const samples = 50;
  const script = `
import time, warnings, numpy as np
warnings.simplefilter('ignore')
from rsatoolbox.rdm import RDMs
from rsatoolbox.model import ModelFixed
from rsatoolbox.inference import eval_bootstrap_pattern
rng = np.random.default_rng(0)
data = RDMs(rng.random((8, ${pairs})))
models = [ModelFixed('m%d' % i, rng.random(${pairs})) for i in range(10)]
t0 = time.perf_counter()
eval_bootstrap_pattern(models, data, method='${method}', N=${samples}, verbose=-1)
print((time.perf_counter() - t0) * ${1000 / samples})
`;
  const r = spawnSync(python, ['-c', script], { env, encoding: 'utf8' });
  if (r.status !== 0)
    return { seconds: ISSUE_SECONDS[method], name: "rsatoolbox (issue's measurement; live run failed)" };
  return { seconds: Number.parseFloat(r.stdout.trim()), name: 'rsatoolbox (live, 50 samples ×20)' };
}

const rows: BenchRow[] = [];
for (const method of ['corr', 'spearman']) {
  evalBootstrapPattern(models, data, { method, nSamples: 20, seed: 1 }); // warm up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  evalBootstrapPattern(models, data, { method, nSamples: 1000, seed: 1 });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ref = rsatoolboxSeconds(method);
  rows.push({
    name: `eval_bootstrap_pattern ${method}, 1000 × 92 cond × 8 RDMs × 10 models`,
    seconds,
    reference: ref.seconds,
    referenceName: ref.name,
    target: 20,
    note: `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, single thread`,
  });
}
for (const method of ['corr', 'spearman']) {
  const t0 = performance.now();
  await evalBootstrapParallel('pattern', models, data, { method, nSamples: 1000, seed: 1, threads: 2 });
  const seconds = (performance.now() - t0) / 1000;
  rows.push({
    name: `evalBootstrapParallel ${method}, 2 threads (worker start-up included)`,
    seconds,
    reference: ISSUE_SECONDS[method],
    referenceName: "rsatoolbox (issue's measurement)",
    target: 20,
  });
}
printRows('pattern bootstrap (rsatoolbox eval_bootstrap_pattern)', rows);
