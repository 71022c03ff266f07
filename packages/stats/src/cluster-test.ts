/**
 * Cluster-based permutation test for one sample (or paired differences), with MNE 1.3's semantics
 * (`mne.stats.permutation_cluster_1samp_test`; Maris & Oostenveld 2007): t statistic per test, clusters of
 * supra-threshold tests (lattice or adjacency; see clusters.ts), cluster mass (or TFCE) as cluster statistic,
 * null distribution of the largest |cluster statistic| under sign flips of whole subjects (sign-flips.ts), the
 * observed maximum included as the first entry; a cluster's p-value is the fraction of that distribution that
 * reaches it (tail 0: |H0| >= |stat|; tail 1: H0 >= stat; tail −1: H0 <= stat).
 * Not ported: step-down-in-jumps (step_down_p), `exclude`, spatio-temporal adjacency with max_step.
 */
import { describeValue, ParameterError, type ProgressOptions, ProgressReporter } from '@concord/core';
import {
  type Adjacency,
  ClusterFinder,
  type ClusterStructure,
  type ClusterThreshold,
  checkThreshold,
  graphStructure,
  latticeStructure,
} from './clusters.ts';
import { tQuantile } from './distributions.ts';
import { STATS_ERRORS } from './errors.ts';
import { oneSampleT } from './one-sample-t.ts';
import { type ChunkSpec, type RunChunkedOptions, runChunked } from './parallel.ts';
import { checkTail, oneSampleSignFlips, type Tail } from './sign-flips.ts';

export interface DataMatrix {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

export interface ClusterTestOptions extends ProgressOptions {
  /** Cluster-forming threshold on t, or TFCE parameters. Default: MNE's, the t quantile for p = 0.05 (two-tailed: 0.025). */
  threshold?: ClusterThreshold;
  /** 'all' (exact: every sign flip) or the number of permutations including the observed one. Default 1024. */
  nPermutations?: number | 'all';
  tail?: Tail;
  seed?: number;
  /** Shape of one subject's map (e.g. [times, times]); points are lattice neighbours along each axis. Default [cols]. */
  shape?: readonly number[];
  /** Neighbours of each test (e.g. searchlight centres in a mask); replaces the lattice. */
  adjacency?: Adjacency;
  /** Cluster statistic = Σ sign(t)·|t|^tPower (1: cluster mass; 0: cluster size). Default 1. */
  tPower?: number;
}

export interface ClusterTestResult {
  /** t per test (for TFCE: the TFCE score with the sign of t, as MNE returns). */
  tObs: Float64Array;
  /** Each cluster's tests, ascending flat indices (for TFCE: every test is its own cluster). */
  clusters: Int32Array[];
  /** Each cluster's statistic (cluster mass, or TFCE score). */
  clusterStats: Float64Array;
  pValues: Float64Array;
  /** Null distribution: the observed maximum first, then one entry per permutation (empty without clusters). */
  H0: Float64Array;
  /** Size of the null distribution (observed labelling included). */
  nPermutations: number;
  /** True when every sign flip was used. */
  exact: boolean;
  threshold: ClusterThreshold;
}

/** What one permutation chunk needs (structured-cloneable, so worker threads can run it too). */
export interface ClusterNullInput {
  data: Float64Array;
  nSubjects: number;
  nTests: number;
  signs: Int8Array;
  structure: ClusterStructure;
  threshold: ClusterThreshold;
  tail: Tail;
  tPower: number;
}

/** H0 entries for permutations first..first+count−1 (one per sign-flip row). */
export function clusterNullChunk(input: ClusterNullInput, first: number, count: number): Float64Array {
  const { data, nSubjects, nTests, signs, structure, threshold, tail, tPower } = input;
  const finder = new ClusterFinder(structure);
  const t = new Float64Array(nTests);
  const mean = new Float64Array(nTests);
  const sq = new Float64Array(nTests);
  const scratch = new Float64Array(nTests);
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    oneSampleT(data, nSubjects, nTests, t, signs, (first + k) * nSubjects, mean, sq);
    out[k] = finder.maxStatistic(t, threshold, tail, tPower, scratch);
  }
  return out;
}

