export { axpy } from './axpy.ts';
export * from './backend.ts';
export { firstNonFinite } from './finite.ts';
export { jsBackend } from './js-backend.ts';
export * from './kernels.ts';
export { argsort, ranks } from './ranks.ts';
export { convOutputSize, jsTrainingKernels, type TrainingKernels } from './training.ts';
