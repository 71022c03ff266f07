/**
 * Relatedness of two RDMs by condition-label randomisation (Kriegeskorte, Mur & Bandettini 2008, "Representational
 * similarity analysis", sec. on testing relatedness; a Mantel test for the corr / spearman comparators): the
 * conditions of the second RDM are permuted (rows and columns together), the comparator recomputed, and the p-value
 * is the fraction of the null distribution (the observed labelling included as one of its entries) that reaches the
 * observed value. Every permutation of the conditions is enumerated when there are at most `nPermutations` of them
 * (n! — up to 8 conditions by default); otherwise `nPermutations − 1` random permutations are drawn (seeded).
 * 'corr', 'spearman', 'cosine' and 'rho-a' are all scale · Σ u_k·v_π(k) for fixed transforms u, v of the two
 * vectors (centring, average ranks), so their permutations cost one gather-multiply pass over the pairs; any other
 * rsatoolbox comparator is recomputed through compareRdms.
 * Ties: values within 1e-14 · |observed| of the observed one count as reaching it (as scipy.stats.permutation_test),
 * so permutations that map the RDM onto itself are not lost to rounding.
 */
import { describeValue, ParameterError, type ProgressOptions } from '@concord/core';
import { averageRanks, COMPARE_METHODS, compareRdms, conditionsFromLength } from '@concord/rsa';
import { STATS_ERRORS } from './errors.ts';
import { type ChunkSpec, chunkRng, type RunChunkedOptions, runChunked, runChunkedSync } from './parallel.ts';
import { checkNPermutations, checkTail, type Tail } from './sign-flips.ts';

export interface RdmPermutationOptions extends ProgressOptions {
  /** An rsatoolbox comparator ('corr', 'spearman', 'cosine', 'tau-a', ...). Default 'spearman'. */
  method?: string;
  /** Size of the null distribution including the observed labelling. Default 10,000. */
  nPermutations?: number;
  seed?: number;
  /** 1 (default): relatedness greater than chance; −1: smaller; 0: |value| two-sided. */
  tail?: Tail;
}

export interface RdmPermutationResult {
  method: string;
  /** The comparator's value for the observed labelling. */
  value: number;
  p: number;
  /** Size of the null distribution (observed labelling included; n! when exact). */
  nPermutations: number;
  exact: boolean;
  /** The null distribution: the observed value first, then one value per permutation (all n! when exact, the
   * identity being the first). */
  null: Float64Array;
}

const FAST_METHODS = ['corr', 'spearman', 'cosine', 'rho-a'] as const;

/** What a chunk of permutations needs (structured-cloneable). */
export interface RdmNullInput {
  method: string;
  n: number;
  a: Float64Array;
  b: Float64Array;
  /** Fast methods: u (pair vector) and v as a full n × n matrix; value = scale · Σ u_k v_π(k). */
  u: Float64Array;
  vFull: Float64Array;
  scale: number;
  fast: boolean;
  exact: boolean;
  seed: number;
}

function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

function checkRdmVector(v: ArrayLike<number>, parameter: string): Float64Array {
  if (!(v && typeof v === 'object' && typeof v.length === 'number')) {
    throw new ParameterError(
      STATS_ERRORS.CONDITIONS,
      parameter,
      `expected an RDM vector; received ${describeValue(v)}`,
    );
  }
  const out = Float64Array.from(v);
  out.forEach((x, i) => {
    if (!Number.isFinite(x)) {
      throw new ParameterError(
        STATS_ERRORS.NON_FINITE,
        parameter,
        `non-finite dissimilarity ${x} at index ${i} (NaN pairs cannot be permuted)`,
        {
          index: i,
        },
      );
    }
  });
  return out;
}

function centred(v: Float64Array): Float64Array {
  let s = 0;
  for (const x of v) s += x;
  const m = s / v.length;
  return v.map((x) => x - m);
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

function fullMatrix(v: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      out[i * n + j] = v[k];
      out[j * n + i] = v[k];
      k++;
    }
  }
  return out;
}

