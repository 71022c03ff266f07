/** zlib inflation with a ceiling on the output size, so a corrupt or hostile file cannot exhaust memory. */
import { FileFormatError } from '@concord/core';
import { Unzlib } from 'fflate';

const CHUNK = 1 << 16;

/**
 * Inflate a zlib stream, refusing to produce more than `maxBytes`. Errors name `file`, `offset` (where the
 * compressed element starts) and `code`.
 */
export function inflateBounded(
  input: Uint8Array,
  maxBytes: number,
  file: string,
  offset: number,
  code: string,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let over = false;
  const stream = new Unzlib((chunk) => {
    total += chunk.length;
    if (total > maxBytes) over = true;
    else parts.push(chunk);
  });
  try {
    for (let p = 0; p < input.length && !over; p += CHUNK) {
      const end = Math.min(input.length, p + CHUNK);
      stream.push(input.subarray(p, end), end === input.length);
    }
    if (input.length === 0) stream.push(input, true);
  } catch (e) {
    throw new FileFormatError(code, file, `compressed data is corrupt: ${(e as Error).message || String(e)}`, {
      offset,
    });
  }
  if (over) {
    throw new FileFormatError(
      code,
      file,
      `compressed data inflates to more than ${maxBytes} bytes (the limit; raise maxBytes to read it)`,
      { offset, expected: maxBytes },
    );
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
