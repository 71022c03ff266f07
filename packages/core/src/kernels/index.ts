export * from './backend.ts';
export { jsBackend } from './js-backend.ts';
export * from './kernels.ts';