/** Σ_{i<j} u_(ij) · V[π(i), π(j)]. */
function permutedDot(u: Float64Array, vFull: Float64Array, n: number, perm: Int32Array): number {
  let s = 0;
  let k = 0;
  for (let i = 0; i < n - 1; i++) {
    const row = perm[i] * n;
    for (let j = i + 1; j < n; j++) s += u[k++] * vFull[row + perm[j]];
  }
  return s;
}

function permutedVector(b: Float64Array, n: number, perm: Int32Array, out: Float64Array): Float64Array {
  let k = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const pi = perm[i];
      const pj = perm[j];
      const lo = Math.min(pi, pj);
      const hi = Math.max(pi, pj);
      out[k++] = b[lo * n - (lo * (lo + 1)) / 2 + (hi - lo - 1)];
    }
  }
  return out;
}

function permutationValue(input: RdmNullInput, perm: Int32Array, scratch: Float64Array): number {
  if (input.fast) return input.scale * permutedDot(input.u, input.vFull, input.n, perm);
  return compareRdms(input.a, permutedVector(input.b, input.n, perm, scratch), { method: input.method }).data[0];
}

/** The `rank`-th permutation of 0..n−1 in lexicographic order (factorial number system). */
function unrankPermutation(n: number, rank: number, out: Int32Array): Int32Array {
  const pool = Array.from({ length: n }, (_, i) => i);
  let r = rank;
  for (let i = 0; i < n; i++) {
    const f = factorial(n - 1 - i);
    const d = Math.floor(r / f);
    r -= d * f;
    out[i] = pool.splice(d, 1)[0];
  }
  return out;
}

/** Next permutation in lexicographic order, in place. */
function nextPermutation(p: Int32Array): void {
  let i = p.length - 2;
  while (i >= 0 && p[i] >= p[i + 1]) i--;
  if (i < 0) return;
  let j = p.length - 1;
  while (p[j] <= p[i]) j--;
  [p[i], p[j]] = [p[j], p[i]];
  for (let l = i + 1, r = p.length - 1; l < r; l++, r--) [p[l], p[r]] = [p[r], p[l]];
}

/** Null values of one chunk: permutations first..first+count−1 (exact: in lexicographic order; random: drawn
 * from the chunk's own generator). */
export function rdmNullJob(input: RdmNullInput, chunk: ChunkSpec): Float64Array {
  const { n } = input;
  const out = new Float64Array(chunk.count);
  const scratch = new Float64Array(input.b.length);
  if (input.exact) {
    const perm = unrankPermutation(n, chunk.first, new Int32Array(n));
    for (let k = 0; k < chunk.count; k++) {
      out[k] = permutationValue(input, perm, scratch);
      nextPermutation(perm);
    }
    return out;
  }
  const rng = chunkRng(input.seed, chunk.index);
  for (let k = 0; k < chunk.count; k++) out[k] = permutationValue(input, rng.permutation(n), scratch);
  return out;
}

interface Plan {
  input: RdmNullInput;
  value: number;
  nItems: number;
  tail: Tail;
  method: string;
}

