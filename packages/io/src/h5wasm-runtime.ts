/**
 * h5wasm (the HDF5 C library compiled to WebAssembly), loaded on demand. Loading it costs about 1.5 s and several
 * hundred MB when running under tsx (which rewrites its 4 MB module), so `@concord/io` does not load it at import:
 * call `await loadHdf5()` once before reading or writing HDF5 / MATLAB v7.3 files. After that every HDF5 reader and
 * writer is synchronous. A reader called before it fails with ERR_IO_HDF5_NOT_LOADED saying so.
 */

import { ConcordError } from '@concord/core';
import type * as H5 from 'h5wasm/node';
import { IO_ERRORS } from './errors.ts';
import { startHdf5Guard } from './hdf5-guard.ts';

let runtime: typeof H5 | undefined;
let loading: Promise<typeof H5> | undefined;

/**
 * Load h5wasm (once per process) and start the HDF5 reader thread (hdf5-guard.ts), both at once. Later calls return
 * at once, or wait for a reader thread restarted after a timed-out read.
 */
export async function loadHdf5(): Promise<typeof H5> {
  const guard = startHdf5Guard();
  if (runtime) {
    await guard;
    return runtime;
  }
  loading ??= (async () => {
    const m = await import('h5wasm/node');
    await m.ready;
    // HDF5 errors throw (our readers catch and type them) instead of printing a diagnostic stack and carrying on.
    m.Module.activate_throwing_error_handler();
    runtime = m;
    return m;
  })();
  const [m] = await Promise.all([loading, guard]);
  return m;
}

export function hdf5Loaded(): boolean {
  return runtime !== undefined;
}

/** The loaded h5wasm module; throws a typed error naming the fix when loadHdf5() has not completed. */
export function h5(file = '<hdf5>'): typeof H5 {
  if (!runtime) {
    throw new ConcordError(
      IO_ERRORS.HDF5_NOT_LOADED,
      `${file}: HDF5 / MATLAB v7.3 support is loaded on demand; call \`await loadHdf5()\` from @concord/io once before reading or writing such files`,
      { file },
      { badInput: false },
    );
  }
  return runtime;
}
