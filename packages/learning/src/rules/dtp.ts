/**
 * Difference target propagation (Lee, Zhang, Fischer & Bengio 2015, "Difference Target Propagation", ECML-PKDD,
 * arXiv:1412.7525). Blocks l = 1..L compute h_l = f_l(h_{l−1}) (h_L: the logits). Every block l ≥ 2 has a learned
 * approximate inverse g_l(h_l) = s(h_l·V_lᵀ + c_l) ≈ h_{l−1}, s the activation of block l−1.
 * - Output target: ĥ_L = h_L − η̂·∂L/∂h_L (per sample).
 * - Targets below: ĥ_{l−1} = h_{l−1} + g_l(ĥ_l) − g_l(h_l) (the difference correction).
 * - Forward weights: block l minimises its local loss ½‖h_l − ĥ_l‖² (mean over the batch) through its own layers
 *   only; for the output block this is η̂ times the global loss gradient.
 * - Inverses: g_l minimises ½‖g_l(f_l(h_{l−1} + ε)) − (h_{l−1} + ε)‖², ε ~ N(0, σ²) (denoising reconstruction).
 * `top: 'gradient'` is Lee et al.'s exact top: the output block learns from the global loss and the penultimate target
 * is ĥ_{L−1} = h_{L−1} − η̂·∂L/∂h_{L−1} (through W_Lᵀ, so C1 fails at that one layer); the default 'inverse' also
 * learns g_L, as in Meulemans et al. 2020's DTP baseline, so no forward weight is ever transported.
 * `variant: 'drl'` trains the inverses with the difference reconstruction loss (DRL) of Meulemans, Carzaniga,
 * Suykens, Sacramento & Grewe 2020 ("A Theoretical Framework for Target Propagation", NeurIPS, arXiv:2006.14331):
 * the corrupted h_{l−1} + ε is propagated to the output and reconstructed through the difference-corrected
 * inverses of all blocks above, ½‖g^diff_{L→l−1}(f_{l→L}(h_{l−1} + ε)) − (h_{l−1} + ε)‖², its gradient taken for
 * g_l's parameters only. (The paper adds a regulariser λ·E‖g^diff(h_L + η) − h_{l−1}‖²; it is not implemented.)
 */
import { allocate, ConcordError, type FloatArray, ParameterError } from '@concord/core';
import {
  type ActivationName,
  type Block,
  blocks,
  createParam,
  type ForwardState,
  type Network,
  type Param,
} from '../network.ts';
import type { EngineOps, RuleDeclaration, UpdateRule } from '../rule.ts';
import type { Tensor } from '../tensor.ts';
import { accumulateBlockGrads, blockPreActivationGrad } from './block-update.ts';

/** One learned inverse g(h) = s(h·Vᵀ + c): V is inFeatures×outFeatures of the forward block it inverts. */
export interface Inverse {
  readonly weight: Param;
  readonly bias: Param;
  /** The inverse's nonlinearity s (that of the block whose output it reconstructs); undefined: linear. */
  readonly activation: ActivationOf;
}

type ActivationOf = { fn: ActivationName; slope?: number } | undefined;

function withBias(n: number, cols: number, bias: FloatArray, dtype: Network['dtype']): FloatArray {
  const out = allocate(dtype, n * cols);
  for (let r = 0; r < n; r++) out.set(bias, r * cols);
  return out;
}

/** g(h) and its pre-activation. */
export function applyInverse(
  ops: EngineOps,
  inv: Inverse,
  h: Tensor,
  dtype: Network['dtype'],
): { pre: Tensor; out: Tensor } {
  const n = h.shape[0];
  const [inF, outF] = inv.weight.shape;
  const pre: Tensor = { data: withBias(n, inF, inv.bias.value, dtype), shape: [n, inF] };
  ops.gemm(h.data, inv.weight.value, pre.data, n, inF, outF, false, true, 1, 1);
  const out = inv.activation ? ops.activate(inv.activation.fn, pre, inv.activation.slope) : pre;
  return { pre, out };
}

