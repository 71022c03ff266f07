/**
 * Image-folder datasets: PNG files written here from known pixels (sharp encodes; PNG is lossless, so the loader must
 * return exactly pixel / 255 in C×H×W order), class order = sorted folder names, the fixed every-fifth test split or
 * train/ and test/ folders, resizing and channel options, JPEG input, detection through loadDataset, and clear errors
 * for empty classes, undecodable files and images of different sizes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@concord/core/testing';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImageFolder } from './image-folder.ts';
import { loadDataset } from './load.ts';

const dir = tempDir('concord-image-folder-');

/** Pixel (y, x, k) of image `id`: a value that differs per image, position and channel. */
const pixel = (id: number, y: number, x: number, k: number) => (id * 37 + y * 11 + x * 5 + k * 71) % 256;

async function png(path: string, id: number, h: number, w: number, channels: 1 | 3): Promise<void> {
  const raw = Buffer.alloc(h * w * channels);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let k = 0; k < channels; k++) raw[(y * w + x) * channels + k] = pixel(id, y, x, k);
  const img = sharp(raw, { raw: { width: w, height: h, channels } });
  // a one-channel PNG (sharp would otherwise write single-band input as sRGB)
  await (channels === 1 ? img.toColourspace('b-w') : img).png().toFile(path);
}

/** classes → number of images; images named so that sorted name order is their index order. */
async function folder(root: string, classes: Record<string, number>, channels: 1 | 3, h = 6, w = 5) {
  const ids: Record<string, number[]> = {};
  let id = 0;
  for (const [c, n] of Object.entries(classes)) {
    mkdirSync(join(root, c), { recursive: true });
    ids[c] = [];
    for (let i = 0; i < n; i++) {
      await png(join(root, c, `img${String(i).padStart(3, '0')}.png`), id, h, w, channels);
      ids[c].push(id++);
    }
  }
  return ids;
}

