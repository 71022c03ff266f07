/**
 * Error base classes. Every error Concord throws carries a stable `code` (ERR_*) that callers, the CLI
 * (exit 2 for bad input) and the HTTP service (status table) dispatch on, plus structured `details`.
 */

/** Stable error codes of @concord/core (every code thrown in this package is listed here). */
export const CORE_ERRORS = {
  /** A shape mismatch (ShapeError). */
  SHAPE: 'ERR_CORE_SHAPE',
  /** A NaN or ±Inf where the computation cannot accept it (NonFiniteError). */
  NON_FINITE: 'ERR_CORE_NON_FINITE',
  /** A method / choice string outside its allowed values (checkChoice's default). */
  UNKNOWN_METHOD: 'ERR_CORE_UNKNOWN_METHOD',
  /** A descriptor of the wrong length or kind. */
  DESCRIPTOR: 'ERR_CORE_DESCRIPTOR',
  /** Too few observations for an operation (e.g. splitting a dataset). */
  TOO_FEW_OBSERVATIONS: 'ERR_CORE_TOO_FEW_OBSERVATIONS',
  /** A time index outside a temporal dataset. */
  TIME_INDEX: 'ERR_CORE_TIME_INDEX',
  /** An element type that is not float32/float64. */
  DTYPE: 'ERR_CORE_DTYPE',
  /** An RNG argument outside its range, or an invalid seed. */
  RNG_RANGE: 'ERR_CORE_RNG_RANGE',
  SEED: 'ERR_CORE_SEED',
  /** CONCORD_BACKEND names no backend; a forced backend that does not load. */
  BACKEND: 'ERR_CORE_BACKEND',
  BACKEND_UNAVAILABLE: 'ERR_CORE_BACKEND_UNAVAILABLE',
  /** Decompositions: a matrix that is not positive definite, singular, or an iteration that did not converge. */
  NOT_POSITIVE_DEFINITE: 'ERR_CORE_NOT_POSITIVE_DEFINITE',
  SINGULAR: 'ERR_CORE_SINGULAR',
  NO_CONVERGENCE: 'ERR_CORE_NO_CONVERGENCE',
  /** Internal failures of the native (LAPACK) and onnxruntime backends. */
  NATIVE_LAPACK: 'ERR_CORE_NATIVE_LAPACK',
  ONNX_FAILED: 'ERR_CORE_ONNX_FAILED',
  ONNX_TIMEOUT: 'ERR_CORE_ONNX_TIMEOUT',
  /** A value an invariant guarantees (a validated config, a map filled just above) was missing: a bug. */
  INVARIANT: 'ERR_CORE_INVARIANT',
} as const;

export interface ErrorDetails {
  /** The file involved, when the error is about a file. */
  file?: string;
  /** Byte offset in the file, when known. */
  offset?: number;
  /** Header field, parameter or descriptor name. */
  field?: string;
  expected?: unknown;
  received?: unknown;
  [key: string]: unknown;
}

/** Codes whose errors are the caller's fault (bad input), as opposed to internal failures. */
export interface ConcordErrorLike {
  readonly code: string;
  readonly details: ErrorDetails;
  /** True when the error describes bad input (usage, file or parameter), false for internal failures. */
  readonly badInput: boolean;
}

function init(
  err: Error & { code: string; details: ErrorDetails; badInput: boolean },
  name: string,
  code: string,
  details: ErrorDetails | undefined,
  badInput: boolean,
) {
  err.name = name;
  err.code = code;
  err.details = details ?? {};
  err.badInput = badInput;
}

export class ConcordError extends Error implements ConcordErrorLike {
  declare code: string;
  declare details: ErrorDetails;
  declare badInput: boolean;
  constructor(
    code: string,
    message: string,
    details?: ErrorDetails,
    options?: { cause?: unknown; badInput?: boolean },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    init(this, new.target.name, code, details, options?.badInput ?? true);
  }
}

export class ConcordTypeError extends TypeError implements ConcordErrorLike {
  declare code: string;
  declare details: ErrorDetails;
  declare badInput: boolean;
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(message);
    init(this, new.target.name, code, details, true);
  }
}

export class ConcordRangeError extends RangeError implements ConcordErrorLike {
  declare code: string;
  declare details: ErrorDetails;
  declare badInput: boolean;
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(message);
    init(this, new.target.name, code, details, true);
  }
}

/** A shape mismatch; the message names every shape involved. */
export class ShapeError extends ConcordRangeError {
  constructor(message: string, details?: ErrorDetails) {
    super(CORE_ERRORS.SHAPE, message, details);
  }
}

/** A malformed or unsupported file: names the file and the header field or byte offset. */
export class FileFormatError extends ConcordError {
  constructor(code: string, file: string, message: string, details?: Omit<ErrorDetails, 'file'>) {
    const where = [
      details?.field !== undefined ? `field ${details.field}` : '',
      details?.offset !== undefined ? `byte offset ${details.offset}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    super(code, `${file}${where ? ` (${where})` : ''}: ${message}`, { ...details, file });
  }
}

/** A parameter outside its allowed values; lists the allowed ones. */
export class ParameterError extends ConcordTypeError {
  constructor(code: string, parameter: string, message: string, details?: ErrorDetails) {
    super(code, `${parameter}: ${message}`, { field: parameter, ...details });
  }
}

/** A non-finite value where the computation cannot accept it. */
export class NonFiniteError extends ConcordRangeError {
  constructor(where: string, index: number, value: number) {
    super(CORE_ERRORS.NON_FINITE, `${where}: non-finite value ${value} at flat index ${index}`, {
      field: where,
      offset: index,
      received: value,
    });
  }
}

/** An internal failure (a bug, or a backend that failed): not the caller's fault. */
export class InternalError extends ConcordError {
  constructor(code: string, message: string, details?: ErrorDetails, cause?: unknown) {
    super(code, message, details, { cause, badInput: false });
  }
}

export function isConcordError(e: unknown): e is Error & ConcordErrorLike {
  if (!(e instanceof Error)) return false;
  const c = e as unknown as { code?: unknown; badInput?: unknown };
  return typeof c.code === 'string' && c.code.startsWith('ERR_') && typeof c.badInput === 'boolean';
}

/** Describe a value briefly for an error message ("received ..."). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of length ${(v as unknown as { length: number }).length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'object') return 'object';
  return String(v);
}

/** Throw a ParameterError listing valid choices when `value` is not one of them. */
export function checkChoice<T extends string>(
  parameter: string,
  value: unknown,
  choices: readonly T[],
  code: string = CORE_ERRORS.UNKNOWN_METHOD,
): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new ParameterError(
    code,
    parameter,
    `expected one of ${choices.map((c) => `'${c}'`).join(', ')}; received ${describeValue(value)}`,
    {
      expected: choices,
      received: value,
    },
  );
}

/**
 * The value an invariant guarantees (a config entry validated earlier, a map key set just above), or an InternalError
 * naming what was missing: the library's replacement for a non-null assertion `!`, which would turn a broken invariant
 * into a TypeError somewhere later.
 */
export function presentOrBug<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined)
    throw new InternalError(CORE_ERRORS.INVARIANT, `${what} is missing (received ${value}); this is a bug in Concord`);
  return value;
}
