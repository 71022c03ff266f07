/**
 * Saving and loading Rdms by file extension: rsatoolbox's HDF5 RDM files (.h5/.hdf5, the layout of
 * `rdms.save(path, file_type='hdf5')`), npy (the vectors, nRdms × nPairs) and JSON (`Rdms.toJSON()`).
 * The glue between @concord/rsa (pure, browser-safe) and @concord/io (files): Node only, so it lives in the
 * package's `node` subpath (`import { loadRdms, saveRdms } from '@concord/rsa/node'`).
 */
import { extname } from 'node:path';
import { FileFormatError, ParameterError } from '@concord/core';
import { readFileChecked, readHdf5Tree, readMatrixNpy, writeFileAtomic, writeHdf5Tree, writeNpy } from '@concord/io';
import { RSA_ERRORS } from '../errors.ts';
import { Rdms } from '../rdms.ts';
import { rdmsFromHdf5Tree, rdmsToHdf5Tree } from '../rdms-hdf5.ts';

export type RdmFileFormat = 'hdf5' | 'npy' | 'json';

export const RDM_FILE_ERRORS = {
  /** A path whose extension names no RDM file format. */
  EXTENSION: RSA_ERRORS.FILE_EXTENSION,
  JSON: RSA_ERRORS.FILE_JSON,
} as const;

const EXTENSIONS: Record<string, RdmFileFormat> = { '.h5': 'hdf5', '.hdf5': 'hdf5', '.npy': 'npy', '.json': 'json' };

/** The format a path's extension names (case-insensitive): .h5/.hdf5 → hdf5 (as rsatoolbox's load_rdm), .npy, .json. */
export function rdmFileFormat(path: string, parameter = 'path'): RdmFileFormat {
  const ext = extname(path).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format)
    throw new ParameterError(
      RDM_FILE_ERRORS.EXTENSION,
      parameter,
      `${JSON.stringify(path)}: RDM files end in ${Object.keys(EXTENSIONS).join(', ')}; received ${ext === '' ? 'no extension' : ext}`,
    );
  return format;
}

/**
 * Write `rdms` to `path` (atomically; an existing file is replaced — rsatoolbox refuses unless overwrite=True).
 * hdf5: rsatoolbox's layout, readable by `rsatoolbox.rdm.load_rdm(path)`; npy: the float64 vectors, nRdms × nPairs
 * (descriptors are not stored); json: `rdms.toJSON()` (NaN as null).
 */
export function saveRdms(path: string, rdms: Rdms, opts: { format?: RdmFileFormat } = {}): void {
  const format = opts.format ?? rdmFileFormat(path);
  if (format === 'hdf5') writeHdf5Tree(path, rdmsToHdf5Tree(rdms));
  else if (format === 'npy') writeNpy(path, rdms.toArray());
  else writeFileAtomic(path, `${JSON.stringify(rdms.toJSON())}\n`);
}

/**
 * Read Rdms from `path`: an rsatoolbox HDF5 RDM file, an npy of vectors (a 1-D file is one RDM), or Concord's
 * JSON form.
 */
export function loadRdms(path: string, opts: { format?: RdmFileFormat } = {}): Rdms {
  const format = opts.format ?? rdmFileFormat(path);
  if (format === 'hdf5') {
    const tree = readHdf5Tree(path);
    try {
      return rdmsFromHdf5Tree(tree);
    } catch (e) {
      // Name the file: the tree conversion only knows field names.
      const err = e as Error & { code?: string; details?: { field?: string } };
      throw new FileFormatError(err.code ?? RSA_ERRORS.FORMAT, path, err.message, { field: err.details?.field });
    }
  }
  if (format === 'npy') return Rdms.fromVectors(readMatrixNpy(path, { dtype: 'float64', vectorAs: 'row' }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(readFileChecked(path)));
  } catch (e) {
    throw new FileFormatError(RDM_FILE_ERRORS.JSON, path, `not valid JSON (${(e as Error).message})`);
  }
  try {
    return Rdms.fromJSON(parsed);
  } catch (e) {
    const err = e as Error & { code?: string; details?: { field?: string } };
    throw new FileFormatError(err.code ?? RSA_ERRORS.FORMAT, path, err.message, { field: err.details?.field });
  }
}
