import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { permutationCluster1sampTest, permutationCluster1sampTestParallel } from './cluster-test.ts';
import { drawChunk } from './parallel.fixture.ts';
import { chunkRng, chunksOf, runChunked, runChunkedSync } from './parallel.ts';

const FIXTURE = new URL('./parallel.fixture.ts', import.meta.url).href;

describe('parallel runner', () => {
  it('splits items into fixed chunks', () => {
    expect(chunksOf(10, 4)).toEqual([
      { index: 0, first: 0, count: 4 },
      { index: 1, first: 4, count: 4 },
      { index: 2, first: 8, count: 2 },
    ]);
  });

  it('chunk generators are distinct per index and per seed, reproducible', () => {
    const a = chunkRng(1, 0).nextUint32();
    expect(chunkRng(1, 0).nextUint32()).toBe(a);
    expect(chunkRng(1, 1).nextUint32()).not.toBe(a);
    expect(chunkRng(2, 0).nextUint32()).not.toBe(a);
  });

  it('gives identical results on 1 and 2 threads (worker threads through tsx), and reports progress', async () => {
    const job = { module: FIXTURE, exportName: 'drawChunk', input: { scale: 2 }, nItems: 50, chunkSize: 6 };
    const reference = runChunkedSync(drawChunk, job.input, job.nItems, job.chunkSize);
    const events: number[] = [];
    const two = await runChunked<{ scale: number }, Float64Array>(job, {
      threads: 2,
      onProgress: (e) => events.push(e.done),
    });
    const one = await runChunked<{ scale: number }, Float64Array>(job, { threads: 1 });
    expect(two.map((r) => Array.from(r))).toEqual(reference.map((r) => Array.from(r)));
    expect(one.map((r) => Array.from(r))).toEqual(reference.map((r) => Array.from(r)));
    expect(events.at(-1)).toBe(50);
  }, 60_000);

  it('worker threads run chunks (the main thread left idle) and return them in order', async () => {
    const job = { module: FIXTURE, exportName: 'threadOfChunk', input: null, nItems: 5, chunkSize: 1 };
    const r = await runChunked<null, number[]>(job, { threads: 2, mainThreadWorks: false });
    expect(r.map((x) => x[1])).toEqual([0, 1, 2, 3, 4]);
    expect(r.every((x) => x[0] !== 0)).toBe(true);
    const worked = await runChunked<{ scale: number }, Float64Array>(
      { module: FIXTURE, exportName: 'drawChunk', input: { scale: 1 }, nItems: 9, chunkSize: 2 },
      { threads: 2, mainThreadWorks: false },
    );
    expect(worked.map((x) => Array.from(x))).toEqual(
      runChunkedSync(drawChunk, { scale: 1 }, 9, 2).map((x) => Array.from(x)),
    );
  }, 60_000);

  it('the threaded cluster test equals the single-thread one', async () => {
    const rng = new Rng(4);
    const X = {
      rows: 10,
      cols: 80,
      data: Float64Array.from({ length: 800 }, (_, i) => rng.normal() + (i % 80 > 30 && i % 80 < 45 ? 0.7 : 0)),
    };
    const options = { threshold: 1.5, nPermutations: 700, seed: 3 };
    const single = permutationCluster1sampTest(X, options);
    const threaded = await permutationCluster1sampTestParallel(X, { ...options, threads: 2 });
    expect(Array.from(threaded.H0)).toEqual(Array.from(single.H0));
    expect(Array.from(threaded.pValues)).toEqual(Array.from(single.pValues));
  }, 60_000);
});
