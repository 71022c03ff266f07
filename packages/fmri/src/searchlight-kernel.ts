/**
 * The searchlight inner loop, shared by the main thread and the worker threads: for each centre, gather its
 * sphere's voxels, build the condition × condition RDM (correlation or euclidean, rsatoolbox definitions) and
 * compare it with the model RDMs (spearman, corr or cosine). Typed arrays only, buffers reused across centres.
 */

export const FAST_RDM_METHODS = ['correlation', 'euclidean'] as const;
export const FAST_COMPARE_METHODS = ['spearman', 'corr', 'cosine'] as const;
export type FastRdmMethod = (typeof FAST_RDM_METHODS)[number];
export type FastCompareMethod = (typeof FAST_COMPARE_METHODS)[number];

export interface KernelData {
  nCond: number;
  /** Condition means, voxel-major: data[v * nCond + c]. */
  data: Float64Array;
  /** CSR neighbourhoods: neighbours[offsets[i] .. offsets[i+1]) are the masked voxel indices of centre i. */
  offsets: Int32Array;
  neighbours: Int32Array;
  rdmMethod: FastRdmMethod;
  compareMethod: FastCompareMethod;
  /** Prepared model vectors (nModels × nPairs), see prepareModels. */
  models: Float64Array;
  nModels: number;
  minVoxels: number;
  /** Output nCentres × nModels (NaN for centres below minVoxels). */
  out: Float64Array;
}

/** Sorted-copy average ranks (1-based, ties averaged, as scipy.stats.rankdata) into `out`. */
export function rankInto(v: Float64Array, sorted: Float64Array, out: Float64Array): void {
  sorted.set(v);
  sorted.sort();
  const n = v.length;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m] < x) lo = m + 1;
      else hi = m;
    }
    let up = lo;
    if (up + 1 < n && sorted[up + 1] === x) {
      let h = n;
      let l = lo;
      while (l < h) {
        const m = (l + h) >> 1;
        if (sorted[m] <= x) l = m + 1;
        else h = m;
      }
      up = l - 1;
    }
    out[i] = (lo + up) / 2 + 1;
  }
}

/** Models ready for a dot product: ranked (spearman), centred (spearman, corr) and scaled to unit norm. */
export function prepareModels(
  models: Float64Array,
  nModels: number,
  nPairs: number,
  method: FastCompareMethod,
): Float64Array {
  const out = new Float64Array(models.length);
  const sorted = new Float64Array(nPairs);
  for (let m = 0; m < nModels; m++) {
    const v = models.subarray(m * nPairs, (m + 1) * nPairs);
    const o = out.subarray(m * nPairs, (m + 1) * nPairs);
    if (method === 'spearman') rankInto(Float64Array.from(v), sorted, o);
    else o.set(v);
    normalise(o, method !== 'cosine');
  }
  return out;
}

function normalise(v: Float64Array, centre: boolean): void {
  const n = v.length;
  let mean = 0;
  if (centre) {
    for (let i = 0; i < n; i++) mean += v[i];
    mean /= n;
  }
  let ss = 0;
  for (let i = 0; i < n; i++) {
    v[i] -= mean;
    ss += v[i] * v[i];
  }
  const s = 1 / Math.sqrt(ss);
  for (let i = 0; i < n; i++) v[i] *= s;
}

/** Process centres [start, end). */
export function runSearchlightChunk(k: KernelData, start: number, end: number): void {
  const { nCond, data, offsets, neighbours, models, nModels, out } = k;
  const nPairs = (nCond * (nCond - 1)) / 2;
  const maxK = maxSphere(offsets, start, end);
  const p = new Float64Array(nCond * maxK); // condition-major sphere patterns
  const rdm = new Float64Array(nPairs);
  const ranks = new Float64Array(nPairs);
  const sorted = new Float64Array(nPairs);
  const norms = new Float64Array(nCond);
  const isCorr = k.rdmMethod === 'correlation';
  for (let c = start; c < end; c++) {
    const a = offsets[c];
    const kv = offsets[c + 1] - a;
    if (kv < k.minVoxels || kv === 0) {
      for (let m = 0; m < nModels; m++) out[c * nModels + m] = Number.NaN;
      continue;
    }
    // gather: p[i * kv + v] = data[neighbour v, condition i]
    for (let v = 0; v < kv; v++) {
      const src = neighbours[a + v] * nCond;
      for (let i = 0; i < nCond; i++) p[i * kv + v] = data[src + i];
    }
    if (isCorr) {
      for (let i = 0; i < nCond; i++) {
        const o = i * kv;
        let mean = 0;
        for (let v = 0; v < kv; v++) mean += p[o + v];
        mean /= kv;
        let ss = 0;
        for (let v = 0; v < kv; v++) {
          const x = p[o + v] - mean;
          p[o + v] = x;
          ss += x * x;
        }
        norms[i] = 1 / Math.sqrt(ss);
      }
      let idx = 0;
      for (let i = 0; i < nCond; i++) {
        const oi = i * kv;
        const ni = norms[i];
        for (let j = i + 1; j < nCond; j++) {
          const oj = j * kv;
          let s = 0;
          for (let v = 0; v < kv; v++) s += p[oi + v] * p[oj + v];
          rdm[idx++] = 1 - s * ni * norms[j];
        }
      }
    } else {
      for (let i = 0; i < nCond; i++) {
        let ss = 0;
        const o = i * kv;
        for (let v = 0; v < kv; v++) ss += p[o + v] * p[o + v];
        norms[i] = ss;
      }
      let idx = 0;
      for (let i = 0; i < nCond; i++) {
        const oi = i * kv;
        for (let j = i + 1; j < nCond; j++) {
          const oj = j * kv;
          let s = 0;
          for (let v = 0; v < kv; v++) s += p[oi + v] * p[oj + v];
          // ‖a − b‖² / P; clamp tiny negative round-off
          const d = (norms[i] + norms[j] - 2 * s) / kv;
          rdm[idx++] = d < 0 ? 0 : d;
        }
      }
    }
    let vec = rdm;
    if (k.compareMethod === 'spearman') {
      rankInto(rdm, sorted, ranks);
      vec = ranks;
    }
    let mean = 0;
    if (k.compareMethod !== 'cosine') {
      for (let i = 0; i < nPairs; i++) mean += vec[i];
      mean /= nPairs;
    }
    let ss = 0;
    for (let i = 0; i < nPairs; i++) {
      const x = vec[i] - mean;
      ss += x * x;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let m = 0; m < nModels; m++) {
      const mo = m * nPairs;
      let s = 0;
      // models are centred, so Σ (x − mean)·m = Σ x·m
      for (let i = 0; i < nPairs; i++) s += vec[i] * models[mo + i];
      out[c * nModels + m] = s * inv;
    }
  }
}

function maxSphere(offsets: Int32Array, start: number, end: number): number {
  let m = 1;
  for (let c = start; c < end; c++) m = Math.max(m, offsets[c + 1] - offsets[c]);
  return m;
}
