/**
 * MAT files, any version MATLAB writes today: level 5 (v5, v6, v7; compressed or not) and v7.3 (HDF5).
 * `readMat(path)` returns the variables as a plain value tree (see mat-types.ts); `readMatFile` also returns the
 * header text and the warnings for skipped variables.
 */
import { FileFormatError } from '@concord/core';
import { IO_ERRORS } from './errors.ts';
import { readFileChecked } from './files.ts';
import type { MatFile, MatReadOptions, MatValue, MatVariableInfo } from './mat-types.ts';
import { decodeMat5, readHeader, whosMat5 } from './mat5.ts';
import { decodeMat73, isHdf5At, whosMat73 } from './mat73.ts';

function isV73(buf: Uint8Array, file: string): boolean {
  const { version, headerText } = readHeader(buf, file);
  if (version === 0x0200 || headerText.startsWith('MATLAB 7.3')) {
    if (!isHdf5At(buf, 512)) {
      throw new FileFormatError(
        IO_ERRORS.MAT_HEADER,
        file,
        'the header says MAT v7.3 but there is no HDF5 signature at byte 512',
        {
          offset: 512,
          field: 'HDF5 signature',
        },
      );
    }
    return true;
  }
  if (version !== 0x0100) {
    throw new FileFormatError(
      IO_ERRORS.MAT_VERSION,
      file,
      `unknown MAT version 0x${version.toString(16).padStart(4, '0')} (0x0100 = v5..v7, 0x0200 = v7.3)`,
      {
        offset: 124,
        field: 'version',
      },
    );
  }
  return false;
}

/** Variables' names, MATLAB shapes and classes without reading their data (scipy.io.whosmat). */
export function decodeWhosMat(buf: Uint8Array, file = '<buffer>'): MatVariableInfo[] {
  return isV73(buf, file) ? whosMat73(buf, file) : whosMat5(buf, file);
}

export function whosMat(path: string): MatVariableInfo[] {
  return decodeWhosMat(readFileChecked(path), path);
}

/** Decode a MAT file held in memory; `file` names it in errors. Detects v5 vs v7.3 from the header. */
export function decodeMatFile(buf: Uint8Array, file = '<buffer>', opts: MatReadOptions = {}): MatFile {
  if (isV73(buf, file)) return decodeMat73(buf, file, opts, readHeader(buf, file).headerText);
  return decodeMat5(buf, file, opts);
}

export function decodeMat(buf: Uint8Array, file = '<buffer>', opts: MatReadOptions = {}): Record<string, MatValue> {
  return decodeMatFile(buf, file, opts).variables;
}

export function readMatFile(path: string, opts: MatReadOptions = {}): MatFile {
  return decodeMatFile(readFileChecked(path), path, opts);
}

/** Read every supported variable of a MAT file (v5..v7.3). Unsupported ones are skipped (see opts.onWarning). */
export function readMat(path: string, opts: MatReadOptions = {}): Record<string, MatValue> {
  return readMatFile(path, opts).variables;
}
