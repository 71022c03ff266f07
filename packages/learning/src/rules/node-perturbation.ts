/**
 * Node perturbation (Williams 1992's REINFORCE on Gaussian units; Werfel, Xie & Seung 2005, "Learning curves for
 * stochastic gradient descent in linear feedforward networks"; Fiete & Seung 2006): a clean forward pass and a noisy
 * one in which every dense layer's pre-activation a_l gets Gaussian noise ξ_l ~ N(0, σ²I) (the noise of lower layers
 * propagates into the upper ones). The change of each sample's scalar loss, δL = L(noisy) − L(clean), is broadcast
 * to every layer, which correlates it with its own noise: ΔW_l ∝ −(δL/σ²)·ξ_l·x_lᵀ, x_l the layer's clean input.
 * Since δL ≈ Σ_l ∂L/∂a_l·ξ_l, E[δL·ξ_l]/σ² = ∂L/∂a_l: the update is an unbiased (to first order) estimate of the
 * gradient, averaged here over the batch's samples, each with its own noise.
 */
import { ConcordError } from '@concord/core';
import type { ForwardState, Network } from '../network.ts';
import type { EngineOps, LossName, RuleDeclaration, UpdateRule } from '../rule.ts';
import type { Tensor } from '../tensor.ts';

/** The loss of every sample of the batch (the engine's loss of a one-sample batch). */
export function perSampleLosses(
  ops: EngineOps,
  loss: LossName,
  logits: Tensor,
  labels: Int32Array,
  labelSmoothing = 0,
): Float64Array {
  const n = logits.shape[0];
  const k = logits.data.length / Math.max(1, n);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const row: Tensor = { data: logits.data.subarray(r * k, (r + 1) * k), shape: [1, k] };
    out[r] = ops.loss(loss, row, labels.subarray(r, r + 1), { labelSmoothing }).value;
  }
  return out;
}

/**
 * Accumulate the node-perturbation update into the network's grads, given the clean forward state and one noise
 * tensor per dense layer (`noise[i]` for layer i, the shape of its output; undefined for other layers). Returns the
 * clean and noisy mean losses.
 */
export function nodePerturbationUpdate(
  ops: EngineOps,
  network: Network,
  clean: ForwardState,
  labels: Int32Array,
  loss: LossName,
  noise: readonly (Tensor | undefined)[],
  sigma: number,
  labelSmoothing = 0,
): { clean: number; noisy: number } {
  // The noisy pass, layer by layer so the noise enters at every pre-activation.
  let x = clean.input;
  for (let i = 0; i < network.layers.length; i++) {
    const layer = network.layers[i];
    if (layer.kind !== 'dense' && layer.kind !== 'activation' && layer.kind !== 'flatten')
      throw new ConcordError(
        'ERR_LEARNING_ARCH_UNSUPPORTED',
        `node-perturbation: layer ${layer.name} (${layer.kind}) is not supported; the rule trains dense networks (mlp)`,
        { field: layer.name, received: layer.kind },
      );
    const y = ops.forward(network, x, { from: i, to: i }).outputs[i];
    const xi = noise[i];
    if (xi) for (let e = 0; e < y.data.length; e++) y.data[e] += xi.data[e];
    x = y;
  }
  const cleanLoss = perSampleLosses(ops, loss, clean.outputs[clean.outputs.length - 1], labels, labelSmoothing);
  const noisyLoss = perSampleLosses(ops, loss, x, labels, labelSmoothing);
  const n = labels.length;
  let meanClean = 0;
  let meanNoisy = 0;
  for (let r = 0; r < n; r++) {
    meanClean += cleanLoss[r] / n;
    meanNoisy += noisyLoss[r] / n;
  }
  // Each dense layer: grad W += Eᵀ·x, grad b += Σ E with E[r] = (δL_r / (σ²·N))·ξ[r].
  network.layers.forEach((layer, i) => {
    const xi = noise[i];
    if (layer.kind !== 'dense' || !xi) return;
    const e: Tensor = { data: xi.data.slice(), shape: xi.shape };
    const f = layer.outFeatures;
    for (let r = 0; r < n; r++) {
      const c = (noisyLoss[r] - cleanLoss[r]) / (sigma * sigma * n);
      for (let j = 0; j < f; j++) e.data[r * f + j] *= c;
    }
    ops.backwardLayer(network, i, clean, e, { input: false });
  });
  return { clean: meanClean, noisy: meanNoisy };
}

export const nodePerturbationRule: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'node-perturbation',
    family: 'perturbation learning',
    variant: 'node perturbation',
    reference:
      'Werfel, Xie & Seung 2005, "Learning curves for stochastic gradient descent in linear feedforward networks", Neural Computation 17(12); Fiete & Seung 2006, Phys. Rev. Lett. 97:048104',
    // C1: no feedback weights; C2: every layer learns from the global scalar δL (it depends on all layers above);
    // C3: a clean and a noisy pass are compared.
    criteria: { asymmetricWeights: true, localErrors: false, singlePhase: false },
    architectures: ['mlp'],
    hyperParameters: {
      sigma: { default: 0.01, min: 0, description: 'standard deviation σ of the pre-activation noise' },
    },
    training: { optimizer: 'adam', lr: 1e-3 },
  } satisfies RuleDeclaration,
  create(setup) {
    const sigma = Number(setup.hyper.sigma ?? 0.01);
    return {
      auxParams: [],
      step(ctx) {
        const noise = ctx.network.layers.map((layer, i) => {
          if (layer.kind !== 'dense') return undefined;
          const shape = ctx.forward.outputs[i].shape;
          const data = ctx.forward.outputs[i].data.slice();
          ctx.rng.fillNormal(data, 0, sigma);
          return { data, shape };
        });
        const r = nodePerturbationUpdate(
          ctx.ops,
          ctx.network,
          ctx.forward,
          ctx.batch.labels,
          ctx.training.loss,
          noise,
          sigma,
          ctx.training.labelSmoothing,
        );
        return { loss: r.clean };
      },
    };
  },
};
