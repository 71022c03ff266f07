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

/** Scratch buffers for rankInto (reused across calls of the same length). */
export interface RankScratch {
  hi: Uint32Array;
  lo: Uint32Array;
  idx: Uint32Array;
  hi2: Uint32Array;
  lo2: Uint32Array;
  idx2: Uint32Array;
  count: Uint32Array;
}

export function rankScratch(n: number): RankScratch {
  return {
    hi: new Uint32Array(n),
    lo: new Uint32Array(n),
    idx: new Uint32Array(n),
    hi2: new Uint32Array(n),
    lo2: new Uint32Array(n),
    idx2: new Uint32Array(n),
    count: new Uint32Array(256),
  };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Average ranks (1-based, ties averaged, as scipy.stats.rankdata) of `v` into `out`, by an LSD radix sort of the
 * values' order-preserving 64-bit keys (8 passes of 8 bits) carrying the indices: O(n), exact ties.
 */
export function rankInto(v: ArrayLike<number>, out: Float64Array, s: RankScratch = rankScratch(v.length)): void {
  const n = v.length;
  let { hi, lo, idx, hi2, lo2, idx2 } = s;
  const count = s.count;
  for (let i = 0; i < n; i++) {
    f64[0] = v[i] + 0; // -0 → +0 so that equal values have equal keys
    let h = u32[1];
    let l = u32[0];
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    hi[i] = h;
    lo[i] = l;
    idx[i] = i;
  }
  for (let pass = 0; pass < 8; pass++) {
    const shift = (pass & 3) * 8;
    const src = pass < 4 ? lo : hi;
    count.fill(0);
    let allSame = true;
    const first = (src[0] >>> shift) & 255;
    for (let i = 0; i < n; i++) {
      const d = (src[i] >>> shift) & 255;
      count[d]++;
      if (d !== first) allSame = false;
    }
    if (allSame) continue;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const d = (src[i] >>> shift) & 255;
      const o = count[d]++;
      hi2[o] = hi[i];
      lo2[o] = lo[i];
      idx2[o] = idx[i];
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [idx, idx2] = [idx2, idx];
  }
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && hi[j] === hi[i] && lo[j] === lo[i]) j++;
    const r = (i + j + 1) / 2; // average of 1-based ranks i+1 .. j
    for (let k = i; k < j; k++) out[idx[k]] = r;
    i = j;
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
  for (let m = 0; m < nModels; m++) {
    const v = models.subarray(m * nPairs, (m + 1) * nPairs);
    const o = out.subarray(m * nPairs, (m + 1) * nPairs);
    if (method === 'spearman') rankInto(Float64Array.from(v), o);
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
  const scratch = rankScratch(nPairs);
  const g = new Float64Array(nCond * nCond);
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
      upperProducts(p, nCond, kv, g);
      let idx = 0;
      for (let i = 0; i < nCond; i++) {
        const ni = norms[i];
        for (let j = i + 1; j < nCond; j++) rdm[idx++] = 1 - g[i * nCond + j] * ni * norms[j];
      }
    } else {
      for (let i = 0; i < nCond; i++) {
        let ss = 0;
        const o = i * kv;
        for (let v = 0; v < kv; v++) ss += p[o + v] * p[o + v];
        norms[i] = ss;
      }
      upperProducts(p, nCond, kv, g);
      let idx = 0;
      for (let i = 0; i < nCond; i++) {
        for (let j = i + 1; j < nCond; j++) {
          // ‖a − b‖² / P; clamp tiny negative round-off
          const d = (norms[i] + norms[j] - 2 * g[i * nCond + j]) / kv;
          rdm[idx++] = d < 0 ? 0 : d;
        }
      }
    }
    let vec = rdm;
    if (k.compareMethod === 'spearman') {
      rankInto(rdm, ranks, scratch);
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

/** g[i·n + j] = p_i · p_j for j > i (rows of length kv), four rows at a time so each p_j is loaded once per block. */
function upperProducts(p: Float64Array, n: number, kv: number, g: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o0 = i * kv;
    const o1 = o0 + kv;
    const o2 = o1 + kv;
    const o3 = o2 + kv;
    for (let j = i + 1; j < n; j++) {
      const oj = j * kv;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let v = 0; v < kv; v++) {
        const x = p[oj + v];
        s0 += p[o0 + v] * x;
        s1 += p[o1 + v] * x;
        s2 += p[o2 + v] * x;
        s3 += p[o3 + v] * x;
      }
      g[i * n + j] = s0;
      g[(i + 1) * n + j] = s1;
      g[(i + 2) * n + j] = s2;
      g[(i + 3) * n + j] = s3;
    }
  }
  for (; i < n; i++) {
    const oi = i * kv;
    for (let j = i + 1; j < n; j++) {
      const oj = j * kv;
      let s = 0;
      for (let v = 0; v < kv; v++) s += p[oi + v] * p[oj + v];
      g[i * n + j] = s;
    }
  }
}

function maxSphere(offsets: Int32Array, start: number, end: number): number {
  let m = 1;
  for (let c = start; c < end; c++) m = Math.max(m, offsets[c + 1] - offsets[c]);
  return m;
}
