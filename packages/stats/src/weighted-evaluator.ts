/**
 * The fast path of bootstrap evaluation for cosine / corr / spearman / rho-a: no sample RDM is ever built.
 *
 * Why it is exact: in rsatoolbox's pattern sample (subsample_pattern) a condition drawn m_i times appears m_i
 * times; a pair of different conditions (i, j) then appears m_i·m_j times and a condition with its own copy gives
 * NaN, which comparisons drop. Every statistic these comparators use (sums, means, norms, average ranks with ties)
 * is a sum over the sample's entries, so it equals the same sum over the original pairs weighted by m_i·m_j. RDMs
 * drawn c_r times weigh c_r in every mean over RDMs (evaluations, pooling for the noise ceiling). Average ranks of
 * the weighted multiset: a group of equal values with total weight G after weight C gets rank C + (G + 1)/2 — what
 * scipy.stats.rankdata gives every copy. Ranks are half-integers, so pooled ranks are summed exactly and ties in
 * the pooled RDM are the ones rsatoolbox sees.
 *
 * Cost per sample: O(pairs · (models + RDMs + groups)), no sorting except of the pooled RDMs (rank methods); each
 * model and data RDM is argsorted once for all samples.
 */
import { argsort } from '@concord/core';

export const WEIGHTED_METHODS = ['cosine', 'corr', 'spearman', 'rho-a'] as const;
export type WeightedMethod = (typeof WEIGHTED_METHODS)[number];

export function isWeightedMethod(method: string): method is WeightedMethod {
  return (WEIGHTED_METHODS as readonly string[]).includes(method);
}

export interface SampleEvaluation {
  evaluations: Float64Array;
  lower: number;
  upper: number;
}

export class WeightedEvaluator {
  private readonly nPairs: number;
  private readonly pairI: Int32Array;
  private readonly pairJ: Int32Array;
  private readonly ranked: boolean;
  private readonly predOrder: Uint32Array[] | undefined;
  private readonly dataOrder: Uint32Array[] | undefined;
  // per-sample scratch
  private readonly active: Int32Array;
  private readonly posOf: Int32Array;
  private readonly w: Float64Array;
  private readonly nGroups: number;
  private readonly groupUnit: Float64Array;
  private readonly groupPool: Float64Array;
  private readonly x: Float64Array;
  private readonly base: Float64Array;
  private readonly u: Float64Array;
  private readonly unitAll: Float64Array;
  private readonly poolAll: Float64Array;
  private readonly pooled: Float64Array;
  private readonly prepAll: Float64Array;
  private readonly pooledRanks: Float64Array;
  private readonly order: Int32Array;

