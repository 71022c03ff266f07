/**
 * Cluster formation over a statistic map, with MNE 1.3's semantics (`_find_clusters`):
 * - supra-threshold points (x > threshold; for two-tailed tests also x < −threshold, clustered separately, positive
 *   clusters first; for tail −1, x < threshold) are joined through a neighbourhood structure: a lattice (every point
 *   next to its face neighbours, as scipy.ndimage.label's default structure) or a graph (an adjacency, as MNE's
 *   `adjacency` sparse matrix: any listed pair joins, whichever direction it is listed in);
 * - clusters are numbered by their first point (lowest flat index), which is scipy's order on lattices and graphs;
 * - a cluster's statistic is the sum of sign(x)·|x|^tPower over its points (the cluster mass for tPower 1);
 * - threshold-free cluster enhancement (TFCE, Smith & Nichols 2009) scores each point as MNE does: over the
 *   thresholds numpy.arange(start, max|x|, step), the sum of h^hPower · extent^ePower of the clusters containing it.
 * One `ClusterFinder` keeps its scratch buffers so permutation loops allocate nothing per permutation.
 */
import { describeValue, ParameterError } from '@concord/core';
import { STATS_ERRORS } from './errors.ts';
import type { Tail } from './sign-flips.ts';

/** How tests neighbour each other. */
export type ClusterStructure =
  | { kind: 'lattice'; shape: number[] }
  | { kind: 'graph'; indptr: Int32Array; indices: Int32Array };

/** TFCE parameters (MNE's threshold dict: start, step, h_power = 2, e_power = 0.5). */
export interface TfceOptions {
  start: number;
  step: number;
  hPower?: number;
  ePower?: number;
}

export type ClusterThreshold = number | TfceOptions;

/** An adjacency: one list of neighbours per test, or compressed rows (scipy CSR's indptr/indices). */
export type Adjacency = ArrayLike<ArrayLike<number>> | { indptr: ArrayLike<number>; indices: ArrayLike<number> };

export function latticeStructure(shape: readonly number[]): ClusterStructure {
  shape.forEach((d, k) => {
    if (!(Number.isInteger(d) && d >= 1)) {
      throw new ParameterError(
        STATS_ERRORS.ADJACENCY,
        'shape',
        `expected positive integer dimensions; received ${describeValue(d)} at axis ${k}`,
      );
    }
  });
  return { kind: 'lattice', shape: [...shape] };
}

/** A graph structure over `nTests` points from neighbour lists or CSR arrays; checks every index. */
export function graphStructure(adjacency: Adjacency, nTests: number): ClusterStructure {
  let indptr: Int32Array;
  let indices: Int32Array;
  if ('indptr' in adjacency && 'indices' in adjacency) {
    indptr = Int32Array.from(adjacency.indptr);
    indices = Int32Array.from(adjacency.indices);
    if (indptr.length !== nTests + 1) {
      throw new ParameterError(
        STATS_ERRORS.ADJACENCY,
        'adjacency',
        `indptr must have ${nTests + 1} entries (one more than the ${nTests} tests); received ${indptr.length}`,
      );
    }
    for (let i = 0; i < nTests; i++) {
      if (!(indptr[i] <= indptr[i + 1]) || indptr[i] < 0 || indptr[i + 1] > indices.length) {
        throw new ParameterError(
          STATS_ERRORS.ADJACENCY,
          'adjacency',
          `indptr is not non-decreasing within [0, ${indices.length}] at row ${i}`,
        );
      }
    }
  } else {
    const lists = adjacency as ArrayLike<ArrayLike<number>>;
    if (lists.length !== nTests) {
      throw new ParameterError(
        STATS_ERRORS.ADJACENCY,
        'adjacency',
        `expected one neighbour list per test (${nTests}); received ${lists.length}`,
      );
    }
    indptr = new Int32Array(nTests + 1);
    for (let i = 0; i < nTests; i++) {
      const list = lists[i];
      if (!(list && typeof list.length === 'number')) {
        throw new ParameterError(
          STATS_ERRORS.ADJACENCY,
          'adjacency',
          `entry ${i}: expected a list of neighbours; received ${describeValue(list)}`,
        );
      }
      for (let k = 0; k < list.length; k++) {
        const j = list[k];
        if (!(Number.isInteger(j) && j >= 0 && j < nTests)) {
          throw new ParameterError(
            STATS_ERRORS.ADJACENCY,
            'adjacency',
            `neighbour ${describeValue(j)} of test ${i} is not an index in 0..${nTests - 1}`,
          );
        }
      }
      indptr[i + 1] = indptr[i] + list.length;
    }
    indices = new Int32Array(indptr[nTests]);
    for (let i = 0; i < nTests; i++) for (let k = 0; k < lists[i].length; k++) indices[indptr[i] + k] = lists[i][k];
  }
  for (let k = 0; k < indices.length; k++) {
    const j = indices[k];
    const raw = 'indices' in adjacency ? (adjacency.indices as ArrayLike<number>)[k] : j;
    if (!(Number.isInteger(raw) && j >= 0 && j < nTests)) {
      throw new ParameterError(
        STATS_ERRORS.ADJACENCY,
        'adjacency',
        `neighbour ${describeValue(raw)} (entry ${k}) is outside 0..${nTests - 1}`,
      );
    }
  }
  return { kind: 'graph', indptr, indices };
}

