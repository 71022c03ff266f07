/** The local job engine's status carries a running item's own progress (from the pool's child), and drops it at the end. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../plan/artifact-store.ts';
import { longItemPlan } from '../testing.ts';
import { TERMINAL_STATES } from './job-engine.ts';
import { LocalJobEngine } from './local-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-local-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalJobEngine', () => {
  it("a running item's own progress is in the status and in the status events; gone once the job ends", async () => {
    const engine = new LocalJobEngine(new ArtifactStore(join(dir, 'store')), { workers: 1 });
    const { jobId } = await engine.submit(longItemPlan(dir));
    const streamed: number[] = [];
    const ended = new Promise<void>((resolve) => {
      engine.subscribe(jobId, (e) => {
        if (e.type !== 'status') return;
        for (const p of e.status.progress) streamed.push(p.done);
        if (TERMINAL_STATES.includes(e.status.state)) resolve();
      });
    });
    let polled = await engine.status(jobId);
    while (polled && polled.progress.length === 0 && !TERMINAL_STATES.includes(polled.state)) {
      await new Promise((r) => setTimeout(r, 50));
      polled = await engine.status(jobId);
    }
    expect(polled?.progress).toHaveLength(1);
    expect(polled?.progress[0]).toMatchObject({ item: 'long', stage: 'noop', total: 20 });
    await ended;
    expect(streamed.length).toBeGreaterThanOrEqual(1);
    for (let k = 1; k < streamed.length; k++) expect(streamed[k]).toBeGreaterThanOrEqual(streamed[k - 1]);
    const end = await engine.status(jobId);
    expect(end?.state).toBe('completed');
    expect(end?.progress).toEqual([]);
    await engine.close();
  }, 60_000);
});
