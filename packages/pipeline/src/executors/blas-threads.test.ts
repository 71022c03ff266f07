/**
 * Items and a learning study's finishing step compute with BLAS on one thread, whatever the process had (so the
 * executors and machines with different core counts give the same bytes), and the process gets its count back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainingKernelsFor } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../plan/artifact-store.ts';
import { registerItemKind } from '../plan/registry.ts';
import { runPlanInProcess } from '../plan/run-in-process.ts';
import { withOneBlasThread } from './blas-threads.ts';
import { executeItem } from './execute-item.ts';
import { preparePlan } from './prepared-plan.ts';

const kernels = trainingKernelsFor();
const native = kernels.name === 'native';
const dir = mkdtempSync(join(tmpdir(), 'concord-blas-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An item that reports the BLAS thread count it ran with. */
registerItemKind({
  kind: 'test-blas-threads',
  version: '1',
  async run() {
    await new Promise((r) => setTimeout(r, 5));
    return { threads: kernels.threads() };
  },
});

const plan = (tag: string) => ({
  study: `blas-${tag}`,
  outputDir: join(dir, tag),
  items: [
    { id: 'a', kind: 'test-blas-threads', params: { tag, n: 1 }, deps: [] },
    { id: 'b', kind: 'test-blas-threads', params: { tag, n: 2 }, deps: ['a'] },
  ],
});

describe.skipIf(!native)(
  `BLAS threads in pipeline items${native ? '' : ` (skipped: the native BLAS backend is not built here; backend '${kernels.name}')`}`,
  () => {
    it('the in-process executor runs items on one thread and restores the count', async () => {
      kernels.setThreads(2);
      const r = await runPlanInProcess(plan('in-process'), new ArtifactStore(join(dir, 'store-1')));
      expect([...r.outputs.values()]).toEqual([{ threads: 1 }, { threads: 1 }]);
      expect(kernels.threads()).toBe(2);
    });

    it('executeItem (pool children, BullMQ workers) runs an item on one thread and restores the count', async () => {
      kernels.setThreads(2);
      const prepared = await preparePlan(plan('execute-item'));
      const store = new ArtifactStore(join(dir, 'store-2'));
      const r = await executeItem(prepared.items[0], {}, store);
      expect(r.output).toEqual({ threads: 1 });
      expect(kernels.threads()).toBe(2);
    });

    it('overlapping items in one process: the count is restored only when the last one ends', async () => {
      kernels.setThreads(2);
      let release = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const first = withOneBlasThread(async () => {
        await gate;
        return kernels.threads();
      });
      const second = await withOneBlasThread(async () => kernels.threads());
      expect(second).toBe(1);
      expect(kernels.threads()).toBe(1); // the first is still running
      release();
      expect(await first).toBe(1);
      expect(kernels.threads()).toBe(2);
    });
  },
);
