/**
 * Errors across a thread or process boundary. Structured clone keeps an Error's message but not its class or its
 * own properties, so a worker sends `serializeError(e)` and the caller throws `deserializeError(s)`: the same class
 * (when it is one of Concord's or a built-in one), message, stack, code, details and badInput, so `instanceof
 * FileFormatError`, `isConcordError` and the CLI's exit code behave as if the error had been thrown in the caller.
 */
import {
  ConcordError,
  ConcordRangeError,
  ConcordTypeError,
  FileFormatError,
  InternalError,
  NonFiniteError,
  ParameterError,
  ShapeError,
} from './errors.ts';

/** A thrown error as structured-clonable data. */
export interface SerializedError {
  className: string;
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
  badInput?: boolean;
}

const ERROR_CLASSES: Record<string, new (...args: never[]) => Error> = {
  ConcordError,
  FileFormatError,
  InternalError,
  ConcordTypeError,
  ParameterError,
  ConcordRangeError,
  ShapeError,
  NonFiniteError,
  TypeError,
  RangeError,
  SyntaxError,
};

/** Details as data a message can carry: as they are when they clone, else through JSON (BigInt as text). */
function cloneableDetails(details: object): Record<string, unknown> {
  try {
    return structuredClone(details) as Record<string, unknown>;
  } catch {
    return JSON.parse(JSON.stringify(details, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  }
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { className: 'Error', name: 'Error', message: String(e) };
  const c = e as Error & { code?: unknown; details?: unknown; badInput?: unknown };
  return {
    className: e.constructor?.name ?? 'Error',
    name: e.name,
    message: e.message,
    ...(e.stack !== undefined ? { stack: e.stack } : {}),
    ...(typeof c.code === 'string' ? { code: c.code } : {}),
    ...(c.details && typeof c.details === 'object' ? { details: cloneableDetails(c.details) } : {}),
    ...(typeof c.badInput === 'boolean' ? { badInput: c.badInput } : {}),
  };
}

/** The error again, with its class (plain Error for classes not listed here), code and details. */
export function deserializeError(s: SerializedError): Error {
  const Ctor = ERROR_CLASSES[s.className] ?? Error;
  const e = Object.create(Ctor.prototype) as Error & Record<string, unknown>;
  Object.defineProperty(e, 'message', { value: s.message, writable: true, configurable: true });
  e.name = s.name;
  if (s.stack !== undefined) Object.defineProperty(e, 'stack', { value: s.stack, writable: true, configurable: true });
  if (s.code !== undefined) e.code = s.code;
  if (s.details !== undefined) e.details = s.details;
  if (s.badInput !== undefined) e.badInput = s.badInput;
  return e;
}
