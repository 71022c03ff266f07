/** A minimal PNG encoder (8-bit grey or RGB, no filtering) for the converted-stimuli montage in the report. */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** `pixels`: height × width × channels bytes, row-major. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = channels === 1 ? 0 : 2;
  const raw = Buffer.alloc(height * (1 + width * channels));
  for (let y = 0; y < height; y++)
    Buffer.from(pixels.subarray(y * width * channels, (y + 1) * width * channels)).copy(
      raw,
      y * (1 + width * channels) + 1,
    );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A montage of n images (C × s × s floats) in `cols` columns, values clipped to [0, 1]. */
export function montagePng(data: Float32Array, n: number, channels: 1 | 3, size: number, cols: number): Buffer {
  const rows = Math.ceil(n / cols);
  const pad = 2;
  const w = cols * (size + pad) + pad;
  const h = rows * (size + pad) + pad;
  const px = new Uint8Array(w * h * channels).fill(255);
  for (let i = 0; i < n; i++) {
    const ox = pad + (i % cols) * (size + pad);
    const oy = pad + Math.floor(i / cols) * (size + pad);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < channels; c++) {
          const v = data[i * channels * size * size + c * size * size + y * size + x];
          px[((oy + y) * w + ox + x) * channels + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
  }
  return encodePng(px, w, h, channels);
}
