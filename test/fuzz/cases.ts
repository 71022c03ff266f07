/** One fuzz case: which seed, which of its files, and the seeded mutation applied to it. Pure and deterministic. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzFormat, FuzzSeed } from './formats.ts';
import { caseSeed, type Mutation, mutate, Rng } from './mutate.ts';

export interface FuzzCase {
  index: number;
  seedIndex: number;
  seed: FuzzSeed;
  member: string;
  mutation: Mutation;
}

export function makeCase(format: FuzzFormat, seeds: FuzzSeed[], runSeed: number, index: number): FuzzCase {
  const rng = new Rng(caseSeed(runSeed, format.name, index));
  const seedIndex = rng.int(seeds.length);
  const seed = seeds[seedIndex];
  const member = format.pickMember ? format.pickMember(seed, rng.random()) : seed.main;
  const bytes = seed.files[member];
  return { index, seedIndex, seed, member, mutation: mutate(bytes, rng, format.mutateOptions(member, bytes)) };
}

/** Write a case's files into `dir` (the mutated member and its untouched companions); returns the main path and total bytes. */
export function writeCase(c: FuzzCase, dir: string): { main: string; total: number } {
  mkdirSync(dir, { recursive: true });
  let total = 0;
  for (const [name, bytes] of Object.entries(c.seed.files)) {
    const b = name === c.member ? c.mutation.bytes : bytes;
    writeFileSync(join(dir, name), b);
    total += b.length;
  }
  return { main: join(dir, c.seed.main), total };
}
