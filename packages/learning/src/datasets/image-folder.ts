/**
 * Image-folder datasets (torchvision's ImageFolder layout): one subfolder per class holding PNG/JPEG files → images
 * scaled to [0, 1] in C×H×W order and labels. Classes are the sorted subfolder names (code-point order, as
 * torchvision sorts them), files within a class are taken in sorted name order, so the same folder always gives the
 * same arrays. With `train/` and `test/` subfolders (each with class subfolders) those are the splits; otherwise a
 * fixed split: within each class every fifth image (positions 4, 9, 14, ... of the sorted names) is test data.
 *
 * Decoding uses sharp (the decoder @concord/activations uses) in one child process per split (decode-images.mjs),
 * so this loader stays synchronous like the other formats. Every image must decode to the same size unless `size`
 * resizes them (sharp, fit 'fill', antialiased bilinear); `channels` 1 (luminance) or 3 (RGB, alpha dropped), by
 * default 1 when every image is greyscale and 3 otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { ConcordError, FileFormatError, ParameterError } from '@concord/core';
import type { ImageDataset, ImageSet } from '../dataset.ts';

export interface ImageFolderOptions {
  /** Resize every image to size×size or [height, width]; default: keep the images' (common) size. */
  size?: number | readonly [number, number];
  /** 1 (luminance) or 3 (RGB); default 1 when every image is greyscale, else 3. */
  channels?: 1 | 3;
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** True when `dir` looks like an image folder: class subfolders (or train/ and test/ of them) holding images. */
export function isImageFolder(dir: string): boolean {
  const root = existsSync(join(dir, 'train')) && existsSync(join(dir, 'test')) ? join(dir, 'train') : dir;
  return subfolders(root).some((c) => imageFiles(join(root, c)).length > 0);
}

function subfolders(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory())
    .sort(byCodePoint);
}

function imageFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && IMAGE_EXTENSIONS.has(extname(n).toLowerCase()))
    .sort(byCodePoint);
}

/** Every class's sorted image files; an empty class is an error naming it. */
function listClasses(root: string): Map<string, string[]> {
  const classes = subfolders(root);
  if (classes.length === 0)
    throw new ConcordError(
      'ERR_LEARNING_IMAGE_FOLDER',
      `${root}: no class subfolders (an image-folder dataset has one subfolder of PNG/JPEG files per class)`,
      { file: root },
    );
  const out = new Map<string, string[]>();
  for (const c of classes) {
    const files = imageFiles(join(root, c));
    if (files.length === 0)
      throw new ConcordError(
        'ERR_LEARNING_IMAGE_FOLDER',
        `${join(root, c)}: class '${c}' has no PNG/JPEG images (.png, .jpg, .jpeg)`,
        { file: join(root, c), field: c },
      );
    out.set(
      c,
      files.map((f) => join(root, c, f)),
    );
  }
  return out;
}

function checkOptions(o: ImageFolderOptions): { size?: [number, number]; channels?: 1 | 3 } {
  let size: [number, number] | undefined;
  if (o.size !== undefined) {
    const [h, w] = typeof o.size === 'number' ? [o.size, o.size] : o.size;
    if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0))
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        'size',
        `expected positive integers, received ${JSON.stringify(o.size)}`,
      );
    size = [h, w];
  }
  if (o.channels !== undefined && o.channels !== 1 && o.channels !== 3)
    throw new ParameterError('ERR_LEARNING_HYPER', 'channels', `expected 1 or 3, received ${o.channels}`);
  return { ...(size ? { size } : {}), ...(o.channels ? { channels: o.channels } : {}) };
}

interface Decoded {
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: 1 | 3;
}