export function structureSize(s: ClusterStructure): number {
  return s.kind === 'lattice' ? s.shape.reduce((a, b) => a * b, 1) : s.indptr.length - 1;
}

/** Validate a threshold against a tail as MNE does (sign compatibility; TFCE start/step). */
export function checkThreshold(threshold: unknown, tail: Tail): ClusterThreshold {
  if (typeof threshold === 'number') {
    if (
      Number.isNaN(threshold) ||
      (tail < 0 && threshold > 0) ||
      (tail > 0 && threshold < 0) ||
      (tail === 0 && threshold < 0)
    ) {
      throw new ParameterError(
        STATS_ERRORS.THRESHOLD,
        'threshold',
        `incompatible tail and threshold signs: tail ${tail}, threshold ${threshold} (tail 0 and 1 need threshold >= 0, tail -1 threshold <= 0)`,
      );
    }
    return threshold;
  }
  if (threshold !== null && typeof threshold === 'object' && 'start' in threshold && 'step' in threshold) {
    const t = threshold as TfceOptions;
    const finite = [t.start, t.step, t.hPower ?? 2, t.ePower ?? 0.5].every(
      (v) => typeof v === 'number' && Number.isFinite(v),
    );
    if (!finite || t.step === 0) {
      throw new ParameterError(
        STATS_ERRORS.THRESHOLD,
        'threshold',
        'TFCE start, step, hPower and ePower must be finite numbers, step non-zero',
      );
    }
    if (tail === -1 && (t.start > 0 || t.step >= 0)) {
      throw new ParameterError(
        STATS_ERRORS.THRESHOLD,
        'threshold',
        'for tail -1, TFCE start must be <= 0 and step < 0',
      );
    }
    if (tail !== -1 && t.step < 0) {
      throw new ParameterError(
        STATS_ERRORS.THRESHOLD,
        'threshold',
        `TFCE thresholds must increase for tail ${tail} (step > 0)`,
      );
    }
    return { start: t.start, step: t.step, hPower: t.hPower ?? 2, ePower: t.ePower ?? 0.5 };
  }
  throw new ParameterError(
    STATS_ERRORS.THRESHOLD,
    'threshold',
    `expected a number, or {start, step[, hPower, ePower]} for TFCE; received ${describeValue(threshold)}`,
  );
}

