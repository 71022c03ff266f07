/**
 * poolRdms: the one RDM that best represents a set under a comparison method (rsatoolbox
 * util.inference_util.pool_rdm), used by noise ceilings:
 * - cosine / cosine_cov: every RDM divided by √(nanmean(v²)), then averaged;
 * - corr / corr_cov: every RDM z-scored (nanstd, ddof 0), averaged, then minus its minimum;
 * - spearman / rho-a / kendall / tau-b / tau-a: average of ranks (NaN entries keep NaN);
 * - neg_riem_dist / euclid: plain average.
 * The average covers the entries that are not NaN in the first RDM (rsatoolbox _nan_mean).
 */
import { checkChoice, Matrix } from '@concord/core';
import { RSA_ERRORS } from './errors.ts';
import { averageRanks } from './ranking.ts';
import { Rdms } from './rdms.ts';

export const POOL_METHODS = [
  'cosine',
  'cosine_cov',
  'corr',
  'corr_cov',
  'spearman',
  'rho-a',
  'kendall',
  'tau-b',
  'tau-a',
  'neg_riem_dist',
  'euclid',
] as const;
export type PoolMethod = (typeof POOL_METHODS)[number];

function nanStats(v: ArrayLike<number>): { mean: number; count: number } {
  let s = 0;
  let c = 0;
  for (let k = 0; k < v.length; k++) {
    if (!Number.isNaN(v[k])) {
      s += v[k];
      c++;
    }
  }
  return { mean: s / c, count: c };
}

/** Ranks of the non-NaN entries; NaN entries stay NaN (rsatoolbox _nan_rank_data). */
export function nanRanks(v: ArrayLike<number>): Float64Array {
  const kept: number[] = [];
  for (let k = 0; k < v.length; k++) if (!Number.isNaN(v[k])) kept.push(v[k]);
  const r = averageRanks(kept);
  const out = new Float64Array(v.length);
  let t = 0;
  for (let k = 0; k < v.length; k++) out[k] = Number.isNaN(v[k]) ? Number.NaN : r[t++];
  return out;
}

function normaliseRow(v: Float64Array, method: PoolMethod): Float64Array {
  switch (method) {
    case 'cosine':
    case 'cosine_cov': {
      const sq = v.map((x) => x * x);
      const scale = Math.sqrt(nanStats(sq).mean);
      return v.map((x) => x / scale);
    }
    case 'corr':
    case 'corr_cov': {
      const { mean } = nanStats(v);
      const centred = v.map((x) => x - mean);
      const sd = Math.sqrt(nanStats(centred.map((x) => x * x)).mean);
      return centred.map((x) => x / sd);
    }
    case 'spearman':
    case 'rho-a':
    case 'kendall':
    case 'tau-b':
    case 'tau-a':
      return nanRanks(v);
    default:
      return v.slice();
  }
}

export function poolRdms(rdms: Rdms, method = 'cosine'): Rdms {
  const m = checkChoice('method', method, POOL_METHODS, RSA_ERRORS.UNKNOWN_METHOD);
  const rows = Array.from({ length: rdms.nRdms }, (_, i) => normaliseRow(Float64Array.from(rdms.getVector(i)), m));
  const p = rdms.nPairs;
  const out = new Float64Array(p);
  const first = rows[0];
  for (let k = 0; k < p; k++) {
    if (Number.isNaN(first[k])) {
      out[k] = Number.NaN;
      continue;
    }
    let s = 0;
    for (const r of rows) s += r[k];
    out[k] = s / rows.length;
  }
  if (m === 'corr' || m === 'corr_cov') {
    let min = Number.POSITIVE_INFINITY;
    for (let k = 0; k < p; k++) if (out[k] < min) min = out[k];
    for (let k = 0; k < p; k++) out[k] -= min;
  }
  return new Rdms(Matrix.fromVector(out, true), {
    dissimilarityMeasure: rdms.dissimilarityMeasure,
    descriptors: rdms.descriptors,
    patternDescriptors: rdms.patternDescriptors,
  });
}
