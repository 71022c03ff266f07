/**
 * @concord/rsa: representational similarity analysis with rsatoolbox parity — Rdms, calcRdm, compareRdms,
 * transforms, model RDMs, pooling, noise ceilings, noise precision estimation and simulation,
 * time-resolved RDMs of TemporalDatasets (searchlight RSA, on worker threads, is in @concord/rsa/node).
 */

export { type CalcRdmOptions, calcRdm, RDM_METHODS, type RdmMethod } from './calc-rdm.ts';
export { COMPARE_METHODS, type CompareMethod, type CompareOptions, compareRdms } from './compare.ts';
export { RSA_ERRORS } from './errors.ts';
export { categoricalRdm } from './model-rdms.ts';
export {
  covFromResiduals,
  covFromUnbalanced,
  NOISE_METHODS,
  type NoiseMethod,
  type NoiseOptions,
  precFromResiduals,
  precFromUnbalanced,
} from './noise.ts';
export { NOISE_CEILING_METHODS, type NoiseCeilingOptions, noiseCeiling } from './noise-ceiling.ts';
export { nanRanks, POOL_METHODS, type PoolMethod, poolRdms } from './pool.ts';
export { averageRanks } from './ranking.ts';
export { Rdms, type RdmsInit, type RdmsJson } from './rdms.ts';
export {
  type RdmsHdf5AttrValue,
  type RdmsHdf5Dataset,
  type RdmsHdf5Group,
  type RdmsHdf5Node,
  RSATOOLBOX_HDF5_VERSION,
  rdmsFromHdf5Tree,
  rdmsToHdf5Tree,
} from './rdms-hdf5.ts';
export { rankInto } from './searchlight-kernel.ts';
export {
  type Design,
  makeDesign,
  makeSignal,
  type SimulationOptions,
  secondMomentFromRdm,
  simulateDatasets,
} from './simulation.ts';
export {
  checkedConditions,
  conditionsFromLength,
  matrixToVector,
  pairIndex,
  pairRowsCols,
  vectorToMatrix,
} from './squareform.ts';
export {
  type TemporalDatasetSource,
  type TimeResolvedOptions,
  timeResolvedRdms,
} from './time-resolved.ts';
export {
  minmaxTransform,
  positiveTransform,
  RANK_METHODS,
  rankData,
  rankTransform,
  sqrtTransform,
  transformRdms,
} from './transforms.ts';
