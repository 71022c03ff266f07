/**
 * Condition patterns from a Dataset as rsatoolbox's calc_rdm sees them: observations averaged per value of the
 * pattern descriptor (sorted as np.unique sorts), optional removal of each pattern's mean across channels, and the
 * per-(fold, condition) sums that cross-validated methods need.
 */
import {
  axpy,
  type Dataset,
  type DescriptorValue,
  groupIndices,
  Matrix,
  ParameterError,
  ShapeError,
  uniqueSorted,
} from '@concord/core';
import { RSA_ERRORS } from './errors.ts';

export interface ConditionPatterns {
  /** nCond × nChannels float64 means. */
  patterns: Matrix;
  /** Sorted unique descriptor values (or 0..nObs-1 without a descriptor). */
  values: DescriptorValue[];
  /** The pattern descriptor's name ('pattern' when none was given, as in rsatoolbox). */
  descriptor: string;
}

/** Copy of the measurements as float64, each row minus its mean across channels when `removeMean`. */
export function measurementsFloat64(ds: Dataset, removeMean: boolean): Matrix {
  const m = ds.measurements;
  // The typed-array constructor copies (and widens float32) natively; Float64Array.from iterates.
  const out = new Matrix(m.rows, m.cols, new Float64Array(m.data));
  if (removeMean) {
    const d = out.data;
    const p = m.cols;
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += d[i * p + j];
      const mean = s / p;
      for (let j = 0; j < p; j++) d[i * p + j] -= mean;
    }
  }
  return out;
}

export function descriptorColumn(ds: Dataset, name: string, parameter: string): DescriptorValue[] {
  const col = ds.obsDescriptors[name];
  if (!col) {
    throw new ParameterError(
      RSA_ERRORS.DESCRIPTOR,
      parameter,
      `'${name}' is not an obs descriptor of the dataset (it has ${
        Object.keys(ds.obsDescriptors)
          .map((k) => `'${k}'`)
          .join(', ') || 'none'
      })`,
      {
        received: name,
        expected: Object.keys(ds.obsDescriptors),
      },
    );
  }
  if (col.length !== ds.nObs)
    throw new ShapeError(
      `${parameter}: obs descriptor '${name}' has ${col.length} entries but the data have ${ds.nObs} observations`,
      { field: parameter },
    );
  return col;
}

/**
 * Mean pattern per condition (rows in np.unique order), float64. `readOnly`: the caller will not write to the
 * patterns, so float64 measurements without a descriptor or mean removal are returned as they are (no copy).
 */
export function conditionPatterns(
  ds: Dataset,
  descriptor: string | undefined,
  removeMean: boolean,
  { readOnly = false }: { readOnly?: boolean } = {},
): ConditionPatterns {
  if (readOnly && descriptor === undefined && !removeMean && ds.measurements.dtype === 'float64')
    return { patterns: ds.measurements, values: Array.from({ length: ds.nObs }, (_, i) => i), descriptor: 'pattern' };
  const x = measurementsFloat64(ds, removeMean);
  if (descriptor === undefined)
    return { patterns: x, values: Array.from({ length: ds.nObs }, (_, i) => i), descriptor: 'pattern' };
  const { values, groups } = groupIndices(descriptorColumn(ds, descriptor, 'descriptor'));
  const p = x.cols;
  const out = Matrix.zeros(values.length, p);
  groups.forEach((g, k) => {
    const dst = k * p;
    for (const i of g) {
      const src = i * p;
      for (let j = 0; j < p; j++) out.data[dst + j] += x.data[src + j];
    }
    const inv = 1 / g.length;
    for (let j = 0; j < p; j++) out.data[dst + j] *= inv;
  });
  return { patterns: out, values, descriptor };
}

export interface FoldSums {
  conditions: DescriptorValue[];
  folds: DescriptorValue[];
  /**
   * Fold f's sum of observations per condition (nCond × nChannels), written into `out` (a buffer reused across
   * folds, so the folds never exist as one (nFolds·nCond) × nChannels copy of the data) — or, when fold f holds
   * one observation per condition stored as consecutive rows in condition order (data sorted by run, then
   * condition), a read-only view of those rows. Callers must not write to the result.
   */
  sumOfFold(f: number, out: Matrix): Matrix;
  /** counts[f][c]: observations of condition c in fold f. */
  counts: Int32Array[];
  /** Sum over all folds per condition. */
  total: Matrix;
  totalCounts: Int32Array;
}

