/**
 * Error codes of the HTTP service and the ONE table that maps error codes (ours, the libraries', Fastify's) to
 * HTTP statuses. Every error response is `{statusCode, code, message}` (plus `field` when one is known); no stack.
 */
import { ConcordError, type ErrorDetails, isConcordError } from '@concord/core';

export const API_ERRORS = {
  VALIDATION: 'ERR_API_VALIDATION',
  MALFORMED_JSON: 'ERR_API_MALFORMED_JSON',
  BODY_TOO_LARGE: 'ERR_API_BODY_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'ERR_API_UNSUPPORTED_MEDIA_TYPE',
  UNAUTHORIZED: 'ERR_API_UNAUTHORIZED',
  KEY_REVOKED: 'ERR_API_KEY_REVOKED',
  RATE_LIMITED: 'ERR_API_RATE_LIMITED',
  NOT_FOUND: 'ERR_API_NOT_FOUND',
  /** The viewer sees it but may not change it (a shared score, deleted by admin keys only). */
  FORBIDDEN: 'ERR_API_FORBIDDEN',
  BAD_ID: 'ERR_API_BAD_ID',
  ARRAY_NOT_FOUND: 'ERR_API_ARRAY_NOT_FOUND',
  SHAPE: 'ERR_API_SHAPE',
  TOO_MANY_ELEMENTS: 'ERR_API_TOO_MANY_ELEMENTS',
  UPLOAD_HEADER: 'ERR_API_UPLOAD_HEADER',
  SHUTTING_DOWN: 'ERR_API_SHUTTING_DOWN',
  BUSY: 'ERR_API_BUSY',
  INTERNAL: 'ERR_API_INTERNAL',
  STORE: 'ERR_API_STORE',
  /** GET /v1/jobs/:id/results before the job wrote them. */
  JOB_NOT_FINISHED: 'ERR_API_JOB_NOT_FINISHED',
} as const;

/** An error raised by the service itself, with its HTTP status. */
export class ApiError extends ConcordError {
  readonly statusCode: number;
  constructor(statusCode: number, code: string, message: string, details?: ErrorDetails) {
    super(code, message, details, { badInput: statusCode < 500 });
    this.statusCode = statusCode;
  }
}

/** Exact codes → status. Codes not listed fall back on the error class (see statusFor). */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // ours
  [API_ERRORS.VALIDATION]: 400,
  [API_ERRORS.MALFORMED_JSON]: 400,
  [API_ERRORS.BAD_ID]: 400,
  [API_ERRORS.UPLOAD_HEADER]: 400,
  [API_ERRORS.UNAUTHORIZED]: 401,
  [API_ERRORS.KEY_REVOKED]: 401,
  [API_ERRORS.FORBIDDEN]: 403,
  [API_ERRORS.NOT_FOUND]: 404,
  [API_ERRORS.BODY_TOO_LARGE]: 413,
  [API_ERRORS.TOO_MANY_ELEMENTS]: 413,
  [API_ERRORS.UNSUPPORTED_MEDIA_TYPE]: 415,
  [API_ERRORS.ARRAY_NOT_FOUND]: 422,
  [API_ERRORS.SHAPE]: 422,
  [API_ERRORS.RATE_LIMITED]: 429,
  [API_ERRORS.JOB_NOT_FINISHED]: 409,
  [API_ERRORS.SHUTTING_DOWN]: 503,
  [API_ERRORS.BUSY]: 503,
  // core
  ERR_CORE_SHAPE: 422,
  ERR_CORE_NON_FINITE: 422,
  ERR_CORE_DTYPE: 422,
  ERR_CORE_UNKNOWN_METHOD: 400,
  // pipeline (POST /v1/jobs: a study that does not validate or plan)
  ERR_PIPELINE_STUDY_CONFIG: 400,
  ERR_PIPELINE_PLAN: 400,
  ERR_PIPELINE_UNKNOWN_ITEM_KIND: 400,
  // io (.npy uploads)
  ERR_IO_NPY_MAGIC: 400,
  ERR_IO_NPY_HEADER: 400,
  ERR_IO_NPY_DTYPE: 415,
  ERR_IO_NPY_TRUNCATED: 400,
  // Fastify's own
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_JSON_BODY: 400,
  FST_ERR_VALIDATION: 400,
  FST_ERR_NOT_FOUND: 404,
};

/** Fastify codes are renamed to ours so clients see one vocabulary. */
const RENAMED: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: API_ERRORS.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_BODY_TOO_LARGE: API_ERRORS.BODY_TOO_LARGE,
  FST_ERR_CTP_EMPTY_JSON_BODY: API_ERRORS.MALFORMED_JSON,
  FST_ERR_CTP_INVALID_JSON_BODY: API_ERRORS.MALFORMED_JSON,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: API_ERRORS.VALIDATION,
  FST_ERR_VALIDATION: API_ERRORS.VALIDATION,
  FST_ERR_NOT_FOUND: API_ERRORS.NOT_FOUND,
};

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  field?: string;
}

/**
 * The status of any thrown value: our ApiError carries it; a code in the table decides next; then the class of a
 * Concord error (bad input → 422 for shapes/ranges, 400 otherwise); anything else is an internal 500.
 */
export function statusFor(e: unknown): number {
  if (e instanceof ApiError) return e.statusCode;
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && STATUS_BY_CODE[code] !== undefined) return STATUS_BY_CODE[code];
  if (isConcordError(e)) {
    if (!e.badInput) return 500;
    if (e instanceof RangeError) return 422;
    return 400;
  }
  // A JSON.parse SyntaxError from the body parser carries statusCode 400.
  const sc = (e as { statusCode?: unknown })?.statusCode;
  if (e instanceof SyntaxError && sc === 400) return 400;
  if (typeof sc === 'number' && sc >= 400 && sc < 500) return sc;
  return 500;
}

/** The JSON error body for any thrown value. Internal failures get a generic message (details go to the log). */
export function errorBody(e: unknown): ErrorBody {
  const statusCode = statusFor(e);
  if (statusCode >= 500 && statusCode !== 503) {
    return { statusCode, code: API_ERRORS.INTERNAL, message: 'internal error (details are in the service log)' };
  }
  const raw = (e as { code?: unknown })?.code;
  let code =
    typeof raw === 'string'
      ? (RENAMED[raw] ?? raw)
      : statusCode === 400
        ? API_ERRORS.MALFORMED_JSON
        : API_ERRORS.VALIDATION;
  if (e instanceof SyntaxError) code = API_ERRORS.MALFORMED_JSON;
  let message = e instanceof Error ? e.message : String(e);
  if (code === API_ERRORS.MALFORMED_JSON) message = `body: malformed JSON (${message})`;
  const body: ErrorBody = { statusCode, code, message: oneLine(message) };
  const field = isConcordError(e) ? e.details.field : undefined;
  if (typeof field === 'string') body.field = field;
  return body;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').slice(0, 2000);
}