function plan(a: ArrayLike<number>, b: ArrayLike<number>, options: RdmPermutationOptions): Plan {
  const method = options.method ?? 'spearman';
  if (!(COMPARE_METHODS as readonly string[]).includes(method)) {
    throw new ParameterError(
      STATS_ERRORS.UNKNOWN_METHOD,
      'method',
      `expected one of ${COMPARE_METHODS.map((m) => `'${m}'`).join(', ')}; received ${describeValue(method)}`,
    );
  }
  if (method === 'corr_cov' || method === 'cosine_cov' || method === 'neg_riem_dist') {
    throw new ParameterError(
      STATS_ERRORS.UNKNOWN_METHOD,
      'method',
      `'${method}' weights pairs by a condition covariance, which a label permutation would have to permute too; use corr, spearman, cosine, rho-a or a Kendall tau`,
    );
  }
  const va = checkRdmVector(a, 'a');
  const vb = checkRdmVector(b, 'b');
  if (va.length !== vb.length) {
    throw new ParameterError(
      STATS_ERRORS.CONDITIONS,
      'b',
      `the two RDM vectors must have the same length (the same conditions); received ${va.length} (a) and ${vb.length} (b)`,
    );
  }
  const n = conditionsFromLength(va.length);
  if (n === undefined || n < 3) {
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      'a',
      `expected an RDM vector over at least 3 conditions (length n(n-1)/2 >= 3); received length ${va.length}`,
    );
  }
  const tail = checkTail(options.tail ?? 1);
  const nPerm = checkNPermutations(options.nPermutations ?? 10_000);
  if (nPerm === 'all')
    throw new ParameterError(
      STATS_ERRORS.N_PERMUTATIONS,
      'nPermutations',
      "expected an integer (n! permutations are enumerated when there are at most that many); received 'all'",
    );
  const exact = factorial(n) <= nPerm;
  const fast = (FAST_METHODS as readonly string[]).includes(method);
  let u: Float64Array = new Float64Array(0);
  let vFull: Float64Array = new Float64Array(0);
  let scale = 0;
  if (fast) {
    let x: Float64Array = va;
    let y: Float64Array = vb;
    if (method === 'spearman' || method === 'rho-a') {
      x = averageRanks(va);
      y = averageRanks(vb);
    }
    if (method !== 'cosine') {
      x = centred(x);
      y = centred(y);
    }
    const m = va.length;
    const nx = norm(x);
    const ny = norm(y);
    if (method === 'rho-a') scale = 12 / (m ** 3 - m);
    else scale = nx > 0 && ny > 0 ? 1 / nx / ny : 0;
    u = x;
    vFull = fullMatrix(y, n);
  }
  const input: RdmNullInput = { method, n, a: va, b: vb, u, vFull, scale, fast, exact, seed: options.seed ?? 0 };
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const value = permutationValue(input, identity, new Float64Array(vb.length));
  return { input, value, nItems: exact ? factorial(n) : nPerm - 1, tail, method };
}

function finish(p: Plan, values: Float64Array): RdmPermutationResult {
  const { value, tail } = p;
  const exact = p.input.exact;
  const nullDist = exact ? values : new Float64Array(values.length + 1);
  if (!exact) {
    nullDist[0] = value;
    nullDist.set(values, 1);
  }
  const eps = 1e-14 * Math.abs(value);
  let count = 0;
  for (const v of nullDist) {
    if (tail === 1 ? v >= value - eps : tail === -1 ? v <= value + eps : Math.abs(v) >= Math.abs(value) - eps) count++;
  }
  return { method: p.method, value, p: count / nullDist.length, nPermutations: nullDist.length, exact, null: nullDist };
}

const CHUNK = 1000;

/** Condition-label permutation test of the relatedness of two RDM vectors (this thread). */
export function rdmPermutationTest(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: RdmPermutationOptions = {},
): RdmPermutationResult {
  const p = plan(a, b, options);
  const parts = runChunkedSync(rdmNullJob, p.input, p.nItems, CHUNK, {
    onProgress: options.onProgress,
    stage: 'permutation-test',
  });
  return finish(p, concat(parts, p.nItems));
}

/** rdmPermutationTest on worker threads; identical results whatever the number of threads. */
export async function rdmPermutationTestParallel(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: RdmPermutationOptions & Pick<RunChunkedOptions, 'threads'> = {},
): Promise<RdmPermutationResult> {
  const p = plan(a, b, options);
  const parts = await runChunked<RdmNullInput, Float64Array>(
    { module: import.meta.url, exportName: 'rdmNullJob', input: p.input, nItems: p.nItems, chunkSize: CHUNK },
    { threads: options.threads, onProgress: options.onProgress, stage: 'permutation-test' },
  );
  return finish(p, concat(parts, p.nItems));
}

function concat(parts: Float64Array[], total: number): Float64Array {
  const out = new Float64Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
