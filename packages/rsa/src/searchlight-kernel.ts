/**
 * The searchlight inner loop, shared by the main thread and the worker threads: for each centre, gather its
 * sphere's voxels, build the condition × condition RDM (correlation or euclidean, rsatoolbox definitions) and
 * compare it with the model RDMs (spearman, corr or cosine). Typed arrays only, buffers reused across centers.
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
  /** Output nCentres × nModels (NaN for centers below minVoxels). */
  out: Float64Array;
  /**
   * Optional G = XᵀX for a row-major X (voxels × conditions), e.g. core's gramT (BLAS syrk when the native backend
   * is loaded); without it the products run in plain TypeScript.
   */
  gramT?: (x: Float64Array, rows: number, cols: number) => Float64Array;
}

/** Scratch buffers for rankInto (reused across calls of the same length). */
export interface RankScratch {
  key: Uint32Array;
  idx: Uint32Array;
  key2: Uint32Array;
  idx2: Uint32Array;
  count: Uint32Array;
}

export function rankScratch(n: number): RankScratch {
  return {
    key: new Uint32Array(n),
    idx: new Uint32Array(n),
    key2: new Uint32Array(n),
    idx2: new Uint32Array(n),
    count: new Uint32Array(2048),
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Average ranks (1-based, ties averaged, as scipy.stats.rankdata) of `v` into `out`. Exact for float64: an LSD radix
 * sort (3 passes of 11 bits) on the order-preserving bits of each value rounded to float32 puts the values in
 * order up to float32 precision; runs with equal float32 keys are then insertion-sorted by their float64 values,
 * and ties are exact float64 equality. O(n) in practice.
 */
export function rankInto(v: ArrayLike<number>, out: Float64Array, s: RankScratch = rankScratch(v.length)): void {
  const n = v.length;
  let { key, idx, key2, idx2 } = s;
  const count = s.count;
  for (let i = 0; i < n; i++) {
    f32[0] = v[i] + 0; // -0 → +0
    const h = u32[0];
    key[i] = h & 0x80000000 ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    idx[i] = i;
  }
  for (let shift = 0; shift < 32; shift += 11) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(key[i] >>> shift) & 2047]++;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const o = count[(key[i] >>> shift) & 2047]++;
      key2[o] = key[i];
      idx2[o] = idx[i];
    }
    [key, key2] = [key2, key];
    [idx, idx2] = [idx2, idx];
  }
  // order runs of equal float32 keys by the float64 values
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && key[j] === key[i]) j++;
    if (j - i > 1) {
      for (let a = i + 1; a < j; a++) {
        const t = idx[a];
        const x = v[t];
        let b = a - 1;
        while (b >= i && v[idx[b]] > x) {
          idx[b + 1] = idx[b];
          b--;
        }
        idx[b + 1] = t;
      }
    }
    i = j;
  }
  for (let i = 0; i < n; ) {
    const x = v[idx[i]];
    let j = i + 1;
    while (j < n && v[idx[j]] === x) j++;
    const r = (i + j + 1) / 2; // average of 1-based ranks i+1 .. j
    for (let q = i; q < j; q++) out[idx[q]] = r;
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

/** Process centers [start, end). */
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
    if (k.gramT) {
      blasSphereRdm(k, k.gramT, a, kv, rdm, norms);
    } else {
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
            rdm[idx++] = Math.max(d, 0);
          }
        }
      }
    }
    let bad = false;
    for (let i = 0; i < nPairs; i++) if (Number.isNaN(rdm[i])) bad = true;
    if (bad) {
      // a constant pattern in the sphere (zero variance) gives NaN distances, as numpy's corrcoef does
      for (let m = 0; m < nModels; m++) out[c * nModels + m] = Number.NaN;
      continue;
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

let xBuf = new Float64Array(0);

/** The sphere's RDM through one XᵀX product: X = sphere voxels × conditions, centred so no precision is lost. */
function blasSphereRdm(
  k: KernelData,
  gramT: NonNullable<KernelData['gramT']>,
  a: number,
  kv: number,
  rdm: Float64Array,
  norms: Float64Array,
): void {
  const { nCond, data, neighbours } = k;
  if (xBuf.length < kv * nCond) xBuf = new Float64Array(kv * nCond);
  const x = xBuf.subarray(0, kv * nCond);
  for (let v = 0; v < kv; v++)
    x.set(data.subarray(neighbours[a + v] * nCond, (neighbours[a + v] + 1) * nCond), v * nCond);
  if (k.rdmMethod === 'correlation') {
    // centre every condition over the sphere's voxels (columns)
    for (let i = 0; i < nCond; i++) {
      let m = 0;
      for (let v = 0; v < kv; v++) m += x[v * nCond + i];
      m /= kv;
      for (let v = 0; v < kv; v++) x[v * nCond + i] -= m;
    }
  } else {
    // centre every voxel over conditions (rows): distances between conditions do not change
    for (let v = 0; v < kv; v++) {
      const o = v * nCond;
      let m = 0;
      for (let i = 0; i < nCond; i++) m += x[o + i];
      m /= nCond;
      for (let i = 0; i < nCond; i++) x[o + i] -= m;
    }
  }
  const g = gramT(x, kv, nCond);
  let idx = 0;
  if (k.rdmMethod === 'correlation') {
    for (let i = 0; i < nCond; i++) norms[i] = 1 / Math.sqrt(g[i * nCond + i]);
    for (let i = 0; i < nCond; i++)
      for (let j = i + 1; j < nCond; j++) rdm[idx++] = 1 - g[i * nCond + j] * norms[i] * norms[j];
  } else {
    for (let i = 0; i < nCond; i++) {
      for (let j = i + 1; j < nCond; j++) {
        const d = (g[i * nCond + i] + g[j * nCond + j] - 2 * g[i * nCond + j]) / kv;
        rdm[idx++] = Math.max(d, 0);
      }
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
