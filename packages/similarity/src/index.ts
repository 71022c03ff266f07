/**
 * @concord/similarity: representational similarity beyond RDMs — the CKA family, the CCA family, shape metrics,
 * nearest-neighbour alignment and encoding models, all returning `{metric, value, details}`.
 */

export * from './cka.ts';
export * from './errors.ts';
export * from './kernels.ts';
export * from './result.ts';
export * from './similarity.ts';
