/**
 * Entry of a worker process started by the tests and benchmarks (startWorkerProcess): argv[2] is the JSON of
 * BullmqWorkerOptions (without `log`). `concord jobs worker` is the user-facing equivalent.
 */
import type { BullmqWorkerOptions } from './bullmq-engine.ts';
import { runWorkerUntilSignal } from './worker-process.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as BullmqWorkerOptions;
const code = await runWorkerUntilSignal({
  ...opts,
  log: process.env.CONCORD_WORKER_LOG ? (m) => process.stderr.write(`${m}\n`) : undefined,
});
process.exit(code);
