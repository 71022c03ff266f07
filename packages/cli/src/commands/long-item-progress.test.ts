/** A study's long items get a progress bar each (after LONG_ITEM_MS of reporting); quick items none. */
import type { ProgressEvent } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../progress-bar.ts';
import { LONG_ITEM_MS, longItemProgress } from './long-item-progress.ts';

/** A non-terminal stream that keeps what the bars write. */
function captured() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WritableStream;
  return { stream, lines };
}

const epoch = (done: number): ProgressEvent => ({ stage: 'train', done, total: 10, message: `epoch ${done}/10` });

describe('longItemProgress', () => {
  it('a long item gets a bar labelled with its id once it has reported for LONG_ITEM_MS; a quick one never', () => {
    let t = 0;
    const { stream, lines } = captured();
    const progress = longItemProgress(
      (item) => progressBar(stream, item),
      () => t,
    );
    progress('train/quick/seed-0', epoch(1));
    t = LONG_ITEM_MS / 2;
    progress('train/quick/seed-0', epoch(10)); // finished before the threshold: nothing shown
    progress('train/long/seed-0', epoch(1));
    t += LONG_ITEM_MS - 1;
    progress('train/long/seed-0', epoch(2));
    expect(lines).toEqual([]);
    t += 1;
    progress('train/long/seed-0', epoch(3));
    progress('train/long/seed-0', epoch(10));
    expect(lines).toEqual([
      'train/long/seed-0: train: 30% (3/10) epoch 3/10\n',
      'train/long/seed-0: train: 100% (10/10) epoch 10/10\n',
    ]);
  });
});
