/**
 * RDM transforms (rsatoolbox.rdm.transform): rank, sqrt, positive, min-max and an arbitrary function. Each
 * returns new Rdms with the same descriptors.
 */
import { checkChoice, Matrix } from '@concord/core';
import { RSA_ERRORS } from './errors.ts';
import type { Rdms } from './rdms.ts';

export const RANK_METHODS = ['average', 'min', 'max', 'dense', 'ordinal'] as const;

/** scipy.stats.rankdata(v, method, nan_policy='omit'): NaN entries stay NaN. */
export function rankData(v: ArrayLike<number>, method: (typeof RANK_METHODS)[number] = 'average'): Float64Array {
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) idx.push(i);
  idx.sort((a, b) => v[a] - v[b] || a - b);
  const out = new Float64Array(v.length).fill(Number.NaN);
  let dense = 0;
  for (let s = 0; s < idx.length; ) {
    let e = s;
    while (e + 1 < idx.length && v[idx[e + 1]] === v[idx[s]]) e++;
    dense++;
    for (let k = s; k <= e; k++) {
      out[idx[k]] =
        method === 'average'
          ? (s + e) / 2 + 1
          : method === 'min'
            ? s + 1
            : method === 'max'
              ? e + 1
              : method === 'dense'
                ? dense
                : k + 1;
    }
    s = e + 1;
  }
  return out;
}

function mapRows(rdms: Rdms, fn: (row: Float64Array) => Float64Array, measure: string): Rdms {
  const out = Matrix.zeros(rdms.nRdms, rdms.nPairs);
  for (let i = 0; i < rdms.nRdms; i++) out.data.set(fn(Float64Array.from(rdms.getVector(i))), i * rdms.nPairs);
  return rdms.withDissimilarities(out, measure);
}

export function rankTransform(rdms: Rdms, method = 'average'): Rdms {
  const m = checkChoice('method', method, RANK_METHODS, RSA_ERRORS.UNKNOWN_METHOD);
  const measure = rdms.dissimilarityMeasure.includes('(ranks)')
    ? rdms.dissimilarityMeasure
    : `${rdms.dissimilarityMeasure} (ranks)`.trim();
  return mapRows(rdms, (r) => rankData(r, m), measure);
}

/** Negative entries set to 0, then the square root (squared euclidean → euclidean). */
export function sqrtTransform(rdms: Rdms): Rdms {
  const measure =
    rdms.dissimilarityMeasure === 'squared euclidean'
      ? 'euclidean'
      : rdms.dissimilarityMeasure === 'squared mahalanobis'
        ? 'mahalanobis'
        : `sqrt of ${rdms.dissimilarityMeasure || 'unknown measure'}`;
  return mapRows(rdms, (r) => r.map((x) => Math.sqrt(Math.max(x, 0))), measure);
}

export function positiveTransform(rdms: Rdms): Rdms {
  return mapRows(rdms, (r) => r.map((x) => Math.max(x, 0)), rdms.dissimilarityMeasure);
}

/** (d − min) / (max − min) per RDM. A constant RDM gives NaN (0/0), as in rsatoolbox. */
export function minmaxTransform(rdms: Rdms): Rdms {
  return mapRows(
    rdms,
    (r) => {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const x of r) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      return r.map((x) => (x - lo) / (hi - lo));
    },
    `minmax transformed ${rdms.dissimilarityMeasure || 'unknown measure'}`,
  );
}

/** Any element-wise or vector function of each RDM vector. */
export function transformRdms(rdms: Rdms, fn: (vector: Float64Array) => ArrayLike<number>): Rdms {
  return mapRows(
    rdms,
    (r) => Float64Array.from(fn(r)),
    `transformed ${rdms.dissimilarityMeasure || 'unknown measure'}`,
  );
}
