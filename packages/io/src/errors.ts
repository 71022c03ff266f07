/** Error codes of @concord/io. Every file error is a FileFormatError carrying the file and field or byte offset. */
export const IO_ERRORS = {
  NPY_MAGIC: 'ERR_IO_NPY_MAGIC',
  NPY_HEADER: 'ERR_IO_NPY_HEADER',
  NPY_DTYPE: 'ERR_IO_NPY_DTYPE',
  NPY_TRUNCATED: 'ERR_IO_NPY_TRUNCATED',
  NPY_SHAPE: 'ERR_IO_NPY_SHAPE',
  NPZ_ENTRY: 'ERR_IO_NPZ_ENTRY',
  ZIP: 'ERR_IO_ZIP',
  FILE_NOT_FOUND: 'ERR_IO_FILE_NOT_FOUND',
  MAT_HEADER: 'ERR_IO_MAT_HEADER',
  MAT_VERSION: 'ERR_IO_MAT_VERSION',
  MAT_TRUNCATED: 'ERR_IO_MAT_TRUNCATED',
  MAT_ELEMENT: 'ERR_IO_MAT_ELEMENT',
  MAT_COMPRESSED: 'ERR_IO_MAT_COMPRESSED',
  MAT_UNSUPPORTED_CLASS: 'ERR_IO_MAT_UNSUPPORTED_CLASS',
  MAT_OBJECT_AS_STRUCT: 'WARN_MAT_OBJECT_AS_STRUCT',
  MAT_SPARSE_TOO_LARGE: 'ERR_IO_MAT_SPARSE_TOO_LARGE',
  HDF5: 'ERR_IO_HDF5',
  HDF5_NOT_FOUND: 'ERR_IO_HDF5_NOT_FOUND',
  /** HDF5 / MAT v7.3 used before `await loadHdf5()`. */
  HDF5_NOT_LOADED: 'ERR_IO_HDF5_NOT_LOADED',
  /** libhdf5 did not finish a read within its time limit (corrupt metadata can make it loop): see hdf5-guard.ts. */
  HDF5_TIMEOUT: 'ERR_IO_HDF5_TIMEOUT',
  /** The HDF5 reader thread could not start or gave no reply (an internal failure, not the file's fault). */
  HDF5_WORKER: 'ERR_IO_HDF5_WORKER',
  /** The HDF5 tree writer/reader: a value it cannot write, a layout it does not support. */
  HDF5_WRITE: 'ERR_IO_HDF5_WRITE',
  HDF5_UNSUPPORTED: 'ERR_IO_HDF5_UNSUPPORTED',
  TABLE: 'ERR_IO_TABLE',
} as const;
