/**
 * Worker half of the two-thread FIR filter (see parallel-filter.ts): filters its rows of a shared input into its
 * own shared output block, then raises a flag the main thread waits on with Atomics.wait.
 */
import { workerData } from 'node:worker_threads';
import { OverlapAddFilter } from './overlap-add.ts';

interface Job {
  input: SharedArrayBuffer;
  output: SharedArrayBuffer;
  flag: SharedArrayBuffer;
  n: number;
  rows: number[];
  h: Float64Array;
}

const job = workerData as Job;
const flag = new Int32Array(job.flag);
try {
  const input = new Float64Array(job.input);
  const output = new Float64Array(job.output);
  const n = job.n;
  const f = new OverlapAddFilter(job.h, n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let k = 0; k < job.rows.length; k += 2) {
    const r0 = job.rows[k];
    const r1 = k + 1 < job.rows.length ? job.rows[k + 1] : -1;
    f.apply(
      input.subarray(r0 * n, (r0 + 1) * n),
      r1 >= 0 ? input.subarray(r1 * n, (r1 + 1) * n) : null,
      a,
      r1 >= 0 ? b : null,
    );
    output.set(a, k * n);
    if (r1 >= 0) output.set(b, (k + 1) * n);
    Atomics.store(flag, 1, k + 2);
  }
  Atomics.store(flag, 0, 1);
} catch {
  Atomics.store(flag, 0, 2);
}
Atomics.notify(flag, 0);
