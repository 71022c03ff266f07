/**
 * Named datasets and where their files are found: Fashion-MNIST from Debian's dataset-fashion-mnist package
 * (/usr/share/datasets/fashion-mnist, the files `dpkg -L dataset-fashion-mnist` lists) or a folder the user names;
 * MNIST/KMNIST/EMNIST from a folder of IDX files; CIFAR-10/100 from a folder of binary batches; scikit-learn's 8×8
 * digits from python3-sklearn's digits.csv.gz; a PATH: a folder of IDX files, of CIFAR batches, of .npy pairs
 * (images.npy + labels.npy, optionally train/ and test/), or of images with one subfolder per class.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConcordError, FileFormatError, ParameterError } from '@concord/core';
import { readFileChecked, readNpy } from '@concord/io';
import type { ImageDataset, ImageSet } from '../dataset.ts';
import { readCifarBatches } from './cifar.ts';
import { readIdx } from './idx.ts';
import { type ImageFolderOptions, isImageFolder, loadImageFolder } from './image-folder.ts';

export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'kmnist', 'emnist', 'cifar10', 'cifar100', 'digits'] as const;

const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
const SKLEARN_DIGITS = [
  '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz',
  '/usr/share/scikit-learn/datasets/data/digits.csv.gz',
];

export interface LoadDatasetOptions {
  /** Folder holding the dataset's files (overrides the default location). */
  dataDir?: string;
  /** Resize and channel options for a folder of images with one subfolder per class. */
  image?: ImageFolderOptions;
}

/** The Debian package's Fashion-MNIST folder: from `dpkg -L dataset-fashion-mnist`, else its usual path. */
export function debianFashionMnistDir(): string | undefined {
  const r = spawnSync('dpkg', ['-L', 'dataset-fashion-mnist'], { encoding: 'utf8' });
  if (r.status === 0) {
    const file = r.stdout.split('\n').find((l) => l.endsWith('train-images-idx3-ubyte.gz'));
    if (file) return file.slice(0, file.lastIndexOf('/'));
  }
  return existsSync(join(DEBIAN_FASHION_MNIST, 'train-images-idx3-ubyte.gz')) ? DEBIAN_FASHION_MNIST : undefined;
}

function toSet(bytes: Uint8Array, labels: Int32Array, shape: [number, number, number], where: string): ImageSet {
  const d = shape[0] * shape[1] * shape[2];
  const n = bytes.length / d;
  if (n !== labels.length)
    throw new ConcordError('ERR_LEARNING_COUNT_MISMATCH', `${where}: ${n} images but ${labels.length} labels`, {
      file: where,
      expected: n,
      received: labels.length,
    });
  const images = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) images[i] = bytes[i] / 255;
  return { images, labels, shape, n };
}

/** Find '<prefix>-images-idx3-ubyte[.gz]' (or the '.' separated variant) in a folder. */
function findIdx(dir: string, split: 'train' | 't10k', kind: 'images' | 'labels'): string | undefined {
  const rank = kind === 'images' ? 3 : 1;
  const names = existsSync(dir) ? readdirSync(dir) : [];
  const re = new RegExp(`^(.*-)?${split}-${kind}[-.]idx${rank}-ubyte(\\.gz)?$`);
  const hit = names.filter((n) => re.test(n)).sort((a, b) => a.length - b.length)[0];
  return hit ? join(dir, hit) : undefined;
}

