/** Test helper (not exported from the package): seeded byte-level mutations of valid files for fuzzing readers. */
import type { Rng } from '@concord/core';

/** Random byte-level mutation: flip, truncate, insert, overwrite a run, or rewrite a header field. */
export function mutate(buf: Uint8Array, rng: Rng, headerEnd = 128): Uint8Array {
  const kind = rng.int(6);
  const at = rng.int(Math.max(1, buf.length));
  switch (kind) {
    case 0: {
      const out = buf.slice();
      const flips = 1 + rng.int(4);
      for (let i = 0; i < flips; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    }
    case 1:
      return buf.slice(0, at);
    case 2: {
      const ins = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      const out = new Uint8Array(buf.length + ins.length);
      out.set(buf.subarray(0, at));
      out.set(ins, at);
      out.set(buf.subarray(at), at + ins.length);
      return out;
    }
    case 3: {
      // Overwrite bytes inside the header (lengths, types, dimensions).
      const out = buf.slice();
      const p = rng.int(Math.min(out.length, headerEnd));
      for (let i = 0; i < 4 && p + i < out.length; i++) out[p + i] = rng.int(256);
      return out;
    }
    case 4: {
      // Plausible but wrong 32-bit values at a random aligned offset (huge sizes, zero, small numbers).
      const out = buf.slice();
      const p = (rng.int(Math.max(1, out.length >> 2)) << 2) % Math.max(1, out.length - 4);
      const v = [0, 1, 0xffffffff, 0x7fffffff, rng.int(1 << 20), 8, 14, 15][rng.int(8)];
      if (p + 4 <= out.length) new DataView(out.buffer).setUint32(p, v, rng.random() < 0.5);
      return out;
    }
    default: {
      const out = buf.slice();
      out[at] = [0, 0xff, 0x30, 0x39, 0x2c, 0x29][rng.int(6)];
      return out;
    }
  }
}