export function checkDataMatrix(X: DataMatrix, parameter = 'X', minRows = 2): Float64Array {
  if (!(X && Number.isInteger(X.rows) && Number.isInteger(X.cols) && X.data && X.data.length === X.rows * X.cols)) {
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      parameter,
      `expected a subjects × tests matrix; received ${describeValue(X)}`,
    );
  }
  if (X.rows < minRows) {
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      parameter,
      `a one-sample test needs at least ${minRows} subjects (rows); received ${X.rows}`,
      { expected: minRows, received: X.rows },
    );
  }
  if (X.cols < 1)
    throw new ParameterError(STATS_ERRORS.TOO_FEW, parameter, 'expected at least one test (column); received 0');
  const data = Float64Array.from(X.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new ParameterError(
        STATS_ERRORS.NON_FINITE,
        parameter,
        `non-finite value ${data[i]} at subject ${Math.floor(i / X.cols)}, test ${i % X.cols}`,
        { index: i },
      );
    }
  }
  return data;
}

/** MNE's default threshold: −t.ppf(0.05 / (1 + (tail == 0)), n − 1), negated for tail −1. */
export function defaultClusterThreshold(nSubjects: number, tail: Tail): number {
  const t = -tQuantile(0.05 / (1 + (tail === 0 ? 1 : 0)), nSubjects - 1);
  return tail < 0 ? -t : t;
}

export interface ClusterTestPlan {
  input: ClusterNullInput;
  tObs: Float64Array;
  clusters: Int32Array[];
  clusterStats: Float64Array;
  exact: boolean;
  threshold: ClusterThreshold;
}

/** Everything before the permutations: checks, observed statistic and clusters, the sign flips. */
export function planClusterTest(X: DataMatrix, options: ClusterTestOptions = {}): ClusterTestPlan {
  const data = checkDataMatrix(X);
  const nSubjects = X.rows;
  const nTests = X.cols;
  const tail = checkTail(options.tail ?? 0);
  const threshold = checkThreshold(options.threshold ?? defaultClusterThreshold(nSubjects, tail), tail);
  const tPower = options.tPower ?? 1;
  if (!(typeof tPower === 'number' && Number.isFinite(tPower) && tPower >= 0)) {
    throw new ParameterError(
      STATS_ERRORS.THRESHOLD,
      'tPower',
      `expected a finite number >= 0; received ${describeValue(tPower)}`,
    );
  }
  let structure: ClusterStructure;
  if (options.adjacency !== undefined) structure = graphStructure(options.adjacency, nTests);
  else {
    const shape = options.shape ?? [nTests];
    structure = latticeStructure(shape);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== nTests) {
      throw new ParameterError(
        STATS_ERRORS.ADJACENCY,
        'shape',
        `shape [${shape.join(', ')}] has ${size} points, but X has ${nTests} tests (columns)`,
      );
    }
  }
  const flips = oneSampleSignFlips(nSubjects, options.nPermutations ?? 1024, tail, options.seed ?? 0);
  const finder = new ClusterFinder(structure);
  const t = oneSampleT(data, nSubjects, nTests, new Float64Array(nTests));
  let clusters: Int32Array[];
  let clusterStats: Float64Array;
  let tObs = t;
  if (typeof threshold === 'number') {
    const n = finder.label(t, threshold, tail, tPower);
    clusters = Array.from({ length: n }, (_, c) => finder.members(c));
    clusterStats = finder.sums.slice(0, n);
  } else {
    clusterStats = finder.tfce(t, threshold, tail, new Float64Array(nTests));
    clusters = Array.from({ length: nTests }, (_, i) => Int32Array.of(i));
    tObs = clusterStats.map((s, i) => s * Math.sign(t[i]));
  }
  return {
    input: { data, nSubjects, nTests, signs: flips.signs, structure, threshold, tail, tPower },
    tObs,
    clusters,
    clusterStats,
    exact: flips.exact,
    threshold,
  };
}

