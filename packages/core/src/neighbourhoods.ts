/**
 * Neighbourhoods of channels in CSR form: where a searchlight's spheres meet its data. A reader's package builds them
 * from its geometry (@concord/fmri: spheres in a NIfTI mask); the analysis (@concord/rsa/node's searchlight) only
 * sees channel indices.
 */
export interface Neighbourhoods {
  /** Channel index of each centre (e.g. the masked column of the centre voxel). */
  centers: Int32Array;
  /** neighbours[offsets[c] .. offsets[c+1]) are centre c's channel indices; length nCentres + 1. */
  offsets: Int32Array;
  neighbours: Int32Array;
  /** Size of a full (untruncated) neighbourhood. */
  fullSphere: number;
  /** Number of channels the indices refer to; data used with them must have exactly this many (e.g. mask voxels). */
  nChannels: number;
}
