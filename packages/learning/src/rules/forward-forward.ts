/**
 * Forward-forward (Hinton 2022, "The Forward-Forward Algorithm: Some Preliminary Investigations",
 * arXiv:2212.13345). The label is embedded in the input (its first nClasses values replaced by the one-hot label);
 * every hidden block learns on its own to give high goodness G = mean(h²) to positive data (the true label) and low
 * goodness to negative data (a wrong label drawn uniformly): per block, the loss
 * mean_n softplus(θ − G⁺_n) + mean_n softplus(G⁻_n − θ), i.e. −log σ(G⁺ − θ) − log(1 − σ(G⁻ − θ)). A block's input
 * is the previous block's output divided by its length (‖·‖ + 1e-4), so a block cannot read the previous goodness;
 * no gradient passes between blocks.
 * Prediction: the label whose embedding gives the largest summed goodness over the hidden blocks ('goodness'), or
 * the network's output layer used as a linear softmax readout of the last hidden block, trained by cross-entropy on
 * its (detached) input for the image without a label embedded ('readout').
 * Choices (README): goodness as the mean rather than the sum of squares (θ independent of width; θ = 2 as in the
 * widely used mohammadpz/pytorch_forward_forward), positive and negative passes in the same step, ReLU units as in
 * the paper, and the 'neutral' input of the readout is the image itself (Hinton's neutral label is 0.1 per class;
 * the first pixels of MNIST-like images are 0), so that with `normalize: false` the readout path is exactly the
 * exported network's forward pass.
 */
import { allocate, ConcordError } from '@concord/core';
import { type Block, blocks, type ForwardState, type Network } from '../network.ts';
import type { EngineOps, RuleDeclaration, UpdateRule } from '../rule.ts';
import type { Tensor } from '../tensor.ts';
import { accumulateBlockGrads } from './block-update.ts';

const NORM_EPSILON = 1e-4;

/** Images with the first nClasses values replaced by the one-hot `labels` (a copy). */
export function embedLabels(x: Tensor, labels: ArrayLike<number>, nClasses: number): Tensor {
  const n = x.shape[0];
  const f = x.data.length / Math.max(1, n);
  const out: Tensor = { data: x.data.slice(), shape: x.shape };
  for (let r = 0; r < n; r++) {
    out.data.fill(0, r * f, r * f + nClasses);
    out.data[r * f + labels[r]] = 1;
  }
  return out;
}

/** Every row divided by (its Euclidean length + 1e-4). */
export function normalizeRows(x: Tensor): Tensor {
  const n = x.shape[0];
  const f = x.data.length / Math.max(1, n);
  const out: Tensor = { data: x.data.slice(), shape: x.shape };
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += x.data[r * f + j] ** 2;
    const scale = 1 / (Math.sqrt(s) + NORM_EPSILON);
    for (let j = 0; j < f; j++) out.data[r * f + j] *= scale;
  }
  return out;
}

/** Goodness of every row: mean of squares. */
export function goodness(h: Tensor): Float64Array {
  const n = h.shape[0];
  const f = h.data.length / Math.max(1, n);
  const g = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += h.data[r * f + j] ** 2;
    g[r] = s / f;
  }
  return g;
}

const softplus = (z: number) => (z > 30 ? z : Math.log1p(Math.exp(z)));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The layers whose input ffForward length-normalises: the first layer of every hidden block above the first. */
export function ffNormalizedLayers(network: Network): number[] {
  return blocks(network)
    .slice(1, -1)
    .map((b) => b.param);
}

/** The hidden blocks' forward pass as forward-forward sees it (normalised inputs above the first). */
export function ffForward(
  ops: EngineOps,
  network: Network,
  x: Tensor,
  normalize: boolean,
): { states: ForwardState[]; outputs: Tensor[] } {
  const hidden = blocks(network).slice(0, -1);
  const states: ForwardState[] = [];
  const outputs: Tensor[] = [];
  let input = x;
  for (const [l, block] of hidden.entries()) {
    if (l > 0 && normalize) input = normalizeRows(input);
    const s = ops.forward(network, input, { from: block.param, to: block.last });
    states.push(s);
    input = s.outputs[block.last];
    outputs.push(input);
  }
  return { states, outputs };
}

/**
 * Accumulate one hidden block's forward-forward grads from its positive and negative forward states; returns the
 * block's loss.
 */
export function ffBlockUpdate(
  ops: EngineOps,
  network: Network,
  block: Block,
  positive: ForwardState,
  negative: ForwardState,
  threshold: number,
): number {
  let loss = 0;
  for (const [state, sign] of [
    [positive, 1],
    [negative, -1],
  ] as const) {
    const h = state.outputs[block.last];
    const n = h.shape[0];
    const f = h.data.length / Math.max(1, n);
    const g = goodness(h);
    const grad: Tensor = { data: allocate(network.dtype, h.data.length), shape: h.shape };
    for (let r = 0; r < n; r++) {
      // positive: softplus(θ − G), d/dG = −σ(θ − G); negative: softplus(G − θ), d/dG = σ(G − θ).
      const z = sign * (threshold - g[r]);
      loss += softplus(z) / n;
      const dG = (-sign * sigmoid(z)) / n;
      for (let j = 0; j < f; j++) grad.data[r * f + j] = (dG * 2 * h.data[r * f + j]) / f;
    }
    accumulateBlockGrads(ops, network, state, block, grad);
  }
  return loss;
}

