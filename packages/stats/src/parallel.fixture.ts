/** Test fixture (not exported): chunk functions that worker threads import by name. */
import { threadId } from 'node:worker_threads';
import { type ChunkSpec, chunkRng } from './parallel.ts';

/** Normal draws from the chunk's own generator, scaled. */
export function drawChunk(input: { scale: number }, chunk: ChunkSpec): Float64Array {
  const rng = chunkRng(7, chunk.index);
  return Float64Array.from({ length: chunk.count }, () => rng.normal() * input.scale);
}

/** Which thread ran the chunk. */
export function threadOfChunk(_input: null, chunk: ChunkSpec): number[] {
  return [threadId, chunk.index];
}
