export * from './backend.ts';
export { jsBackend } from './js-backend.ts';
export * from './kernels.ts';
export { ranks } from './ranks.ts';
