/** File helpers: whole-file reads with clear errors, and atomic writes (temp file + rename, never a partial file). */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

/**
 * Open a file for reading in pieces: `read(position, target)` fills `target` from `position` (short only at the end
 * of the file; returns the bytes read). The file is closed when `fn` returns or throws.
 */
export function withFile<T>(
  path: string,
  fn: (size: number, read: (position: number, target: Uint8Array) => number) => T,
): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new FileFormatError(IO_ERRORS.FILE_NOT_FOUND, path, 'no such file');
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FileFormatError(IO_ERRORS.FILE_NOT_FOUND, path, 'is a directory, expected a file');
    const read = (position: number, target: Uint8Array): number => {
      let done = 0;
      while (done < target.length) {
        const n = readSync(fd, target, done, Math.min(target.length - done, 1 << 30), position + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    };
    return fn(st.size, read);
  } finally {
    closeSync(fd);
  }
}