/** Turn the permutation maxima into H0 and cluster p-values (MNE's `_pval_from_histogram`). */
export function finishClusterTest(plan: ClusterTestPlan, permutationMax: Float64Array): ClusterTestResult {
  const { clusterStats, input } = plan;
  const tail = input.tail;
  const nNull = permutationMax.length + 1;
  if (clusterStats.length === 0) {
    return { ...resultBase(plan, nNull), H0: new Float64Array(0), pValues: new Float64Array(0) };
  }
  // the observed labelling's entry (a loop: a TFCE map can have more points than a spread may pass)
  let orig = tail === -1 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const s of clusterStats) {
    if (tail === -1) orig = Math.min(orig, s);
    else if (tail === 1) orig = Math.max(orig, s);
    else orig = Math.max(orig, Math.abs(s));
  }
  const H0 = new Float64Array(nNull);
  H0[0] = orig;
  H0.set(permutationMax, 1);
  const pValues = clusterStats.map((s) => {
    let count = 0;
    for (let k = 0; k < nNull; k++) {
      const h = H0[k];
      if (tail === -1 ? h <= s : tail === 1 ? h >= s : Math.abs(h) >= Math.abs(s)) count++;
    }
    return count / nNull;
  });
  return { ...resultBase(plan, nNull), H0, pValues };
}

function resultBase(plan: ClusterTestPlan, nNull: number) {
  return {
    tObs: plan.tObs,
    clusters: plan.clusters,
    clusterStats: plan.clusterStats,
    nPermutations: nNull,
    exact: plan.exact,
    threshold: plan.threshold,
  };
}

/** Number of sign-flip rows in a plan (the permutations to run). */
export function planPermutations(plan: ClusterTestPlan): number {
  return plan.input.signs.length / plan.input.nSubjects;
}

/** MNE `permutation_cluster_1samp_test` on this thread. See `permutationCluster1sampTestParallel` for threads. */
export function permutationCluster1sampTest(X: DataMatrix, options: ClusterTestOptions = {}): ClusterTestResult {
  const plan = planClusterTest(X, options);
  const total = planPermutations(plan);
  if (plan.clusterStats.length === 0) return finishClusterTest(plan, new Float64Array(total));
  const progress = new ProgressReporter('cluster-test', total, options.onProgress);
  const out = new Float64Array(total);
  const chunk = 256;
  for (let first = 0; first < total; first += chunk) {
    const count = Math.min(chunk, total - first);
    out.set(clusterNullChunk(plan.input, first, count), first);
    progress.tick(count);
  }
  progress.finish();
  return finishClusterTest(plan, out);
}

/** clusterNullChunk as a parallel.ts chunk function (worker threads import it by name). */
export function clusterNullJob(input: ClusterNullInput, chunk: ChunkSpec): Float64Array {
  return clusterNullChunk(input, chunk.first, chunk.count);
}

/**
 * permutationCluster1sampTest with the permutations spread over worker threads (`threads`, default: every core);
 * the result is identical to the single-thread function's whatever the number of threads.
 */
export async function permutationCluster1sampTestParallel(
  X: DataMatrix,
  options: ClusterTestOptions & Pick<RunChunkedOptions, 'threads'> = {},
): Promise<ClusterTestResult> {
  const plan = planClusterTest(X, options);
  const total = planPermutations(plan);
  if (plan.clusterStats.length === 0) return finishClusterTest(plan, new Float64Array(total));
  const parts = await runChunked<ClusterNullInput, Float64Array>(
    { module: import.meta.url, exportName: 'clusterNullJob', input: plan.input, nItems: total, chunkSize: 128 },
    { threads: options.threads, onProgress: options.onProgress, stage: 'cluster-test' },
  );
  const out = new Float64Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return finishClusterTest(plan, out);
}