/** Decode files with sharp in a child process (one for all of them). */
function decode(files: string[], o: { size?: [number, number]; channels?: 1 | 3 }, where: string): Decoded {
  const tmp = mkdtempSync(join(tmpdir(), 'concord-image-folder-'));
  try {
    const out = join(tmp, 'pixels.u8');
    const jobFile = join(tmp, 'job.json');
    writeFileSync(jobFile, JSON.stringify({ files, out, ...o }));
    const script = new URL('./decode-images.mjs', import.meta.url);
    const r = spawnSync(process.execPath, [script.pathname, jobFile], { encoding: 'utf8', maxBuffer: 1 << 24 });
    let reply: { ok?: { height: number; width: number; channels: 1 | 3 }; error?: { file: string; message: string } };
    try {
      reply = JSON.parse(r.stdout);
    } catch {
      throw new ConcordError(
        'ERR_LEARNING_IMAGE',
        `${where}: the image decoder failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
        { file: where },
      );
    }
    if (reply.error) throw new FileFormatError('ERR_LEARNING_IMAGE', reply.error.file || where, reply.error.message);
    if (!reply.ok) throw new ConcordError('ERR_LEARNING_IMAGE', `${where}: the image decoder gave no result`);
    const buf = readFileSync(out);
    return { pixels: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), ...reply.ok };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Interleaved H×W×C bytes → C×H×W floats in [0, 1]. */
function toSet(d: Decoded, labels: Int32Array): ImageSet {
  const { height: h, width: w, channels: c } = d;
  const per = h * w * c;
  const n = labels.length;
  const images = new Float32Array(n * per);
  for (let s = 0; s < n; s++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++)
          images[s * per + k * h * w + y * w + x] = d.pixels[s * per + (y * w + x) * c + k] / 255;
  return { images, labels, shape: [c, h, w], n };
}

function decodeSplit(
  entries: { file: string; label: number }[],
  o: { size?: [number, number]; channels?: 1 | 3 },
  where: string,
): ImageSet {
  return toSet(
    decode(
      entries.map((e) => e.file),
      o,
      where,
    ),
    Int32Array.from(entries, (e) => e.label),
  );
}

/** Load an image-folder dataset (see the module comment for layout, order and split). */
export function loadImageFolder(dir: string, options: ImageFolderOptions = {}): ImageDataset {
  const o = checkOptions(options);
  const hasSplits = existsSync(join(dir, 'train')) && existsSync(join(dir, 'test'));
  const trainClasses = listClasses(hasSplits ? join(dir, 'train') : dir);
  const classNames = [...trainClasses.keys()];
  const label = new Map(classNames.map((c, i) => [c, i]));
  const train: { file: string; label: number }[] = [];
  const test: { file: string; label: number }[] = [];
  if (hasSplits) {
    [...trainClasses.values()].forEach((files, l) => {
      for (const file of files) train.push({ file, label: l });
    });
    for (const [c, files] of listClasses(join(dir, 'test'))) {
      const l = label.get(c);
      if (l === undefined)
        throw new ConcordError(
          'ERR_LEARNING_IMAGE_FOLDER',
          `${join(dir, 'test', c)}: test class '${c}' is not a class of ${join(dir, 'train')} (${classNames.join(', ')})`,
          { file: join(dir, 'test', c), field: c },
        );
      for (const file of files) test.push({ file, label: l });
    }
  } else {
    [...trainClasses.values()].forEach((files, l) => {
      for (const [i, file] of files.entries()) (i % 5 === 4 ? test : train).push({ file, label: l });
    });
    if (test.length === 0)
      throw new ConcordError(
        'ERR_LEARNING_IMAGE_FOLDER',
        `${dir}: no class has 5 images, so the fixed split (every fifth image of a class is test data) leaves no test images; add images or use train/ and test/ subfolders`,
        { file: dir },
      );
  }
  // The test split decodes with the training split's channel count and must have its image size.
  const trainSet = decodeSplit(train, o, dir);
  const testSet = decodeSplit(test, { ...o, channels: trainSet.shape[0] === 1 ? 1 : 3 }, dir);
  if (testSet.shape[1] !== trainSet.shape[1] || testSet.shape[2] !== trainSet.shape[2])
    throw new FileFormatError(
      'ERR_LEARNING_IMAGE',
      test[0].file,
      `test images are ${testSet.shape[2]}×${testSet.shape[1]}, training images ${trainSet.shape[2]}×${trainSet.shape[1]}; give a size to resize every image`,
      { expected: [trainSet.shape[2], trainSet.shape[1]], received: [testSet.shape[2], testSet.shape[1]] },
    );
  return { name: dir, nClasses: classNames.length, classNames, train: trainSet, test: testSet };
}
