/**
 * Fuzz formats of the learning package's dataset readers: IDX (MNIST-family, gzipped or not) and CIFAR binary
 * batches. Seeds: a slice of the shipped Fashion-MNIST subset (gzipped, as distributed) and the same slice
 * uncompressed, and CIFAR-10/100 batches built here. Invariants: the decoded array's size is the product of its
 * dimensions and within the file's reach; CIFAR labels lie inside the variant's classes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { repoPath } from '@concord/core/testing';
import type { FuzzFormat, FuzzSeed } from './formats.ts';

const binary = (headerEnd: number) => () => ({ headerEnd, text: false, fixedWidth: false });

/** The first `n` images of the shipped subset's test split as IDX bytes (header rewritten for n). */
function idxSlice(n: number): Uint8Array | null {
  const path = repoPath('data', 'third-party', 'fashion-mnist-subset', 't10k-images-idx3-ubyte.gz');
  if (!existsSync(path)) return null;
  const all = gunzipSync(readFileSync(path));
  const out = Buffer.from(all.subarray(0, 16 + n * 28 * 28));
  out.writeUInt32BE(n, 4);
  return new Uint8Array(out);
}

const idx: FuzzFormat = {
  name: 'idx',
  async seeds() {
    const out: FuzzSeed[] = [];
    const plain = idxSlice(8);
    if (plain) {
      out.push({ name: 'subset:idx3-ubyte', main: 'images-idx3-ubyte', files: { 'images-idx3-ubyte': plain } });
      out.push({
        name: 'subset:idx3-ubyte.gz',
        main: 'images-idx3-ubyte.gz',
        files: { 'images-idx3-ubyte.gz': gzipSync(plain) },
      });
    }
    const labels = Buffer.alloc(8 + 10);
    labels.writeUInt32BE(0x00000801, 0);
    labels.writeUInt32BE(10, 4);
    for (let i = 0; i < 10; i++) labels[8 + i] = i;
    out.push({
      name: 'built:idx1-ubyte',
      main: 'labels-idx1-ubyte',
      files: { 'labels-idx1-ubyte': new Uint8Array(labels) },
    });
    return out;
  },
  mutateOptions: binary(16),
  async read(main, total) {
    const { readIdx } = await import('@concord/learning');
    const a = readIdx(main);
    const v: string[] = [];
    const size = a.dims.reduce((p, d) => p * d, 1);
    if (a.dims.some((d) => !Number.isInteger(d) || d < 0)) v.push(`dimensions ${a.dims.join('×')} are not counts`);
    if (size !== a.data.length) v.push(`data has ${a.data.length} elements, dimensions say ${size}`);
    // gzip can expand a small file a lot; an uncompressed IDX can never hold more than its bytes
    if (!main.endsWith('.gz') && a.data.length > total) v.push(`${a.data.length} elements from ${total} bytes`);
    return v;
  },
};

function cifarFormat(variant: 10 | 100): FuzzFormat {
  const labelBytes = variant === 10 ? 1 : 2;
  return {
    name: `cifar${variant}`,
    async seeds() {
      const records = 3;
      const bytes = new Uint8Array(records * (labelBytes + 3072));
      for (let i = 0; i < records; i++) {
        const at = i * (labelBytes + 3072);
        bytes[at] = i % 20;
        bytes[at + labelBytes - 1] = (7 * i + 3) % variant;
        for (let j = 0; j < 3072; j++) bytes[at + labelBytes + j] = (i * 31 + j * 7) & 0xff;
      }
      return [{ name: `built:cifar${variant}`, main: 'data_batch.bin', files: { 'data_batch.bin': bytes } }];
    },
    mutateOptions: binary(labelBytes),
    async read(main) {
      const { decodeCifar } = await import('@concord/learning');
      const { images, labels } = decodeCifar(new Uint8Array(readFileSync(main)), variant, main);
      const v: string[] = [];
      if (images.length !== labels.length * 3072) v.push(`${images.length} pixels for ${labels.length} records`);
      if (labels.some((l) => l < 0 || l >= variant)) v.push(`a label outside 0..${variant - 1}`);
      return v;
    },
  };
}

export const LEARNING_FUZZ_FORMATS: FuzzFormat[] = [idx, cifarFormat(10), cifarFormat(100)];
