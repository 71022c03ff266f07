/**
 * Weight-perturbed forward gradient (Baydin, Pearlmutter, Syme, Wood & Torr 2022, "Gradients without
 * Backpropagation", arXiv:2202.08587): draw a random tangent v ~ N(0, I) over all parameters, compute the
 * directional derivative d = ∇L·v of the batch loss with one forward-mode (dual-number) pass that carries every
 * layer's tangent beside its value, and take g = d·v as the gradient (unbiased: E[(∇L·v)v] = ∇L). With K tangents
 * per batch (an option; the paper uses K = 1) the K estimates are averaged.
 *
 * The forward-mode pass through layer i: dense ẏ = ẋ·Wᵀ + x·Ẇᵀ + ḃ; activation ẏ = f'(x)⊙ẋ (softmax: its symmetric
 * row Jacobian, so the engine's activation backward computes the same product); flatten ẏ = ẋ. At the output
 * dL = Σ (∂L/∂logits)⊙ẏ, the loss's own derivative evaluated where the loss is computed. No quantity ever flows
 * from the output back to a layer except the scalar d.
 */
import { allocate, ConcordError, type FloatArray } from '@concord/core';
import { type ForwardState, layerInput, type Network, networkParams, type Param } from '../network.ts';
import type { EngineOps, LossName, RuleDeclaration, UpdateRule } from '../rule.ts';
import type { Tensor } from '../tensor.ts';

/** dL along the tangent (one FloatArray per parameter, in `networkParams` order), by one forward-mode pass. */
export function directionalDerivative(
  ops: EngineOps,
  network: Network,
  state: ForwardState,
  labels: Int32Array,
  loss: LossName,
  tangent: readonly FloatArray[],
  labelSmoothing = 0,
): number {
  const params = networkParams(network);
  const tangentOf = new Map<Param, FloatArray>(params.map((p, k) => [p, tangent[k]]));
  let dx: Tensor | undefined; // the input's tangent is zero
  network.layers.forEach((layer, i) => {
    const x = layerInput(state, i);
    const y = state.outputs[i];
    switch (layer.kind) {
      case 'dense': {
        const n = x.shape[0];
        const out: Tensor = { data: allocate(network.dtype, n * layer.outFeatures), shape: [n, layer.outFeatures] };
        const db = tangentOf.get(layer.bias);
        const dw = tangentOf.get(layer.weight);
        if (db) for (let r = 0; r < n; r++) out.data.set(db, r * layer.outFeatures);
        if (dw) ops.gemm(x.data, dw, out.data, n, layer.outFeatures, layer.inFeatures, false, true, 1, 1);
        if (dx)
          ops.gemm(dx.data, layer.weight.value, out.data, n, layer.outFeatures, layer.inFeatures, false, true, 1, 1);
        dx = out;
        return;
      }
      case 'activation':
        if (dx) dx = ops.activationBackward(layer.fn, x, y, dx, layer.slope);
        return;
      case 'flatten':
        if (dx) dx = { data: dx.data, shape: y.shape };
        return;
      default:
        throw new ConcordError(
          'ERR_LEARNING_ARCH_UNSUPPORTED',
          `forward-gradient: layer ${layer.name} (${layer.kind}) is not supported; the rule trains dense networks (mlp)`,
          { field: layer.name, received: layer.kind },
        );
    }
  });
  const logits = state.outputs[state.outputs.length - 1];
  const g = ops.loss(loss, logits, labels, { labelSmoothing }).grad;
  let d = 0;
  if (dx) for (let k = 0; k < g.data.length; k++) d += g.data[k] * dx.data[k];
  return d;
}

export const forwardGradientRule: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'forward-gradient',
    family: 'perturbation learning',
    variant: 'weight-perturbed forward gradient',
    reference: 'Baydin, Pearlmutter, Syme, Wood & Torr 2022, "Gradients without Backpropagation", arXiv:2202.08587',
    // C1: no feedback pathway at all; C2: every layer learns from the one global scalar d, not a local error;
    // C3: one forward pass carries values and tangents together (no backward or second phase).
    criteria: { asymmetricWeights: true, localErrors: false, singlePhase: true },
    architectures: ['mlp'],
    hyperParameters: {
      tangents: { default: 1, min: 1, description: 'random tangents per batch (estimates averaged); the paper uses 1' },
    },
    training: { optimizer: 'adam', lr: 1e-4 },
  } satisfies RuleDeclaration,
  create(setup) {
    const params = networkParams(setup.network);
    const k = Math.max(1, Math.round(Number(setup.hyper.tangents ?? 1)));
    return {
      auxParams: [],
      step(ctx) {
        const tangent = params.map((p) => allocate(ctx.network.dtype, p.value.length));
        for (let t = 0; t < k; t++) {
          for (const v of tangent) ctx.rng.fillNormal(v);
          const d = directionalDerivative(
            ctx.ops,
            ctx.network,
            ctx.forward,
            ctx.batch.labels,
            ctx.training.loss,
            tangent,
            ctx.training.labelSmoothing,
          );
          params.forEach((p, j) => {
            const v = tangent[j];
            const g = p.grad;
            const a = d / k;
            for (let e = 0; e < g.length; e++) g[e] += a * v[e];
          });
        }
        const loss = ctx.ops.loss(
          ctx.training.loss,
          ctx.forward.outputs[ctx.forward.outputs.length - 1],
          ctx.batch.labels,
          {
            labelSmoothing: ctx.training.labelSmoothing,
          },
        );
        return { loss: loss.value };
      },
    };
  },
};
