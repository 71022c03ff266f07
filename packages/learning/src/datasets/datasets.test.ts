/**
 * Dataset readers: IDX (gzipped or not) decoded against bytes built here; typed errors for wrong magic numbers,
 * truncation and count mismatches; CIFAR record sizes and labels; Debian's Fashion-MNIST and scikit-learn's digits
 * when installed (counts and label ranges from their documentation).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isConcordError } from '@concord/core';
import { writeNpy } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { fashionMnist } from '../testing.ts';
import { CIFAR_PIXELS, decodeCifar } from './cifar.ts';
import { decodeIdx } from './idx.ts';
import { loadDataset, loadDigits } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function idxBytes(dims: number[], data: number[], typeCode = 0x08): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = typeCode;
  head[3] = dims.length;
  for (let i = 0; i < dims.length; i++) head.writeUInt32BE(dims[i], 4 + 4 * i);
  return new Uint8Array(Buffer.concat([head, Buffer.from(data)]));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isConcordError(e) ? e.code : `not a Concord error: ${(e as Error).message}`;
  }
  return undefined;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('IDX', () => {
  const pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
  it('decodes dimensions and bytes, plain and gzipped', () => {
    for (const raw of [idxBytes([2, 2, 3], pixels), gzipSync(idxBytes([2, 2, 3], pixels))]) {
      const r = decodeIdx(new Uint8Array(raw));
      expect(r.dims).toEqual([2, 2, 3]);
      expect([...r.data]).toEqual(pixels);
    }
  });
  it('wrong magic number, unsupported type, truncated data and corrupt gzip are ERR_LEARNING_IDX naming the field/offset', () => {
    const bad = idxBytes([2, 2, 3], pixels);
    bad[0] = 0x12;
    expect(codeOf(() => decodeIdx(bad, 'x.idx'))).toBe('ERR_LEARNING_IDX');
    expect(messageOf(() => decodeIdx(bad, 'x.idx'))).toMatch(/x\.idx \(field magic, byte offset 0\)/);
    expect(messageOf(() => decodeIdx(idxBytes([2], [0, 0, 0, 0, 0, 0, 0, 0], 0x0d), 'f.idx'))).toMatch(/field type/);
    expect(messageOf(() => decodeIdx(idxBytes([2, 2, 3], pixels.slice(0, 7)), 't.idx'))).toMatch(
      /truncated.*12 data bytes.*7/,
    );
    expect(codeOf(() => decodeIdx(idxBytes([2, 2, 3], pixels).subarray(0, 9)))).toBe('ERR_LEARNING_IDX');
    const gz = gzipSync(idxBytes([2, 2, 3], pixels));
    expect(codeOf(() => decodeIdx(new Uint8Array(gz.subarray(0, gz.length - 6))))).toBe('ERR_LEARNING_IDX');
  });
  it('a folder whose label file has a different count is ERR_LEARNING_COUNT_MISMATCH', () => {
    const d = join(dir, 'mismatch');
    mkdirSync(d);
    writeFileSync(join(d, 'train-images-idx3-ubyte'), idxBytes([3, 2, 2], Array(12).fill(7)));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), idxBytes([2], [1, 2]));
    writeFileSync(join(d, 't10k-images-idx3-ubyte.gz'), gzipSync(idxBytes([1, 2, 2], [0, 0, 0, 255])));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(idxBytes([1], [3])));
    expect(codeOf(() => loadDataset(d))).toBe('ERR_LEARNING_COUNT_MISMATCH');
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), idxBytes([3], [1, 2, 0]));
    const ds = loadDataset(d);
    expect(ds.train.n).toBe(3);
    expect(ds.train.shape).toEqual([1, 2, 2]);
    expect([...ds.test.images]).toEqual([0, 0, 0, 1]);
    expect(ds.train.images[0]).toBeCloseTo(7 / 255, 7);
  });
});

describe('CIFAR binary batches', () => {
  function record(label: number, fill: number, labelBytes = 1): number[] {
    return [...(labelBytes === 2 ? [0] : []), label, ...Array(CIFAR_PIXELS).fill(fill)];
  }
  it('decodes records (CIFAR-10: 1 label byte; CIFAR-100: coarse + fine, fine used)', () => {
    const r10 = decodeCifar(new Uint8Array([...record(3, 9), ...record(7, 200)]), 10);
    expect([...r10.labels]).toEqual([3, 7]);
    expect(r10.images[CIFAR_PIXELS]).toBe(200);
    const r100 = decodeCifar(new Uint8Array(record(42, 1, 2)), 100);
    expect([...r100.labels]).toEqual([42]);
  });
  it('a truncated batch and an out-of-range label are ERR_LEARNING_CIFAR with the byte offset', () => {
    const bytes = new Uint8Array([...record(3, 9), ...record(7, 200)]);
    expect(codeOf(() => decodeCifar(bytes.subarray(0, bytes.length - 5), 10, 'b.bin'))).toBe('ERR_LEARNING_CIFAR');
    expect(messageOf(() => decodeCifar(bytes.subarray(0, bytes.length - 5), 10, 'b.bin'))).toMatch(/byte offset 3073/);
    expect(messageOf(() => decodeCifar(new Uint8Array(record(12, 0)), 10, 'c.bin'))).toMatch(/label 12/);
  });
  it('a folder of batches loads as a 3×32×32 dataset', () => {
    const d = join(dir, 'cifar');
    mkdirSync(d);
    writeFileSync(join(d, 'data_batch_1.bin'), new Uint8Array([...record(1, 255), ...record(2, 0)]));
    writeFileSync(join(d, 'test_batch.bin'), new Uint8Array(record(9, 51)));
    const ds = loadDataset(d);
    expect(ds.nClasses).toBe(10);
    expect(ds.train.shape).toEqual([3, 32, 32]);
    expect(ds.test.images[5]).toBeCloseTo(0.2, 6);
  });
});

describe('.npy pairs and errors for unknown datasets', () => {
  it('reads images.npy (uint8, scaled by 1/255) and labels.npy', () => {
    const d = join(dir, 'npy');
    mkdirSync(d);
    writeNpy(join(d, 'images.npy'), { data: Uint8Array.from([0, 255, 51, 102]), shape: [2, 1, 2], dtype: 'uint8' });
    writeNpy(join(d, 'labels.npy'), { data: Int32Array.from([0, 1]), shape: [2], dtype: 'int32' });
    const ds = loadDataset(d);
    expect(ds.train.shape).toEqual([1, 1, 2]);
    expect([...ds.train.images].map((v) => Math.round(v * 255))).toEqual([0, 255, 51, 102]);
  });
  it('an unknown name lists the valid ones', () => {
    expect(codeOf(() => loadDataset('imagenet'))).toBe('ERR_LEARNING_UNKNOWN_DATASET');
    expect(messageOf(() => loadDataset('imagenet'))).toMatch(/fashion-mnist, mnist.*digits/);
  });
});

const digitsPresent = existsSync('/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz');
describe.skipIf(!digitsPresent)(
  `scikit-learn digits${digitsPresent ? '' : ' [skipped: python3-sklearn is not installed]'}`,
  () => {
    it('1797 images of 8×8 in [0, 1], labels 0..9, 80/20 split', () => {
      const ds = loadDigits();
      expect(ds.train.n + ds.test.n).toBe(1797);
      expect(ds.train.shape).toEqual([1, 8, 8]);
      expect(Math.max(...ds.train.images)).toBe(1);
      expect(new Set(ds.train.labels).size).toBe(10);
    });
  },
);

describe.skipIf(!fashionMnist())(
  `Debian Fashion-MNIST${fashionMnist() ? '' : ' [skipped: dataset-fashion-mnist not installed]'}`,
  () => {
    it('60000 + 10000 images of 28×28, 10 classes of 6000/1000 each', () => {
      const ds = fashionMnist();
      if (!ds) return;
      expect([ds.train.n, ds.test.n]).toEqual([60000, 10000]);
      const counts = new Array(10).fill(0);
      for (const l of ds.test.labels) counts[l]++;
      expect(counts).toEqual(new Array(10).fill(1000));
    });
  },
);
