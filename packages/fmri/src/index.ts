/**
 * @concord/fmri: NIfTI-1/2 images, maskers and atlases, BIDS events, GLM betas, searchlight neighbourhoods and maps
 * (the searchlight RSA itself is in @concord/rsa/node).
 */

export { type Affine, applyAffine, axcodes, baseAffine, bestAffine, qformAffine, sformAffine } from './affine.ts';
export { type BidsRun, type BoldSidecar, findBidsRuns, readBoldSidecar } from './bids.ts';
export {
  DATATYPES,
  type DatatypeInfo,
  datatypeByCode,
  datatypeByName,
  type NiftiDatatype,
  type RawArray,
  rawView,
  swapBytesInPlace,
  UNSUPPORTED_DATATYPES,
} from './datatypes.ts';
export { computeRegressor, cosineDrift, type DesignMatrix, type DesignOptions, designMatrix } from './design.ts';
export { FMRI_ERRORS } from './errors.ts';
export {
  checkEventsInRun,
  type EventsTable,
  type EventValue,
  eventsFromObjects,
  eventsFromRows,
  parseTsv,
  readBidsEvents,
} from './events.ts';
export {
  ar1Coefficients,
  fitGlm,
  GLM_METHODS,
  type GlmBetasOptions,
  type GlmFit,
  type GlmMethod,
  type GlmRunInput,
  glmBetas,
  NOISE_MODELS,
  type NoiseModel,
} from './glm.ts';
export { affinesClose, checkSameGrid, type GridLike } from './grid.ts';
export { gammaPdf, type HrfOptions, linspace, logGamma, spmHrf } from './hrf.ts';
export { atlasLabels, NiftiLabelsMasker, NiftiMasker, regionMaskers, type TransformOptions } from './masker.ts';
export {
  type HeaderFields,
  type NiftiExtension,
  type NiftiFormat,
  type NiftiHeader,
  parseNiftiHeader,
} from './nifti-header.ts';
export { effectiveScaling, type GetDataOptions, NiftiImage, scaleInto } from './nifti-image.ts';
export {
  companionPath,
  iterateNiftiVolumes,
  type ReadNiftiOptions,
  readNifti,
  readNiftiSync,
  type VolumeIterationOptions,
} from './read-nifti.ts';
export {
  SPHERE_RULES,
  type SphereOptions,
  type SphereRule,
  searchlightImage,
  searchlightNeighbourhoods,
  sphereOffsets,
} from './searchlight-neighbourhoods.ts';
export { affineToQuaternion, createNiftiImage, encodeNifti1, type NiftiImageInit, writeNifti } from './write-nifti.ts';
