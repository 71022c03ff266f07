/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST, KMNIST, EMNIST), gzipped or not: a big-endian header
 * (two zero bytes, a type code, the number of dimensions, then one uint32 per dimension) followed by the data.
 * Only unsigned bytes (type 0x08) occur in these datasets; other types are refused with the header field named.
 */
import { gunzipSync } from 'node:zlib';
import { FileFormatError } from '@concord/core';
import { readFileChecked } from '@concord/io';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Decode IDX bytes (gzip detected by its magic 1f 8b). */
export function decodeIdx(raw: Uint8Array, file = '<buffer>'): IdxArray {
  let bytes = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      const b = gunzipSync(raw);
      bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      throw new FileFormatError(
        'ERR_LEARNING_IDX',
        file,
        `gzip stream is corrupt or truncated (${(e as Error).message})`,
        {
          offset: 0,
        },
      );
    }
  }
  if (bytes.length < 4)
    throw new FileFormatError(
      'ERR_LEARNING_IDX',
      file,
      `truncated: ${bytes.length} bytes, an IDX header needs at least 4`,
      {
        offset: 0,
      },
    );
  if (bytes[0] !== 0 || bytes[1] !== 0)
    throw new FileFormatError(
      'ERR_LEARNING_IDX',
      file,
      `wrong magic number: expected 0x0000 then type and rank, received 0x${bytes[0].toString(16).padStart(2, '0')}${bytes[1].toString(16).padStart(2, '0')}`,
      { field: 'magic', offset: 0 },
    );
  if (bytes[2] !== 0x08)
    throw new FileFormatError(
      'ERR_LEARNING_IDX',
      file,
      `unsupported element type 0x${bytes[2].toString(16)} (expected 0x08, unsigned byte)`,
      { field: 'type', offset: 2 },
    );
  const rank = bytes[3];
  if (rank < 1 || rank > 4)
    throw new FileFormatError('ERR_LEARNING_IDX', file, `rank ${rank} is outside 1..4`, { field: 'rank', offset: 3 });
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength)
    throw new FileFormatError('ERR_LEARNING_IDX', file, `truncated header: ${bytes.length} of ${headerLength} bytes`, {
      offset: bytes.length,
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    dims.push(view.getUint32(4 + 4 * i, false));
    count *= dims[i];
  }
  if (bytes.length < headerLength + count)
    throw new FileFormatError(
      'ERR_LEARNING_IDX',
      file,
      `truncated: dimensions ${dims.join('×')} need ${count} data bytes, the file has ${bytes.length - headerLength}`,
      { offset: bytes.length, expected: headerLength + count, received: bytes.length },
    );
  return { dims, data: bytes.subarray(headerLength, headerLength + count) };
}

export function readIdx(path: string): IdxArray {
  return decodeIdx(readFileChecked(path), path);
}
