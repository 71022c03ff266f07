/**
 * Bad input: every malformed file gives a typed error (code + file + header field or byte offset) from both the
 * sync and the streaming reader; a bounded fuzz over the shared NIfTI files never crashes or hangs.
 * Also: volume-by-volume reading (positional and streaming-gzip) equals the whole-image read.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isConcordError, Rng } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { FMRI_ERRORS } from './errors.ts';
import { iterateNiftiVolumes, readNifti, readNiftiSync } from './read-nifti.ts';
import { encodeNifti1 } from './write-nifti.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-fmri-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function valid(): Uint8Array {
  return encodeNifti1({ data: Float32Array.from({ length: 4 * 3 * 2 * 5 }, (_, i) => i), shape: [4, 3, 2, 5], tr: 2 });
}

function put(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function expectBoth(path: string, code: string, field?: string | RegExp) {
  const match = expect.objectContaining({ code, message: expect.stringContaining(path) });
  expect(() => readNiftiSync(path)).toThrow(match);
  await expect(readNifti(path)).rejects.toMatchObject({ code });
  if (field !== undefined) {
    let err: { details?: { field?: string } } | undefined;
    try {
      readNiftiSync(path);
    } catch (e) {
      err = e as typeof err;
    }
    expect(String(err?.details?.field)).toMatch(field);
  }
}

function mutate(f: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const b = valid();
  f(new DataView(b.buffer), b);
  return b;
}

describe('malformed NIfTI files', () => {
  it('truncated header', async () =>
    expectBoth(put('short.nii', valid().subarray(0, 200)), FMRI_ERRORS.TRUNCATED, 'sizeof_hdr'));
  it('empty file', async () => expectBoth(put('empty.nii', new Uint8Array(0)), FMRI_ERRORS.TRUNCATED));
  it('sizeof_hdr neither 348 nor 540', async () =>
    expectBoth(
      put(
        'sizeof.nii',
        mutate((v) => v.setInt32(0, 349, true)),
      ),
      FMRI_ERRORS.NOT_NIFTI,
      'sizeof_hdr',
    ));
  it('wrong magic', async () =>
    expectBoth(
      put(
        'magic.nii',
        mutate((_, b) => b.set([0x78, 0x78, 0x78, 0], 344)),
      ),
      FMRI_ERRORS.NOT_NIFTI,
      'magic',
    ));
  it('vox_offset beyond the end of the file', async () =>
    expectBoth(
      put(
        'voxoff.nii',
        mutate((v) => v.setFloat32(108, 1e6, true)),
      ),
      FMRI_ERRORS.TRUNCATED,
    ));
  it('vox_offset inside the header', async () =>
    expectBoth(
      put(
        'voxlow.nii',
        mutate((v) => v.setFloat32(108, 100, true)),
      ),
      FMRI_ERRORS.BAD_HEADER,
      'vox_offset',
    ));
  it('dims that need more data than the file has', async () =>
    expectBoth(
      put(
        'dims.nii',
        mutate((v) => v.setInt16(42, 40, true)),
      ),
      FMRI_ERRORS.TRUNCATED,
      'dim',
    ));
  it('huge lying dims do not allocate (typed error, quickly)', async () => {
    const p = put(
      'huge.nii',
      mutate((v) => {
        for (const o of [42, 44, 46, 48]) v.setInt16(o, 32767, true);
      }),
    );
    await expectBoth(p, FMRI_ERRORS.BAD_HEADER, 'dim');
    const q = put(
      'big.nii.gz',
      gzipSync(
        mutate((v) => {
          for (const o of [42, 44, 46]) v.setInt16(o, 400, true);
        }),
      ),
    );
    await expect(readNifti(q)).rejects.toMatchObject({ code: FMRI_ERRORS.TRUNCATED });
  });
  it('dim[0] out of range, negative dims and zero-length dims (fuzz case nifti #3195: dim[2] = dim[3] = 0)', async () => {
    await expectBoth(
      put(
        'ndim.nii',
        mutate((v) => v.setInt16(40, 9, true)),
      ),
      FMRI_ERRORS.BAD_HEADER,
      'dim[0]',
    );
    await expectBoth(
      put(
        'negdim.nii',
        mutate((v) => v.setInt16(44, -3, true)),
      ),
      FMRI_ERRORS.BAD_HEADER,
      'dim[2]',
    );
    await expectBoth(
      put(
        'zerodim.nii',
        mutate((v) => v.setInt16(46, 0, true)),
      ),
      FMRI_ERRORS.BAD_HEADER,
      'dim[3]',
    );
  });
  it('unsupported and unknown datatypes', async () => {
    await expectBoth(
      put(
        'complex.nii',
        mutate((v) => v.setInt16(70, 32, true)),
      ),
      FMRI_ERRORS.UNSUPPORTED_DATATYPE,
      'datatype',
    );
    await expectBoth(
      put(
        'rgb.nii',
        mutate((v) => v.setInt16(70, 128, true)),
      ),
      FMRI_ERRORS.UNSUPPORTED_DATATYPE,
      'datatype',
    );
    await expectBoth(
      put(
        'dt999.nii',
        mutate((v) => v.setInt16(70, 999, true)),
      ),
      FMRI_ERRORS.UNSUPPORTED_DATATYPE,
      'datatype',
    );
    // the header is still readable on request
    expect(readNiftiSync(join(dir, 'complex.nii'), { headerOnly: true }).shape).toEqual([4, 3, 2, 5]);
  });
  it('extension with esize < 8', async () => {
    const b = valid();
    const bigger = new Uint8Array(b.length + 16);
    bigger.set(b.subarray(0, 352));
    bigger.set(b.subarray(352), 368);
    const v = new DataView(bigger.buffer);
    v.setFloat32(108, 368, true);
    bigger[348] = 1;
    v.setInt32(352, 4, true);
    await expectBoth(put('ext.nii', bigger), FMRI_ERRORS.BAD_HEADER, /extension\[0\]/);
  });
  it('corrupt and truncated gzip', async () => {
    const gz = gzipSync(valid());
    const corrupt = gz.slice();
    for (let i = 20; i < 60; i++) corrupt[i] ^= 0x5a;
    await expectBoth(put('corrupt.nii.gz', corrupt), FMRI_ERRORS.CORRUPT_GZIP);
    await expectBoth(put('cut.nii.gz', gz.subarray(0, gz.length - 30)), FMRI_ERRORS.CORRUPT_GZIP);
  });
  it('missing file and directory', async () => {
    await expectBoth(join(dir, 'nope.nii'), FMRI_ERRORS.FILE_NOT_FOUND);
    expect(() => readNiftiSync(dir)).toThrow(expect.objectContaining({ code: FMRI_ERRORS.FILE_NOT_FOUND }));
  });
  it('streaming volume iteration reports truncation as a typed error', async () => {
    const p = put('cutdata.nii', valid().subarray(0, 352 + 4 * 24 * 3 + 10));
    const run = async () => {
      for await (const _ of iterateNiftiVolumes(p));
    };
    await expect(run()).rejects.toMatchObject({ code: FMRI_ERRORS.TRUNCATED });
  });
});

describe('volume-by-volume reading', () => {
  for (const ext of ['.nii', '.nii.gz']) {
    it(`${ext}: volumes equal getVolume of the whole image; big-endian int16 with scaling`, async () => {
      // a big-endian int16 image with slope/inter: write little-endian, then swap to big-endian by hand
      const le = encodeNifti1({
        data: Int16Array.from({ length: 6 * 5 * 4 * 7 }, (_, i) => ((i * 37) % 2000) - 1000),
        shape: [6, 5, 4, 7],
        datatype: 'int16',
        sclSlope: 0.5,
        sclInter: 3,
        tr: 2,
      });
      const be = swapHeaderAndData(le, 2);
      const p = put(`be${ext}`, ext.endsWith('.gz') ? gzipSync(be) : be);
      const whole = await readNifti(p);
      expect(whole.littleEndian).toBe(false);
      let t = 0;
      for await (const { index, data } of iterateNiftiVolumes(p)) {
        expect(index).toBe(t);
        expect(Array.from(data)).toEqual(Array.from(whole.getVolume(t)));
        t++;
      }
      expect(t).toBe(7);
      // the writer stores round((v − inter) / slope); reading applies v = raw·slope + inter
      expect(whole.getVoxel([1, 0, 0, 0])).toBe(-963);
      expect(whole.getRawData()[1]).toBe(-1932);
    });
  }
});

/** Byte-swap a little-endian NIfTI-1 (header fields by their sizes, data by element size). */
function swapHeaderAndData(le: Uint8Array, elem: number): Uint8Array {
  const out = le.slice();
  const sw = (o: number, n: number) => out.subarray(o, o + n).reverse();
  const ints4 = [0, 32, 140, 144];
  const shorts = [36, 68, 70, 72, 74, 120, 252, 254, ...Array.from({ length: 8 }, (_, k) => 40 + 2 * k)];
  const floats = [
    56,
    60,
    64,
    ...Array.from({ length: 8 }, (_, k) => 76 + 4 * k),
    108,
    112,
    116,
    124,
    128,
    132,
    136,
    256,
    260,
    264,
    268,
    272,
    276,
    ...Array.from({ length: 12 }, (_, k) => 280 + 4 * k),
  ];
  for (const o of ints4) sw(o, 4);
  for (const o of shorts) sw(o, 2);
  for (const o of floats) sw(o, 4);
  for (let o = 352; o + elem <= out.length; o += elem) sw(o, elem);
  return out;
}

