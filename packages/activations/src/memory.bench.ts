/**
 * Bounded memory: 10,000 stimuli through a network with a 1,048,576-unit layer (1×1 conv to 1024 maps of 32×32,
 * ReLU), reduced while streaming by a seeded sparse random projection to 4,096 dimensions (issue target: peak
 * memory under 2 GB). Without the reduction the layer alone would need 10,000 × 1M × 4 B = 42 GB.
 * Set CONCORD_BENCH_STIMULI to run fewer stimuli.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { peakRssMiB } from '@concord/core/bench';
import { loadOnnxModel } from './onnx-model.ts';
import { stimuliFromGenerator } from './stimuli.ts';
import { wideLayerNet } from './test-models.ts';

const count = Number(process.env.CONCORD_BENCH_STIMULI ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'concord-mem-'));
const file = join(dir, 'wide.onnx');
writeFileSync(file, wideLayerNet(1024));
const model = await loadOnnxModel(file, { threads: 2 });
// Each stimulus is seeded by its index, so nothing is held in memory and runs are reproducible.
const stimuli = stimuliFromGenerator(count, [1, 32, 32], (i, out) => new Rng(i).fillNormal(out), {
  source: 'seeded normal 32×32',
  seed: 0,
});
const rssBefore = process.memoryUsage().rss / 2 ** 20;
const t0 = performance.now();
let lastReport = 0;
const datasets = await model.extract(stimuli, {
  layers: ['wide'],
  batchSize: 16,
  reduce: { kind: 'randomProjection', nComponents: 4096, seed: 1 },
  onProgress: (e) => {
    if (e.done - lastReport >= 2000 || e.done === e.total) {
      lastReport = e.done;
      process.stderr.write(
        `  ${e.done}/${e.total} stimuli, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`,
      );
    }
  },
});
const seconds = (performance.now() - t0) / 1000;
const ds = datasets.get('wide');
if (!ds) throw new Error("memory bench: the extraction returned no 'wide' layer");
const peak = peakRssMiB();
process.stdout.write(
  [
    '',
    '## activations: bounded memory (random projection while streaming)',
    '| stimuli | layer units | reduced to | seconds | stimuli/s | peak RSS MiB | target | rss before MiB |',
    '|---|---|---|---|---|---|---|---|',
    `| ${count} | ${1024 * 32 * 32} | ${ds.nChannels} | ${seconds.toFixed(1)} | ${(count / seconds).toFixed(0)} | ${peak.toFixed(0)} | < 2048 | ${rssBefore.toFixed(0)} |`,
    '',
  ].join('\n'),
);
await model.dispose();
rmSync(dir, { recursive: true, force: true });
