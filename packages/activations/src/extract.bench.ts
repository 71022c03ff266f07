/**
 * Extraction throughput vs bare onnxruntime-node `session.run` on the same batches (issue target: the bookkeeping
 * around the network — batching, finite checks, copying into per-layer Datasets — costs ≤ 20%, i.e. ratio ≥ 0.83).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { printRows, timeBestAsync } from '@concord/core/bench';
import ort from 'onnxruntime-node';
import { withExtraOutputs } from './onnx-graph.ts';
import { loadOnnxModel } from './onnx-model.ts';
import { stimuliFromArray } from './stimuli.ts';
import { syntheticConvNet } from './test-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-bench-'));
const threads = 2;
const rows = [];
for (const [size, c1, c2, c3, n, batch] of [
  [64, 32, 64, 128, 256, 32],
  [112, 32, 64, 128, 128, 16],
] as const) {
  const bytes = syntheticConvNet(size, c1, c2, c3);
  const file = join(dir, `cnn${size}.onnx`);
  writeFileSync(file, bytes);
  const x = new Rng(1).fillUniform(new Float32Array(n * 3 * size * size));
  const layers = ['relu2', 'relu3', 'logits'];

  const model = await loadOnnxModel(file, { threads });
  const stimuli = stimuliFromArray(x, [n, 3, size, size]);
  await model.extract(stimuliFromArray(x.subarray(0, batch * 3 * size * size), [batch, 3, size, size]), {
    layers,
    batchSize: batch,
  }); // warm-up
  const ours = await timeBestAsync(() => model.extract(stimuli, { layers, batchSize: batch }), 3);

  const session = await ort.InferenceSession.create(withExtraOutputs(bytes, ['relu2', 'relu3'], new Map()), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const per = 3 * size * size;
  const bare = async () => {
    for (let s = 0; s < n; s += batch) {
      const b = Math.min(batch, n - s);
      const t = new ort.Tensor('float32', x.subarray(s * per, (s + b) * per), [b, 3, size, size]);
      await session.run({ x: t }, layers);
    }
  };
  await bare();
  const bareTime = await timeBestAsync(bare, 3);
  // The same runs keeping every output (what any extraction must do): a fresh result array touched page by page.
  const bareKeep = async () => {
    const kept = layers.map(() => new Float32Array(0));
    for (let s = 0; s < n; s += batch) {
      const b = Math.min(batch, n - s);
      const t = new ort.Tensor('float32', x.subarray(s * per, (s + b) * per), [b, 3, size, size]);
      const r = await session.run({ x: t }, layers);
      layers.forEach((l, i) => {
        const d = r[l].data as Float32Array;
        if (kept[i].length === 0) kept[i] = new Float32Array((n / b) * d.length);
        kept[i].set(d, (s / b) * d.length);
      });
    }
    return kept;
  };
  const bareKeepTime = await timeBestAsync(bareKeep, 3);
  const units = c2 * (size / 2) ** 2 + c3 * (size / 4) ** 2 + 10;
  rows.push({
    name: `${n} stimuli 3×${size}×${size}, batch ${batch}, layers relu2+relu3+logits (${units} units/stimulus)`,
    seconds: ours,
    reference: bareTime,
    referenceName: 'bare session.run',
    target: 0.83,
    note: `overhead ${(((ours - bareTime) / bareTime) * 100).toFixed(1)}%`,
  });
  rows.push({
    name: '  same, baseline = bare session.run that also keeps the outputs',
    seconds: ours,
    reference: bareKeepTime,
    referenceName: 'bare run + keep',
    target: 0.83,
    note: `overhead ${(((ours - bareKeepTime) / bareKeepTime) * 100).toFixed(1)}%`,
  });
  await session.release();
  await model.dispose();
}
printRows(
  'activations extract vs bare onnxruntime session.run (ratio = bare / extract; ≥ 0.83 means ≤ 20% overhead)',
  rows,
);
rmSync(dir, { recursive: true, force: true });
