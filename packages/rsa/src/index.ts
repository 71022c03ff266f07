/**
 * @concord/rsa: representational similarity analysis with rsatoolbox parity — Rdms, calcRdm, compareRdms,
 * transforms, model RDMs, pooling, noise ceilings, noise precision estimation and simulation,
 * time-resolved RDMs of TemporalDatasets (searchlight RSA, on worker threads, is in @concord/rsa/node).
 */

export { type CalcRdmOptions, calcRdm, RDM_METHODS, type RdmMethod } from './calc-rdm.ts';
export { COMPARE_METHODS, type CompareMethod, type CompareOptions, compareRdms } from './compare.ts';
export * from './errors.ts';
export * from './model-rdms.ts';
export * from './noise.ts';
export { NOISE_CEILING_METHODS, type NoiseCeilingOptions, noiseCeiling } from './noise-ceiling.ts';
export { nanRanks, POOL_METHODS, type PoolMethod, poolRdms } from './pool.ts';
export { averageRanks } from './ranking.ts';
export * from './rdms.ts';
export * from './rdms-hdf5.ts';
export { rankInto } from './searchlight-kernel.ts';
export * from './simulation.ts';
export * from './squareform.ts';
export {
  type TemporalDatasetSource,
  type TimeResolvedOptions,
  timeResolvedRdms,
} from './time-resolved.ts';
export * from './transforms.ts';
