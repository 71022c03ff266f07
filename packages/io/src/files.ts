/** File helpers: whole-file reads with clear errors, and atomic writes (temp file + rename, never a partial file). */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileFormatError } from '@concord/core';
import { IO_ERRORS } from './errors.ts';

export function readFileChecked(path: string): Uint8Array {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw new FileFormatError(IO_ERRORS.FILE_NOT_FOUND, path, 'no such file');
  }
  if (st.isDirectory()) throw new FileFormatError(IO_ERRORS.FILE_NOT_FOUND, path, 'is a directory, expected a file');
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Write atomically: a temporary file in the same folder, then rename over the target. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