function expectImage(images: Float32Array, index: number, id: number, shape: readonly number[]): void {
  const [c, h, w] = shape;
  for (let k = 0; k < c; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        expect(images[index * c * h * w + k * h * w + y * w + x]).toBe(Math.fround(pixel(id, y, x, k) / 255));
}

describe('image-folder datasets', () => {
  const grey = join(dir, 'grey');
  let greyIds: Record<string, number[]> = {};
  beforeAll(async () => {
    greyIds = await folder(grey, { shirt: 6, c10: 2, c2: 5, bag: 3 }, 1);
  });

  it('classes in sorted folder order, every fifth image of a class to test, exact pixels in C×H×W', () => {
    const ds = loadImageFolder(grey);
    expect(ds.classNames).toEqual(['bag', 'c10', 'c2', 'shirt']);
    expect(ds.nClasses).toBe(4);
    expect(ds.train.shape).toEqual([1, 6, 5]);
    // train: bag 0-2, c10 0-1, c2 0-3, shirt 0-3 and 5; test: c2 4, shirt 4
    expect(Array.from(ds.train.labels)).toEqual([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    expect(Array.from(ds.test.labels)).toEqual([2, 3]);
    const trainIds = [
      ...greyIds.bag,
      ...greyIds.c10,
      ...greyIds.c2.slice(0, 4),
      ...greyIds.shirt.filter((_, i) => i !== 4),
    ];
    for (const [i, id] of trainIds.entries()) expectImage(ds.train.images, i, id, ds.train.shape);
    expectImage(ds.test.images, 0, greyIds.c2[4], ds.test.shape);
    expectImage(ds.test.images, 1, greyIds.shirt[4], ds.test.shape);
    // loadDataset detects the layout from a path
    const again = loadDataset(grey);
    expect(Array.from(again.train.images)).toEqual(Array.from(ds.train.images));
  });

  it('RGB images: three planes; channels 1 converts to luminance; size resizes; train/ and test/ folders', async () => {
    const rgb = join(dir, 'rgb');
    const trainIds = await folder(join(rgb, 'train'), { a: 2, b: 2 }, 3, 4, 4);
    const testIds = await folder(join(rgb, 'test'), { b: 1 }, 3, 4, 4);
    const ds = loadImageFolder(rgb);
    expect(ds.train.shape).toEqual([3, 4, 4]);
    expect(Array.from(ds.train.labels)).toEqual([0, 0, 1, 1]);
    expect(Array.from(ds.test.labels)).toEqual([1]);
    for (const [i, id] of [...trainIds.a, ...trainIds.b].entries()) expectImage(ds.train.images, i, id, ds.train.shape);
    expectImage(ds.test.images, 0, testIds.b[0], ds.test.shape);
    const small = loadImageFolder(rgb, { size: [2, 3], channels: 1 });
    expect(small.train.shape).toEqual([1, 2, 3]);
    expect(small.test.shape).toEqual([1, 2, 3]);
    expect(small.train.images.every((v) => v >= 0 && v <= 1)).toBe(true);
    // grey images asked for as RGB: three equal planes
    const asRgb = loadImageFolder(grey, { channels: 3 });
    expect(asRgb.train.shape).toEqual([3, 6, 5]);
    expect(asRgb.train.images.subarray(0, 30)).toEqual(asRgb.train.images.subarray(30, 60));
  });

  it('JPEG files are read too (lossy: close to the written pixels)', async () => {
    const jpg = join(dir, 'jpg');
    mkdirSync(join(jpg, 'x'), { recursive: true });
    mkdirSync(join(jpg, 'y'), { recursive: true });
    const flat = Buffer.alloc(8 * 8, 200);
    for (const c of ['x', 'y'])
      for (let i = 0; i < 5; i++)
        await sharp(flat, { raw: { width: 8, height: 8, channels: 1 } })
          .toColourspace('b-w')
          .jpeg({ quality: 95 })
          .toFile(join(jpg, c, `${i}.jpg`));
    const ds = loadImageFolder(jpg);
    expect(ds.train.shape).toEqual([1, 8, 8]);
    expect(ds.test.n).toBe(2);
    for (const v of ds.train.images) expect(Math.abs(v - 200 / 255)).toBeLessThan(3 / 255);
  });

  it('errors: an empty class, an undecodable file, images of different sizes, bad options', async () => {
    const empty = join(dir, 'empty');
    await folder(empty, { a: 5 }, 1);
    mkdirSync(join(empty, 'b'));
    writeFileSync(join(empty, 'b', 'notes.txt'), 'no images here');
    expect(() => loadImageFolder(empty)).toThrow(
      expect.objectContaining({
        code: 'ERR_LEARNING_IMAGE_FOLDER',
        message: expect.stringMatching(/class 'b' has no PNG\/JPEG images/),
      }),
    );
    const broken = join(dir, 'broken');
    await folder(broken, { a: 5, b: 5 }, 1);
    writeFileSync(join(broken, 'b', 'img002.png'), 'not a png');
    expect(() => loadImageFolder(broken)).toThrow(
      expect.objectContaining({
        code: 'ERR_LEARNING_IMAGE',
        message: expect.stringContaining(join(broken, 'b', 'img002.png')),
      }),
    );
    const mixed = join(dir, 'mixed');
    await folder(mixed, { a: 5 }, 1);
    await png(join(mixed, 'a', 'img999.png'), 9, 7, 7, 1);
    expect(() => loadImageFolder(mixed)).toThrow(/img999\.png.*image is 7×7 but the first image is 5×6; give a size/);
    expect(loadImageFolder(mixed, { size: 4 }).train.shape).toEqual([1, 4, 4]);
    expect(() => loadImageFolder(grey, { size: 0 })).toThrow(/size: expected positive integers/);
    expect(() => loadImageFolder(join(dir, 'grey', 'bag'))).toThrow(
      expect.objectContaining({
        code: 'ERR_LEARNING_IMAGE_FOLDER',
        message: expect.stringMatching(/no class subfolders/),
      }),
    );
  });
});
