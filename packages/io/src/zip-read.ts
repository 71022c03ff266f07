/**
 * Reading zip archives (.npz): the central directory (ZIP64 included, as numpy writes it with force_zip64), stored
 * and deflated entries. Deflate goes through Node's native zlib, several times faster than a JS inflater on the
 * tens of MB an activation archive holds. Every offset and size is checked against the archive's length.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { FileFormatError } from '@concord/core';
import { IO_ERRORS } from './errors.ts';

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** CRC-32 of the uncompressed bytes, from the central directory. */
  crc32: number;
}

function u64(dv: DataView, p: number): number {
  return dv.getUint32(p, true) + dv.getUint32(p + 4, true) * 2 ** 32;
}

/** The archive's entries, from its central directory. */
export function zipEntries(buf: Uint8Array, file: string): ZipEntry[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const fail = (message: string, offset?: number): never => {
    throw new FileFormatError(IO_ERRORS.ZIP, file, `not a readable zip archive: ${message}`, { offset });
  };
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 65535); p--) {
    if (dv.getUint32(p, true) === SIG_EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record', Math.max(0, buf.length - 22));
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (
    (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) &&
    eocd >= 20 &&
    dv.getUint32(eocd - 20, true) === SIG_LOCATOR64
  ) {
    const at = u64(dv, eocd - 12);
    if (at + 56 > buf.length || dv.getUint32(at, true) !== SIG_EOCD64)
      fail('bad ZIP64 end-of-central-directory record', at);
    count = u64(dv, at + 32);
    cdSize = u64(dv, at + 40);
    cdOffset = u64(dv, at + 48);
  }
  if (cdOffset + cdSize > buf.length)
    fail(`central directory (${cdSize} bytes at ${cdOffset}) runs past the end (${buf.length} bytes)`, eocd + 16);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || dv.getUint32(p, true) !== SIG_CENTRAL)
      fail(`central directory entry ${i} is malformed`, p);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen > buf.length) fail(`central directory entry ${i} runs past the end`, p);
    const name = new TextDecoder().decode(buf.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: 8-byte values for whichever fields hold 0xffffffff, in this order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= e + 4 + len) {
          size = u64(dv, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= e + 4 + len) {
          compressedSize = u64(dv, q);
          q += 8;
        }
        if (localOffset === 0xffffffff && q + 8 <= e + 4 + len) localOffset = u64(dv, q);
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`entry '${name}' is encrypted`, p);
    entries.push({ name, method, compressedSize, size, localOffset, crc32: crc });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** One entry's bytes (stored or deflated), refusing anything that does not fit the archive or its declared size. */
export function zipEntryData(buf: Uint8Array, entry: ZipEntry, file: string): Uint8Array {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const where = `${file}:${entry.name}`;
  const at = entry.localOffset;
  if (at + 30 > buf.length || dv.getUint32(at, true) !== SIG_LOCAL) {
    throw new FileFormatError(IO_ERRORS.ZIP, where, 'local file header missing', { offset: at });
  }
  const start = at + 30 + dv.getUint16(at + 26, true) + dv.getUint16(at + 28, true);
  if (start + entry.compressedSize > buf.length) {
    throw new FileFormatError(
      IO_ERRORS.ZIP,
      where,
      `entry data (${entry.compressedSize} bytes at ${start}) runs past the end of the archive`,
      { offset: start },
    );
  }
  const raw = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize)
      throw new FileFormatError(IO_ERRORS.ZIP, where, 'stored entry with different sizes', { offset: at });
    return checkCrc(raw, entry, where, start);
  }
  if (entry.method !== 8)
    throw new FileFormatError(
      IO_ERRORS.ZIP,
      where,
      `compression method ${entry.method} is not supported (stored 0 and deflate 8 are)`,
      { offset: at + 8 },
    );
  let out: Buffer;
  try {
    out = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
  } catch (e) {
    throw new FileFormatError(
      IO_ERRORS.ZIP,
      where,
      `deflated data is corrupt or larger than its declared ${entry.size} bytes: ${(e as Error).message}`,
      { offset: start },
    );
  }
  if (out.length !== entry.size)
    throw new FileFormatError(
      IO_ERRORS.ZIP,
      where,
      `inflates to ${out.length} bytes, the directory says ${entry.size}`,
      { offset: start },
    );
  return checkCrc(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), entry, where, start);
}

/** The entry's bytes when their CRC-32 matches the directory's (numpy's zipfile raises BadZipFile otherwise). */
function checkCrc(data: Uint8Array, entry: ZipEntry, where: string, start: number): Uint8Array {
  const actual = crc32(data) >>> 0;
  if (actual !== entry.crc32)
    throw new FileFormatError(
      IO_ERRORS.ZIP,
      where,
      `CRC-32 of the entry's data is ${actual.toString(16).padStart(8, '0')}, the directory says ${entry.crc32.toString(16).padStart(8, '0')} (corrupt data)`,
      { offset: start, field: 'crc-32' },
    );
  return data;
}
