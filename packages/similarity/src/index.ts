/**
 * @concord/similarity: representational similarity beyond RDMs — the CKA family, the CCA family, shape metrics,
 * nearest-neighbour alignment and encoding models, all returning `{metric, value, details}`.
 */

export * from './basis.ts';
export * from './cca.ts';
export * from './cka.ts';
export * from './cross-validation.ts';
export * from './errors.ts';
export * from './kernels.ts';
export * from './knn.ts';
export * from './minibatch-cka.ts';
export * from './pls.ts';
export * from './result.ts';
export * from './ridge.ts';
export * from './shape-metrics.ts';
export * from './similarity.ts';
