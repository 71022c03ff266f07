/**
 * ONNX export: onnxruntime reproduces the engine's forward pass on every exported layer (pre- and post-activation,
 * pools, logits) to 1e-5, and @concord/activations loads the file through its ONNX path and extracts the same
 * activations.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractActivations, loadOnnxModel, stimuliFromArray } from '@concord/activations';
import { Rng } from '@concord/core';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNetwork, conv2dLayer, denseLayer, poolLayer } from '../architectures.ts';
import type { Layer, Network } from '../network.ts';
import { ffForward, forwardForwardRule } from '../rules/forward-forward.ts';
import { createInstance } from '../rules/rule-test-kit.ts';
import { testOps } from '../testing.ts';
import { encodeOnnx, exportedLayerNames, ONNX_INPUT_NAME } from './onnx.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-onnx-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function randomInput(network: Network, n: number): Float32Array {
  const d = network.inputShape.reduce((a, b) => a * b, 1);
  const rng = new Rng(5);
  return Float32Array.from({ length: n * d }, () => rng.random());
}

/** A float32 network with every exportable layer kind and activation. */
function everyKind(): Network {
  const rng = new Rng(3);
  const c1 = conv2dLayer('c1', 3, 4, 3, [10, 10], 'float32', rng, 1, 1);
  const p1 = poolLayer('p1', 'avgpool', 4, 2, c1.outSize);
  const c2 = conv2dLayer('c2', 4, 5, 3, p1.outSize, 'float32', rng, 2, 0);
  const flat = 5 * c2.outSize[0] * c2.outSize[1];
  const layers: Layer[] = [
    c1,
    { kind: 'activation', name: 'c1_relu', fn: 'relu' },
    p1,
    c2,
    { kind: 'activation', name: 'c2_leaky', fn: 'leaky-relu', slope: 0.2 },
    { kind: 'flatten', name: 'flatten' },
    denseLayer('d1', flat, 7, 'float32', rng),
    { kind: 'activation', name: 'd1_hs', fn: 'hard-sigmoid' },
    denseLayer('d2', 7, 6, 'float32', rng),
    { kind: 'activation', name: 'd2_sig', fn: 'sigmoid' },
    denseLayer('d3', 6, 4, 'float32', rng),
    { kind: 'activation', name: 'd3_id', fn: 'identity' },
    { kind: 'activation', name: 'probs', fn: 'softmax' },
  ];
  return { arch: 'cnn', inputShape: [3, 10, 10], nClasses: 4, layers, dtype: 'float32' };
}

const networks: [string, () => Network][] = [
  [
    'default MLP 784-1024-512-256-10 (tanh)',
    () => buildNetwork({ arch: 'mlp', imageShape: [1, 28, 28], nClasses: 10, rng: new Rng(1) }),
  ],
  ['LeNet-5 on 3×32×32', () => buildNetwork({ arch: 'cnn', imageShape: [3, 32, 32], nClasses: 10, rng: new Rng(2) })],
  ['every layer kind', everyKind],
];

describe.each(networks)('ONNX export of %s', (label, make) => {
  const network = make();
  const n = 6;
  const x = randomInput(network, n);
  const engine = testOps.forward(network, { data: x, shape: [n, ...network.inputShape] });
  const names = exportedLayerNames(network);
  const file = join(dir, `${label.replace(/\W+/g, '_')}.onnx`);
  writeFileSync(file, encodeOnnx(network));

  it('onnxruntime reproduces every exported layer of the engine to 1e-5', async () => {
    const session = await ort.InferenceSession.create(file);
    expect(session.inputNames).toEqual([ONNX_INPUT_NAME]);
    expect(session.outputNames).toEqual(names);
    const out = await session.run({ [ONNX_INPUT_NAME]: new ort.Tensor('float32', x, [n, ...network.inputShape]) });
    network.layers.forEach((layer, i) => {
      if (layer.kind === 'flatten') return;
      const got = out[layer.name].data as Float32Array;
      const want = engine.outputs[i].data;
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let j = 0; j < got.length; j++) worst = Math.max(worst, Math.abs(got[j] - want[j]));
      expect(worst, layer.name).toBeLessThan(1e-5);
    });
  });

  it('@concord/activations loads it and extracts the same hidden activations (1e-5)', async () => {
    const model = await loadOnnxModel(file);
    const stimuli = stimuliFromArray(x, [n, ...network.inputShape]);
    const hidden = names.slice(0, -1);
    const r = await extractActivations(model, stimuli, { layers: hidden, batchSize: 4 });
    for (const name of hidden) {
      const i = network.layers.findIndex((l) => l.name === name);
      const got = r.datasets.get(name)?.measurements.data as Float32Array;
      const want = engine.outputs[i].data;
      let worst = 0;
      for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j] - want[j]));
      expect(worst, name).toBeLessThan(1e-5);
    }
    await model.dispose?.();
  });
});

