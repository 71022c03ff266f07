export * from './backend.ts';
export * from './kernels.ts';
export { jsBackend } from './js-backend.ts';
