/**
 * Seeded byte-level mutations of valid files: bit flips, truncations, insertions, deletions, overwritten runs, and
 * header fields set to extreme values (binary integers/floats at aligned offsets; ASCII numbers in text headers
 * replaced by huge, tiny, negative, zero or non-finite literals, keeping fixed-width fields at their width).
 * Each mutation returns the new bytes and a one-line description, so a reproducer says what was done.
 */
import { Rng } from '@concord/core';

export interface Mutation {
  bytes: Uint8Array;
  what: string;
}

/** Text that replaces a number in an ASCII header: the extremes that broke readers before. */
const EXTREME_TEXT = [
  '0',
  '-1',
  '1e999',
  '-1e999',
  '5e-324',
  '1e9',
  '1000000000',
  '-1000000000',
  '99999999',
  '4294967296',
  'NaN',
  'Inf',
  '0.0000001',
  '',
  '1e308',
  '2',
];

/** Binary values written over a header field. */
function extremeBinary(rng: Rng): { width: 1 | 2 | 4 | 8; float: boolean; value: number } {
  const choice = rng.int(12);
  switch (choice) {
    case 0:
      return { width: 4, float: false, value: 0 };
    case 1:
      return { width: 4, float: false, value: -1 };
    case 2:
      return { width: 4, float: false, value: 0x7fffffff };
    case 3:
      return { width: 4, float: false, value: -0x80000000 };
    case 4:
      return { width: 4, float: false, value: 1_000_000_000 };
    case 5:
      return { width: 2, float: false, value: [0, 0xffff, 0x7fff, 1][rng.int(4)] };
    case 6:
      return {
        width: 8,
        float: true,
        value: [Number.POSITIVE_INFINITY, Number.NaN, 1e308, 5e-324, -1e300][rng.int(5)],
      };
    case 7:
      return { width: 4, float: true, value: [Number.POSITIVE_INFINITY, Number.NaN, 3e38, 1e-45, -1][rng.int(5)] };
    case 8:
      return { width: 8, float: false, value: 2 ** 52 + rng.int(1000) };
    case 9:
      return { width: 1, float: false, value: [0, 0xff, 0x7f][rng.int(3)] };
    default:
      return { width: 4, float: false, value: rng.int(1 << 24) };
  }
}

