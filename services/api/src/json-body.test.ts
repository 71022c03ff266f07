/**
 * The JSON body parser: with core's native scanner it must give exactly what JSON.parse (through secure-json-parse,
 * Fastify's own parser) gives — the same doubles bit for bit, the same structure, the same refusals — only with
 * long numeric lists as Float64Arrays. The reference is JSON.parse itself, run on the same text.
 */
import { forcedBackend, loadBackend, numericJsonScanner, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json-body.ts';

const scanner = numericJsonScanner();
// The scanner is there exactly when the addon is built and no other backend is forced (CONCORD_BACKEND).
const scannerExpected = loadBackend('native').backend !== undefined && (forcedBackend() ?? 'native') === 'native';

/** Typed arrays back to plain arrays, so results compare with JSON.parse's structurally. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** Deep equality where numbers must be the same double (Object.is: -0 is not 0). Returns the first difference. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (typeof a === 'number' || typeof b === 'number')
    return Object.is(a, b)
      ? null
      : `${path}: ${Object.is(a, -0) ? '-0' : String(a)} vs ${Object.is(b, -0) ? '-0' : String(b)}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys ${ka} vs ${kb}`;
    for (const k of ka) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/** Either both throw with the same Fastify code, or both return the same value. */
function outcome(text: string | Buffer, useScanner: boolean): { code?: string; value?: unknown } {
  try {
    const buf = typeof text === 'string' ? Buffer.from(text) : text;
    return { value: plain(parseJsonBody(buf, useScanner ? scanner : null)) };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e) };
  }
}

function expectSameAsJsonParse(text: string | Buffer): void {
  const fast = outcome(text, true);
  const reference = outcome(text, false);
  expect(fast.code).toBe(reference.code);
  const d = firstDifference(fast.value, reference.value);
  if (d) expect.fail(`${d} in ${String(text).slice(0, 200)}`);
}

/** Numbers written the ways JSON producers write them, plus the hard cases of decimal → double rounding. */
function numberText(rng: Rng): string {
  const x = rng.normal() * 10 ** (rng.int(40) - 20);
  switch (rng.int(9)) {
    case 0:
      return String(x); // JavaScript: shortest round trip
    case 1:
      return x.toPrecision(17); // numpy / Python repr of float64
    case 2:
      return x.toExponential(rng.int(20));
    case 3:
      return (x * 1e6).toFixed(rng.int(8));
    case 4:
      return String(rng.int(2 ** 31) - 2 ** 30);
    case 5: {
      // 20 to 40 significant digits: beyond what a double holds, rounding decides
      let s = `${rng.int(9) + 1}.`;
      for (let i = 0, n = 19 + rng.int(21); i < n; i++) s += String(rng.int(10));
      return `${rng.random() < 0.5 ? '-' : ''}${s}e${rng.int(600) - 300}`;
    }
    case 6:
      return String(rng.int(2) ? 5e-324 * (rng.int(1000) + 1) : 2.2250738585072014e-308 * rng.random()); // subnormals
    case 7:
      return ['-0', '0', '-0.0', '0e5', '1E+2', '1e-2', '9007199254740993', '2.2250738585072011e-308'][rng.int(8)];
    default:
      return String(Math.fround(x)); // float32 values written as doubles
  }
}

const HARD_NUMBERS = [
  '1.7976931348623157e308',
  '1.7976931348623158e308', // rounds down to MAX_VALUE
  '1.7976931348623159e308', // overflows: JSON.parse gives Infinity
  '1e400',
  '-1e400',
  '1e-400', // underflows to 0
  '2.4703282292062327e-324', // just below half the smallest subnormal: 0
  '2.4703282292062328e-324', // just above: 5e-324
  '4.9406564584124654e-324',
  '0.1',
  '0.30000000000000004',
  '9007199254740992.5',
  '123456789012345678901234567890',
  '0.000000000000000000000000000000000000000000001',
  '3.0000000000000001',
  '-2.2250738585072012e-308',
];

it('the native scanner is in use exactly where the addon is built and no other backend is forced', () => {
  expect(scanner !== null).toBe(scannerExpected);
});