/**
 * rsatoolbox's default cv descriptor when none is given: the k-th occurrence of every condition forms fold k
 * (requires the same number of observations per condition).
 */
function defaultFolds(conds: DescriptorValue[], parameter: string): number[] {
  const { values, groups } = groupIndices(conds);
  const n = groups[0]?.length ?? 0;
  const bad = groups.findIndex((g) => g.length !== n);
  if (bad >= 0) {
    throw new ParameterError(
      RSA_ERRORS.CROSS_VALIDATION,
      parameter,
      `no cvDescriptor given and the conditions have different numbers of observations (${String(values[0])}: ${n}, ${String(values[bad])}: ${groups[bad].length}); pass cvDescriptor (e.g. the run)`,
    );
  }
  const folds = new Array<number>(conds.length);
  for (const g of groups) {
    g.forEach((obs, k) => {
      folds[obs] = k;
    });
  }
  return folds;
}

export function foldSums(
  ds: Dataset,
  descriptor: string,
  cvDescriptor: string | undefined,
  removeMean: boolean,
): FoldSums {
  const conds = descriptorColumn(ds, descriptor, 'descriptor');
  const foldCol: DescriptorValue[] =
    cvDescriptor === undefined
      ? defaultFolds(conds, 'cvDescriptor')
      : descriptorColumn(ds, cvDescriptor, 'cvDescriptor');
  const conditions = uniqueSorted(conds);
  const folds = uniqueSorted(foldCol);
  if (folds.length < 2) {
    throw new ParameterError(
      RSA_ERRORS.CROSS_VALIDATION,
      'cvDescriptor',
      `cross-validation needs at least 2 folds; '${cvDescriptor ?? '(default)'}' has ${folds.length} distinct value(s)`,
    );
  }
  const cIndex = new Map(conditions.map((v, i) => [v, i]));
  const fIndex = new Map(folds.map((v, i) => [v, i]));
  const x = removeMean || ds.measurements.dtype !== 'float64' ? measurementsFloat64(ds, removeMean) : ds.measurements;
  const p = x.cols;
  const nc = conditions.length;
  const data = x.data as Float64Array;
  // Observation rows of each (fold, condition), in observation order.
  const rows: number[][][] = folds.map(() => Array.from({ length: nc }, () => []));
  const counts = folds.map(() => new Int32Array(nc));
  const totalCounts = new Int32Array(nc);
  const total = Matrix.zeros(nc, p);
  for (let i = 0; i < ds.nObs; i++) {
    // every value of the two columns is a key (the maps were built from their unique values)
    const c = cIndex.get(conds[i]) ?? -1;
    const f = fIndex.get(foldCol[i]) ?? -1;
    rows[f][c].push(i);
    counts[f][c]++;
    addRow(total.data as Float64Array, c * p, data, i * p, p, totalCounts[c]++ === 0);
  }
  const sumOfFold = (f: number, out: Matrix): Matrix => {
    const first = rows[f][0];
    if (first.length === 1 && rows[f].every((list, c) => list.length === 1 && list[0] === first[0] + c))
      return x.rowRange(first[0], first[0] + nc);
    const dst = out.data as Float64Array;
    for (let c = 0; c < nc; c++) {
      const list = rows[f][c];
      if (list.length === 0) dst.fill(0, c * p, (c + 1) * p);
      for (let k = 0; k < list.length; k++) addRow(dst, c * p, data, list[k] * p, p, k === 0);
    }
    return out;
  };
  return { conditions, folds, sumOfFold, counts, total, totalCounts };
}

/** dst[at..at+p) = (first ? 0 : dst) + src[from..from+p): the first contribution is a copy, not an add to zeros. */
function addRow(dst: Float64Array, at: number, src: Float64Array, from: number, p: number, first: boolean): void {
  if (first) dst.set(src.subarray(from, from + p), at);
  else axpy(1, src.subarray(from, from + p), dst.subarray(at, at + p));
}

/** Rows `rows` of `sums`, each divided by its count (a mean per condition). */
export function meansOf(sums: Matrix, counts: ArrayLike<number>, rows: number[]): Matrix {
  const p = sums.cols;
  const out = Matrix.zeros(rows.length, p);
  rows.forEach((c, k) => {
    const inv = 1 / counts[c];
    for (let j = 0; j < p; j++) out.data[k * p + j] = sums.data[c * p + j] * inv;
  });
  return out;
}