/** The targets of every block (index = block number), from the output target down (`top` as in the file comment). */
export function dtpTargets(
  ops: EngineOps,
  network: Network,
  state: ForwardState,
  outputGradPerSample: Tensor,
  targetStep: number,
  inverses: readonly (Inverse | undefined)[],
  top: 'inverse' | 'gradient',
): Tensor[] {
  const bs = blocks(network);
  const post = (l: number) => state.outputs[bs[l].last];
  const targets: Tensor[] = new Array(bs.length);
  const L = bs.length - 1;
  const hL = post(L);
  targets[L] = { data: hL.data.map((v, k) => v - targetStep * outputGradPerSample.data[k]), shape: hL.shape };
  let start = L;
  if (top === 'gradient' && L > 0) {
    // Lee et al.: the penultimate target by the loss gradient through the output block.
    const g = ops.backward(network, state, outputGradPerSample, { from: bs[L].last, to: bs[L].param, params: false });
    if (!g) throw new ParameterError('ERR_LEARNING_HYPER', 'top', 'no gradient for the penultimate layer');
    const h = post(L - 1);
    targets[L - 1] = { data: h.data.map((v, k) => v - targetStep * g.data[k]), shape: h.shape };
    start = L - 1;
  }
  for (let l = start; l >= 1; l--) {
    const inv = inverses[l];
    if (!inv) throw new ParameterError('ERR_LEARNING_HYPER', 'top', `block ${l + 1} has no inverse`);
    const gT = applyInverse(ops, inv, targets[l], network.dtype).out;
    const gH = applyInverse(ops, inv, post(l), network.dtype).out;
    const h = post(l - 1);
    targets[l - 1] = { data: h.data.map((v, k) => v + gT.data[k] - gH.data[k]), shape: h.shape };
  }
  return targets;
}

/** Accumulate the forward-weight grads of every block from its local target loss ½‖h_l − ĥ_l‖² (batch mean). */
export function dtpForwardUpdate(
  ops: EngineOps,
  network: Network,
  state: ForwardState,
  targets: readonly Tensor[],
  skipTop: boolean,
): number {
  const bs = blocks(network);
  let total = 0;
  bs.forEach((block, l) => {
    if (skipTop && l === bs.length - 1) return;
    const h = state.outputs[block.last];
    const n = h.shape[0];
    const g: Tensor = { data: h.data.map((v, k) => (v - targets[l].data[k]) / n), shape: h.shape };
    for (let k = 0; k < g.data.length; k++) total += 0.5 * n * g.data[k] * g.data[k];
    accumulateBlockGrads(ops, network, state, block, g);
  });
  return total;
}

/**
 * Accumulate the grads of inverse g_l (l ≥ 1, inverting block l) from the denoising reconstruction loss
 * ½‖g_l(f_l(h_{l−1} + ε)) − (h_{l−1} + ε)‖² (batch mean), for the given noise ε. Returns the loss.
 */
export function inverseReconstructionUpdate(
  ops: EngineOps,
  network: Network,
  state: ForwardState,
  block: Block,
  blockIndex: number,
  inv: Inverse,
  noise: Tensor,
): number {
  const bs = blocks(network);
  const hPrev = state.outputs[bs[blockIndex - 1].last];
  const corrupted: Tensor = { data: hPrev.data.map((v, k) => v + noise.data[k]), shape: hPrev.shape };
  const fwd = ops.forward(network, corrupted, { from: block.param, to: block.last });
  const y = fwd.outputs[block.last];
  const { pre, out } = applyInverse(ops, inv, y, network.dtype);
  const n = y.shape[0];
  const d: Tensor = { data: out.data.map((v, k) => (v - corrupted.data[k]) / n), shape: out.shape };
  let loss = 0;
  for (let k = 0; k < d.data.length; k++) loss += 0.5 * n * d.data[k] * d.data[k];
  const dPre = inv.activation ? ops.activationBackward(inv.activation.fn, pre, out, d, inv.activation.slope) : d;
  const [inF, outF] = inv.weight.shape;
  ops.gemm(dPre.data, y.data, inv.weight.grad, inF, outF, n, true, false, 1, 1);
  const gb = inv.bias.grad;
  for (let r = 0; r < n; r++) for (let j = 0; j < inF; j++) gb[j] += dPre.data[r * inF + j];
  return loss;
}