function idxSplit(dir: string, split: 'train' | 't10k', transpose: boolean): ImageSet {
  const imgPath = findIdx(dir, split, 'images');
  const lblPath = findIdx(dir, split, 'labels');
  if (!imgPath || !lblPath)
    throw new ConcordError(
      'ERR_LEARNING_DATASET_MISSING',
      `${dir}: no ${split}-images-idx3-ubyte[.gz] / ${split}-labels-idx1-ubyte[.gz] files found`,
      { file: dir },
    );
  const img = readIdx(imgPath);
  const lbl = readIdx(lblPath);
  if (img.dims.length !== 3)
    throw new FileFormatError(
      'ERR_LEARNING_IDX',
      imgPath,
      `expected 3 dimensions (n, rows, cols), received ${img.dims.length}`,
      {
        field: 'rank',
        offset: 3,
      },
    );
  if (lbl.dims.length !== 1)
    throw new FileFormatError('ERR_LEARNING_IDX', lblPath, `expected 1 dimension (n), received ${lbl.dims.length}`, {
      field: 'rank',
      offset: 3,
    });
  const [n, h, w] = img.dims;
  if (lbl.dims[0] !== n)
    throw new ConcordError(
      'ERR_LEARNING_COUNT_MISMATCH',
      `${imgPath} has ${n} images but ${lblPath} has ${lbl.dims[0]} labels`,
      {
        file: lblPath,
        expected: n,
        received: lbl.dims[0],
      },
    );
  let pixels = img.data;
  if (transpose) {
    // EMNIST stores each image transposed (column-major).
    pixels = new Uint8Array(img.data.length);
    for (let s = 0; s < n; s++)
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) pixels[s * h * w + r * w + c] = img.data[s * h * w + c * h + r];
  }
  return toSet(pixels, Int32Array.from(lbl.data), [1, h, w], imgPath);
}

function maxLabel(...sets: ImageSet[]): number {
  let m = 0;
  for (const s of sets) for (const l of s.labels) m = Math.max(m, l);
  return m;
}

export function loadIdxFolder(dir: string, name: string, transpose = false): ImageDataset {
  const train = idxSplit(dir, 'train', transpose);
  const test = idxSplit(dir, 't10k', transpose);
  // EMNIST letters are labelled 1..26: classes then span 0..max.
  return { name, nClasses: Math.max(10, maxLabel(train, test) + 1), train, test };
}

export function loadCifarFolder(dir: string, variant: 10 | 100, name: string): ImageDataset {
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const trainFiles =
    variant === 10
      ? files.filter((f) => /^data_batch_\d+\.bin$/.test(f)).sort()
      : files.filter((f) => f === 'train.bin');
  const testFiles =
    variant === 10 ? files.filter((f) => f === 'test_batch.bin') : files.filter((f) => f === 'test.bin');
  if (trainFiles.length === 0 || testFiles.length === 0)
    throw new ConcordError(
      'ERR_LEARNING_DATASET_MISSING',
      `${dir}: no CIFAR-${variant} binary batches (${variant === 10 ? 'data_batch_N.bin and test_batch.bin' : 'train.bin and test.bin'})`,
      { file: dir },
    );
  const tr = readCifarBatches(
    trainFiles.map((f) => join(dir, f)),
    variant,
  );
  const te = readCifarBatches(
    testFiles.map((f) => join(dir, f)),
    variant,
  );
  return {
    name,
    nClasses: variant,
    train: toSet(tr.images, tr.labels, [3, 32, 32], dir),
    test: toSet(te.images, te.labels, [3, 32, 32], dir),
  };
}

/**
 * scikit-learn's 8×8 digits (1797 images, pixel values 0..16, scaled here to [0, 1]); no official split: the first
 * 1437 (80 %) train, the rest test — a fixed, documented split.
 */
export function loadDigits(path?: string): ImageDataset {
  const file = path ?? SKLEARN_DIGITS.find((p) => existsSync(p));
  if (!file)
    throw new ConcordError(
      'ERR_LEARNING_DATASET_MISSING',
      `scikit-learn's digits.csv.gz not found (looked in ${SKLEARN_DIGITS.join(', ')}; install python3-sklearn or pass --data-dir)`,
    );
  const raw = readFileChecked(file);
  const text = (raw[0] === 0x1f ? gunzipSync(raw) : Buffer.from(raw)).toString('utf8');
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  const n = rows.length;
  const images = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  rows.forEach((line, i) => {
    const v = line.split(',').map(Number);
    if (v.length !== 65 || v.some((x) => !Number.isFinite(x)))
      throw new FileFormatError('ERR_LEARNING_IDX', file, `line ${i + 1}: expected 65 numbers (64 pixels, label)`, {
        field: `line ${i + 1}`,
      });
    for (let j = 0; j < 64; j++) images[i * 64 + j] = v[j] / 16;
    labels[i] = v[64];
  });
  const nTrain = Math.round(0.8 * n);
  const split = (a: number, b: number): ImageSet => ({
    images: images.slice(a * 64, b * 64),
    labels: labels.slice(a, b),
    shape: [1, 8, 8],
    n: b - a,
  });
  return { name: 'digits', nClasses: 10, train: split(0, nTrain), test: split(nTrain, n) };
}