  constructor(
    private readonly predictions: readonly Float64Array[],
    private readonly data: readonly Float64Array[],
    nCond: number,
    /** Noise-ceiling group of every data RDM (ids 0..nGroups-1). */
    private readonly rdmGroupOf: ArrayLike<number>,
    private readonly method: WeightedMethod,
  ) {
    const n = nCond;
    this.nPairs = (n * (n - 1)) / 2;
    this.pairI = new Int32Array(this.nPairs);
    this.pairJ = new Int32Array(this.nPairs);
    let k = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        this.pairI[k] = i;
        this.pairJ[k++] = j;
      }
    this.ranked = method === 'spearman' || method === 'rho-a';
    if (this.ranked) {
      this.predOrder = predictions.map((v) => argsort(v));
      this.dataOrder = data.map((v) => argsort(v));
    }
    this.active = new Int32Array(this.nPairs);
    this.posOf = new Int32Array(this.nPairs);
    this.w = new Float64Array(this.nPairs);
    let groups = 0;
    for (let r = 0; r < rdmGroupOf.length; r++) groups = Math.max(groups, rdmGroupOf[r] + 1);
    this.nGroups = groups;
    const P = this.nPairs;
    this.groupUnit = new Float64Array(groups * P);
    this.groupPool = new Float64Array(groups * P);
    this.x = new Float64Array(P);
    this.base = new Float64Array(P);
    this.u = new Float64Array(P);
    this.unitAll = new Float64Array(P);
    this.poolAll = new Float64Array(P);
    this.pooled = new Float64Array(P);
    this.prepAll = new Float64Array(P);
    this.pooledRanks = new Float64Array(P);
    this.order = new Int32Array(P);
  }

  /**
   * Evaluate one sample: `condMult[i]` copies of condition i, `rdmMult[r]` copies of data RDM r. The caller
   * checks that at least 3 distinct condition groups were drawn (rsatoolbox's NaN rule).
   *
   * Every mean over the sample's RDMs of Σ_k w·u·u_r is linear in u_r, so the data RDMs are summed (per noise-ceiling
   * group, weighted by their copies) before the dot products: one dot product per model and per pooled RDM.
   */
  evaluate(condMult: Float64Array, rdmMult: Float64Array, withNoiseCeiling: boolean): SampleEvaluation {
    const K = this.activate(condMult);
    const w = this.w.subarray(0, K);
    let W = 0;
    for (let k = 0; k < K; k++) W += w[k];
    const G = this.nGroups;
    const groupUnit = this.groupUnit;
    const groupPool = this.groupPool;
    groupUnit.fill(0, 0, G * K);
    groupPool.fill(0, 0, G * K);
    const groupCount = new Float64Array(G);
    const x = this.x.subarray(0, K);
    const base = this.base.subarray(0, K);
    const u = this.u.subarray(0, K);
    for (let r = 0; r < this.data.length; r++) {
      const c = rdmMult[r];
      if (!(c > 0)) continue;
      const g = this.rdmGroupOf[r];
      groupCount[g] += c;
      this.gather(this.data[r], x);
      if (this.ranked) this.weightedRanks(x, w, this.orderFromFull((this.dataOrder as Uint32Array[])[r], K), base);
      else base.set(x);
      this.normalise(base, w, W, u);
      const gu = groupUnit.subarray(g * K, (g + 1) * K);
      for (let k = 0; k < K; k++) gu[k] += c * u[k];
      if (withNoiseCeiling) {
        if (!this.ranked) this.poolNormalise(x, w, W, base);
        const gp = groupPool.subarray(g * K, (g + 1) * K);
        for (let k = 0; k < K; k++) gp[k] += c * base[k];
      }
    }
    let C = 0;
    const unitAll = this.unitAll.subarray(0, K);
    const poolAll = this.poolAll.subarray(0, K);
    unitAll.fill(0);
    poolAll.fill(0);
    const groups: number[] = [];
    for (let g = 0; g < G; g++) {
      if (!(groupCount[g] > 0)) continue;
      groups.push(g);
      C += groupCount[g];
      const gu = groupUnit.subarray(g * K, (g + 1) * K);
      const gp = groupPool.subarray(g * K, (g + 1) * K);
      for (let k = 0; k < K; k++) {
        unitAll[k] += gu[k];
        poolAll[k] += gp[k];
      }
    }

    const evaluations = new Float64Array(this.predictions.length);
    for (let m = 0; m < this.predictions.length; m++) {
      this.gather(this.predictions[m], x);
      if (this.ranked) this.weightedRanks(x, w, this.orderFromFull((this.predOrder as Uint32Array[])[m], K), base);
      else base.set(x);
      this.normalise(base, w, W, u);
      evaluations[m] = dotW(u, unitAll, w) / C;
    }
    if (!withNoiseCeiling) return { evaluations, lower: Number.NaN, upper: Number.NaN };

    // noise ceiling (boot_noise_ceiling on the sample): leave one rdm group out
    const pooled = this.pooled.subarray(0, K);
    const prepAll = this.prepAll.subarray(0, K);
    for (let k = 0; k < K; k++) pooled[k] = poolAll[k] / C;
    this.preparePooled(pooled, w, W, prepAll);
    if (groups.length < 2) {
      const v = dotW(prepAll, unitAll, w) / C;
      return { evaluations, lower: v, upper: v };
    }
    let lower = 0;
    let upper = 0;
    for (const g of groups) {
      const gu = groupUnit.subarray(g * K, (g + 1) * K);
      const gp = groupPool.subarray(g * K, (g + 1) * K);
      const rest = C - groupCount[g];
      for (let k = 0; k < K; k++) pooled[k] = (poolAll[k] - gp[k]) / rest;
      this.preparePooled(pooled, w, W, u);
      lower += dotW(u, gu, w) / groupCount[g];
      upper += dotW(prepAll, gu, w) / groupCount[g];
    }
    return { evaluations, lower: lower / groups.length, upper: upper / groups.length };
  }

  /** Pairs of two sampled conditions and their weights m_i·m_j; returns their number. */
  private activate(condMult: Float64Array): number {
    let K = 0;
    for (let p = 0; p < this.nPairs; p++) {
      const wp = condMult[this.pairI[p]] * condMult[this.pairJ[p]];
      if (wp > 0) {
        this.posOf[p] = K;
        this.active[K] = p;
        this.w[K++] = wp;
      } else this.posOf[p] = -1;
    }
    return K;
  }

  private gather(v: Float64Array, out: Float64Array): void {
    const active = this.active;
    for (let k = 0; k < out.length; k++) out[k] = v[active[k]];
  }

  /** A full-length ascending order restricted to the active pairs, as positions 0..K-1. */
  private orderFromFull(order: Uint32Array, K: number): Int32Array {
    const out = this.order.subarray(0, K);
    let t = 0;
    for (let q = 0; q < order.length; q++) {
      const k = this.posOf[order[q]];
      if (k >= 0) out[t++] = k;
    }
    return out;
  }

  /** Average ranks of the weighted multiset (scipy rankdata 'average' on the expanded sample). */
  private weightedRanks(x: Float64Array, w: Float64Array, order: ArrayLike<number>, out: Float64Array): void {
    const K = x.length;
    let before = 0;
    let t = 0;
    while (t < K) {
      const value = x[order[t]];
      let u = t;
      let g = 0;
      while (u < K && x[order[u]] === value) g += w[order[u++]];
      const rank = before + (g + 1) / 2;
      for (let q = t; q < u; q++) out[order[q]] = rank;
      before += g;
      t = u;
    }
  }

  /** The vector scaled so that the method's similarity is Σ w·u·u'. */
  private normalise(x: Float64Array, w: Float64Array, W: number, out: Float64Array): void {
    const K = x.length;
    let mean = 0;
    if (this.method !== 'cosine') {
      for (let k = 0; k < K; k++) mean += w[k] * x[k];
      mean /= W;
    }
    if (this.method === 'rho-a') {
      // rsatoolbox compare_rho_a: 12·Σ(r1c·r2c)/(n³ − n), n the sample's number of entries
      const f = Math.sqrt(12 / (W * W * W - W));
      for (let k = 0; k < K; k++) out[k] = (x[k] - mean) * f;
      return;
    }
    let ss = 0;
    for (let k = 0; k < K; k++) {
      const c = x[k] - mean;
      out[k] = c;
      ss += w[k] * c * c;
    }
    // rsatoolbox _cosine: a zero-length vector has similarity 0 with everything
    const f = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let k = 0; k < K; k++) out[k] *= f;
  }

  /** rsatoolbox pool_rdm's per-RDM normalisation for cosine (÷ RMS) and corr (z-score, ddof 0). */
  private poolNormalise(x: Float64Array, w: Float64Array, W: number, out: Float64Array): void {
    const K = x.length;
    let mean = 0;
    if (this.method === 'corr') {
      for (let k = 0; k < K; k++) mean += w[k] * x[k];
      mean /= W;
    }
    let ss = 0;
    for (let k = 0; k < K; k++) {
      const c = x[k] - mean;
      out[k] = c;
      ss += w[k] * c * c;
    }
    const f = 1 / Math.sqrt(ss / W);
    for (let k = 0; k < K; k++) out[k] *= f;
  }

  /** A pooled RDM made ready for comparison (ranked again for rank methods, as compare does). */
  private preparePooled(pooled: Float64Array, w: Float64Array, W: number, out: Float64Array): void {
    if (!this.ranked) {
      this.normalise(pooled, w, W, out);
      return;
    }
    const ranks = this.pooledRanks.subarray(0, pooled.length);
    this.weightedRanks(pooled, w, argsort(pooled), ranks);
    this.normalise(ranks, w, W, out);
  }
}

function dotW(a: Float64Array, b: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += w[k] * a[k] * b[k];
  return s;
}
