/**
 * A BullMQ worker as a process (`concord jobs worker`, the tests' and benchmarks' worker processes): runs until
 * SIGTERM/SIGINT, then stops taking items, lets the current ones finish and exits 0.
 */
import { type BullmqWorkerOptions, startBullmqWorker } from './bullmq-engine.ts';

export async function runWorkerUntilSignal(opts: BullmqWorkerOptions): Promise<number> {
  const worker = startBullmqWorker(opts);
  await worker.ready;
  opts.log?.(`worker ${process.pid} ready (concurrency ${opts.concurrency ?? 1}, store ${opts.store})`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  opts.log?.(`worker ${process.pid}: stopping after the current item`);
  await worker.close();
  return 0;
}
