/** Stable error codes of @concord/fmri. */
export const FMRI_ERRORS = {
  /** Not a NIfTI file: sizeof_hdr is neither 348 nor 540 in either byte order, or the magic string is wrong. */
  NOT_NIFTI: 'ERR_FMRI_NOT_NIFTI',
  /** The file ends before the header, an extension or the data do. */
  TRUNCATED: 'ERR_FMRI_NIFTI_TRUNCATED',
  /** A header field holds a value the format does not allow (dim, vox_offset, bitpix, ...). */
  BAD_HEADER: 'ERR_FMRI_NIFTI_BAD_HEADER',
  /** A datatype code Concord does not read (complex, RGB, float128, binary) or does not know. */
  UNSUPPORTED_DATATYPE: 'ERR_FMRI_NIFTI_UNSUPPORTED_DATATYPE',
  /** A .hdr whose companion .img is absent: header fields read, data access fails. */
  MISSING_IMG: 'ERR_FMRI_NIFTI_MISSING_IMG',
  /** The gzip stream is corrupt. */
  CORRUPT_GZIP: 'ERR_FMRI_NIFTI_CORRUPT_GZIP',
  /** File not found / not a file. */
  FILE_NOT_FOUND: 'ERR_FMRI_FILE_NOT_FOUND',
  /** A voxel or volume index outside the image. */
  INDEX_OUT_OF_RANGE: 'ERR_FMRI_NIFTI_INDEX',
  /** Image and mask (or atlas) grids differ in shape or affine. */
  GRID_MISMATCH: 'ERR_FMRI_GRID_MISMATCH',
  /** A masker used before fit, or an empty mask. */
  MASKER_STATE: 'ERR_FMRI_MASKER',
  /** Malformed BIDS events table or sidecar. */
  BAD_EVENTS: 'ERR_FMRI_BAD_EVENTS',
  /** Events refer to times past the end of the run. */
  EVENTS_PAST_END: 'ERR_FMRI_EVENTS_PAST_END',
  /** A GLM / design / searchlight parameter outside its allowed values. */
  BAD_PARAMETER: 'ERR_FMRI_PARAMETER',
  /** Unknown method/option choice. */
  UNKNOWN_METHOD: 'ERR_FMRI_UNKNOWN_METHOD',
} as const;
