export { axpy } from './axpy.ts';
export {
  availableBackends,
  BACKEND_NAMES,
  type BackendLoadResult,
  type BackendName,
  backendFor,
  backendReport,
  type EighResult,
  fasterBackendFor,
  forcedBackend,
  type LinalgBackend,
  loadBackend,
  type Operation,
  registerBackendLoader,
  type SvdResult,
  setBackend,
  trainingKernelsFor,
} from './backend.ts';
export { firstNonFinite } from './finite.ts';
export { jsBackend } from './js-backend.ts';
export {
  assertAllFinite,
  centerColumns,
  centerRows,
  cholesky,
  columnMeans,
  crossProduct,
  doubleCenter,
  eigh,
  gram,
  gramT,
  inverse,
  matmul,
  pinv,
  rowSquaredNorms,
  squaredDistances,
  svd,
  toDtype,
} from './kernels.ts';
export { argsort, ranks } from './ranks.ts';
export { convOutputSize, jsTrainingKernels, type TrainingKernels } from './training.ts';
