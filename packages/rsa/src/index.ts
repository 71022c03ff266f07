/**
 * @concord/rsa: representational similarity analysis with rsatoolbox parity — Rdms, calcRdm, compareRdms,
 * transforms, model RDMs, pooling, noise ceilings, noise precision estimation and simulation.
 */

export { type CalcRdmOptions, calcRdm, RDM_METHODS, type RdmMethod } from './calc-rdm.ts';
export { COMPARE_METHODS, type CompareMethod, type CompareOptions, compareRdms } from './compare.ts';
export * from './errors.ts';
export { averageRanks } from './ranking.ts';
export * from './rdms.ts';
export * from './squareform.ts';
