/** Helpers shared by the error-driven rules (BP and the feedback-alignment family). */
import type { FloatArray, Rng } from '@concord/core';
import { blocks, logitsOf, type Network } from '../network.ts';
import type { RuleStepContext } from '../rule.ts';
import type { Tensor } from '../tensor.ts';

/** The global loss of the batch and the output error dL/d(logits). */
export function outputError(ctx: RuleStepContext): { value: number; grad: Tensor } {
  return ctx.ops.loss(ctx.training.loss, logitsOf(ctx.forward), ctx.batch.labels, {
    labelSmoothing: ctx.training.labelSmoothing,
  });
}

/** Uniform entries in ±bound. */
export function uniformArray(like: FloatArray, n: number, bound: number, rng: Rng): FloatArray {
  const a = like instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-bound, bound);
  return a;
}

/**
 * Where a hidden block's error is injected by direct feedback: the output of its activation layer (before any
 * pooling), or the parametric layer's output when the block has no activation.
 */
export function injectionLayer(network: Network, blockParam: number): number {
  const next = network.layers[blockParam + 1];
  return next?.kind === 'activation' ? blockParam + 1 : blockParam;
}

/** Number of units in the output of layer i for one sample. */
export function unitsOf(network: Network, i: number): number {
  const l = network.layers[i];
  if (l.kind === 'dense') return l.outFeatures;
  if (l.kind === 'conv2d') return l.outChannels * l.outSize[0] * l.outSize[1];
  // An activation keeps the size of the layer before it.
  return unitsOf(network, i - 1);
}

export { blocks };