function npySet(dir: string): ImageSet {
  const img = readNpy(join(dir, 'images.npy'));
  const lbl = readNpy(join(dir, 'labels.npy'));
  const n = img.shape[0];
  if (lbl.shape.length !== 1 || lbl.shape[0] !== n)
    throw new ConcordError(
      'ERR_LEARNING_COUNT_MISMATCH',
      `${dir}: images.npy has ${n} images, labels.npy has shape [${lbl.shape}]`,
      {
        file: join(dir, 'labels.npy'),
      },
    );
  const shape: [number, number, number] =
    img.shape.length === 4
      ? [img.shape[1], img.shape[2], img.shape[3]]
      : img.shape.length === 3
        ? [1, img.shape[1], img.shape[2]]
        : [1, 1, img.shape[1] ?? 1];
  // uint8 images are scaled by 1/255; float images are taken as already in [0, 1].
  const isByte = img.dtype === 'uint8';
  const images = new Float32Array(img.data.length);
  for (let i = 0; i < images.length; i++) images[i] = Number(img.data[i]) / (isByte ? 255 : 1);
  const labels = Int32Array.from(lbl.data as ArrayLike<number>, (v) => Number(v));
  return { images, labels, shape, n };
}

function loadNpyFolder(dir: string): ImageDataset {
  const hasSplits = existsSync(join(dir, 'train', 'images.npy'));
  const train = npySet(hasSplits ? join(dir, 'train') : dir);
  const test = hasSplits ? npySet(join(dir, 'test')) : train;
  return { name: dir, nClasses: maxLabel(train, test) + 1, train, test };
}

/** Load a dataset by name (or path). */
export function loadDataset(name: string, opts: LoadDatasetOptions = {}): ImageDataset {
  const dir = opts.dataDir;
  switch (name) {
    case 'fashion-mnist': {
      const d = dir ?? debianFashionMnistDir();
      if (!d)
        throw new ConcordError(
          'ERR_LEARNING_DATASET_MISSING',
          'Fashion-MNIST not found: install the Debian package dataset-fashion-mnist or pass --data-dir with its IDX files',
        );
      return loadIdxFolder(d, 'fashion-mnist');
    }
    case 'mnist':
    case 'kmnist':
    case 'emnist':
      if (!dir)
        throw new ConcordError(
          'ERR_LEARNING_DATASET_MISSING',
          `${name}: pass --data-dir with its IDX files (train-images-idx3-ubyte[.gz], ...)`,
        );
      return loadIdxFolder(dir, name, name === 'emnist');
    case 'cifar10':
    case 'cifar100':
      if (!dir)
        throw new ConcordError('ERR_LEARNING_DATASET_MISSING', `${name}: pass --data-dir with its binary batches`);
      return loadCifarFolder(dir, name === 'cifar10' ? 10 : 100, name);
    case 'digits':
      return loadDigits(dir ? join(dir, 'digits.csv.gz') : undefined);
  }
  // A path: detect the format from what the folder holds.
  if (existsSync(name) && statSync(name).isDirectory()) {
    const files = readdirSync(name);
    if (files.some((f) => /idx3-ubyte/.test(f))) return loadIdxFolder(name, name);
    if (files.some((f) => /^data_batch_\d+\.bin$/.test(f))) return loadCifarFolder(name, 10, name);
    if (files.includes('train.bin')) return loadCifarFolder(name, 100, name);
    if (files.includes('images.npy') || existsSync(join(name, 'train', 'images.npy'))) return loadNpyFolder(name);
    if (isImageFolder(name)) return loadImageFolder(name, opts.image);
    throw new ConcordError(
      'ERR_LEARNING_UNKNOWN_DATASET',
      `${name}: no IDX files, CIFAR batches, images.npy/labels.npy or class subfolders of PNG/JPEG images found in the folder`,
      { file: name },
    );
  }
  throw new ParameterError(
    'ERR_LEARNING_UNKNOWN_DATASET',
    'dataset',
    `unknown dataset '${name}'; valid: ${DATASET_NAMES.join(', ')}, or a folder path`,
    { received: name },
  );
}
