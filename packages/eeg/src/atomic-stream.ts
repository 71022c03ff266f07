/**
 * Streaming atomic writes: like `writeFileAtomic` from @concord/io (temporary file in the same folder, then
 * rename), but fed chunk by chunk so a multi-GB recording is written in bounded memory. A failure removes the
 * temporary file: the target is either the complete new file or untouched.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeStreamAtomic(path: string, produce: (write: (chunk: Uint8Array) => void) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined = openSync(tmp, 'wx');
  try {
    const f = fd;
    produce((chunk) => {
      let done = 0;
      while (done < chunk.length) done += writeSync(f, chunk, done, chunk.length - done);
    });
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}