describe.skipIf(!scanner)(
  `parseJsonBody with the native scanner${scanner ? '' : ' (skipped: no native scanner here)'}`,
  () => {
    it('long numeric lists arrive as Float64Arrays', () => {
      const parsed = parseJsonBody(Buffer.from(`{"a": [${Array.from({ length: 20 }, (_, i) => i).join(',')}]}`));
      expect((parsed as { a: unknown }).a).toBeInstanceOf(Float64Array);
    });

    it('hard decimal-to-double cases give the same doubles as JSON.parse (overflow and underflow included)', () => {
      const padded = [...HARD_NUMBERS, ...Array.from({ length: 16 }, () => '1')];
      for (const n of HARD_NUMBERS) expectSameAsJsonParse(`[${n}, ${padded.join(', ')}]`);
      expectSameAsJsonParse(`{"v": [${padded.join(',')}]}`);
    });

    it('random bodies in the shapes clients send give exactly what JSON.parse gives', () => {
      const rng = new Rng(20261129);
      for (let trial = 0; trial < 300; trial++) {
        const row = (n: number) => Array.from({ length: n }, () => numberText(rng));
        const ws = () => [' ', '', '\n', '\t', '\r\n  '][rng.int(5)];
        const rows = 1 + rng.int(4);
        const cols = rng.int(3) === 0 ? rng.int(20) : 16 + rng.int(200);
        const matrix = Array.from({ length: rows }, () => `[${row(cols).join(`,${ws()}`)}]`).join(`,${ws()}`);
        const parts = [
          `"a":${ws()}[${matrix}]`,
          `"b": [${row(cols).join(',')}]`,
          `"conditions": [${Array.from({ length: 20 + rng.int(80) }, (_, i) => i).join(',')}]`,
          '"method": "spearman"',
          // brackets and digits inside strings are text, escaped quotes do not end a string
          `"note": "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17] \\" [18, 19] \\\\"`,
          `"withNull": [${[...row(20), 'null', ...row(3)].join(',')}]`,
          `"empty": [], "nested": {"deep": [[[${row(17).join(',')}]]]}, "unicode": "ünïcödé [1,2] ✓"`,
        ];
        expectSameAsJsonParse(`{${parts.join(`,${ws()}`)}}`);
      }
    });

    it('malformed and hostile bodies are refused exactly as JSON.parse refuses them', () => {
      const sixteen = Array.from({ length: 16 }, (_, i) => i + 1).join(',');
      for (const text of [
        '',
        `[${sixteen}`,
        `[${sixteen},]`,
        `[01,${sixteen}]`,
        `[+1,${sixteen}]`,
        `[.5,${sixteen}]`,
        `[1.,${sixteen}]`,
        `[1e,${sixteen}]`,
        `[-,${sixteen}]`,
        `[NaN,${sixteen}]`,
        `[Infinity,${sixteen}]`,
        `[0x10,${sixteen}]`,
        `[1 2,${sixteen}]`,
        `[${sixteen}]]`,
        `{"a": [${sixteen}] "b": 1}`,
        `{"a": "[${sixteen}]`,
        `\uFEFF{"a": [${sixteen}]}`,
        `{"__proto__": {"x": [${sixteen}]}}`,
        `{"a": {"constructor": {"prototype": [${sixteen}]}}}`,
        `[${sixteen}] trailing`,
      ])
        expectSameAsJsonParse(text);
    });

    it('random corruptions of a valid body: same value or same refusal as JSON.parse (seeded fuzz)', () => {
      const rng = new Rng(7);
      const base = Buffer.from(
        `{"a": [[${Array.from({ length: 40 }, () => numberText(rng)).join(', ')}]], "b": [${Array.from({ length: 40 }, () => numberText(rng)).join(',')}], "method": "corr", "s": "x[1,2]\\"y"}`,
      );
      const alphabet = Buffer.from('0123456789+-.eE,[]{}": \\nulNa\u00ff');
      for (let trial = 0; trial < 3000; trial++) {
        const b = Buffer.from(base);
        for (let k = 0, n = 1 + rng.int(3); k < n; k++) {
          const at = rng.int(b.length);
          b[at] = alphabet[rng.int(alphabet.length)];
        }
        expectSameAsJsonParse(rng.int(10) === 0 ? b.subarray(0, rng.int(b.length)) : b);
      }
    });
  },
);

describe('parseJsonBody without the native scanner', () => {
  it('is secure-json-parse over the text: values, the empty body and prototype poisoning', () => {
    expect(parseJsonBody(Buffer.from('{"a": [1, 2.5, null]}'), null)).toEqual({ a: [1, 2.5, null] });
    expect(() => parseJsonBody(Buffer.alloc(0), null)).toThrow(
      expect.objectContaining({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY' }),
    );
    expect(() => parseJsonBody(Buffer.from('{"__proto__": {}}'), null)).toThrow(
      expect.objectContaining({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' }),
    );
  });
});
