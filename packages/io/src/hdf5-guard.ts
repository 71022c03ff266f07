/**
 * Reading HDF5 runs libhdf5 (h5wasm), and libhdf5 can loop for ever on a file whose object headers are corrupt
 * (the fuzzer found six such MAT v7.3 files; Debian's libhdf5 1.10 refuses them on a metadata checksum, h5wasm's
 * build does not). A WebAssembly loop cannot be interrupted from its own thread, so every HDF5 *read* runs in a
 * dedicated worker thread (hdf5-worker.ts) while the caller blocks in Atomics.wait with a time limit: past it the
 * worker is terminated (V8 stops a wasm loop) and the read fails with ERR_IO_HDF5_TIMEOUT naming the file. The
 * readers stay synchronous. The worker is started by `loadHdf5()` (or on first use, and again after a timeout).
 *
 * The worker runs the same decoding functions (`inThread`), so a guarded read returns what an in-thread read would.
 * Results come back by structured clone with their array buffers transferred (no copy); typed errors are rebuilt
 * with their class, code and details (core's serializeError / deserializeError). Writers stay on the caller's thread (they only see Concord's own data).
 * When the worker cannot be started from the sources (no tsx to load TypeScript in a thread), or inside the worker
 * itself, reads run in the calling thread as before.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  deserializeError,
  FileFormatError,
  InternalError,
  type SerializedError,
  workerThreadStart,
} from '@concord/core';
import { IO_ERRORS } from './errors.ts';

/** Operations the worker serves: the HDF5 readers' in-thread implementations. */
export type Hdf5ReadOp =
  | 'decodeMat73'
  | 'whosMat73'
  | 'decodeHdf5Listing'
  | 'decodeHdf5Dataset'
  | 'decodeHdf5'
  | 'decodeHdf5Tree';

export interface Hdf5ReadRequest {
  op: Hdf5ReadOp;
  /** Structured-clonable arguments (the file's bytes first). */
  args: unknown[];
}

export type Hdf5ReadReply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

// Control word: written by the worker, waited on by the caller.
export const CONTROL = { PENDING: 0, DONE: 1, READY: 2 } as const;

/** Start-up (the worker loads h5wasm: ~1.5 s, far longer under tsx on a loaded machine) must end within this. */
const STARTUP_TIMEOUT_MS = 120_000;

/** A read may take a generous base plus 5 ms per MB (a floor of ~200 MB/s); CONCORD_HDF5_TIMEOUT_MS overrides. */
export function hdf5ReadTimeoutMs(bytes: number): number {
  const env = Number(process.env.CONCORD_HDF5_TIMEOUT_MS);
  if (Number.isFinite(env) && env > 0) return env;
  return 20_000 + (bytes / 1e6) * 5;
}

interface GuardWorker {
  worker: Worker;
  control: Int32Array;
  replies: MessagePort;
  ready: Promise<void>;
  dead: boolean;
}

let current: GuardWorker | undefined;
/** Set by hdf5-worker.ts: reads inside the guard's own thread run directly. */
let insideGuardWorker = false;

export function markGuardWorker(): void {
  insideGuardWorker = true;
}

function startGuardWorker(): GuardWorker | null {
  const start = workerThreadStart(import.meta.url, 'hdf5-worker');
  if (start === null) return null;
  const control = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(start.code, {
    eval: start.eval,
    execArgv: start.execArgv,
    workerData: { control: control.buffer, replyPort: port2 },
    transferList: [port2],
  });
  // Never keep the process alive for the worker's sake.
  worker.unref();
  port1.unref();
  let failed: ((e: Error) => void) | undefined;
  const g: GuardWorker = {
    worker,
    control,
    replies: port1,
    dead: false,
    ready: new Promise<void>((resolve, reject) => {
      failed = reject;
      worker.once('message', () => resolve());
    }),
  };
  g.ready.catch(() => {});
  const die = (e: Error) => {
    g.dead = true;
    failed?.(e);
  };
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`the HDF5 reader thread exited (code ${code})`)));
  return g;
}

