/** throttledProgress: at most one event per interval, but a stage's first and last events always pass. */
import type { ProgressEvent } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { throttledProgress } from './events.ts';

describe('throttledProgress', () => {
  it('drops events within the interval, but never a new stage’s first nor a stage’s last (done = total)', () => {
    const seen: string[] = [];
    const send = throttledProgress((e) => seen.push(`${e.stage} ${e.done}/${e.total}`));
    // all within a few microseconds: only the edges may pass
    for (let k = 1; k <= 50; k++) send({ stage: 'load', done: k, total: 50 });
    for (let k = 1; k <= 30; k++) send({ stage: 'train', done: k, total: 30 });
    send({ stage: 'export', done: 0, total: 0 }); // unknown total: passes as a new stage
    send({ stage: 'export', done: 1, total: 0 }); // ... but its later events are throttled
    expect(seen).toEqual(['load 1/50', 'load 50/50', 'train 1/30', 'train 30/30', 'export 0/0']);
  });

  it('passes an event again once the interval has gone by', async () => {
    const seen: number[] = [];
    const send = throttledProgress((e: ProgressEvent) => seen.push(e.done));
    send({ stage: 's', done: 1, total: 10 });
    send({ stage: 's', done: 2, total: 10 });
    await new Promise((r) => setTimeout(r, 520));
    send({ stage: 's', done: 3, total: 10 });
    expect(seen).toEqual([1, 3]);
  });
});