/** Offsets of ASCII number tokens (digits with sign, point, exponent) in bytes [0, end). */
function asciiNumbers(bytes: Uint8Array, end: number): { at: number; len: number }[] {
  const out: { at: number; len: number }[] = [];
  const isNum = (c: number) => (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b;
  let i = 0;
  while (i < end && out.length < 4096) {
    if (bytes[i] >= 0x30 && bytes[i] <= 0x39) {
      let s = i;
      while (s > 0 && isNum(bytes[s - 1])) s--;
      let e = i;
      while (e < end && (isNum(bytes[e]) || bytes[e] === 0x65 || bytes[e] === 0x45)) e++;
      out.push({ at: s, len: e - s });
      i = e;
    } else i++;
  }
  return out;
}

export interface MutateOptions {
  /** Bytes [0, headerEnd) hold the header: half of the targeted mutations land there. */
  headerEnd: number;
  /** Text header (numbers are ASCII): field mutations rewrite number tokens. */
  text: boolean;
  /** Fixed-width fields (EDF): a rewritten number keeps the field's width (padded with spaces). */
  fixedWidth: boolean;
}

function position(rng: Rng, length: number, headerEnd: number): number {
  if (length === 0) return 0;
  return rng.random() < 0.5 ? rng.int(Math.max(1, Math.min(length, headerEnd))) : rng.int(length);
}

function splice(buf: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(buf.length - remove + insert.length);
  out.set(buf.subarray(0, at));
  out.set(insert, at);
  out.set(buf.subarray(at + remove), at + insert.length);
  return out;
}

/** One seeded mutation of `buf`. */
export function mutate(buf: Uint8Array, rng: Rng, opts: MutateOptions): Mutation {
  const kind = rng.int(opts.text ? 8 : 7);
  const n = buf.length;
  switch (kind) {
    case 0: {
      const out = buf.slice();
      const flips = 1 + rng.int(4);
      const where: number[] = [];
      for (let i = 0; i < flips && n > 0; i++) {
        const p = position(rng, n, opts.headerEnd);
        out[p] ^= 1 << rng.int(8);
        where.push(p);
      }
      return { bytes: out, what: `bit flips at ${where.join(', ')}` };
    }
    case 1: {
      const at = position(rng, n, opts.headerEnd);
      return { bytes: buf.slice(0, at), what: `truncated to ${at} bytes` };
    }
    case 2: {
      const at = position(rng, n + 1, opts.headerEnd);
      const ins = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      return { bytes: splice(buf, at, 0, ins), what: `${ins.length} random bytes inserted at ${at}` };
    }
    case 3: {
      const at = position(rng, n, opts.headerEnd);
      const len = Math.min(n - at, 1 + rng.int(64));
      return { bytes: splice(buf, at, len, new Uint8Array(0)), what: `${len} bytes deleted at ${at}` };
    }
    case 4: {
      const out = buf.slice();
      const at = position(rng, n, opts.headerEnd);
      const len = Math.min(n - at, 1 + rng.int(32));
      for (let i = 0; i < len; i++) out[at + i] = rng.int(256);
      return { bytes: out, what: `${len} bytes overwritten at ${at}` };
    }
    case 5:
    case 6: {
      if (opts.text) return textField(buf, rng, opts);
      const out = buf.slice();
      const v = extremeBinary(rng);
      const limit = Math.max(1, Math.min(n, opts.headerEnd) - v.width);
      const at = Math.floor(rng.int(limit) / v.width) * v.width;
      if (at + v.width > n) return { bytes: out, what: 'no change (file too short)' };
      const dv = new DataView(out.buffer);
      const little = rng.random() < 0.5;
      if (v.float && v.width === 8) dv.setFloat64(at, v.value, little);
      else if (v.float) dv.setFloat32(at, v.value, little);
      else if (v.width === 8) dv.setBigUint64(at, BigInt(v.value), little);
      else if (v.width === 4) dv.setInt32(at, v.value | 0, little);
      else if (v.width === 2) dv.setUint16(at, v.value, little);
      else dv.setUint8(at, v.value);
      return {
        bytes: out,
        what: `${v.float ? 'float' : 'int'}${v.width * 8} ${v.value} (${little ? 'LE' : 'BE'}) written at ${at}`,
      };
    }
    default:
      return textField(buf, rng, opts);
  }
}

function textField(buf: Uint8Array, rng: Rng, opts: MutateOptions): Mutation {
  const tokens = asciiNumbers(buf, Math.min(buf.length, opts.headerEnd));
  if (tokens.length === 0) return { bytes: buf.slice(), what: 'no change (no number in the header)' };
  const t = tokens[rng.int(tokens.length)];
  let text = EXTREME_TEXT[rng.int(EXTREME_TEXT.length)];
  if (opts.fixedWidth) text = text.slice(0, t.len).padEnd(t.len, ' ');
  const old = new TextDecoder('latin1').decode(buf.subarray(t.at, t.at + t.len));
  return {
    bytes: splice(buf, t.at, t.len, new TextEncoder().encode(text)),
    what: `number ${JSON.stringify(old)} at ${t.at} replaced by ${JSON.stringify(text)}`,
  };
}

/** The seed of case `index` of format `format` in a run seeded with `runSeed` (FNV-1a over the three). */
export function caseSeed(runSeed: number, format: string, index: number): number {
  let h = 0x811c9dc5;
  for (const c of `${runSeed}:${format}:${index}`) {
    h ^= c.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export { Rng };