/** Summed goodness of the hidden blocks for every label embedding: N × nClasses scores. */
export function goodnessScores(ops: EngineOps, network: Network, x: Tensor, normalize: boolean): Tensor {
  const n = x.shape[0];
  const c = network.nClasses;
  const scores: Tensor = { data: allocate(network.dtype, n * c), shape: [n, c] };
  for (let label = 0; label < c; label++) {
    const embedded = embedLabels(x, new Int32Array(n).fill(label), c);
    for (const h of ffForward(ops, network, embedded, normalize).outputs) {
      const g = goodness(h);
      for (let r = 0; r < n; r++) scores.data[r * c + label] += g[r];
    }
  }
  return scores;
}

/** The output layer's logits and forward state on the last hidden block's output for the plain image. */
function readoutState(ops: EngineOps, network: Network, x: Tensor, normalize: boolean): ForwardState {
  const bs = blocks(network);
  const top = bs[bs.length - 1];
  const hidden = ffForward(ops, network, x, normalize).outputs;
  return ops.forward(network, hidden[hidden.length - 1], { from: top.param, to: network.layers.length - 1 });
}

export const forwardForwardRule: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'forward-forward',
    family: 'forward-forward',
    variant: 'supervised (label in the input)',
    reference: 'Hinton 2022, "The Forward-Forward Algorithm: Some Preliminary Investigations", arXiv:2212.13345',
    // C1: no feedback pathway; C2: each block's loss is its own goodness on its own input;
    // C3: it needs a positive and a negative pass (the paper's two phases, which may be separated in time).
    criteria: { asymmetricWeights: true, localErrors: true, singlePhase: false },
    architectures: ['mlp'],
    hyperParameters: {
      threshold: { default: 2, min: 0, description: 'θ: goodness threshold (goodness = mean squared activity)' },
      normalize: { default: true, description: 'length-normalise the input of every block above the first' },
      predictBy: {
        default: 'goodness',
        choices: ['goodness', 'readout'],
        description: 'test predictions by summed goodness over label embeddings, or by the linear readout',
      },
    },
    training: { optimizer: 'adam', lr: 1e-2, activation: 'relu' },
    readout: 'goodness over the label embeddings (default) or a linear softmax readout of the last hidden block',
  } satisfies RuleDeclaration,
  create(setup) {
    const { network } = setup;
    for (const b of blocks(network))
      if (b.layer.kind !== 'dense')
        throw new ConcordError(
          'ERR_LEARNING_ARCH_UNSUPPORTED',
          `forward-forward: layer ${b.layer.name} is not dense (mlp only)`,
        );
    const threshold = Number(setup.hyper.threshold ?? 2);
    const normalize = setup.hyper.normalize !== false && setup.hyper.normalize !== 'false';
    const predictBy = String(setup.hyper.predictBy ?? 'goodness');
    return {
      auxParams: [],
      step(ctx) {
        const { network: net, batch, ops } = ctx;
        const c = ctx.nClasses;
        const n = batch.labels.length;
        const wrong = new Int32Array(n);
        for (let r = 0; r < n; r++) wrong[r] = (batch.labels[r] + 1 + ctx.rng.int(c - 1)) % c;
        const pos = ffForward(ops, net, embedLabels(batch.x, batch.labels, c), normalize);
        const neg = ffForward(ops, net, embedLabels(batch.x, wrong, c), normalize);
        const bs = blocks(net);
        let loss = 0;
        for (let l = 0; l < bs.length - 1; l++)
          loss += ffBlockUpdate(ops, net, bs[l], pos.states[l], neg.states[l], threshold);
        // The linear readout on the plain image's last hidden output (detached).
        const top = bs[bs.length - 1];
        const rs = normalize ? readoutState(ops, net, batch.x, normalize) : ctx.forward;
        const logits = rs.outputs[net.layers.length - 1];
        const ce = ops.loss('cross-entropy', logits, batch.labels, { labelSmoothing: ctx.training.labelSmoothing });
        ops.backward(net, rs, ce.grad, { to: top.param, params: true, input: false });
        return { loss: loss + ce.value, scores: logits };
      },
      inputNormalization: (net) => (normalize ? { layers: ffNormalizedLayers(net), epsilon: NORM_EPSILON } : undefined),
      predict(net, x, ops) {
        if (predictBy === 'readout') {
          const rs = readoutState(ops, net, x, normalize);
          return rs.outputs[net.layers.length - 1];
        }
        return goodnessScores(ops, net, x, normalize);
      },
    };
  },
};
