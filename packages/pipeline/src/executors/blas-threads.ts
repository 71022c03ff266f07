/**
 * Pipeline work computes with BLAS on one thread. The thread count decides how a product splits its sums, hence the
 * last bits of its result, so pinning it makes every executor — in-process, a pool child, a BullMQ worker on a
 * machine with any number of cores — give the same bytes; and the parallelism of a study is its items (one per
 * worker), so BLAS threads inside an item would only oversubscribe the cores. The count is process-wide: the first
 * entrant sets it and the last one out restores what it found, so items that overlap in one process (a worker with
 * concurrency > 1) never restore it under each other.
 */
import { trainingKernelsFor } from '@concord/core';

let depth = 0;
let restoreTo = 1;

export async function withOneBlasThread<T>(fn: () => Promise<T>): Promise<T> {
  const kernels = trainingKernelsFor();
  if (depth++ === 0) {
    restoreTo = kernels.threads();
    kernels.setThreads(1);
  }
  try {
    return await fn();
  } finally {
    if (--depth === 0) kernels.setThreads(restoreTo);
  }
}
