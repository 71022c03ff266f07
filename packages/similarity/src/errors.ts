/**
 * Error codes of @concord/similarity. Shape problems use core's ShapeError (ERR_CORE_SHAPE); the codes here cover the
 * conditions specific to the metrics.
 */
import { ConcordRangeError, ParameterError } from '@concord/core';

export const SIMILARITY_ERROR_CODES = {
  /** A metric needs more examples than it was given (debiased CKA needs 4, CCA 2, k-NN k + 1, ...). */
  tooFewExamples: 'ERR_SIMILARITY_TOO_FEW_EXAMPLES',
  /** A side has no variance left after centring: every feature is constant across examples. */
  constantFeatures: 'ERR_SIMILARITY_CONSTANT_FEATURES',
  /** An option outside its allowed range. */
  badOption: 'ERR_SIMILARITY_OPTION',
  /** An input that is not a Matrix or Dataset. */
  input: 'ERR_SIMILARITY_INPUT',
  /** An unknown metric or kernel name. */
  unknownMetric: 'ERR_SIMILARITY_UNKNOWN_METRIC',
  /** An intermediate quantity came out NaN or infinite (overflow): reported instead of a meaningless value. */
  nonFinite: 'ERR_SIMILARITY_NON_FINITE',
} as const;

export function tooFewExamples(metric: string, needed: number, received: number): ConcordRangeError {
  return new ConcordRangeError(
    SIMILARITY_ERROR_CODES.tooFewExamples,
    `${metric}: needs at least ${needed} examples (rows), received ${received}`,
    { field: 'rows', expected: needed, received },
  );
}

export function constantFeatures(metric: string, side: string, shape: string): ConcordRangeError {
  return new ConcordRangeError(
    SIMILARITY_ERROR_CODES.constantFeatures,
    `${metric}: every feature (column) of ${side} (${shape}) is constant across examples, so it has no variance to compare`,
    { field: side },
  );
}

export function badOption(parameter: string, message: string, received: unknown): ParameterError {
  return new ParameterError(SIMILARITY_ERROR_CODES.badOption, parameter, `${message}; received ${String(received)}`, {
    received,
  });
}

/** A NaN or ±Inf in an intermediate (e.g. an HSIC term that overflowed): an error, never a silent 0 or NaN. */
export function nonFiniteIntermediate(metric: string, what: string, value: number): ConcordRangeError {
  return new ConcordRangeError(
    SIMILARITY_ERROR_CODES.nonFinite,
    `${metric}: the ${what} is ${value}, not a finite number (an overflow or a NaN in the computation); no value can be given`,
    { field: what, received: value },
  );
}
