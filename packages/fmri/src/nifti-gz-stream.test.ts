/**
 * The streaming reader (readNifti, iterateNiftiVolumes) and the synchronous one (readNiftiSync) must agree on
 * corrupt .nii.gz files: the gzip trailer (CRC-32 and length) is checked even when the voxels are complete, as
 * gunzip in the synchronous reader (and nibabel's gzip module) checks it. Before, the streaming readers stopped
 * reading once they had the voxels and returned images the synchronous reader rejects.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isConcordError } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateNiftiVolumes, readNifti, readNiftiSync } from './read-nifti.ts';
import { encodeNifti1 } from './write-nifti.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-nifti-gz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gz(): Uint8Array {
  const data = new Float32Array(5 * 4 * 3 * 2).map((_, i) => i * 0.5);
  const eye = [
    [2, 0, 0, 0],
    [0, 2, 0, 0],
    [0, 0, 2, 0],
    [0, 0, 0, 1],
  ];
  return new Uint8Array(
    gzipSync(encodeNifti1({ data, shape: [5, 4, 3, 2], affine: eye } as Parameters<typeof encodeNifti1>[0])),
  );
}

async function outcome(fn: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    return isConcordError(e) ? (e as { code: string }).code : `untyped ${String(e)}`;
  }
}

async function drain(path: string): Promise<number> {
  let n = 0;
  for await (const _ of iterateNiftiVolumes(path)) n++;
  return n;
}

describe('.nii.gz with a corrupt gzip trailer', () => {
  const cases: [string, (b: Uint8Array) => Uint8Array][] = [
    [
      'a flipped CRC-32 bit',
      (b) => {
        const c = b.slice();
        c[c.length - 6] ^= 1;
        return c;
      },
    ],
    ['the length field cut off', (b) => b.slice(0, b.length - 3)],
  ];
  for (const [name, corrupt] of cases) {
    it(`${name}: every reader refuses it with the same typed error`, async () => {
      const p = join(dir, `${name.replaceAll(' ', '-')}.nii.gz`);
      writeFileSync(p, corrupt(gz()));
      const sync = await outcome(() => readNiftiSync(p));
      expect(sync).toMatch(/^ERR_/);
      expect(await outcome(() => readNifti(p))).toBe(sync);
      expect(await outcome(() => drain(p))).toBe(sync);
    });
  }

  it('the intact file reads alike through all three', async () => {
    const p = join(dir, 'ok.nii.gz');
    writeFileSync(p, gz());
    const a = readNiftiSync(p).getData();
    const b = (await readNifti(p)).getData();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(await drain(p)).toBe(2);
  });
});
