/**
 * Thin adapters over ../testing.ts for the suites of issue 14's non-BP rules: networks described by their hidden
 * sizes, a rule instance created once and stepped several times (criteria tests compare two steps), every update as
 * an array in `networkParams` order, and scikit-learn's digits when python3-sklearn is installed.
 */
import { type Matrix, Rng } from '@concord/core';
import type { ImageDataset } from '../dataset.ts';
import { loadDigits } from '../datasets/load.ts';
import { ENGINE_DEFAULTS, resolveHyper } from '../engine/train.ts';
import type { ActivationName, Network } from '../network.ts';
import type { Batch, HyperValue, RuleInstance, UpdateRule } from '../rule.ts';
import { randomBatch, runStep, testOps, tinyMlp as tinyMlpOfSizes } from '../testing.ts';

export { testOps };

export function tinyMlp(
  sizes: { input: number; hidden: number[]; classes: number },
  seed = 1,
  activation: ActivationName = 'tanh',
): Network {
  return tinyMlpOfSizes([sizes.input, ...sizes.hidden, sizes.classes], seed, activation);
}

export const syntheticBatch = (network: Network, n: number, seed = 2): Batch => randomBatch(network, n, seed);

/** The rule's instance on `network` (hyper-parameter defaults plus `hyper`), its setup rng seeded with `seed`. */
export function createInstance(
  rule: UpdateRule,
  network: Network,
  hyper: Record<string, HyperValue> = {},
  seed = 5,
): RuleInstance {
  return rule.create({
    network,
    hyper: resolveHyper(rule.declaration, hyper),
    training: { ...ENGINE_DEFAULTS, ...rule.declaration.training },
    rng: new Rng(seed),
    ops: testOps,
    dtype: network.dtype,
  });
}

/** One step of `instance` (step rng seeded with `seed`): the network's and the auxiliary params' updates. */
export function stepGrads(
  rule: UpdateRule,
  instance: RuleInstance,
  network: Network,
  batch: Batch,
  opts: { seed?: number } = {},
): { loss: number; grads: Float64Array[]; auxGrads: Float64Array[] } {
  const r = runStep(rule, network, batch, { instance, seed: opts.seed ?? 7 });
  return {
    loss: r.loss,
    grads: [...r.grads.values()],
    auxGrads: instance.auxParams.map((p) => Float64Array.from(p.grad)),
  };
}

let digitsCache: ImageDataset | null | undefined;
/** scikit-learn's digits (the engine's fixed 1437/360 split), or undefined without python3-sklearn. */
export function digits(): ImageDataset | undefined {
  if (digitsCache === undefined) {
    try {
      digitsCache = loadDigits();
    } catch {
      digitsCache = null;
    }
  }
  return digitsCache ?? undefined;
}

/** Per-layer weight and bias gradients laid end to end, in layer order (for angles between whole updates). */
export function flatGrads(weightGrads: Matrix[], biasGrads: ArrayLike<number>[]): number[] {
  return weightGrads.flatMap((w, l) => [...w.data, ...Array.from(biasGrads[l])]);
}

/** The angle between two vectors, in degrees. */
export function angleDegrees(a: number[], b: number[]): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return (Math.acos(Math.min(1, ab / Math.sqrt(aa * bb))) * 180) / Math.PI;
}
