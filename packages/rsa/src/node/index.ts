/**
 * @concord/rsa/node: Node-only parts of @concord/rsa — RDM files (rsatoolbox HDF5, npy, JSON) through @concord/io,
 * and searchlight RSA on worker threads.
 */

export { FAST_COMPARE_METHODS, FAST_RDM_METHODS } from '../searchlight-kernel.ts';
export { loadRdms, RDM_FILE_ERRORS, type RdmFileFormat, rdmFileFormat, saveRdms } from './rdm-files.ts';
export { closeSearchlightPool, type SearchlightOptions, type SearchlightResult, searchlight } from './searchlight.ts';
