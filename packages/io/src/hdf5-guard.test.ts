/**
 * HDF5 reads run in a reader thread with a time limit (hdf5-guard.ts). The looping files are the fuzzer's six
 * reproducers (MAT v7.3 EEGLAB sets with corrupt object headers, on which libhdf5 never returns: before the guard
 * these reads hung the process). Checked here: they fail with ERR_IO_HDF5_TIMEOUT naming the file, in bounded time;
 * a valid file reads correctly right after (the thread was replaced); guarded reads return exactly what the same
 * read on the calling thread returns; typed errors keep their class, code and details across the thread boundary.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isConcordError } from '@concord/core';
import { repoPath } from '@concord/core/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IO_ERRORS } from './errors.ts';
import { loadHdf5 } from './h5wasm-runtime.ts';
import { decodeHdf5, decodeHdf5InThread } from './hdf5.ts';
import { decodeHdf5Tree, decodeHdf5TreeInThread, encodeHdf5Tree, hdf5 } from './hdf5-tree.ts';
import { readMat } from './mat.ts';

const reproducers = repoPath('test/fuzz/reproducers/eeglab-v7.3');

function validFile(): Uint8Array {
  return encodeHdf5Tree(
    hdf5.group(
      {
        x: hdf5.numeric(
          Float64Array.from({ length: 12 }, (_, i) => i / 3),
          [3, 4],
        ),
        labels: hdf5.strings(['a', 'bb']),
        sub: hdf5.group({ n: hdf5.numeric(Int32Array.of(1, -2, 3), [3]) }, { note: 'kept' }),
      },
      { version: 2 },
    ),
  );
}

describe('the HDF5 reader thread', () => {
  beforeAll(async () => {
    await loadHdf5();
  }, 120_000);
  afterEach(() => {
    delete process.env.CONCORD_HDF5_TIMEOUT_MS;
  });

  it('files on which libhdf5 loops fail with ERR_IO_HDF5_TIMEOUT naming the file; a valid file reads right after', () => {
    const cases = readdirSync(reproducers).filter((d) => d.startsWith('hang-'));
    expect(cases.length).toBe(6);
    process.env.CONCORD_HDF5_TIMEOUT_MS = '1500';
    for (const c of cases.slice(0, 2)) {
      const file = join(reproducers, c, 'seed73.set');
      const t0 = Date.now();
      let error: unknown;
      try {
        readMat(file);
      } catch (e) {
        error = e;
      }
      // the time limit plus the replacement thread's start-up (loading h5wasm), not for ever
      expect(Date.now() - t0).toBeLessThan(60_000);
      expect(isConcordError(error), String(error)).toBe(true);
      expect((error as { code: string }).code).toBe(IO_ERRORS.HDF5_TIMEOUT);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toContain('CONCORD_HDF5_TIMEOUT_MS');
    }
    delete process.env.CONCORD_HDF5_TIMEOUT_MS;
    const tree = decodeHdf5Tree(validFile(), 'valid.h5');
    expect(tree.attrs).toEqual({ version: 2 });
    const x = tree.children.x;
    expect(x.kind).toBe('dataset');
    expect(Array.from((x as { data: Float64Array }).data)).toEqual(Array.from({ length: 12 }, (_, i) => i / 3));
  }, 180_000);

  it('returns exactly what the same read on the calling thread returns', () => {
    const buf = validFile();
    expect(decodeHdf5(buf, 'v.h5')).toEqual(decodeHdf5InThread(buf, 'v.h5'));
    expect(decodeHdf5Tree(buf, 'v.h5')).toEqual(decodeHdf5TreeInThread(buf, 'v.h5'));
  });

  it('a corrupt file gives the typed error of an in-thread read, with its class, code and details', () => {
    const buf = validFile().slice(0, 300);
    const inThread = (() => {
      try {
        decodeHdf5InThread(buf, 'cut.h5');
      } catch (e) {
        return e as Error & { code: string; details: unknown };
      }
    })();
    let guarded: (Error & { code: string; details: unknown }) | undefined;
    try {
      decodeHdf5(buf, 'cut.h5');
    } catch (e) {
      guarded = e as typeof guarded;
    }
    expect(inThread?.code).toBe(IO_ERRORS.HDF5);
    expect(guarded).toBeInstanceOf(inThread?.constructor as new () => Error);
    expect(guarded?.constructor.name).toBe('FileFormatError');
    expect(guarded?.code).toBe(inThread?.code);
    expect(guarded?.message).toBe(inThread?.message);
    expect(guarded?.details).toEqual(inThread?.details);
  });
});
