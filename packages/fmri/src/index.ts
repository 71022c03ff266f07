/**
 * @concord/fmri: NIfTI-1/2 images, maskers and atlases, BIDS events, GLM betas, searchlight neighbourhoods and maps
 * (the searchlight RSA itself is in @concord/rsa/node).
 */

export * from './affine.ts';
export * from './bids.ts';
export * from './datatypes.ts';
export * from './design.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './glm.ts';
export * from './grid.ts';
export * from './hrf.ts';
export * from './masker.ts';
export * from './nifti-header.ts';
export * from './nifti-image.ts';
export * from './read-nifti.ts';
export {
  SPHERE_RULES,
  type SphereOptions,
  type SphereRule,
  searchlightImage,
  searchlightNeighbourhoods,
  sphereOffsets,
} from './searchlight-neighbourhoods.ts';
export * from './write-nifti.ts';
