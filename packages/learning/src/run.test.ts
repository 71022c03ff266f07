/**
 * runTraining leaves the process's BLAS thread count as it found it: training runs on `threads` (default 1), and
 * every later product in the process (a pool child or BullMQ worker scoring another study after training) splits
 * its sums as before, so its last bits do not depend on whether this process trained a network first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableBackends } from '@concord/core';
import { repoPath } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runTraining } from './run.ts';

const native = availableBackends().find((b) => b.name === 'native')?.training;
const dir = mkdtempSync(join(tmpdir(), 'concord-run-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!native)(
  `runTraining and the BLAS thread count${native ? '' : ' (skipped: no native backend)'}`,
  () => {
    it('trains on one BLAS thread and restores the count it found, also when training fails', async () => {
      if (!native) return;
      const initial = native.threads();
      native.setThreads(2);
      try {
        const during: number[] = [];
        const summary = await runTraining({
          rule: 'bp',
          arch: 'mlp',
          dataset: repoPath('data/third-party/fashion-mnist-subset'),
          out: join(dir, 'bp.onnx'),
          backend: 'native',
          training: { hidden: [8], epochs: 1 },
          limitTrain: 100,
          limitTest: 50,
          onProgress: () => during.push(native.threads()),
        });
        expect(summary.epochs).toBe(1);
        expect(during.length).toBeGreaterThan(0);
        expect(new Set(during)).toEqual(new Set([1]));
        expect(native.threads()).toBe(2);
        // a training refused after the count was set (an unknown rule) restores it too
        await expect(
          runTraining({ rule: 'no-such-rule', arch: 'mlp', dataset: 'x', out: join(dir, 'x.onnx'), backend: 'native' }),
        ).rejects.toThrow(/no-such-rule/);
        expect(native.threads()).toBe(2);
      } finally {
        native.setThreads(initial);
      }
    }, 60_000);
  },
);
