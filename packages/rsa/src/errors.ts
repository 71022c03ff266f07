/** Stable error codes of @concord/rsa (the HTTP service maps codes to statuses in one table). */
export const RSA_ERRORS = {
  /** A method string that is not one of the table's methods. */
  UNKNOWN_METHOD: 'ERR_RSA_UNKNOWN_METHOD',
  /** A dissimilarity vector whose length is not n(n-1)/2, or RDM sets over different numbers of conditions. */
  VECTOR_LENGTH: 'ERR_RSA_VECTOR_LENGTH',
  /** Fewer than two conditions (an RDM needs at least one pair). */
  TOO_FEW_CONDITIONS: 'ERR_RSA_TOO_FEW_CONDITIONS',
  /** A missing or mismatched descriptor (lengths, names). */
  DESCRIPTOR: 'ERR_RSA_DESCRIPTOR',
  /** A noise precision / sigma_k matrix of the wrong shape or not positive definite. */
  NOISE: 'ERR_RSA_NOISE',
  /** NaN entries at different positions in the two RDM sets (rsatoolbox: "different nan positions"). */
  NAN_POSITIONS: 'ERR_RSA_NAN_POSITIONS',
  /** Input values outside a method's domain (e.g. negative counts for poisson). */
  DOMAIN: 'ERR_RSA_DOMAIN',
  /** Cross-validation impossible (fewer than two folds, a condition missing from every training set). */
  CROSS_VALIDATION: 'ERR_RSA_CROSS_VALIDATION',
  /** A matrix that must be positive definite is not (neg_riem_dist on a degenerate RDM). */
  NOT_POSITIVE_DEFINITE: 'ERR_RSA_NOT_POSITIVE_DEFINITE',
  /** A serialized RDMs object that does not have the expected fields. */
  FORMAT: 'ERR_RSA_FORMAT',
  /** Too few RDMs for a noise ceiling (needs two subjects). */
  TOO_FEW_RDMS: 'ERR_RSA_TOO_FEW_RDMS',
  /** An RDM file path whose extension names no format (.h5/.hdf5, .npy, .json). */
  FILE_EXTENSION: 'ERR_RSA_FILE_EXTENSION',
  /** An RDM .json file that is not valid JSON. */
  FILE_JSON: 'ERR_RSA_FILE_JSON',
  /** Searchlight neighbourhoods that do not fit the data (channel count, CSR offsets, indices out of range). */
  NEIGHBOURHOODS: 'ERR_RSA_NEIGHBOURHOODS',
} as const;
