/**
 * STDP (Diehl & Cook 2015) as a custom-loop rule: the spiking network of stdp-network.ts learns without labels over
 * the training images; neurons are assigned the class they respond to most, from the spike counts recorded during
 * the last training epoch (the authors assign from the training responses too); test images are classified by the
 * assigned neurons' mean spike counts. A spiking simulation is not an ONNX graph: the run writes the excitatory
 * spike counts of the test images as a Concord activation file (`<out>.npz` with `<out>.npz.provenance.json`, one
 * layer 'exc_spike_counts', stimuli × neurons, readable by @concord/activations' readActivations), and the learned
 * network (input weights, thresholds θ, assignments) to `<out>.stdp.npz`.
 */
import { createHash } from 'node:crypto';
import { ParameterError, ProgressReporter } from '@concord/core';
import { writeFileAtomic, writeNpz } from '@concord/io';
import { STREAM, streamRng } from '../engine/seeds.ts';
import type { CustomRule } from '../rule.ts';
import { assignLabels, classify, DIEHL_COOK, DiehlCookNetwork } from './stdp-network.ts';

/** The output paths for `--out`: an .onnx/.npz/other name becomes `<base>.npz` (+ provenance) and `<base>.stdp.npz`. */
export function stdpOutputPaths(out: string): { activations: string; provenance: string; network: string } {
  const base = out.replace(/\.(onnx|npz)$/i, '');
  return { activations: `${base}.npz`, provenance: `${base}.npz.provenance.json`, network: `${base}.stdp.npz` };
}

function sha256(data: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

export const stdpRule: CustomRule = {
  kind: 'custom',
  declaration: {
    name: 'stdp',
    family: 'spike-timing-dependent plasticity',
    variant: 'Diehl & Cook 2015 (conductance LIF, adaptive thresholds, lateral inhibition, trace STDP)',
    reference:
      'Diehl & Cook 2015, Unsupervised learning of digit recognition using spike-timing-dependent plasticity, Front. Comput. Neurosci. 9:99',
    // No feedback weights at all; each synapse changes from its own pre/post traces; one phase (no separate pass).
    criteria: { asymmetricWeights: true, localErrors: true, singlePhase: true },
    architectures: ['mlp'],
    hyperParameters: {
      neurons: { default: 400, min: 1, max: 100000, description: 'excitatory (and inhibitory) neurons' },
      presentationMs: { default: 350, min: 1, max: 100000, description: 'presentation time per image (ms)' },
      restMs: { default: 150, min: 0, max: 100000, description: 'rest between images (ms)' },
    },
    training: { epochs: 1, batch: 1 },
    readout:
      'label assignment of each excitatory neuron from its training responses; class by the assigned neurons’ mean spike count',
    output: 'activations',
  },
  async train(ctx) {
    const { dataset, hyper } = ctx;
    const [c, h, w] = dataset.train.shape;
    const nInput = c * h * w;
    const nExc = Number(hyper.neurons);
    if (!Number.isInteger(nExc) || nExc < 1)
      throw new ParameterError('ERR_LEARNING_HYPER', 'neurons', `expected a positive integer, received ${nExc}`);
    const rng = streamRng(ctx.seed, STREAM.rule);
    const net = new DiehlCookNetwork(nInput, nExc, rng, {
      ...DIEHL_COOK,
      presentationMs: Number(hyper.presentationMs),
      restMs: Number(hyper.restMs),
    });
    const epochs = ctx.training.epochs;
    const nTrain = dataset.train.n;
    const nTest = dataset.test.n;
    const progress = new ProgressReporter('train', epochs * nTrain + nTest, ctx.onProgress, 200);
    const secondsPerEpoch: number[] = [];
    const trainLoss: number[] = [];
    let lastResponses: Int32Array[] = [];
    let lastLabels = new Int32Array(0);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const t0 = performance.now();
      const order = streamRng(ctx.seed, STREAM.shuffle, epoch).permutation(nTrain);
      const responses: Int32Array[] = [];
      const labels = new Int32Array(nTrain);
      let silent = 0;
      for (let k = 0; k < nTrain; k++) {
        const s = order[k];
        const r = net.present(dataset.train.images.subarray(s * nInput, (s + 1) * nInput), { learn: true });
        responses.push(r.counts);
        labels[k] = dataset.train.labels[s];
        if (r.counts.every((v) => v === 0)) silent++;
        progress.tick(1, `epoch ${epoch + 1}/${epochs} image ${k + 1}/${nTrain}`);
      }
      secondsPerEpoch.push((performance.now() - t0) / 1000);
      // No loss exists; the "loss" reported is the fraction of training images with no excitatory spike.
      trainLoss.push(silent / Math.max(1, nTrain));
      lastResponses = responses;
      lastLabels = labels;
    }
    const assignments = assignLabels(lastResponses, lastLabels, dataset.nClasses);
    const counts = new Float32Array(nTest * nExc);
    let correct = 0;
    for (let s = 0; s < nTest; s++) {
      const r = net.present(dataset.test.images.subarray(s * nInput, (s + 1) * nInput), { learn: false });
      counts.set(r.counts, s * nExc);
      if (classify(r.counts, assignments, dataset.nClasses) === dataset.test.labels[s]) correct++;
      progress.tick(1, `test image ${s + 1}/${nTest}`);
    }
    progress.finish();
    const paths = stdpOutputPaths(ctx.out);
    writeNpz(paths.network, {
      input_weights: { data: net.weights, shape: [nInput, nExc] },
      theta_mV: { data: net.theta, shape: [nExc] },
      assignments: { data: assignments, shape: [nExc] },
    });
    writeNpz(paths.activations, { exc_spike_counts: { data: counts, shape: [nTest, nExc] } });
    const provenance = {
      concord: 'learning/stdp',
      created: new Date().toISOString(),
      model: {
        file: paths.network,
        format: 'stdp-spiking-network',
        sha256: sha256(net.weights),
        runtime:
          'Concord event-driven simulation of Diehl & Cook 2015 (a spiking network is not an ONNX graph: these are spike counts computed by Concord)',
      },
      stimuli: {
        source: `${dataset.name} test split`,
        count: nTest,
        sha256: sha256(dataset.test.images),
        preprocessing: {
          scale: 'pixels in [0, 1]',
          encoding: `Poisson rates pixel·255/8·intensity Hz, ${hyper.presentationMs} ms presentations`,
        },
        descriptors: { label: Array.from(dataset.test.labels), index: Array.from({ length: nTest }, (_, i) => i) },
      },
      batchSize: 1,
      layers: {
        exc_spike_counts: {
          key: 'exc_spike_counts',
          shape: [nTest, nExc],
          unitShape: [nExc],
          reductions: [{ kind: 'spike-count', windowMs: Number(hyper.presentationMs) }],
        },
      },
    };
    writeFileAtomic(paths.provenance, `${JSON.stringify(provenance, null, 1)}\n`);
    return {
      testAccuracy: correct / Math.max(1, nTest),
      trainLoss,
      secondsPerEpoch,
      layers: ['exc_spike_counts'],
      files: [paths.activations, paths.provenance, paths.network],
    };
  },
};
