/**
 * @concord/core: matrices, datasets, errors, seeded randomness, progress events and compute kernels.
 * Browser-safe: imports no Node built-ins (the native and onnx backends register from index.node.ts).
 */
import { registerBackendLoader } from './kernels/backend.ts';
import { jsBackend } from './kernels/js-backend.ts';

registerBackendLoader('js', () => ({ backend: jsBackend }));

export * from './dataset.ts';
export * from './descriptors.ts';
export * from './errors.ts';
export * from './hdf5-tree.ts';
export * from './kernels/index.ts';
export * from './matrix.ts';
export type { Neighbourhoods } from './neighbourhoods.ts';
export * from './progress.ts';
export * from './rng.ts';
export { withScratchFloat64 } from './scratch.ts';
export * from './temporal-dataset.ts';
export { VERSION } from './version.ts';
