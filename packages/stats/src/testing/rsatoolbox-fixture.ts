/** Test helpers: rsatoolbox reference JSON (NaN as the string "NaN") compared with Concord's arrays. */
import { expect } from 'vitest';

type Num = number | string | null;
export type Nested = Num | Nested[];
export interface Outputs {
  evaluations: Nested;
  noise_ceiling: Nested;
  variances: Nested;
  means: Nested;
  model_var: Nested;
  diff_var: Nested;
  noise_ceil_var: Nested;
  p_pairwise_t: Nested;
  p_zero_t: Nested;
  p_noise_t: Nested;
  p_pairwise_bootstrap?: Nested;
  p_zero_bootstrap?: Nested;
  p_noise_bootstrap_intended?: Nested;
  dof: number;
}
export interface Case {
  seed: number;
  n_cond: number;
  n_rdm: number;
  data: number[][];
  models: number[][];
  draws: { patterns: number[]; rdms: number[] }[];
  outputs: Record<string, Record<string, Outputs>>;
}

export function flat(x: Nested): number[] {
  if (Array.isArray(x)) return x.flatMap(flat);
  if (x === null || x === 'NaN') return [Number.NaN];
  if (typeof x === 'string') return [x.startsWith('-') ? -Infinity : Infinity];
  return [x];
}

export function expectClose(actual: ArrayLike<number>, expected: Nested, what: string, tol = 1e-9): void {
  const e = flat(expected);
  expect(actual.length, `${what}: length`).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i])) expect(Number.isNaN(actual[i]), `${what}[${i}] should be NaN, is ${actual[i]}`).toBe(true);
    else
      expect(Math.abs(actual[i] - e[i]), `${what}[${i}]: ${actual[i]} vs rsatoolbox ${e[i]}`).toBeLessThanOrEqual(
        tol * Math.max(1, Math.abs(e[i])),
      );
  }
}