/**
 * DRL: accumulate the grads of inverse g_l from ½‖g^diff_{L→l−1}(f_{l→L}(h_{l−1} + ε)) − (h_{l−1} + ε)‖² (batch
 * mean), the gradient taken for g_l only (both of its terms in the difference correction g_l(z_l) − g_l(h_l)).
 */
export function differenceReconstructionUpdate(
  ops: EngineOps,
  network: Network,
  state: ForwardState,
  blockIndex: number,
  inverses: readonly (Inverse | undefined)[],
  noise: Tensor,
): number {
  const bs = blocks(network);
  const post = (k: number) => state.outputs[bs[k].last];
  const hPrev = post(blockIndex - 1);
  const corrupted: Tensor = { data: hPrev.data.map((v, k) => v + noise.data[k]), shape: hPrev.shape };
  const last = network.layers.length - 1;
  const fwd = ops.forward(network, corrupted, { from: bs[blockIndex].param, to: last });
  // Down through the difference-corrected inverses: z_{k−1} = h_{k−1} + g_k(z_k) − g_k(h_k).
  let z = fwd.outputs[last];
  let zAt: { pre: Tensor; out: Tensor; input: Tensor } | undefined;
  let hAt: { pre: Tensor; out: Tensor } | undefined;
  for (let k = bs.length - 1; k >= blockIndex; k--) {
    const inv = inverses[k];
    if (!inv) throw new ParameterError('ERR_LEARNING_HYPER', 'variant', `drl needs an inverse for block ${k + 1}`);
    const gz = applyInverse(ops, inv, z, network.dtype);
    const gh = applyInverse(ops, inv, post(k), network.dtype);
    if (k === blockIndex) {
      zAt = { ...gz, input: z };
      hAt = gh;
    }
    const h = post(k - 1);
    z = { data: h.data.map((v, e) => v + gz.out.data[e] - gh.out.data[e]), shape: h.shape };
  }
  const inv = inverses[blockIndex];
  if (!inv || !zAt || !hAt) return 0;
  const n = z.shape[0];
  const d: Tensor = { data: z.data.map((v, e) => (v - corrupted.data[e]) / n), shape: z.shape };
  let loss = 0;
  for (let e = 0; e < d.data.length; e++) loss += 0.5 * n * d.data[e] * d.data[e];
  const [inF, outF] = inv.weight.shape;
  const act = inv.activation;
  const dz = act ? ops.activationBackward(act.fn, zAt.pre, zAt.out, d, act.slope) : d;
  const dh = act ? ops.activationBackward(act.fn, hAt.pre, hAt.out, d, act.slope) : d;
  ops.gemm(dz.data, zAt.input.data, inv.weight.grad, inF, outF, n, true, false, 1, 1);
  ops.gemm(dh.data, post(blockIndex).data, inv.weight.grad, inF, outF, n, true, false, -1, 1);
  const gb = inv.bias.grad;
  for (let r = 0; r < n; r++) for (let j = 0; j < inF; j++) gb[j] += dz.data[r * inF + j] - dh.data[r * inF + j];
  return loss;
}

/** The activation that ends block l (its output's nonlinearity), if any. */
function blockActivation(network: Network, block: Block): ActivationOf {
  for (let i = block.last; i > block.param; i--) {
    const layer = network.layers[i];
    if (layer.kind === 'activation') return { fn: layer.fn, slope: layer.slope };
  }
  return undefined;
}

