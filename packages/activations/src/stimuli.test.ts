import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '@concord/io';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStimuli } from './stimuli.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-stimuli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic RGB pixels for image k (h×w×3, interleaved). */
function pixels(k: number, h: number, w: number): Uint8Array {
  const p = new Uint8Array(h * w * 3);
  for (let i = 0; i < p.length; i++) p[i] = (i * 37 + k * 101) % 256;
  return p;
}

async function writePng(file: string, k: number, h: number, w: number): Promise<void> {
  await sharp(Buffer.from(pixels(k, h, w)), { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(file);
}

const folder = join(dir, 'images');
beforeAll(async () => {
  mkdirSync(folder);
  // Written out of name order so sorting is tested.
  await writePng(join(folder, 'c.png'), 2, 4, 5);
  await writePng(join(folder, 'a.png'), 0, 4, 5);
  await writePng(join(folder, 'b.png'), 1, 4, 5);
  writeFileSync(join(folder, 'notes.txt'), 'ignored');
});

describe('image folders', () => {
  it('decodes PNGs in sorted order, scales to [0,1], normalises per channel, lays out NCHW', async () => {
    const mean = [0.5, 0.4, 0.3];
    const std = [0.2, 0.25, 0.5];
    const s = await loadStimuli(folder, { mean, std, layout: 'nchw' });
    expect(s.count).toBe(3);
    expect(s.shape).toEqual([3, 4, 5]);
    expect(s.descriptors.stimulus).toEqual(['a.png', 'b.png', 'c.png']);
    const b = await s.batch(0, 3);
    expect(b.shape).toEqual([3, 3, 4, 5]);
    for (let k = 0; k < 3; k++) {
      const p = pixels(k, 4, 5);
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < 4; y++) {
          for (let x = 0; x < 5; x++) {
            const want = Math.fround((p[(y * 5 + x) * 3 + c] / 255 - mean[c]) / std[c]);
            expect(b.data[k * 60 + c * 20 + y * 5 + x]).toBe(want);
          }
        }
      }
    }
  });

  it('NHWC keeps the interleaved order', async () => {
    const s = await loadStimuli(folder, { layout: 'nhwc' });
    expect(s.shape).toEqual([4, 5, 3]);
    const b = await s.batch(1, 2);
    const p = pixels(1, 4, 5);
    expect(Array.from(b.data)).toEqual(Array.from(p, (v) => Math.fround(v / 255)));
  });

  it('resizes to S×S with sharp when a size is given', async () => {
    const s = await loadStimuli(folder, { size: 8 });
    expect(s.shape).toEqual([3, 8, 8]);
    const b = await s.batch(0, 1);
    // Independent resize through sharp itself (fill, linear kernel) of image 0.
    const want = await sharp(Buffer.from(pixels(0, 4, 5)), { raw: { width: 5, height: 4, channels: 3 } })
      .resize(8, 8, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    expect(b.data[0]).toBeCloseTo(want[0] / 255, 6);
    expect(b.data[64 + 8 * 3 + 5]).toBeCloseTo(want[(3 * 8 + 5) * 3 + 1] / 255, 6);
  });

  it('decodes JPEG like sharp does, and expands grey images to RGB', async () => {
    const jdir = join(dir, 'jpeg');
    mkdirSync(jdir);
    const jpeg = await sharp(Buffer.from(pixels(3, 8, 8)), { raw: { width: 8, height: 8, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    writeFileSync(join(jdir, 'a.jpg'), jpeg);
    await sharp(Buffer.from(Uint8Array.from({ length: 64 }, (_, i) => i * 4)), {
      raw: { width: 8, height: 8, channels: 1 },
    })
      .png()
      .toFile(join(jdir, 'b.png'));
    const s = await loadStimuli(jdir, { layout: 'nhwc' });
    const b = await s.batch(0, 2);
    const ref = await sharp(jpeg).raw().toBuffer();
    for (let i = 0; i < 8 * 8 * 3; i++) expect(b.data[i]).toBe(Math.fround(ref[i] / 255));
    for (let p = 0; p < 64; p++)
      for (let c = 0; c < 3; c++) expect(b.data[192 + p * 3 + c]).toBe(Math.fround((p * 4) / 255));
  });

  it('a CSV list gives the order and condition labels', async () => {
    const list = join(dir, 'order.csv');
    writeFileSync(list, 'file,category,animate\nc.png,car,0\na.png,dog,1\n');
    const s = await loadStimuli(folder, { list });
    expect(s.count).toBe(2);
    expect(s.descriptors).toEqual({
      stimulus: ['c.png', 'a.png'],
      index: [0, 1],
      category: ['car', 'dog'],
      animate: [0, 1],
    });
    const b = await s.batch(0, 1);
    expect(b.data[0]).toBe(Math.fround(pixels(2, 4, 5)[0] / 255));
  });

  it('content hash changes with the images and their order', async () => {
    const h1 = await (await loadStimuli(folder)).hash();
    const h2 = await (await loadStimuli(folder)).hash();
    const list = join(dir, 'rev.tsv');
    writeFileSync(list, 'file\tx\nc.png\t1\nb.png\t2\na.png\t3\n');
    const h3 = await (await loadStimuli(folder, { list })).hash();
    expect(h1).toBe(h2);
    expect(h3).not.toBe(h1);
  });
});

describe('bad stimuli: typed errors naming the file', () => {
  it('an empty folder', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const err = await loadStimuli(empty).catch((e) => e);
    expect(err.code).toBe('ERR_ACTIVATIONS_STIMULI');
    expect(err.message).toContain(empty);
    expect(err.message).toMatch(/no PNG or JPEG/);
  });

  it('an undecodable image', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    await writePng(join(bad, 'a.png'), 0, 4, 5);
    writeFileSync(join(bad, 'b.jpg'), Buffer.from('not a jpeg, just text pretending'));
    const s = await loadStimuli(bad);
    const err = await s.batch(0, 2).catch((e) => e);
    expect(err.code).toBe('ERR_ACTIVATIONS_IMAGE_DECODE');
    expect(err.message).toContain('b.jpg');
  });

  it('a truncated PNG', async () => {
    const bad = join(dir, 'trunc');
    mkdirSync(bad);
    const png = await sharp(Buffer.from(pixels(0, 40, 50)), { raw: { width: 50, height: 40, channels: 3 } })
      .png()
      .toBuffer();
    writeFileSync(join(bad, 'a.png'), png.subarray(0, Math.floor(png.length / 2)));
    const err = await loadStimuli(bad)
      .then((s) => s.batch(0, 1))
      .catch((e) => e);
    expect(err.code).toBe('ERR_ACTIVATIONS_IMAGE_DECODE');
    expect(err.message).toContain('a.png');
  });

  it('images of different sizes without a size option', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    await writePng(join(mixed, 'a.png'), 0, 4, 5);
    await writePng(join(mixed, 'b.png'), 0, 6, 5);
    const err = await loadStimuli(mixed)
      .then((s) => s.batch(0, 2))
      .catch((e) => e);
    expect(err.code).toBe('ERR_ACTIVATIONS_STIMULI');
    expect(err.message).toContain('b.png');
    expect(err.message).toContain('5×6');
  });

  it('a missing path', async () => {
    const err = await loadStimuli(join(dir, 'nope')).catch((e) => e);
    expect(err.code).toBe('ERR_ACTIVATIONS_STIMULI');
  });
});

describe('.npy stimuli are fed as is', () => {
  it('keeps dtype, shape and values', async () => {
    const file = join(dir, 'x.npy');
    const data = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i - 5.5);
    writeNpy(file, { data, shape: [2, 3, 2] });
    const s = await loadStimuli(file);
    expect([s.count, s.shape, s.dtype]).toEqual([2, [3, 2], 'float32']);
    const b = await s.batch(1, 2);
    expect(Array.from(b.data)).toEqual(Array.from(data.subarray(6)));
  });
});

