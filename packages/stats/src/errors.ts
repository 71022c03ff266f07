/** Stable error codes of @concord/stats (the HTTP service maps codes to statuses in one table). */
export const STATS_ERRORS = {
  /** A method string that is not one of the table's methods (the message lists the valid ones). */
  UNKNOWN_METHOD: 'ERR_STATS_UNKNOWN_METHOD',
  /** A p-value outside [0, 1] or not a number. */
  P_VALUE: 'ERR_STATS_P_VALUE',
  /** A significance level outside (0, 1). */
  ALPHA: 'ERR_STATS_ALPHA',
  /** A tail other than -1, 0 or 1. */
  TAIL: 'ERR_STATS_TAIL',
  /** A number of permutations that is not a positive integer or 'all', or too many to enumerate. */
  N_PERMUTATIONS: 'ERR_STATS_N_PERMUTATIONS',
  /** Too few observations (subjects, conditions) for a test. */
  TOO_FEW: 'ERR_STATS_TOO_FEW',
  /** Non-finite values where a test cannot accept them. */
  NON_FINITE: 'ERR_STATS_NON_FINITE',
  /** A cluster-forming threshold that is not a number or a valid TFCE specification. */
  THRESHOLD: 'ERR_STATS_THRESHOLD',
  /** An adjacency that does not match the data (wrong size, out-of-range neighbour). */
  ADJACENCY: 'ERR_STATS_ADJACENCY',
  /** An input array of the wrong shape (e.g. a data file that is not subjects × time points). */
  SHAPE: 'ERR_STATS_SHAPE',
  /** An internal failure of the worker-thread runner (not the caller's fault). */
  INTERNAL: 'ERR_STATS_INTERNAL',
  /** Data and models over different numbers of conditions (RDM vectors of different lengths). */
  CONDITIONS: 'ERR_STATS_CONDITIONS',
  /** Bootstrap draws (`--indices`) that are malformed or name a condition / subject out of range. */
  INDICES: 'ERR_STATS_INDICES',
  /** A test that needs a variance estimate the result does not have (e.g. t-tests on one subject). */
  NO_VARIANCE: 'ERR_STATS_NO_VARIANCE',
  /** A model given parameters of the wrong length or kind, or a fit that cannot run. */
  MODEL: 'ERR_STATS_MODEL',
} as const;
