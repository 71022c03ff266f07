/**
 * The HDF5 reader thread (see hdf5-guard.ts): loads h5wasm, raises READY, then serves one read at a time. Each
 * reply goes to the reply port before the control word says DONE, so the caller finds it with receiveMessageOnPort.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '@concord/core';
import { loadHdf5 } from './h5wasm-runtime.ts';
import { decodeHdf5DatasetInThread, decodeHdf5InThread, decodeHdf5ListingInThread } from './hdf5.ts';
import { buffersOf, CONTROL, type Hdf5ReadReply, type Hdf5ReadRequest, markGuardWorker } from './hdf5-guard.ts';
import { decodeHdf5TreeInThread } from './hdf5-tree.ts';
import { decodeMat73InThread, whosMat73InThread } from './mat73.ts';

const { control: controlBuffer, replyPort } = workerData as { control: SharedArrayBuffer; replyPort: MessagePort };
const control = new Int32Array(controlBuffer);

const OPS: Record<Hdf5ReadRequest['op'], (...args: never[]) => unknown> = {
  decodeMat73: decodeMat73InThread,
  whosMat73: whosMat73InThread,
  decodeHdf5Listing: decodeHdf5ListingInThread,
  decodeHdf5Dataset: decodeHdf5DatasetInThread,
  decodeHdf5: decodeHdf5InThread,
  decodeHdf5Tree: decodeHdf5TreeInThread,
};

function answer(reply: Hdf5ReadReply): void {
  try {
    replyPort.postMessage(reply, reply.ok ? [...buffersOf(reply.value)] : []);
  } catch (e) {
    replyPort.postMessage({ ok: false, error: serializeError(e) } satisfies Hdf5ReadReply);
  }
  Atomics.store(control, 0, CONTROL.DONE);
  Atomics.notify(control, 0);
}

markGuardWorker();
await loadHdf5();
parentPort?.on('message', (request: Hdf5ReadRequest) => {
  try {
    const op = OPS[request.op];
    answer({ ok: true, value: (op as (...args: unknown[]) => unknown)(...request.args) });
  } catch (e) {
    answer({ ok: false, error: serializeError(e) });
  }
});
Atomics.store(control, 0, CONTROL.READY);
Atomics.notify(control, 0);
parentPort?.postMessage('ready');
