/**
 * The training item continues an interrupted training from the checkpoint its killed run left in the item's folder
 * (what a session's end or a lost worker leaves behind), and gives the bytes of an uninterrupted run; a checkpoint it
 * cannot use is discarded, not an error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProgressEvent } from '@concord/core';
import { repoPath } from '@concord/core/testing';
import { defaultCheckpointPath, runTraining } from '@concord/learning';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../plan/artifact-store.ts';
import type { Json } from '../plan/types.ts';
import { type TrainOutput, trainItem } from './items.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-train-item-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dataset = repoPath('data/third-party/fashion-mnist-subset');
const params = {
  rule: 'bp',
  arch: 'mlp',
  dataset,
  dataHash: 'test',
  seed: 3,
  epochs: 3,
  training: { hidden: [16] },
  hyper: {},
  limitTrain: 500,
  limitTest: 200,
};
const KEY = 'ab'.repeat(32);

/** Runs the item in a store of its own; returns its output, the ONNX bytes and the epochs its progress reported. */
async function runItem(store: ArtifactStore) {
  const epochs = new Set<number>();
  const onProgress = (e: ProgressEvent) => {
    const epoch = (e.values as { epoch?: number } | undefined)?.epoch;
    if (e.stage === 'train' && epoch !== undefined) epochs.add(epoch);
  };
  const out = (await trainItem.run(params as unknown as Json, {
    deps: {},
    store,
    key: KEY,
    onProgress,
  })) as unknown as TrainOutput & { onnx: string };
  return { out, bytes: readFileSync(out.onnx), epochs: [...epochs] };
}

/** Trains the item's network for `epochs` epochs into the item's folder, as a run killed after that epoch leaves it. */
async function interruptedRun(store: ArtifactStore, seed: number, epochs: number): Promise<string> {
  const out = join(store.filesDir(KEY), 'net.onnx');
  await runTraining({
    rule: params.rule,
    arch: params.arch,
    dataset,
    out,
    seed,
    training: { ...params.training, epochs: params.epochs },
    limitTrain: params.limitTrain,
    limitTest: params.limitTest,
    stopAfterEpochs: epochs,
  });
  return defaultCheckpointPath(out);
}

/** The uninterrupted run both tests compare against (trained once). */
let uninterrupted: ReturnType<typeof runItem> | undefined;
const wholeRun = () => {
  uninterrupted ??= runItem(new ArtifactStore(join(dir, 'whole')));
  return uninterrupted;
};

describe('learning-train item', () => {
  it('continues from the checkpoint an interrupted run left, with the bytes of an uninterrupted run', async () => {
    const whole = await wholeRun();
    expect(whole.epochs).toEqual([1, 2, 3]);
    expect(whole.out.testAccuracy).toBeGreaterThan(0.1); // chance on 10 classes

    const store = new ArtifactStore(join(dir, 'interrupted'));
    await interruptedRun(store, params.seed, 2);
    const resumed = await runItem(store);
    expect(resumed.epochs).toEqual([3]); // only the epoch the interruption lost was trained
    expect(resumed.bytes.equals(whole.bytes)).toBe(true);
    expect(resumed.out.testAccuracy).toBe(whole.out.testAccuracy);
    expect(resumed.out.epochs).toBe(3);
    // the two epochs trained before the interruption still count in the training time
    expect(resumed.out.trainSeconds).toBeGreaterThan(0);
  }, 120_000);

  it('discards a checkpoint of other settings and trains from the start', async () => {
    const whole = await wholeRun();
    const store = new ArtifactStore(join(dir, 'stale'));
    await interruptedRun(store, params.seed + 1, 1); // another seed: not this item's run
    const fresh = await runItem(store);
    expect(fresh.epochs).toEqual([1, 2, 3]);
    expect(fresh.bytes.equals(whole.bytes)).toBe(true);
  }, 120_000);
});
