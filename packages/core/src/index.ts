/**
 * @concord/core: matrices, datasets, errors, seeded randomness, progress events and compute kernels.
 * Browser-safe: imports no Node built-ins (the native and onnx backends register from index.node.ts).
 */
import { registerBackendLoader } from './kernels/backend.ts';
import { jsBackend } from './kernels/js-backend.ts';

registerBackendLoader('js', () => ({ backend: jsBackend }));

export { assertHasObs, Dataset, type DatasetInit } from './dataset.ts';
export {
  checkDescriptors,
  compareCodePoints,
  compareDescriptorValues,
  type Descriptor,
  type Descriptors,
  type DescriptorValue,
  getDescriptor,
  groupIndices,
  indicesWhere,
  selectDescriptors,
  uniqueInOrder,
  uniqueSorted,
} from './descriptors.ts';
export { deserializeError, type SerializedError, serializeError } from './error-transport.ts';
export {
  CORE_ERRORS,
  ConcordError,
  type ConcordErrorLike,
  ConcordRangeError,
  ConcordTypeError,
  checkChoice,
  describeValue,
  type ErrorDetails,
  FileFormatError,
  InternalError,
  isConcordError,
  NonFiniteError,
  ParameterError,
  presentOrBug,
  ShapeError,
} from './errors.ts';
export {
  dtypeOfArray,
  type Hdf5AttrValue,
  type Hdf5TreeDataset,
  type Hdf5TreeGroup,
  type Hdf5TreeNode,
  type NpDtype,
  type NumericArray,
} from './hdf5-tree.ts';
export {
  argsort,
  assertAllFinite,
  availableBackends,
  axpy,
  BACKEND_NAMES,
  type BackendLoadResult,
  type BackendName,
  backendFor,
  backendReport,
  centerColumns,
  centerRows,
  cholesky,
  columnMeans,
  convOutputSize,
  crossProduct,
  doubleCenter,
  type EighResult,
  eigh,
  fasterBackendFor,
  firstNonFinite,
  forcedBackend,
  gram,
  gramT,
  inverse,
  jsBackend,
  jsTrainingKernels,
  type LinalgBackend,
  loadBackend,
  matmul,
  type Operation,
  pinv,
  ranks,
  registerBackendLoader,
  rowSquaredNorms,
  type SvdResult,
  setBackend,
  squaredDistances,
  svd,
  type TrainingKernels,
  toDtype,
  trainingKernelsFor,
} from './kernels/index.ts';
export { allocate, assertShape, type DType, dtypeOf, type FloatArray, Matrix, shapeStr } from './matrix.ts';
export type { Neighbourhoods } from './neighbourhoods.ts';
export { type ProgressCallback, type ProgressEvent, type ProgressOptions, ProgressReporter } from './progress.ts';
export { Rng } from './rng.ts';
export { withScratchFloat64 } from './scratch.ts';
export { TemporalDataset, type TemporalDatasetInit } from './temporal-dataset.ts';
export { VERSION } from './version.ts';
