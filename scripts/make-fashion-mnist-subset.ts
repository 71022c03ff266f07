/**
 * Makes the class-balanced Fashion-MNIST subset shipped in data/third-party/fashion-mnist-subset/ from the full
 * dataset (Debian's dataset-fashion-mnist, or a folder given as the first argument): the first N images of each
 * class in file order (no randomness, so the subset is reproducible byte for byte), written as gzipped IDX files
 * with the original names. Usage: tsx scripts/make-fashion-mnist-subset.ts [SRC_DIR] [TRAIN_PER_CLASS] [TEST_PER_CLASS]
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const src = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const trainPerClass = Number(process.argv[3] ?? 500);
const testPerClass = Number(process.argv[4] ?? 100);
const out = join(import.meta.dirname, '../data/third-party/fashion-mnist-subset');
const CLASSES = 10;

function subset(prefix: string, perClass: number): void {
  const images = gunzipSync(readFileSync(join(src, `${prefix}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(src, `${prefix}-labels-idx1-ubyte.gz`)));
  const n = labels.readUInt32BE(4);
  const rows = images.readUInt32BE(8);
  const cols = images.readUInt32BE(12);
  const size = rows * cols;
  const taken = new Array<number>(CLASSES).fill(0);
  const picked: number[] = [];
  for (let i = 0; i < n && picked.length < perClass * CLASSES; i++) {
    const label = labels[8 + i];
    if (taken[label] < perClass) {
      taken[label]++;
      picked.push(i);
    }
  }
  const outImages = Buffer.alloc(16 + picked.length * size);
  images.copy(outImages, 0, 0, 16);
  outImages.writeUInt32BE(picked.length, 4);
  const outLabels = Buffer.alloc(8 + picked.length);
  labels.copy(outLabels, 0, 0, 8);
  outLabels.writeUInt32BE(picked.length, 4);
  picked.forEach((i, k) => {
    images.copy(outImages, 16 + k * size, 16 + i * size, 16 + (i + 1) * size);
    outLabels[8 + k] = labels[8 + i];
  });
  for (const [name, bytes] of [
    [`${prefix}-images-idx3-ubyte.gz`, outImages],
    [`${prefix}-labels-idx1-ubyte.gz`, outLabels],
  ] as const) {
    const tmp = join(out, `.${name}.tmp`);
    // mtime 0 in the gzip header keeps the bytes reproducible
    writeFileSync(tmp, gzipSync(bytes, { level: 9 }));
    renameSync(tmp, join(out, name));
  }
  console.log(`${prefix}: ${picked.length} images (${perClass} per class) of ${n}`);
}

mkdirSync(out, { recursive: true });
subset('train', trainPerClass);
subset('t10k', testPerClass);
