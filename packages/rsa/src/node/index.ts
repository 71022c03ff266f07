/** @concord/rsa/node: RDM files (rsatoolbox HDF5, npy, JSON) through @concord/io; Node only. */
export { loadRdms, RDM_FILE_ERRORS, type RdmFileFormat, rdmFileFormat, saveRdms } from './rdm-files.ts';
