/**
 * Positional file reads with typed errors: every reader opens its file through here, so a missing file, a
 * directory or an empty file fails the same way, and windows are read with pread (never the whole file).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { FileFormatError } from '@concord/core';
import { EEG_ERRORS } from './errors.ts';

/** Size of a regular, non-empty file; a typed error otherwise. */
export function checkedFileSize(path: string, what = 'file'): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileFormatError(
      EEG_ERRORS.notAFile,
      path,
      `cannot open ${what}: ${code === 'ENOENT' ? 'no such file' : String(code ?? e)}`,
    );
  }
  if (st.isDirectory())
    throw new FileFormatError(EEG_ERRORS.notAFile, path, `expected a ${what}, received a directory`);
  if (!st.isFile()) throw new FileFormatError(EEG_ERRORS.notAFile, path, `expected a regular ${what}`);
  if (st.size === 0) throw new FileFormatError(EEG_ERRORS.truncated, path, `${what} is empty (0 bytes)`, { offset: 0 });
  return st.size;
}

/** Run `fn` with an open read-only descriptor, always closing it. */
export function withFd<T>(path: string, fn: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new FileFormatError(EEG_ERRORS.notAFile, path, `cannot open file: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    return fn(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** Read exactly `length` bytes at `position` into `buf` (from `bufOffset`); a truncation error names the offset. */
export function readExactly(
  fd: number,
  path: string,
  buf: Uint8Array,
  bufOffset: number,
  length: number,
  position: number,
): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, bufOffset + done, length - done, position + done);
    if (n === 0) {
      throw new FileFormatError(
        EEG_ERRORS.truncated,
        path,
        `file ends at byte ${position + done}, expected ${length - done} more bytes`,
        {
          offset: position + done,
        },
      );
    }
    done += n;
  }
}

/** Read a byte range of a file (small ranges: headers, annotation slices). */
export function readRange(path: string, position: number, length: number): Uint8Array {
  return withFd(path, (fd) => {
    const buf = new Uint8Array(length);
    readExactly(fd, path, buf, 0, length, position);
    return buf;
  });
}
