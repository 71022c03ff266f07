/** Error codes of @concord/io. */
export { FileFormatError } from '@concord/core';

export const IO_ERRORS = {
  NPY_MAGIC: 'ERR_NPY_MAGIC',
  NPY_HEADER: 'ERR_NPY_HEADER',
  NPY_DTYPE: 'ERR_NPY_DTYPE',
  NPY_TRUNCATED: 'ERR_NPY_TRUNCATED',
  NPZ_ENTRY: 'ERR_NPZ_ENTRY',
  ZIP: 'ERR_ZIP',
  FILE_NOT_FOUND: 'ERR_FILE_NOT_FOUND',
} as const;
