import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError, Rng } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ndarrayToMatrix, readMatrixNpy, readNpy, writeMatrixNpy, writeNpy } from './arrays.ts';
import { mutate } from './mutate-bytes.ts';
import { decodeNpy, encodeNpy } from './npy.ts';
import type { NdArray } from './typed.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-arrays-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npy <-> Matrix', () => {
  it('float32 stays float32, integers become float64, 1-D arrays become a row or a column', () => {
    const p = join(dir, 'f32.npy');
    writeNpy(p, { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
    const m = readMatrixNpy(p);
    expect([m.rows, m.cols]).toEqual([2, 3]);
    expect(m.data).toBeInstanceOf(Float32Array);
    expect(readMatrixNpy(p, { dtype: 'float64' }).data).toBeInstanceOf(Float64Array);
    const ints = ndarrayToMatrix(
      { dtype: 'int16', shape: [3], data: Int16Array.from([1, -2, 3]) },
      { vectorAs: 'column' },
    );
    expect([ints.rows, ints.cols]).toEqual([3, 1]);
    expect(Array.from(ints.data)).toEqual([1, -2, 3]);
    const row = ndarrayToMatrix({ dtype: 'int16', shape: [3], data: Int16Array.from([1, -2, 3]) });
    expect([row.rows, row.cols]).toEqual([1, 3]);
  });

  it('round-trips a Matrix and refuses a 3-D array with a typed error', () => {
    const p = join(dir, 'm.npy');
    const m = ndarrayToMatrix({ dtype: 'float64', shape: [2, 2], data: Float64Array.from([1, 2, 3, 4]) });
    writeMatrixNpy(p, m);
    expect(Array.from(readMatrixNpy(p).data)).toEqual([1, 2, 3, 4]);
    writeNpy(p, { data: new Float64Array(8), shape: [2, 2, 2] });
    try {
      readMatrixNpy(p);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FileFormatError);
      expect((e as FileFormatError).code).toBe('ERR_IO_NPY_SHAPE');
      expect((e as Error).message).toContain('(2, 2, 2)');
    }
  });
});

describe('readNpy (reads header then data from the file) agrees with decodeNpy on mutated files', () => {
  it('120 seeded mutations: same array or both a FileFormatError', () => {
    const rng = new Rng(41);
    const bases = [
      encodeNpy({ data: Float64Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] }),
      encodeNpy({ data: Int32Array.from([7, 8, 9]), shape: [3] }),
    ];
    for (let i = 0; i < 120; i++) {
      const buf = mutate(bases[i % 2], rng, 128);
      const path = join(dir, `m${i}.npy`);
      writeFileSync(path, buf);
      let fromBuffer: NdArray | Error;
      let fromFile: NdArray | Error;
      try {
        fromBuffer = decodeNpy(buf, path);
      } catch (e) {
        fromBuffer = e as Error;
      }
      try {
        fromFile = readNpy(path);
      } catch (e) {
        fromFile = e as Error;
      }
      if (fromBuffer instanceof Error) {
        expect(fromBuffer, `mutation ${i}`).toBeInstanceOf(FileFormatError);
        expect(fromFile, `mutation ${i}`).toBeInstanceOf(FileFormatError);
        expect((fromFile as FileFormatError).code).toBe((fromBuffer as FileFormatError).code);
      } else {
        expect(fromFile, `mutation ${i}`).toEqual(fromBuffer);
      }
    }
  });
});
