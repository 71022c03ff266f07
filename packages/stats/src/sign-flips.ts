/**
 * The sign-flip sets of one-sample permutation tests, as MNE 1.3 draws them (`_get_1samp_orders`):
 * a pattern is a row of n bits, bit 1 keeping a subject's sign and bit 0 flipping it; the observed labelling is
 * never among the drawn rows (the tests add it themselves, as the first entry of their null distribution).
 * - Two-tailed tests (tail 0) use the 2^(n−1) − 1 patterns whose first bit is 0 other than all-zero: a pattern and
 *   its complement give the same |statistic|, so only one of each pair is used.
 * - One-tailed tests use the 2^n − 1 patterns other than all-zero (so the observed labelling, all ones, is among
 *   them, and the full flip is not: MNE's choice, kept for parity).
 * - Exact enumeration when `nPermutations` is 'all' or exceeds the number of patterns: every pattern, in MNE's
 *   order (binary counting with the first subject as the most significant bit). MNE 1.3 itself, given 'all',
 *   draws all patterns but one at random (its `max_perms < n_permutations` test fails for 'all'); we enumerate
 *   them all, as MNE does for an integer n_permutations >= 2^(n − (tail == 0)).
 * - Otherwise `nPermutations − 1` distinct patterns drawn uniformly without replacement from the same set, with
 *   the seeded generator of core (so the draws differ from numpy's, not their distribution).
 */
import { describeValue, ParameterError, Rng } from '@concord/core';
import { STATS_ERRORS } from './errors.ts';

export type Tail = -1 | 0 | 1;

export interface SignFlips {
  /** Number of subjects (bits per pattern). */
  nSubjects: number;
  /** Number of patterns (rows). */
  count: number;
  /** count × nSubjects signs, +1 or −1, row-major. */
  signs: Int8Array;
  /** True when every pattern of the set is present. */
  exact: boolean;
}

/** Largest number of patterns we enumerate exactly (2^22 = 4,194,304; more would not fit in reasonable time). */
export const MAX_EXACT_PATTERNS = 2 ** 22;

export function checkTail(tail: unknown): Tail {
  if (tail === -1 || tail === 0 || tail === 1) return tail;
  throw new ParameterError(STATS_ERRORS.TAIL, 'tail', `expected -1, 0 or 1; received ${describeValue(tail)}`);
}

/** Most permutations one test draws (their statistics are kept in memory: 80 MB of null distribution). */
export const MAX_PERMUTATIONS = 10_000_000;

/** Validate n_permutations ('all' or an integer in 1..MAX_PERMUTATIONS). */
export function checkNPermutations(nPermutations: unknown): number | 'all' {
  if (nPermutations === 'all') return 'all';
  if (
    typeof nPermutations === 'number' &&
    Number.isInteger(nPermutations) &&
    nPermutations >= 1 &&
    nPermutations <= MAX_PERMUTATIONS
  )
    return nPermutations;
  throw new ParameterError(
    STATS_ERRORS.N_PERMUTATIONS,
    'nPermutations',
    `expected 'all' or an integer from 1 to ${MAX_PERMUTATIONS}; received ${describeValue(nPermutations)}`,
  );
}

/** How many patterns the set has: 2^(n − (tail == 0)) − 1. */
export function maxSignFlipPatterns(nSubjects: number, tail: Tail): number {
  return 2 ** (nSubjects - (tail === 0 ? 1 : 0)) - 1;
}

function writeCode(signs: Int8Array, row: number, n: number, code: number): void {
  // binary_repr(code, n): the first subject is the most significant bit
  let c = code;
  for (let j = n - 1; j >= 0; j--) {
    const bit = c % 2;
    signs[row * n + j] = bit === 1 ? 1 : -1;
    c = (c - bit) / 2;
  }
}

export function oneSampleSignFlips(
  nSubjects: number,
  nPermutations: number | 'all',
  tail: Tail,
  seed: number,
): SignFlips {
  if (!(Number.isInteger(nSubjects) && nSubjects >= 2)) {
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      'X',
      `a one-sample permutation test needs at least 2 subjects; received ${nSubjects}`,
    );
  }
  const n = nSubjects;
  const nPerm = checkNPermutations(nPermutations);
  const maxPerms = maxSignFlipPatterns(n, tail);
  if (nPerm === 'all' || nPerm > maxPerms) {
    if (maxPerms > MAX_EXACT_PATTERNS) {
      throw new ParameterError(
        STATS_ERRORS.N_PERMUTATIONS,
        'nPermutations',
        `an exact test over ${n} subjects needs ${maxPerms} sign flips, more than the ${MAX_EXACT_PATTERNS} allowed; give a number of random permutations`,
        { received: nPermutations },
      );
    }
    const signs = new Int8Array(maxPerms * n);
    // bin_perm_rep(n)[1 : max_perms + 1]: codes 1..maxPerms in order
    for (let r = 0; r < maxPerms; r++) writeCode(signs, r, n, r + 1);
    return { nSubjects: n, count: maxPerms, signs, exact: true };
  }
  const count = nPerm - 1;
  const signs = new Int8Array(count * n);
  const rng = new Rng(seed);
  if (n <= 53) {
    // sparse Fisher–Yates over codes 1..maxPerms: exactly `count` distinct draws, O(count) memory
    const swapped = new Map<number, number>();
    for (let r = 0; r < count; r++) {
      const j = r + rng.int(maxPerms - r);
      const atJ = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(r) ?? r);
      writeCode(signs, r, n, atJ + 1);
    }
  } else {
    // 2^53 patterns and more: random bits, rejecting repeats and the excluded all-zero pattern
    const seen = new Set<string>();
    const bits = new Uint8Array(n);
    let r = 0;
    while (r < count) {
      for (let j = 0; j < n; j++) bits[j] = rng.nextUint32() & 1;
      if (tail === 0) bits[0] = 0;
      if (bits.every((b) => b === 0)) continue;
      const key = bits.join('');
      if (seen.has(key)) continue;
      seen.add(key);
      for (let j = 0; j < n; j++) signs[r * n + j] = bits[j] === 1 ? 1 : -1;
      r++;
    }
  }
  return { nSubjects: n, count, signs, exact: false };
}