const hasScipy = spawnSync('python3', ['-c', 'import scipy.io'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasScipy)('stimuli inside MAT files written by scipy', () => {
  it('an H×W×C×N uint8 stack (MATLAB order) and a struct array with an image field and labels', async () => {
    const file = join(dir, 'stim.mat');
    const r = spawnSync(
      'python3',
      [
        '-c',
        `
import numpy as np, scipy.io, sys
imgs = (np.arange(2 * 4 * 5 * 3).reshape(2, 4, 5, 3) * 7 % 256).astype(np.uint8)
stack = np.transpose(imgs, (1, 2, 3, 0))  # H x W x C x N
s = np.zeros((1, 2), dtype=[('image', 'O'), ('category', 'O'), ('animate', 'O')])
for k in range(2): s[0, k] = (imgs[k], ['dog', 'car'][k], np.array([[1 - k]], dtype=np.uint8))
scipy.io.savemat(sys.argv[1], {'stack': stack})
scipy.io.savemat(sys.argv[1].replace('.mat', '-struct.mat'), {'info': np.array([[1.0, 2.0]]), 'stimuli': s})
`,
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const want = (k: number, y: number, x: number, c: number) => ((((k * 4 + y) * 5 + x) * 3 + c) * 7) % 256;
    for (const [path, opts] of [
      [file, {}],
      [file.replace('.mat', '-struct.mat'), {}],
    ] as const) {
      const s = await loadStimuli(path, { ...opts, layout: 'nchw' });
      expect([s.count, s.shape]).toEqual([2, [3, 4, 5]]);
      const b = await s.batch(0, 2);
      for (let k = 0; k < 2; k++)
        for (let c = 0; c < 3; c++)
          for (let y = 0; y < 4; y++)
            for (let x = 0; x < 5; x++)
              expect(b.data[k * 60 + c * 20 + y * 5 + x]).toBe(Math.fround(want(k, y, x, c) / 255));
    }
    const s = await loadStimuli(file.replace('.mat', '-struct.mat'));
    expect(s.descriptors.category).toEqual(['dog', 'car']);
    expect(s.descriptors.animate).toEqual([1, 0]);
  });
});