/** Stop a worker (V8 interrupts a wasm loop) and start its replacement now, so it loads while the caller goes on. */
function retire(g: GuardWorker): void {
  g.dead = true;
  g.replies.close();
  void g.worker.terminate();
  if (current === g) current = startGuardWorker() ?? undefined;
}

/** Start the reader thread (if it is not running) and wait until it has loaded h5wasm. */
export async function startHdf5Guard(): Promise<void> {
  if (insideGuardWorker) return;
  if (!current || current.dead) current = startGuardWorker() ?? undefined;
  if (current) await current.ready;
}

/**
 * Block until the worker has written the control word (READY after start-up, DONE after a read), it is known to be
 * dead, or `timeoutMs` passed (false). Exit and error events are only seen between calls: the caller's event loop
 * does not run while it waits.
 */
function waitForWorker(g: GuardWorker, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(g.control, 0) === CONTROL.PENDING && !g.dead) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(g.control, 0, CONTROL.PENDING, Math.min(left, 1000));
  }
  return true;
}

/** The running reader thread, started and waited for synchronously when there is none. Null: read in-thread. */
function readyWorker(file: string): GuardWorker | null {
  if (!current || current.dead) {
    const g = startGuardWorker();
    if (!g) return null;
    current = g;
  }
  const g = current;
  if (!waitForWorker(g, STARTUP_TIMEOUT_MS)) {
    retire(g);
    throw new InternalError(
      IO_ERRORS.HDF5_WORKER,
      `${file}: the HDF5 reader thread did not start within ${STARTUP_TIMEOUT_MS} ms`,
      { file },
    );
  }
  if (g.dead) {
    current = undefined;
    throw new InternalError(IO_ERRORS.HDF5_WORKER, `${file}: the HDF5 reader thread failed to start`, { file });
  }
  return g;
}

/** Every ArrayBuffer under a value (once each): the transfer list of a reply. */
export function buffersOf(value: unknown, out = new Set<ArrayBuffer>(), depth = 0): Set<ArrayBuffer> {
  if (depth > 200 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) out.add(value.buffer);
  } else if (Array.isArray(value)) for (const v of value) buffersOf(v, out, depth + 1);
  else for (const v of Object.values(value)) buffersOf(v, out, depth + 1);
  return out;
}

/**
 * Run one HDF5 read in the reader thread with a time limit (see the module comment); `inThread` is the same read
 * on this thread, used inside the worker or where no worker can start. `bytes` sizes the time limit.
 */
export function guardedHdf5Read<T>(request: Hdf5ReadRequest, file: string, bytes: number, inThread: () => T): T {
  if (insideGuardWorker || process.env.CONCORD_HDF5_GUARD === '0') return inThread();
  const g = readyWorker(file);
  if (!g) return inThread();
  const timeoutMs = hdf5ReadTimeoutMs(bytes);
  Atomics.store(g.control, 0, CONTROL.PENDING);
  g.worker.postMessage(request);
  if (!waitForWorker(g, timeoutMs)) {
    retire(g);
    throw new FileFormatError(
      IO_ERRORS.HDF5_TIMEOUT,
      file,
      `libhdf5 did not finish reading this file within ${Math.round(timeoutMs)} ms (corrupt HDF5 metadata can make it loop); the reader thread was stopped. Set CONCORD_HDF5_TIMEOUT_MS to allow longer for a very large file`,
      { field: 'CONCORD_HDF5_TIMEOUT_MS', received: Math.round(timeoutMs) },
    );
  }
  const reply = receiveMessageOnPort(g.replies)?.message as Hdf5ReadReply | undefined;
  if (!reply) {
    retire(g);
    throw new InternalError(IO_ERRORS.HDF5_WORKER, `${file}: the HDF5 reader thread gave no reply`, { file });
  }
  if (!reply.ok) throw deserializeError(reply.error);
  return reply.value as T;
}