describeWithSharedData(['nifti'], 'bounded fuzz over the shared NIfTI files', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(nii|hdr)(\.gz)?$/.test(n) && statSync(p).size < 400_000) files.push(p);
    }
  };
  walk(sharedData('nifti'));

  it(`mutated headers and gzip streams: success or a typed error, never a crash (${files.length} files × 24 mutations)`, async () => {
    const rng = new Rng(99);
    let typed = 0;
    let ok = 0;
    for (const f of files) {
      const orig = new Uint8Array(readFileSync(f));
      const isGz = orig[0] === 0x1f && orig[1] === 0x8b;
      const plain = isGz ? new Uint8Array(gunzipSync(orig)) : orig;
      for (let m = 0; m < 24; m++) {
        let bytes: Uint8Array;
        const kind = m % 4;
        if (kind === 3 && isGz) {
          bytes = orig.slice();
          for (let k = 0; k < 3; k++) bytes[10 + rng.int(Math.max(1, bytes.length - 10))] ^= 1 << rng.int(8);
        } else {
          bytes = plain.slice();
          const hdrLen = Math.min(bytes.length, 560);
          if (kind === 2) bytes = bytes.subarray(0, rng.int(bytes.length + 1));
          else for (let k = 0; k < 1 + rng.int(4); k++) bytes[rng.int(hdrLen)] = rng.int(256);
          if (isGz) bytes = gzipSync(bytes, { level: 1 });
        }
        const p = put(`fuzz${f.endsWith('.gz') ? '.nii.gz' : f.endsWith('.hdr') ? '.hdr' : '.nii'}`, bytes);
        for (const read of [async () => readNiftiSync(p), () => readNifti(p)]) {
          try {
            const img = await read();
            if (img.hasData) {
              const d = img.getData();
              expect(d.length).toBe(img.shape.reduce((a, b) => a * b, 1));
            }
            ok++;
          } catch (e) {
            if (!isConcordError(e))
              throw new Error(`${f} mutation ${m}: untyped ${(e as Error).name}: ${(e as Error).message}`);
            typed++;
          }
        }
      }
    }
    expect(typed).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(0);
  }, 120_000);
});
