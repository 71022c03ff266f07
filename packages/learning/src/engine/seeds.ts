/**
 * Independent seeded streams derived from the run's seed: weight init, the rule's own init, each epoch's shuffle
 * and each batch's noise draw from their own Rng, so resuming at an epoch boundary replays exactly the same numbers
 * without saving generator state, and the streams do not depend on the thread count.
 */
import { Rng } from '@concord/core';

export const STREAM = { init: 1, rule: 2, shuffle: 3, batch: 4, validation: 5 } as const;

/** A 31-bit seed mixed from the run seed and up to three integers (murmur3-style finaliser). */
export function deriveSeed(seed: number, stream: number, a = 0, b = 0): number {
  let h = (seed | 0) ^ Math.imul(stream + 1, 0x9e3779b1);
  for (const v of [Math.floor(seed / 0x100000000), a, b]) {
    h = Math.imul(h ^ (v | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 1;
}

export function streamRng(seed: number, stream: number, a = 0, b = 0): Rng {
  return new Rng(deriveSeed(seed, stream, a, b));
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