/** numpy.arange(start, stop, step) for floats, element for element (numpy fills start + i·((start + step) − start)). */
export function numpyArange(start: number, stop: number, step: number): Float64Array {
  const length = Math.ceil((stop - start) / step);
  if (!(length > 0)) return new Float64Array(0);
  const out = new Float64Array(length);
  out[0] = start;
  if (length > 1) out[1] = start + step;
  const delta = out[1] - start;
  for (let i = 2; i < length; i++) out[i] = start + i * delta;
  return out;
}

function power(v: number, tPower: number): number {
  return tPower === 1 ? v : Math.sign(v) * Math.abs(v) ** tPower;
}

/** numpy's pairwise summation (float64 add.reduce over a contiguous run: 8 accumulators, blocks of 128). */
export function pairwiseSum(a: ArrayLike<number>, offset: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[offset + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[offset];
    let r1 = a[offset + 1];
    let r2 = a[offset + 2];
    let r3 = a[offset + 3];
    let r4 = a[offset + 4];
    let r5 = a[offset + 5];
    let r6 = a[offset + 6];
    let r7 = a[offset + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const o = offset + i;
      r0 += a[o];
      r1 += a[o + 1];
      r2 += a[o + 2];
      r3 += a[o + 3];
      r4 += a[o + 4];
      r5 += a[o + 5];
      r6 += a[o + 6];
      r7 += a[o + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[offset + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, offset, n2) + pairwiseSum(a, offset + n2, n - n2);
}

export class ClusterFinder {
  readonly nTests: number;
  /** Cluster label of each point after `label` (−1: in no cluster). */
  readonly labels: Int32Array;
  /** Statistic of each cluster (first `nClusters` entries valid). */
  sums: Float64Array;
  /** Points per cluster (first `nClusters` entries valid). */
  sizes: Int32Array;
  nClusters = 0;
  private readonly parent: Int32Array;
  private clusterStart: Int32Array;
  private clusterFill: Int32Array;
  private readonly gathered: Float64Array;
  private readonly rootLabel: Int32Array;
  private readonly strides: number[];
  private readonly shape: number[];

  constructor(readonly structure: ClusterStructure) {
    this.nTests = structureSize(structure);
    this.labels = new Int32Array(this.nTests);
    this.parent = new Int32Array(this.nTests);
    this.rootLabel = new Int32Array(this.nTests);
    this.sums = new Float64Array(16);
    this.sizes = new Int32Array(16);
    this.clusterStart = new Int32Array(17);
    this.clusterFill = new Int32Array(16);
    this.gathered = new Float64Array(this.nTests);
    this.shape = structure.kind === 'lattice' ? structure.shape : [this.nTests];
    this.strides = this.shape.map((_, k) => this.shape.slice(k + 1).reduce((a, b) => a * b, 1));
  }

  /**
   * Label the clusters of `x` for a numeric threshold (MNE order: for tail 0 the positive clusters, then the
   * negative ones) and compute their statistics. Returns the number of clusters.
   */
  label(x: ArrayLike<number>, threshold: number, tail: Tail, tPower = 1): number {
    this.labels.fill(-1);
    this.nClusters = 0;
    if (tail === 0) {
      this.labelOneSide(x, threshold, true);
      this.labelOneSide(x, -threshold, false);
    } else if (tail === 1) this.labelOneSide(x, threshold, true);
    else this.labelOneSide(x, threshold, false);
    const sums = this.sums;
    const sizes = this.sizes;
    const nc = this.nClusters;
    sums.fill(0, 0, nc);
    sizes.fill(0, 0, nc);
    const labels = this.labels;
    const n = this.nTests;
    if (this.shape.length === 1 && this.structure.kind === 'lattice') {
      // scipy.ndimage.sum (a bincount): accumulated point by point
      for (let i = 0; i < n; i++) {
        const l = labels[i];
        if (l < 0) continue;
        sums[l] += power(x[i], tPower);
        sizes[l]++;
      }
      return nc;
    }
    // np.sum(x[cluster]): numpy's pairwise summation over the cluster's points in index order
    for (let i = 0; i < n; i++) if (labels[i] >= 0) sizes[labels[i]]++;
    const start = this.clusterStart;
    start[0] = 0;
    for (let c = 0; c < nc; c++) start[c + 1] = start[c] + sizes[c];
    const fill = this.clusterFill;
    fill.set(start.subarray(0, nc));
    const values = this.gathered;
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      if (l >= 0) values[fill[l]++] = power(x[i], tPower);
    }
    for (let c = 0; c < nc; c++) sums[c] = pairwiseSum(values, start[c], sizes[c]);
    return nc;
  }

  /** The points of cluster `c` (ascending flat indices) after `label`. */
  members(c: number): Int32Array {
    const out = new Int32Array(this.sizes[c]);
    let k = 0;
    for (let i = 0; i < this.nTests; i++) if (this.labels[i] === c) out[k++] = i;
    return out;
  }

  /**
   * The largest |cluster statistic| with its sign (np.argmax of |sums|: the first cluster on ties), 0 without
   * clusters: one permutation's entry of the null distribution.
   */
  maxStatistic(
    x: ArrayLike<number>,
    threshold: ClusterThreshold,
    tail: Tail,
    tPower: number,
    scratch?: Float64Array,
  ): number {
    if (typeof threshold === 'number') {
      const n = this.label(x, threshold, tail, tPower);
      let best = 0;
      let bestAbs = -1;
      for (let c = 0; c < n; c++) {
        const a = Math.abs(this.sums[c]);
        if (a > bestAbs) {
          bestAbs = a;
          best = this.sums[c];
        }
      }
      return best;
    }
    const scores = scratch ?? new Float64Array(this.nTests);
    this.tfce(x, threshold, tail, scores);
    let best = 0;
    let bestAbs = -1;
    for (let i = 0; i < scores.length; i++) {
      const a = Math.abs(scores[i]);
      if (a > bestAbs) {
        bestAbs = a;
        best = scores[i];
      }
    }
    return scores.length > 0 ? best : 0;
  }

  /** TFCE scores of every point (MNE's `scores`, before the sign of x is applied). */
  tfce(x: ArrayLike<number>, options: TfceOptions, tail: Tail, out: Float64Array): Float64Array {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let any = false;
    for (let i = 0; i < this.nTests; i++) {
      const v = x[i];
      if (!Number.isFinite(v)) continue;
      any = true;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!any) {
      throw new ParameterError(STATS_ERRORS.NON_FINITE, 'X', 'no finite values in the statistic map (TFCE needs some)');
    }
    const stop = tail === -1 ? lo : tail === 1 ? hi : Math.max(hi, -lo);
    const thresholds = numpyArange(options.start, stop, options.step);
    const hPower = options.hPower ?? 2;
    const ePower = options.ePower ?? 0.5;
    out.fill(0);
    for (let ti = 0; ti < thresholds.length; ti++) {
      const thresh = thresholds[ti];
      const h = (ti === 0 ? Math.abs(thresh) : Math.abs(thresh - thresholds[ti - 1])) ** hPower;
      const n = this.label(x, thresh, tail, 1);
      if (n === 0) continue;
      const gain = new Float64Array(n);
      for (let c = 0; c < n; c++) gain[c] = h * this.sizes[c] ** ePower;
      for (let i = 0; i < this.nTests; i++) {
        const l = this.labels[i];
        if (l >= 0) out[i] += gain[l];
      }
    }
    return out;
  }

  private find(i: number): number {
    const parent = this.parent;
    let r = i;
    while (parent[r] !== r) {
      parent[r] = parent[parent[r]];
      r = parent[r];
    }
    return r;
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // the smaller index becomes the root (any choice works; labels are assigned by first point below)
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }

  private labelOneSide(x: ArrayLike<number>, threshold: number, above: boolean): void {
    const n = this.nTests;
    const parent = this.parent;
    const inMask = (i: number): boolean => (above ? x[i] > threshold : x[i] < threshold);
    const structure = this.structure;
    if (structure.kind === 'lattice' && this.shape.length === 1) {
      // 1-D: runs of consecutive supra-threshold points
      const labels = this.labels;
      let current = -1;
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (above ? v > threshold : v < threshold) {
          if (current < 0) current = this.nextLabel();
          labels[i] = current;
        } else current = -1;
      }
      return;
    }
    for (let i = 0; i < n; i++) parent[i] = inMask(i) ? i : -1;
    if (structure.kind === 'lattice') {
      const rank = this.shape.length;
      const coord = new Int32Array(rank);
      for (let i = 0; i < n; i++) {
        if (parent[i] >= 0) {
          for (let k = 0; k < rank; k++) {
            if (coord[k] > 0) {
              const j = i - this.strides[k];
              if (parent[j] >= 0) this.union(i, j);
            }
          }
        }
        // advance the coordinate counter (last axis fastest)
        for (let k = rank - 1; k >= 0; k--) {
          if (++coord[k] < this.shape[k]) break;
          coord[k] = 0;
        }
      }
    } else {
      const { indptr, indices } = structure;
      for (let i = 0; i < n; i++) {
        if (parent[i] < 0) continue;
        for (let e = indptr[i]; e < indptr[i + 1]; e++) {
          const j = indices[e];
          if (j !== i && parent[j] >= 0) this.union(i, j);
        }
      }
    }
    const rootLabel = this.rootLabel;
    for (let i = 0; i < n; i++) if (parent[i] >= 0) rootLabel[i] = -1;
    for (let i = 0; i < n; i++) {
      if (parent[i] < 0) continue;
      const r = this.find(i);
      if (rootLabel[r] < 0) rootLabel[r] = this.nextLabel();
      this.labels[i] = rootLabel[r];
    }
  }

  private nextLabel(): number {
    const l = this.nClusters++;
    if (l >= this.sums.length) {
      const sums = new Float64Array(this.sums.length * 2);
      sums.set(this.sums);
      this.sums = sums;
      const sizes = new Int32Array(this.sizes.length * 2);
      sizes.set(this.sizes);
      this.sizes = sizes;
      this.clusterStart = new Int32Array(sizes.length + 1);
      this.clusterFill = new Int32Array(sizes.length);
    }
    return l;
  }
}

/**
 * Face-neighbour adjacency of the points of a grid (e.g. searchlight centres in a brain mask): one neighbour list per
 * point kept by `mask` (all points without one), points numbered in C order over the kept ones — scikit-learn's
 * `grid_to_graph(*shape, mask=mask)` without its self-loops, MNE's adjacency for data over a masked volume.
 */
export function gridAdjacency(shape: readonly number[], mask?: ArrayLike<boolean | number>): number[][] {
  latticeStructure(shape);
  const size = shape.reduce((a, b) => a * b, 1);
  if (mask !== undefined && mask.length !== size) {
    throw new ParameterError(
      STATS_ERRORS.ADJACENCY,
      'mask',
      `expected ${size} entries (shape [${shape.join(', ')}]); received ${mask.length}`,
    );
  }
  const index = new Int32Array(size).fill(-1);
  let kept = 0;
  for (let i = 0; i < size; i++) if (mask === undefined || mask[i]) index[i] = kept++;
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const out: number[][] = Array.from({ length: kept }, () => []);
  const coord = new Int32Array(shape.length);
  for (let i = 0; i < size; i++) {
    if (index[i] >= 0) {
      for (let k = 0; k < shape.length; k++) {
        // lower neighbour first, then upper, along each axis: lists come out sorted
        if (coord[k] > 0 && index[i - strides[k]] >= 0) out[index[i]].push(index[i - strides[k]]);
      }
      for (let k = shape.length - 1; k >= 0; k--) {
        if (coord[k] < shape[k] - 1 && index[i + strides[k]] >= 0) out[index[i]].push(index[i + strides[k]]);
      }
    }
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++coord[k] < shape[k]) break;
      coord[k] = 0;
    }
  }
  for (const list of out) list.sort((a, b) => a - b);
  return out;
}