export const dtpRule: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'dtp',
    family: 'target propagation',
    variant: 'DTP',
    reference:
      'Lee, Zhang, Fischer & Bengio 2015, "Difference Target Propagation", ECML-PKDD, arXiv:1412.7525 (option: DRL of Meulemans et al. 2020, arXiv:2006.14331)',
    // C1: targets travel through learned inverses V_l, never through W_lᵀ (default top 'inverse');
    // C2: a block's target depends on every block above it (the output error is carried down through the inverses);
    // C3: a forward pass, then a target-propagation pass (and the inverses' own reconstruction passes).
    criteria: { asymmetricWeights: true, localErrors: false, singlePhase: false },
    architectures: ['mlp'],
    hyperParameters: {
      targetStep: { default: 0.5, min: 0, description: 'η̂: output target ĥ_L = h_L − η̂·∂L/∂h_L (per sample)' },
      noise: {
        default: 0.1,
        min: 0,
        description: 'σ of the corruption in the inverses’ denoising reconstruction loss',
      },
      top: {
        default: 'inverse',
        choices: ['inverse', 'gradient'],
        description: "'gradient': Lee et al.'s penultimate target through the output weights; 'inverse': a learned g_L",
      },
      variant: {
        default: 'dtp',
        choices: ['dtp', 'drl'],
        description: "'drl': inverses trained by Meulemans et al. 2020's difference reconstruction loss",
      },
    },
    training: { optimizer: 'adam', lr: 1e-3 },
  } satisfies RuleDeclaration,
  create(setup) {
    const { network, dtype, rng } = setup;
    const bs = blocks(network);
    for (const b of bs)
      if (b.layer.kind !== 'dense')
        throw new ConcordError('ERR_LEARNING_ARCH_UNSUPPORTED', `dtp: layer ${b.layer.name} is not dense (mlp only)`);
    const targetStep = Number(setup.hyper.targetStep ?? 0.5);
    const sigma = Number(setup.hyper.noise ?? 0.1);
    const top = String(setup.hyper.top ?? 'inverse') as 'inverse' | 'gradient';
    const drl = String(setup.hyper.variant ?? 'dtp') === 'drl';
    if (drl && top === 'gradient')
      throw new ParameterError('ERR_LEARNING_HYPER', 'top', "variant 'drl' needs top 'inverse' (a learned g_L)");
    const inverses: (Inverse | undefined)[] = bs.map((b, l) => {
      if (l === 0 || (top === 'gradient' && l === bs.length - 1) || b.layer.kind !== 'dense') return undefined;
      const weight = createParam(`dtp.g${l + 1}.weight`, [b.layer.inFeatures, b.layer.outFeatures], dtype);
      const bias = createParam(`dtp.g${l + 1}.bias`, [b.layer.inFeatures], dtype);
      // PyTorch's nn.Linear default initialisation for g (fan-in = the forward block's output width).
      const bound = 1 / Math.sqrt(b.layer.outFeatures);
      for (let k = 0; k < weight.value.length; k++) weight.value[k] = rng.uniform(-bound, bound);
      for (let k = 0; k < bias.value.length; k++) bias.value[k] = rng.uniform(-bound, bound);
      return { weight, bias, activation: blockActivation(network, bs[l - 1]) };
    });
    const auxParams = inverses.flatMap((g) => (g ? [g.weight, g.bias] : []));
    return {
      auxParams,
      step(ctx) {
        const state = ctx.forward;
        const logits = state.outputs[state.outputs.length - 1];
        const lossOut = ctx.ops.loss(ctx.training.loss, logits, ctx.batch.labels, {
          labelSmoothing: ctx.training.labelSmoothing,
        });
        const n = logits.shape[0];
        const perSample: Tensor = { data: lossOut.grad.data.map((v) => v * n), shape: logits.shape };
        // Inverses first learn on this batch's activity (their update uses the current V, as the targets do).
        inverses.forEach((inv, l) => {
          if (!inv) return;
          const hPrev = state.outputs[bs[l - 1].last];
          const noise: Tensor = { data: hPrev.data.slice(), shape: hPrev.shape };
          ctx.rng.fillNormal(noise.data, 0, sigma);
          if (drl) differenceReconstructionUpdate(ctx.ops, ctx.network, state, l, inverses, noise);
          else inverseReconstructionUpdate(ctx.ops, ctx.network, state, bs[l], l, inv, noise);
        });
        const targets = dtpTargets(ctx.ops, ctx.network, state, perSample, targetStep, inverses, top);
        if (top === 'gradient') {
          // The output block learns from the global loss itself.
          const topBlock = bs[bs.length - 1];
          const g = blockPreActivationGrad(ctx.ops, ctx.network, state, topBlock, lossOut.grad);
          ctx.ops.backwardLayer(ctx.network, topBlock.param, state, g, { input: false });
        }
        dtpForwardUpdate(ctx.ops, ctx.network, state, targets, top === 'gradient');
        return { loss: lossOut.value };
      },
    };
  },
};
