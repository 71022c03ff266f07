/**
 * Numeric request fields → flat Float64Arrays. A field is nested JSON arrays or `{arrayId}` naming an upload. The
 * route schema leaves these fields open (body-validator.ts), so every check is here: the field's form, each
 * element (a finite number; `null` = NaN, "missing", only where the method accepts it), equal row lengths (ragged
 * arrays) and element limits. Rows may arrive as Float64Arrays (json-body.ts parsed them natively; always finite).
 */

import type { ArrayStore } from './arrays.ts';
import type { Viewer } from './auth.ts';
import { BinaryArray } from './binary-body.ts';
import { API_ERRORS, ApiError } from './errors.ts';

/** A matrix ready to send to a worker: inline (transferable) or a stored upload the worker reads itself. */
export type MatrixRef =
  | { kind: 'inline'; rows: number; cols: number; data: Float64Array }
  | { kind: 'file'; id: string; path: string; rows: number; cols: number };

type Row = (number | null)[] | Float64Array;
export type NumericField = Row[] | Row | { arrayId: string } | BinaryArray;

export interface InputLimits {
  /** Elements per numeric field. */
  maxElements: number;
}

export function isArrayRef(v: unknown): v is { arrayId: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && 'arrayId' in v;
}

const ARRAY_ID = /^[0-9a-f]{64}$/;

const isRow = (v: unknown): v is Row => Array.isArray(v) || v instanceof Float64Array;

/**
 * Convert a field. `vectorAsRow`: a 1-D array (or 1-D upload) becomes one row (RDM vectors); otherwise 1-D input
 * is refused. `allowNull`: JSON null becomes NaN (RDM entries that are missing); otherwise null is refused.
 */
export function matrixField(
  value: NumericField,
  field: string,
  arrays: ArrayStore,
  limits: InputLimits,
  {
    allowNull = false,
    vectorAsRow = false,
    viewer,
  }: { allowNull?: boolean; vectorAsRow?: boolean; viewer?: Viewer } = {},
): MatrixRef {
  if (value instanceof BinaryArray) return binaryField(value, field, limits, allowNull, vectorAsRow);
  if (isArrayRef(value)) {
    const extra = Object.keys(value).find((k) => k !== 'arrayId');
    if (extra !== undefined)
      throw new ApiError(
        400,
        API_ERRORS.VALIDATION,
        `${field}: unknown property ${JSON.stringify(extra)} (not allowed)`,
        {
          field: `${field}.${extra}`,
        },
      );
    if (typeof value.arrayId !== 'string' || !ARRAY_ID.test(value.arrayId))
      throw new ApiError(
        400,
        API_ERRORS.VALIDATION,
        `${field}.arrayId: expected a 64-character lowercase hex id (the sha256 returned by POST /v1/arrays), received ${describe(value.arrayId)}`,
        { field: `${field}.arrayId` },
      );
    const info = arrays.info(value.arrayId, `${field}.arrayId`, 422, viewer);
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
    return { kind: 'file', id: info.id, path: arrays.pathOf(info.id, `${field}.arrayId`, 422, viewer), rows, cols };
  }
  if (!isRow(value) && !Array.isArray(value))
    throw new ApiError(
      400,
      API_ERRORS.VALIDATION,
      `${field}: expected an array of arrays of numbers or {"arrayId": id}, received ${describe(value)}`,
      { field },
    );
  const nested = value.length > 0 && isRow(value[0]);
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
    fillRow(data, 0, value as Row, field, allowNull);
    return { kind: 'inline', rows: 1, cols: value.length, data };
  }
  const rows = value.length;
  const cols = (value[0] as Row).length;
  checkCount(rows * cols, field, limits);
  if (cols === 0) throw new ApiError(422, API_ERRORS.SHAPE, `${field}: row 0 is empty`, { field: `${field}[0]` });
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = value[i];
    if (!isRow(row))
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

/** A .npy array from a binary body: the same shape, finiteness and size rules as JSON input. */
function binaryField(
  value: BinaryArray,
  field: string,
  limits: InputLimits,
  allowNull: boolean,
  vectorAsRow: boolean,
): MatrixRef {
  const { shape, data } = value;
  let rows: number;
  let cols: number;
  if (shape.length === 2) [rows, cols] = shape;
  else if (shape.length === 1 && vectorAsRow) [rows, cols] = [1, shape[0]];
  else
    throw new ApiError(
      422,
      API_ERRORS.SHAPE,
      `${field}: expected a ${vectorAsRow ? '1-D or ' : ''}2-D array, ${value.source} has shape (${shape.join(', ')})`,
      { field },
    );
  if (rows * cols === 0) throw new ApiError(422, API_ERRORS.SHAPE, `${field}: ${value.source} is empty`, { field });
  checkCount(rows * cols, field, limits);
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (Number.isFinite(v) || (allowNull && Number.isNaN(v))) continue;
    const at = shape.length === 2 ? `[${Math.floor(k / cols)}][${k % cols}]` : `[${k}]`;
    throw new ApiError(
      400,
      API_ERRORS.VALIDATION,
      `${field}${at}: expected a finite number${allowNull ? ' or NaN (missing)' : ''}, received ${v}`,
      { field: `${field}${at}` },
    );
  }
  return { kind: 'inline', rows, cols, data };
}

function fillRow(data: Float64Array, offset: number, row: Row, field: string, allowNull: boolean): void {
  if (row instanceof Float64Array) {
    data.set(row, offset);
    return;
  }
  for (let j = 0; j < row.length; j++) {
    const v = row[j];
    if (typeof v === 'number' && Number.isFinite(v)) data[offset + j] = v;
    else if (v === null && allowNull) data[offset + j] = Number.NaN;
    else {
      throw new ApiError(
        400,
        API_ERRORS.VALIDATION,
        `${field}[${j}]: expected a finite number${allowNull ? ' or null' : ''}, received ${describe(v)}`,
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
  if (typeof v === 'number') return String(v);
  return Array.isArray(v) ? 'an array' : typeof v;
}

/** Elements of a field, for cost estimates before converting it. */
export function elementCount(ref: MatrixRef): number {
  return ref.rows * ref.cols;
}
