/**
 * Nearest-neighbour alignment (Huh, Cheung, Wang & Isola 2024, "The Platonic Representation Hypothesis"):
 * mutual k-NN and CKNNA, following the paper's reference code. Rows are L2-normalised first (as the paper's scoring
 * does; `normalize: false` turns that off) and neighbours are ranked by inner product, self excluded.
 */
import { gram, type Matrix } from '@concord/core';
import { hsicUnbiased } from './kernels.ts';
import { booleanOption, checkPair, checkVariance, integerOption, type SimilarityResult } from './result.ts';

function normalizedRows(x: Matrix): Matrix {
  const out = x.astype('float64').clone();
  const d = out.data;
  for (let i = 0; i < out.rows; i++) {
    let s = 0;
    const off = i * out.cols;
    for (let j = 0; j < out.cols; j++) s += d[off + j] * d[off + j];
    // torch.nn.functional.normalize divides by max(‖x‖, 1e-12)
    const f = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < out.cols; j++) d[off + j] *= f;
  }
  return out;
}

/**
 * Indices of the k largest entries of every row of the n×n similarity matrix, the diagonal excluded; equal
 * similarities are broken towards the lower index (the reference's torch sort leaves ties unspecified). Row i's
 * neighbours are listed best first.
 */
export function topKNeighbours(s: Matrix, k: number): Int32Array {
  const n = s.rows;
  const out = new Int32Array(n * k);
  const heapIdx = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const row = s.data.subarray(i * n, (i + 1) * n);
    // min-heap of the best k seen so far; worse = smaller value, or equal value and larger index
    let size = 0;
    const worse = (a: number, b: number) => row[a] < row[b] || (row[a] === row[b] && a > b);
    const siftDown = (pos: number) => {
      for (;;) {
        const l = 2 * pos + 1;
        const r = l + 1;
        let m = pos;
        if (l < size && worse(heapIdx[l], heapIdx[m])) m = l;
        if (r < size && worse(heapIdx[r], heapIdx[m])) m = r;
        if (m === pos) return;
        const t = heapIdx[pos];
        heapIdx[pos] = heapIdx[m];
        heapIdx[m] = t;
        pos = m;
      }
    };
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      if (size < k) {
        let pos = size++;
        heapIdx[pos] = j;
        while (pos > 0) {
          const parent = (pos - 1) >> 1;
          if (!worse(heapIdx[pos], heapIdx[parent])) break;
          const t = heapIdx[pos];
          heapIdx[pos] = heapIdx[parent];
          heapIdx[parent] = t;
          pos = parent;
        }
      } else if (worse(heapIdx[0], j)) {
        heapIdx[0] = j;
        siftDown(0);
      }
    }
    // best first, so the output order is defined too
    const best = Array.from(heapIdx.subarray(0, k)).sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
    out.set(best, i * k);
  }
  return out;
}

function similarities(x: Matrix, normalize: boolean): Matrix {
  return gram(normalize ? normalizedRows(x) : x.astype('float64'));
}

interface KnnOptions {
  /** Neighbours per example (default 10). */
  topk?: number;
  /** L2-normalise rows first (default true). */
  normalize?: boolean;
}

/** Mean over examples of |N_X(i) ∩ N_Y(i)| / k, in [0, 1]. */
export function mutualKnn(x: Matrix, y: Matrix, opts: KnnOptions = {}): SimilarityResult {
  const k = integerOption('topk', opts.topk, 10, 1);
  const normalize = booleanOption('normalize', opts.normalize, true);
  checkPair('mutual_knn', x, y, k + 1);
  checkVariance('mutual_knn', 'X', x);
  checkVariance('mutual_knn', 'Y', y);
  const n = x.rows;
  const nx = topKNeighbours(similarities(x, normalize), k);
  const ny = topKNeighbours(similarities(y, normalize), k);
  const mark = new Int32Array(n).fill(-1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) mark[nx[i * k + t]] = i;
    let shared = 0;
    for (let t = 0; t < k; t++) if (mark[ny[i * k + t]] === i) shared++;
    total += shared / k;
  }
  return { metric: 'mutual_knn', value: total / n, details: { topk: k, normalize } };
}

/** Row-wise k-NN mask (1 where j is among i's k nearest). */
function knnMask(s: Matrix, k: number): Uint8Array {
  const n = s.rows;
  const nb = topKNeighbours(s, k);
  const mask = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) mask[i * n + nb[i * k + t]] = 1;
  return mask;
}

function masked(s: Matrix, mask: Uint8Array): Matrix {
  const out = s.clone();
  for (let i = 0; i < mask.length; i++) if (!mask[i]) out.data[i] = 0;
  return out;
}

/**
 * CKNNA: CKA restricted to pairs that are k-nearest neighbours in both representations, with the unbiased HSIC
 * estimator on the masked kernels: HSIC(M∘K, M∘L)/(√(HSIC(M_K∘K, M_K∘K)·HSIC(M_L∘L, M_L∘L)) + 1e-6), exactly as the
 * reference code (including its 1e-6 in the denominator, so identical inputs score slightly below 1, and a NaN when a
 * masked self-HSIC is negative).
 */
export function cknna(x: Matrix, y: Matrix, opts: KnnOptions = {}): SimilarityResult {
  const k = integerOption('topk', opts.topk, 10, 2);
  const normalize = booleanOption('normalize', opts.normalize, true);
  checkPair('cknna', x, y, Math.max(k + 1, 4));
  checkVariance('cknna', 'X', x);
  checkVariance('cknna', 'Y', y);
  const kx = similarities(x, normalize);
  const ly = similarities(y, normalize);
  const mk = knnMask(kx, k);
  const ml = knnMask(ly, k);
  const both = new Uint8Array(mk.length);
  for (let i = 0; i < both.length; i++) both[i] = mk[i] & ml[i];
  const kl = hsicUnbiased(masked(kx, both), masked(ly, both));
  const kMasked = masked(kx, mk);
  const lMasked = masked(ly, ml);
  const kk = hsicUnbiased(kMasked, kMasked);
  const ll = hsicUnbiased(lMasked, lMasked);
  return {
    metric: 'cknna',
    value: kl / (Math.sqrt(kk * ll) + 1e-6),
    details: { topk: k, normalize, hsicXY: kl, hsicXX: kk, hsicYY: ll },
  };
}