describe('ONNX export of a forward-forward network (length-normalised block inputs)', () => {
  const network = buildNetwork({
    arch: 'mlp',
    imageShape: [1, 8, 8],
    nClasses: 4,
    hidden: [12, 10, 8],
    activation: 'relu',
    rng: new Rng(9),
  });
  const n = 5;
  const x = randomInput(network, n);
  const instance = createInstance(forwardForwardRule, network);
  const normalizeInputs = instance.inputNormalization?.(network);

  it("the rule declares fc2's and fc3's inputs (the blocks above the first), not the readout's", () => {
    const names = normalizeInputs?.layers.map((i) => network.layers[i].name);
    expect(names).toEqual(['fc2', 'fc3']);
    expect(normalizeInputs?.epsilon).toBe(1e-4);
    expect(createInstance(forwardForwardRule, network, { normalize: false }).inputNormalization?.(network)).toBe(
      undefined,
    );
  });

  it("onnxruntime's activations equal the trained network's forward-forward pass (hidden and readout) to 1e-5", async () => {
    const file = join(dir, 'ff.onnx');
    writeFileSync(file, encodeOnnx(network, normalizeInputs ? { normalizeInputs } : {}));
    const session = await ort.InferenceSession.create(file);
    expect(session.outputNames).toEqual(exportedLayerNames(network));
    const out = await session.run({ [ONNX_INPUT_NAME]: new ort.Tensor('float32', x, [n, 64]) });
    // The network as forward-forward runs it: every block's input above the first divided by (‖·‖ + 1e-4), then the
    // readout on the last hidden block's (unnormalised) output; written out layer by layer here.
    let input = Float64Array.from(x);
    let width = 64;
    for (const [i, layer] of network.layers.entries()) {
      if (layer.kind === 'dense') {
        if (i > 0 && i < network.layers.length - 1)
          for (let r = 0; r < n; r++) {
            let s = 0;
            for (let j = 0; j < width; j++) s += input[r * width + j] ** 2;
            for (let j = 0; j < width; j++) input[r * width + j] /= Math.sqrt(s) + 1e-4;
          }
        const next = new Float64Array(n * layer.outFeatures);
        for (let r = 0; r < n; r++)
          for (let o = 0; o < layer.outFeatures; o++) {
            let s = layer.bias.value[o];
            for (let j = 0; j < width; j++) s += input[r * width + j] * layer.weight.value[o * width + j];
            next[r * layer.outFeatures + o] = s;
          }
        input = next;
        width = layer.outFeatures;
      } else if (layer.kind === 'activation') input = input.map((v) => Math.max(0, v));
      const got = out[layer.name].data as Float32Array;
      let worst = 0;
      for (let j = 0; j < input.length; j++) worst = Math.max(worst, Math.abs(got[j] - input[j]));
      expect(worst, layer.name).toBeLessThan(1e-5);
    }
    // and the engine's own forward-forward pass agrees with the graph (hidden blocks through ffForward)
    const hidden = ffForward(testOps, network, { data: x, shape: [n, 64] }, true).outputs;
    const last = hidden[hidden.length - 1].data;
    const got = out.fc3_relu.data as Float32Array;
    for (let j = 0; j < last.length; j++) expect(Math.abs(got[j] - last[j])).toBeLessThan(1e-5);
  });
});
