/**
 * The result shape every metric returns, and the input checks they share.
 */
import { ConcordTypeError, Dataset, describeValue, Matrix, NonFiniteError, ShapeError, shapeStr } from '@concord/core';
import { badOption, constantFeatures, SIMILARITY_ERROR_CODES, tooFewExamples } from './errors.ts';

export interface SimilarityResult {
  /** The metric's name as passed to `similarity()` ('cka', 'svcca', ...). */
  metric: string;
  /** The headline number (a similarity, or a distance for 'procrustes' and 'angular'). */
  value: number;
  /** Options actually used and intermediate quantities (sigmas, HSIC terms, ranks, alphas, per-target scores). */
  details: Record<string, unknown>;
}

/** Both sides have the same number of rows (examples), enough of them, and only finite values. */
export function checkPair(metric: string, x: Matrix, y: Matrix, minRows = 2): void {
  if (x.rows !== y.rows) {
    throw new ShapeError(
      `${metric}: X is ${shapeStr(x)} and Y is ${shapeStr(y)}; rows are examples and must match (columns may differ)`,
      { expected: x.rows, received: y.rows },
    );
  }
  if (x.cols === 0 || y.cols === 0)
    throw new ShapeError(`${metric}: X is ${shapeStr(x)} and Y is ${shapeStr(y)}; both need at least one feature`);
  if (x.rows < minRows) throw tooFewExamples(metric, minRows, x.rows);
  checkFinite(`${metric}: X`, x);
  checkFinite(`${metric}: Y`, y);
}

export function checkFinite(where: string, m: Matrix): void {
  const d = m.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]))
      throw new NonFiniteError(`${where} [row ${Math.floor(i / m.cols)}, col ${i % m.cols}]`, i, d[i]);
  }
}

export function positiveNumber(parameter: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    throw badOption(parameter, 'expected a finite number > 0', v);
  return v;
}

export function integerOption(parameter: string, v: unknown, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw badOption(parameter, `expected an integer ≥ ${min}`, v);
  return v;
}

export function unitInterval(parameter: string, v: unknown, fallback: number, { openLow = false } = {}): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(openLow ? v > 0 : v >= 0) || !(v <= 1))
    throw badOption(parameter, `expected a number in ${openLow ? '(0' : '[0'}, 1]`, v);
  return v;
}

export function booleanOption(parameter: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw badOption(parameter, 'expected true or false', v);
  return v;
}

/** Throw when every column of `m` is constant across rows (nothing left after centring). */
export function checkVariance(metric: string, side: string, m: Matrix): void {
  const d = m.data;
  for (let i = 1; i < m.rows; i++) {
    const off = i * m.cols;
    for (let j = 0; j < m.cols; j++) if (d[off + j] !== d[j]) return;
  }
  throw constantFeatures(metric, side, shapeStr(m));
}

/** A representation given as a Matrix or a Dataset (its measurements: observations × channels). */
export type Representation = Matrix | Dataset;

/** The examples × features matrix of a Matrix or Dataset; a typed error for anything else. */
export function asMatrix(v: unknown, side: string): Matrix {
  if (v instanceof Matrix) return v;
  if (v instanceof Dataset) return v.measurements;
  throw new ConcordTypeError(
    SIMILARITY_ERROR_CODES.input,
    `${side}: expected a Matrix or Dataset (rows = examples), received ${describeValue(v)}`,
    {
      field: side,
    },
  );
}
