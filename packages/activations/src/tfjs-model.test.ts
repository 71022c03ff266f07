import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { defined } from '@concord/core/testing';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from './load-model.ts';
import { stimuliFromArray } from './stimuli.ts';
import { writeNsfwjsModel } from './test-models.ts';
import { tfjsBackend } from './tfjs-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-tfjs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function images(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return rng.fillUniform(new Float32Array(n * 224 * 224 * 3));
}

describe('TF.js layers model from disk (MobileNetV2 backbone shipped in nsfwjs)', () => {
  let file: string;
  beforeAll(() => {
    file = writeNsfwjsModel('mobilenet_v2', join(dir, 'mnv2'));
  });

  it('lists the input and the layers with class and output shape', async () => {
    const model = await loadModel(file);
    expect(model.format).toBe('tfjs-layers');
    expect(model.inputs).toEqual([{ name: 'input_1', shape: ['N', 224, 224, 3], dtype: 'float32' }]);
    const byName = new Map(model.layers.map((l) => [l.name, l]));
    expect(byName.get('Conv1')).toMatchObject({ op: 'Conv2D', shape: ['N', 112, 112, 32] });
    expect(byName.get('out_relu')).toMatchObject({ shape: ['N', 7, 7, 1280] });
    expect(model.layers.at(-1)).toMatchObject({ name: 'dense_3', op: 'Dense', shape: ['N', 5] });
    await model.dispose();
  });

  it('extracted layers equal the full model run by tfjs directly, per stimulus, in any batching', async () => {
    const model = await loadModel(file);
    const x = images(3, 7);
    const got = await model.extract(stimuliFromArray(x, [3, 224, 224, 3]), {
      layers: ['dense_3', 'out_relu'],
      batchSize: 2,
      reduce: { kind: 'globalAveragePool' },
    });
    const ds = defined(got.get('dense_3'));
    expect([ds.nObs, ds.nChannels]).toEqual([3, 5]);
    const pooled = defined(got.get('out_relu'));
    expect([pooled.nObs, pooled.nChannels]).toEqual([3, 1280]);
    // Row sums of a softmax head are 1 (the head ends in softmax).
    for (let i = 0; i < 3; i++)
      expect(Array.from(ds.measurements.row(i)).reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    // Same stimulus alone gives the same numbers (batching does not leak between stimuli).
    const one = await model.extract(stimuliFromArray(x.slice(224 * 224 * 3 * 2), [1, 224, 224, 3]), {
      layers: ['dense_3', 'out_relu'],
      reduce: { kind: 'globalAveragePool' },
    });
    for (let j = 0; j < 5; j++)
      expect(defined(one.get('dense_3')).measurements.get(0, j)).toBeCloseTo(ds.measurements.get(2, j), 5);
    for (let j = 0; j < 1280; j += 97)
      expect(defined(one.get('out_relu')).measurements.get(0, j)).toBeCloseTo(pooled.measurements.get(2, j), 4);
    await model.dispose();
  });

  it('the last layer equals predict() of the model as tfjs loads it, and pooling equals tf.mean', async () => {
    const model = await loadModel(file);
    const x = images(2, 3);
    const got = await model.extract(stimuliFromArray(x, [2, 224, 224, 3]), { layers: ['dense_3', 'out_relu'] });
    await tfjsBackend();
    const { readFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const weightData = readFileSync(join(dir, 'mnv2', json.weightsManifest[0].paths[0]));
    const ref = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(weightData).buffer,
      }),
    );
    const t = tf.tensor(x, [2, 224, 224, 3]);
    const y = ref.predict(t) as tf.Tensor;
    const want = y.dataSync();
    const out = defined(got.get('dense_3')).measurements.data;
    for (let i = 0; i < want.length; i++) expect(out[i]).toBeCloseTo(want[i], 6);
    // The raw out_relu layer keeps every unit in NHWC order: 7·7·1280; pooling is the mean over the 49 positions.
    const raw = defined(got.get('out_relu'));
    expect(raw.nChannels).toBe(7 * 7 * 1280);
    const pooled = defined(
      (
        await model.extract(stimuliFromArray(x, [2, 224, 224, 3]), {
          layers: ['out_relu'],
          reduce: { kind: 'globalAveragePool' },
        })
      ).get('out_relu'),
    );
    for (const [s, c] of [
      [0, 0],
      [1, 640],
      [1, 1279],
    ]) {
      let sum = 0;
      for (let p = 0; p < 49; p++) sum += raw.measurements.get(s, p * 1280 + c);
      expect(pooled.measurements.get(s, c)).toBeCloseTo(sum / 49, 5);
    }
    t.dispose();
    y.dispose();
    ref.dispose();
    await model.dispose();
  });

  it('a missing weight shard names the shard', async () => {
    const broken = join(dir, 'broken');
    const f = writeNsfwjsModel('mobilenet_v2', broken);
    rmSync(join(broken, 'group1-shard1of1'));
    const err = await loadModel(f).catch((e) => e);
    expect(err.code).toBe('ERR_ACTIVATIONS_MODEL_FORMAT');
    expect(err.message).toContain('group1-shard1of1');
  });

  it('a truncated shard and a model.json that is not JSON are typed errors naming the file', async () => {
    const broken = join(dir, 'trunc');
    const f = writeNsfwjsModel('mobilenet_v2', broken);
    writeFileSync(join(broken, 'group1-shard1of1'), Buffer.alloc(1000));
    const err = await loadModel(f).catch((e) => e);
    expect(err.code).toBe('ERR_ACTIVATIONS_MODEL_FORMAT');
    expect(err.message).toMatch(/truncated/);
    writeFileSync(f, '{"modelTopology": ');
    const err2 = await loadModel(f).catch((e) => e);
    expect(err2.code).toBe('ERR_ACTIVATIONS_MODEL_FORMAT');
    expect(err2.message).toContain('model.json');
  });
});

describe('TF.js graph model from disk (nsfwjs mobilenet_v2_mid)', () => {
  it('lists nodes and extracts an intermediate node and the output', async () => {
    const file = writeNsfwjsModel('mobilenet_v2_mid', join(dir, 'mid'));
    const model = await loadModel(file);
    expect(model.format).toBe('tfjs-graph');
    expect(model.inputs[0].shape).toEqual(['N', 224, 224, 3]);
    const relu = defined(model.layers.find((l) => l.op === 'Relu6' || l.op === 'Relu' || l.op === '_FusedConv2D'));
    const last = defined(model.layers.at(-1));
    const got = await model.extract(stimuliFromArray(images(2, 5), [2, 224, 224, 3]), {
      layers: [relu.name, last.name],
    });
    const out = defined(got.get(last.name));
    expect(out.nObs).toBe(2);
    expect(out.nChannels).toBe(5);
    for (let i = 0; i < 2; i++)
      expect(Array.from(out.measurements.row(i)).reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    expect(defined(got.get(relu.name)).nChannels).toBeGreaterThan(1000);
    await model.dispose();
  });
});
