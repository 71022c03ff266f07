/**
 * The three local-loss rules (local-pred, local-sim, local-predsim) share this construction: every hidden block
 * gets its auxiliary weights (a zero-initialised linear classifier for `pred`, a square bias-free projection for
 * `sim`), learns from its own loss on its output (no gradient between blocks), and the output layer learns from the
 * global cross-entropy on its (detached) input, as in the reference's `Net`.
 */
import { Matrix } from '@concord/core';
import { type Block, blocks, createParam, type Network, type Param } from '../network.ts';
import type { EngineOps, RuleCriteria, RuleDeclaration, RuleInstance, UpdateRule } from '../rule.ts';
import { accumulateBlockGrads, asMatrix } from './block-update.ts';
import { LOCAL_LOSS_REFERENCE, type LocalLossKind, localLoss, type MatMul } from './local-loss.ts';

/**
 * C1: no forward weight is ever transported (each block's error comes from its own loss; the local classifier's and
 * projection's gradients pass through those auxiliary weights only). C2: a block's update depends on its input,
 * its weights, its auxiliary weights and the labels alone. C3: each block learns right after its own forward
 * computation; there is no backward sweep through the network nor a second phase.
 */
const CRITERIA: RuleCriteria = { asymmetricWeights: true, localErrors: true, singlePhase: true };

export function localLossRule(kind: LocalLossKind): UpdateRule {
  const declaration: RuleDeclaration = {
    name: `local-${kind}`,
    family: 'local losses',
    variant: kind,
    reference: LOCAL_LOSS_REFERENCE,
    criteria: CRITERIA,
    architectures: ['mlp', 'cnn'],
    hyperParameters: {
      ...(kind === 'predsim'
        ? { beta: { default: 0.99, min: 0, max: 1, description: 'weight of the sim loss: (1 − β)·pred + β·sim' } }
        : {}),
    },
    training: { optimizer: 'adam', lr: 5e-4 },
  };
  return {
    kind: 'update',
    declaration,
    create(setup): RuleInstance {
      const { network, rng, dtype } = setup;
      const beta = kind === 'predsim' ? Number(setup.hyper.beta ?? 0.99) : 0;
      const all = blocks(network);
      const hidden = all.slice(0, -1);
      const aux: { decoderWeight?: Param; decoderBias?: Param; projection?: Param }[] = [];
      const auxParams: Param[] = [];
      hidden.forEach((block, l) => {
        const features = blockOutputFeatures(network, block);
        const entry: (typeof aux)[number] = {};
        if (kind !== 'sim') {
          // Zero-initialised, as the reference's decoder_y.
          entry.decoderWeight = createParam(`local.${l + 1}.pred.weight`, [network.nClasses, features], dtype);
          entry.decoderBias = createParam(`local.${l + 1}.pred.bias`, [network.nClasses], dtype);
          auxParams.push(entry.decoderWeight, entry.decoderBias);
        }
        if (kind !== 'pred') {
          // PyTorch's nn.Linear default: uniform(±1/√fan_in).
          entry.projection = createParam(`local.${l + 1}.sim.weight`, [features, features], dtype);
          const bound = 1 / Math.sqrt(features);
          for (let i = 0; i < entry.projection.value.length; i++)
            entry.projection.value[i] = rng.uniform(-bound, bound);
          auxParams.push(entry.projection);
        }
        aux.push(entry);
      });
      return {
        auxParams,
        step(ctx) {
          const state = ctx.forward;
          const mm = kernelMatmul(ctx.ops);
          hidden.forEach((block, l) => {
            const h = asMatrix(state.outputs[block.last]);
            const a = aux[l];
            const r = localLoss(
              kind,
              h,
              ctx.batch.labels,
              ctx.nClasses,
              {
                decoderWeight: a.decoderWeight && paramMatrix(a.decoderWeight),
                decoderBias: a.decoderBias?.value,
                projection: a.projection && paramMatrix(a.projection),
              },
              beta,
              mm,
            );
            accumulateBlockGrads(ctx.ops, ctx.network, state, block, {
              data: r.dH.data,
              shape: state.outputs[block.last].shape,
            });
            if (a.decoderWeight && r.dDecoderWeight) a.decoderWeight.grad.set(r.dDecoderWeight.data);
            if (a.decoderBias && r.dDecoderBias) a.decoderBias.grad.set(r.dDecoderBias);
            if (a.projection && r.dProjection) a.projection.grad.set(r.dProjection.data);
          });
          // The output layer: global cross-entropy, its input treated as a constant (no gradient below it).
          const top = all[all.length - 1];
          const logits = state.outputs[state.outputs.length - 1];
          const out = ctx.ops.loss(ctx.training.loss, logits, ctx.batch.labels, {
            labelSmoothing: ctx.training.labelSmoothing,
          });
          ctx.ops.backward(ctx.network, state, out.grad, { to: top.param, params: true, input: false });
          return { loss: out.value };
        },
      };
    },
  };
}

/** Features per sample of a block's output (after its pooling, if any). */
export function blockOutputFeatures(network: Network, block: Block): number {
  let features = 0;
  for (let i = block.param; i <= block.last; i++) {
    const layer = network.layers[i];
    if (layer.kind === 'dense') features = layer.outFeatures;
    else if (layer.kind === 'conv2d') features = layer.outChannels * layer.outSize[0] * layer.outSize[1];
    else if (layer.kind === 'maxpool' || layer.kind === 'avgpool')
      features = layer.channels * layer.outSize[0] * layer.outSize[1];
  }
  return features;
}

/** Products on the run's training kernels (what `--backend` chose), in the operands' dtype. */
function kernelMatmul(ops: EngineOps): MatMul {
  return (a, b, opts = {}) => {
    const ta = opts.transA ?? false;
    const tb = opts.transB ?? false;
    const m = ta ? a.cols : a.rows;
    const k = ta ? a.rows : a.cols;
    const n = tb ? b.rows : b.cols;
    const out = Matrix.zeros(m, n, a.dtype);
    ops.gemm(a.data, b.data, out.data, m, n, k, ta, tb, 1, 0);
    return out;
  };
}

function paramMatrix(p: Param): Matrix {
  return new Matrix(p.shape[0], p.value.length / p.shape[0], p.value);
}
