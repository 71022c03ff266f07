/**
 * .npz members carry a CRC-32 in the zip directory: a flipped payload bit must be an error, as numpy's zipfile
 * raises BadZipFile, never data. Checked against numpy reading the same bytes where python3 with numpy is present.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@concord/core';
import { hasPythonModules } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { IO_ERRORS } from './errors.ts';
import { decodeNpz, encodeNpz } from './npz.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-npz-crc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An archive with one float64 member, and the offset of a byte inside that member's array data. */
function archive(compress: boolean): { bytes: Uint8Array; payloadByte: number } {
  const data = Float64Array.from({ length: 64 }, (_, i) => i * 0.25);
  const bytes = encodeNpz({ a: { data, shape: [8, 8] } }, compress);
  // local header (30 bytes + name 'a.npy') then the member: the .npy header ends within its first 128 bytes
  return { bytes, payloadByte: 30 + 'a.npy'.length + 128 + 40 };
}

describe('.npz CRC-32', () => {
  it('a stored member with a flipped payload bit is a typed error naming the member (was returned as data)', () => {
    const { bytes, payloadByte } = archive(false);
    expect(decodeNpz(bytes, 'ok.npz').a.data.length).toBe(64);
    const bad = bytes.slice();
    bad[payloadByte] ^= 0x10;
    let err: unknown;
    try {
      decodeNpz(bad, 'flipped.npz');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).code).toBe(IO_ERRORS.ZIP);
    expect((err as Error).message).toMatch(/flipped\.npz:a\.npy.*CRC-32/);
  });

  it.skipIf(!hasPythonModules(['numpy']))(
    'numpy refuses the same bytes (BadZipFile) and accepts the intact archive [skipped without python3 numpy]',
    () => {
      const { bytes, payloadByte } = archive(false);
      const bad = bytes.slice();
      bad[payloadByte] ^= 0x10;
      writeFileSync(join(dir, 'good.npz'), bytes);
      writeFileSync(join(dir, 'bad.npz'), bad);
      const script = `import sys, numpy as np
for f in sys.argv[1:]:
    try:
        np.load(f)['a']; print('ok')
    except Exception as e:
        print(type(e).__name__)`;
      const r = spawnSync('python3', ['-c', script, join(dir, 'good.npz'), join(dir, 'bad.npz')], { encoding: 'utf8' });
      expect(r.stdout.trim().split('\n')).toEqual(['ok', 'BadZipFile']);
    },
  );
});
