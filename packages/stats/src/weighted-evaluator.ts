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

  constructor(
    private readonly predictions: readonly Float64Array[],
    private readonly data: readonly Float64Array[],
    private readonly nCond: number,
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
  }

  /**
   * Evaluate one sample: `condMult[i]` copies of condition i, `rdmMult[r]` copies of data RDM r. The caller
   * checks that at least 3 distinct condition groups were drawn (rsatoolbox's NaN rule).
   */
  evaluate(condMult: Float64Array, rdmMult: Float64Array, withNoiseCeiling: boolean): SampleEvaluation {
    const K = this.activate(condMult);
    const w = this.w.subarray(0, K);
    let W = 0;
    for (let k = 0; k < K; k++) W += w[k];

    // data RDMs in the sample: normalised vectors (for comparisons) and pooling rows (for the noise ceiling)
    const present: number[] = [];
    for (let r = 0; r < this.data.length; r++) if (rdmMult[r] > 0) present.push(r);
    const unit = new Map<number, Float64Array>();
    const poolRow = new Map<number, Float64Array>();
    let C = 0;
    for (const r of present) {
      C += rdmMult[r];
      const x = this.gather(this.data[r], K);
      const base = this.ranked ? this.weightedRanks(x, w, this.orderFromFull((this.dataOrder as Uint32Array[])[r], K), W) : x;
      unit.set(r, this.normalise(base, w, W));
      if (withNoiseCeiling) poolRow.set(r, this.ranked ? base : this.poolNormalise(x, w, W));
    }

    const evaluations = new Float64Array(this.predictions.length);
    for (let m = 0; m < this.predictions.length; m++) {
      const x = this.gather(this.predictions[m], K);
      const base = this.ranked ? this.weightedRanks(x, w, this.orderFromFull((this.predOrder as Uint32Array[])[m], K), W) : x;
      const u = this.normalise(base, w, W);
      let s = 0;
      for (const r of present) s += rdmMult[r] * dotW(u, unit.get(r) as Float64Array, w);
      evaluations[m] = s / C;
    }
    if (!withNoiseCeiling) return { evaluations, lower: Number.NaN, upper: Number.NaN };

    // noise ceiling (boot_noise_ceiling on the sample): leave one rdm group out
    const groups = Array.from(new Set(present.map((r) => this.rdmGroupOf[r]))).sort((a, b) => a - b);
    const pooled = (include: (r: number) => boolean) => {
      const acc = new Float64Array(K);
      let c = 0;
      for (const r of present) {
        if (!include(r)) continue;
        const row = poolRow.get(r) as Float64Array;
        const f = rdmMult[r];
        c += f;
        for (let k = 0; k < K; k++) acc[k] += f * row[k];
      }
      for (let k = 0; k < K; k++) acc[k] /= c;
      return this.preparePooled(acc, w, W);
    };
    const meanOver = (u: Float64Array, include: (r: number) => boolean) => {
      let s = 0;
      let c = 0;
      for (const r of present) {
        if (!include(r)) continue;
        s += rdmMult[r] * dotW(u, unit.get(r) as Float64Array, w);
        c += rdmMult[r];
      }
      return s / c;
    };
    const all = pooled(() => true);
    if (groups.length < 2) {
      const v = meanOver(all, () => true);
      return { evaluations, lower: v, upper: v };
    }
    let lower = 0;
    let upper = 0;
    for (const g of groups) {
      const inG = (r: number) => this.rdmGroupOf[r] === g;
      lower += meanOver(
        pooled((r) => !inG(r)),
        inG,
      );
      upper += meanOver(all, inG);
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

  private gather(v: Float64Array, K: number): Float64Array {
    const out = new Float64Array(K);
    for (let k = 0; k < K; k++) out[k] = v[this.active[k]];
    return out;
  }

  /** A full-length ascending order restricted to the active pairs, as positions 0..K-1. */
  private orderFromFull(order: Uint32Array, K: number): Int32Array {
    const out = new Int32Array(K);
    let t = 0;
    for (let q = 0; q < order.length; q++) {
      const k = this.posOf[order[q]];
      if (k >= 0) out[t++] = k;
    }
    return out;
  }

  /** Average ranks of the weighted multiset (scipy rankdata 'average' on the expanded sample). */
  private weightedRanks(x: Float64Array, w: Float64Array, order: ArrayLike<number>, _W: number): Float64Array {
    const K = x.length;
    const out = new Float64Array(K);
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
    return out;
  }

  /** The vector scaled so that the method's similarity is Σ w·u·u'. */
  private normalise(x: Float64Array, w: Float64Array, W: number): Float64Array {
    const K = x.length;
    const out = new Float64Array(K);
    let mean = 0;
    if (this.method !== 'cosine') {
      for (let k = 0; k < K; k++) mean += w[k] * x[k];
      mean /= W;
    }
    if (this.method === 'rho-a') {
      // rsatoolbox compare_rho_a: 12·Σ(r1c·r2c)/(n³ − n), n the sample's number of entries
      const f = Math.sqrt(12 / (W * W * W - W));
      for (let k = 0; k < K; k++) out[k] = (x[k] - mean) * f;
      return out;
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
    return out;
  }

  /** rsatoolbox pool_rdm's per-RDM normalisation for cosine (÷ RMS) and corr (z-score, ddof 0). */
  private poolNormalise(x: Float64Array, w: Float64Array, W: number): Float64Array {
    const K = x.length;
    const out = new Float64Array(K);
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
    return out;
  }

  /** A pooled RDM made ready for comparison (ranked again for rank methods, as compare does). */
  private preparePooled(pooled: Float64Array, w: Float64Array, W: number): Float64Array {
    const base = this.ranked ? this.weightedRanks(pooled, w, argsort(pooled), W) : pooled;
    return this.normalise(base, w, W);
  }
}

function dotW(a: Float64Array, b: Float64Array, w: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += w[k] * a[k] * b[k];
  return s;
}
