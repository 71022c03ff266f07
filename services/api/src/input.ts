/**
 * Numeric request fields → flat Float64Arrays. A field is either nested JSON arrays (already type-checked by the
 * route schema) or `{arrayId}` naming an upload. Checks here are the ones a schema cannot express: equal row
 * lengths (ragged arrays), element limits, and `null` (= NaN, "missing") only where the method accepts it.
 */

import type { ArrayStore } from './arrays.ts';
import { API_ERRORS, ApiError } from './errors.ts';

/** A matrix ready to send to a worker: inline (transferable) or a stored upload the worker reads itself. */
export type MatrixRef =
  | { kind: 'inline'; rows: number; cols: number; data: Float64Array }
  | { kind: 'file'; id: string; path: string; rows: number; cols: number };

export type NumericField = (number | null)[][] | (number | null)[] | { arrayId: string };

export interface InputLimits {
  /** Elements per numeric field. */
  maxElements: number;
}

export function isArrayRef(v: unknown): v is { arrayId: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'arrayId' in v;
}

/**
 * Convert a field. `vectorAsRow`: a 1-D array (or 1-D upload) becomes one row (RDM vectors); otherwise 1-D input
 * is refused. `allowNull`: JSON null becomes NaN (RDM entries that are missing); otherwise null is refused.
 */
export function matrixField(
  value: NumericField,
  field: string,
  arrays: ArrayStore,
  limits: InputLimits,
  { allowNull = false, vectorAsRow = false }: { allowNull?: boolean; vectorAsRow?: boolean } = {},
): MatrixRef {
  if (isArrayRef(value)) {
    const info = arrays.info(value.arrayId, `${field}.arrayId`);
    let rows: number;
    let cols: number;
    if (info.shape.length === 2) [rows, cols] = info.shape;
    else if (info.shape.length === 1 && vectorAsRow) [rows, cols] = [1, info.shape[0]];
    else
      throw new ApiError(
        422,
        API_ERRORS.SHAPE,
        `${field}: expected a 2-D array, the upload ${info.id} has shape (${info.shape.join(', ')})`,
        { field },
      );
    checkCount(rows * cols, field, limits);
    return { kind: 'file', id: info.id, path: arrays.pathOf(info.id, `${field}.arrayId`), rows, cols };
  }
  if (!Array.isArray(value))
    throw new ApiError(
      400,
      API_ERRORS.VALIDATION,
      `${field}: expected an array of arrays of numbers or {"arrayId": id}`,
      { field },
    );
  const nested = value.length > 0 && Array.isArray(value[0]);
  if (!nested) {
    if (value.length > 0 && !vectorAsRow)
      throw new ApiError(
        400,
        API_ERRORS.VALIDATION,
        `${field}: expected an array of arrays (rows) of numbers, received a flat array`,
        { field },
      );
    if (value.length === 0) throw new ApiError(422, API_ERRORS.SHAPE, `${field}: is empty`, { field });
    checkCount(value.length, field, limits);
    const data = new Float64Array(value.length);
    fillRow(data, 0, value as (number | null)[], field, allowNull);
    return { kind: 'inline', rows: 1, cols: value.length, data };
  }
  const rows = value.length;
  const cols = (value[0] as unknown[]).length;
  checkCount(rows * cols, field, limits);
  if (cols === 0) throw new ApiError(422, API_ERRORS.SHAPE, `${field}: row 0 is empty`, { field: `${field}[0]` });
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = value[i];
    if (!Array.isArray(row))
      throw new ApiError(400, API_ERRORS.VALIDATION, `${field}[${i}]: expected an array (row) of numbers`, {
        field: `${field}[${i}]`,
      });
    if (row.length !== cols) {
      throw new ApiError(
        422,
        API_ERRORS.SHAPE,
        `${field}[${i}]: ragged array: row ${i} has ${row.length} elements, row 0 has ${cols}`,
        {
          field: `${field}[${i}]`,
          expected: cols,
          received: row.length,
        },
      );
    }
    fillRow(data, i * cols, row, `${field}[${i}]`, allowNull);
  }
  return { kind: 'inline', rows, cols, data };
}

function fillRow(data: Float64Array, offset: number, row: (number | null)[], field: string, allowNull: boolean): void {
  for (let j = 0; j < row.length; j++) {
    const v = row[j];
    if (typeof v === 'number') data[offset + j] = v;
    else if (v === null && allowNull) data[offset + j] = Number.NaN;
    else {
      throw new ApiError(
        400,
        API_ERRORS.VALIDATION,
        `${field}[${j}]: expected a number${allowNull ? ' or null' : ''}, received ${describe(v)}`,
        { field: `${field}[${j}]` },
      );
    }
  }
}

function checkCount(n: number, field: string, limits: InputLimits): void {
  if (n > limits.maxElements) {
    throw new ApiError(
      413,
      API_ERRORS.TOO_MANY_ELEMENTS,
      `${field}: ${n} elements exceed the limit of ${limits.maxElements} per field`,
      { field, expected: limits.maxElements, received: n },
    );
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  return Array.isArray(v) ? 'an array' : typeof v;
}

/** Elements of a field, for cost estimates before converting it. */
export function elementCount(ref: MatrixRef): number {
  return ref.rows * ref.cols;
}
