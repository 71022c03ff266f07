/**
 * .npy/.npz: files written by numpy inside the test (when python3 has numpy) read by us, files written by us read by
 * numpy, the committed fixtures (data/fixtures/io, made by data/generate-io-fixtures.py with numpy), and a bounded,
 * seeded fuzz of mutated files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError, Rng } from '@concord/core';
import { repoPath } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from './arrays.ts';
import { mutate } from './mutate-bytes.ts';
import { decodeNpy, encodeNpy } from './npy.ts';
import { decodeNpz, readNpz, writeNpz } from './npz.ts';
import { DTYPE_INFO, type NdArray, type NpDtype, type NumericArray, product } from './typed.ts';

const hasNumpy = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const withNumpy = hasNumpy ? describe : describe.skip;
const numpyNote = hasNumpy ? '' : ' [skipped: python3 with numpy not available]';

const dir = mkdtempSync(join(tmpdir(), 'concord-npy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function python(code: string, ...args: string[]): string {
  return execFileSync('python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Values as JSON-comparable numbers/strings: 64-bit integers as decimal strings (exact). */
function jsonValues(a: NumericArray): (number | string)[] {
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) return Array.from(a, (v) => v.toString());
  return Array.from(a as ArrayLike<number>);
}

const PY_DESCRIBE = `
import json, numpy as np
def describe(a):
    flat = np.ascontiguousarray(a).reshape(-1)
    if a.dtype.kind in 'iu' and a.dtype.itemsize == 8: vals = [str(int(v)) for v in flat]
    elif a.dtype.kind == 'b': vals = [int(v) for v in flat]
    elif a.dtype.kind == 'f': vals = [float(v) for v in flat]
    else: vals = [int(v) for v in flat]
    name = 'bool' if a.dtype.kind == 'b' else a.dtype.newbyteorder('=').name
    return {'dtype': name, 'shape': list(a.shape), 'values': vals, 'fortran': bool(a.flags.f_contiguous and not a.flags.c_contiguous)}
`;

const DTYPES: NpDtype[] = [
  'float64',
  'float32',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
];

withNumpy(`numpy writes, we read${numpyNote}`, () => {
  it('every dtype, C and Fortran order, both byte orders, format versions 1-3, odd shapes', () => {
    const code = `${PY_DESCRIBE}
import sys, os
out = sys.argv[1]; cases = {}
rng = np.random.default_rng(7)
shapes = [(), (0,), (5,), (3, 4), (2, 3, 4), (0, 3), (1, 1)]
k = 0
for dt in ['f8','f4','i1','i2','i4','i8','u1','u2','u4','u8','b1']:
    for shape in shapes:
        for order in 'CF':
            for endian in '<>':
                n = int(np.prod(shape))
                if dt == 'b1': base = rng.integers(0, 2, n).astype(bool)
                elif dt[0] == 'f': base = rng.standard_normal(n) * 1e3
                else:
                    info = np.iinfo(np.dtype(dt))
                    base = rng.integers(info.min, info.max, n, dtype=np.dtype(dt), endpoint=True)
                a = np.asarray(base).astype(np.dtype(endian + dt) if dt not in ('b1',) else bool).reshape(shape, order=order)
                if order == 'F': a = np.asfortranarray(a)
                version = [(1, 0), (2, 0), (3, 0)][k % 3]
                name = f'case{k}.npy'; k += 1
                with open(os.path.join(out, name), 'wb') as f: np.lib.format.write_array(f, a, version=version)
                cases[name] = describe(a)
print(json.dumps(cases))
`;
    const cases: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }> = JSON.parse(
      python(code, dir),
    );
    expect(Object.keys(cases).length).toBe(11 * 7 * 2 * 2);
    for (const [name, want] of Object.entries(cases)) {
      const a = readNpy(join(dir, name));
      expect(a.dtype, name).toBe(want.dtype);
      expect(a.shape, name).toEqual(want.shape);
      expect(jsonValues(a.data), name).toEqual(want.values);
    }
  });

  it('.npz written by np.savez and np.savez_compressed', () => {
    const code = `${PY_DESCRIBE}
import sys
a = np.arange(20, dtype=np.float32).reshape(4, 5) / 3
b = np.array([[1, -2], [3, -4]], dtype=np.int64)
np.savez(sys.argv[1] + '/plain.npz', a=a, b=b)
np.savez_compressed(sys.argv[1] + '/packed.npz', a=a, b=b)
print(json.dumps({'a': describe(a), 'b': describe(b)}))
`;
    const want = JSON.parse(python(code, dir));
    for (const name of ['plain.npz', 'packed.npz']) {
      const z = readNpz(join(dir, name));
      expect(Object.keys(z).sort()).toEqual(['a', 'b']);
      for (const k of ['a', 'b']) {
        expect(z[k].dtype).toBe(want[k].dtype);
        expect(z[k].shape).toEqual(want[k].shape);
        expect(jsonValues(z[k].data)).toEqual(want[k].values);
      }
    }
  });
});

function sample(dtype: NpDtype, n: number, rng: Rng): NumericArray {
  const a = DTYPE_INFO[dtype].make(n);
  for (let i = 0; i < n; i++) {
    if (a instanceof BigInt64Array) a[i] = BigInt(Math.floor(rng.uniform(-1e15, 1e15))) * 9001n;
    else if (a instanceof BigUint64Array) a[i] = BigInt(Math.floor(rng.uniform(0, 1e15))) * 18000n;
    else if (dtype === 'bool') a[i] = rng.random() < 0.5 ? 1 : 0;
    else if (a instanceof Float64Array || a instanceof Float32Array) a[i] = rng.normal() * 100;
    else (a as Int32Array)[i] = Math.floor(rng.uniform(-1e10, 1e10));
  }
  return a;
}

withNumpy(`we write, numpy reads${numpyNote}`, () => {
  it('every dtype and shape, .npy and .npz (stored and deflated)', () => {
    const rng = new Rng(11);
    const written: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }> = {};
    const shapes = [[], [0], [7], [3, 4], [2, 3, 2]];
    let k = 0;
    for (const dtype of DTYPES) {
      for (const shape of shapes) {
        const data = sample(dtype, product(shape), rng);
        const name = `ours${k++}.npy`;
        writeNpy(join(dir, name), { data, shape, dtype });
        written[name] = { dtype, shape, values: jsonValues(data) };
      }
    }
    const code = `${PY_DESCRIBE}
import sys
names = json.loads(sys.argv[2])
print(json.dumps({n: describe(np.load(sys.argv[1] + '/' + n, allow_pickle=False)) for n in names}))
`;
    const got = JSON.parse(python(code, dir, JSON.stringify(Object.keys(written))));
    for (const [name, want] of Object.entries(written)) {
      expect(got[name].dtype, name).toBe(want.dtype);
      expect(got[name].shape, name).toEqual(want.shape);
      // float32 values widen exactly to float64 on both sides.
      expect(got[name].values, name).toEqual(want.values);
    }
    const arrays = {
      x: { data: Float64Array.from([1.5, -2, 1e-300]), shape: [3] },
      y: { data: Int16Array.from([1, 2, 3, 4]), shape: [2, 2] },
    };
    writeNpz(join(dir, 'ours-stored.npz'), arrays);
    writeNpz(join(dir, 'ours-deflated.npz'), arrays, true);
    const npzCode = `${PY_DESCRIBE}
import sys
out = {}
for n in ['ours-stored.npz', 'ours-deflated.npz']:
    z = np.load(sys.argv[1] + '/' + n)
    out[n] = {k: describe(z[k]) for k in sorted(z.files)}
print(json.dumps(out))
`;
    const npz = JSON.parse(python(npzCode, dir));
    for (const n of ['ours-stored.npz', 'ours-deflated.npz']) {
      expect(npz[n].x).toMatchObject({ dtype: 'float64', shape: [3], values: [1.5, -2, 1e-300] });
      expect(npz[n].y).toMatchObject({ dtype: 'int16', shape: [2, 2], values: [1, 2, 3, 4] });
    }
  });
});

describe('committed fixtures (data/fixtures/io, generated by numpy)', () => {
  const fixtures = repoPath('data', 'fixtures', 'io');
  const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8'));
  for (const [name, want] of Object.entries(manifest.npy) as [
    string,
    { dtype: string; shape: number[]; values: (number | string)[] },
  ][]) {
    it(name, () => {
      const a = readNpy(join(fixtures, name));
      expect(a.dtype).toBe(want.dtype);
      expect(a.shape).toEqual(want.shape);
      expect(jsonValues(a.data)).toEqual(want.values);
    });
  }
  for (const [name, want] of Object.entries(manifest.npz) as [
    string,
    Record<string, { dtype: string; shape: number[]; values: number[] }>,
  ][]) {
    it(name, () => {
      const z = readNpz(join(fixtures, name));
      expect(Object.keys(z).sort()).toEqual(Object.keys(want).sort());
      for (const [k, w] of Object.entries(want)) {
        expect(z[k].dtype).toBe(w.dtype);
        expect(z[k].shape).toEqual(w.shape);
        expect(jsonValues(z[k].data)).toEqual(w.values);
      }
    });
  }
  it('round-trips our own encoding of every fixture', () => {
    for (const name of Object.keys(manifest.npy)) {
      const a = readNpy(join(fixtures, name));
      const back = decodeNpy(encodeNpy(a), name);
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      expect(jsonValues(back.data)).toEqual(jsonValues(a.data));
    }
  });
});

describe('bad .npy input gives a typed error naming the file', () => {
  const good = encodeNpy({ data: Float64Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] });
  const headerText = (buf: Uint8Array) =>
    new TextDecoder('latin1').decode(buf.subarray(10, 10 + (buf[8] | (buf[9] << 8))));
  const withHeader = (text: string) => {
    const h = new TextEncoder().encode(text.padEnd(headerText(good).length, ' '));
    const out = good.slice();
    out.set(h.subarray(0, headerText(good).length), 10);
    return out;
  };
  const cases: [string, Uint8Array, string][] = [
    ['bad magic', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'ERR_IO_NPY_MAGIC'],
    ['truncated data', good.subarray(0, good.length - 5), 'ERR_IO_NPY_TRUNCATED'],
    [
      'header shape larger than the data',
      withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }"),
      'ERR_IO_NPY_TRUNCATED',
    ],
    [
      'header shape smaller than the data',
      withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"),
      'ERR_IO_NPY_HEADER',
    ],
    ['unsupported dtype', withHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }"), 'ERR_IO_NPY_DTYPE'],
    ['object dtype', withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (6,), }"), 'ERR_IO_NPY_DTYPE'],
    [
      'negative dimension',
      withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 6), }"),
      'ERR_IO_NPY_HEADER',
    ],
    ['no shape', withHeader("{'descr': '<f8', 'fortran_order': False, }"), 'ERR_IO_NPY_HEADER'],
    [
      'header length past the end',
      Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0xff, 0xff, 0x7b]),
      'ERR_IO_NPY_TRUNCATED',
    ],
    ['unknown version', Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0, 0, 0, 0]), 'ERR_IO_NPY_HEADER'],
  ];
  for (const [what, buf, code] of cases) {
    it(what, () => {
      try {
        decodeNpy(buf, 'case.npy');
        expect.unreachable(`${what} was accepted`);
      } catch (e) {
        expect(e).toBeInstanceOf(FileFormatError);
        expect((e as FileFormatError).code).toBe(code);
        expect((e as Error).message).toContain('case.npy');
      }
    });
  }
  it('a missing file and a corrupt .npz', () => {
    expect(() => readNpy(join(dir, 'nope.npy'))).toThrow(FileFormatError);
    expect(() => decodeNpz(Uint8Array.from([0x50, 0x4b, 3, 4, 9, 9, 9]), 'x.npz')).toThrow(FileFormatError);
  });
});

describe('fuzz: mutated .npy files give a correct array or a typed FileFormatError', () => {
  it('600 seeded mutations', () => {
    const rng = new Rng(2026);
    const bases: Uint8Array[] = [
      encodeNpy({ data: Float64Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3] }),
      encodeNpy({ data: Int16Array.from([1, -2, 3]), shape: [3] }),
      encodeNpy({ data: BigInt64Array.from([1n, -2n]), shape: [1, 2] }),
      encodeNpy({ data: Uint8Array.from([1, 0, 1, 1]), shape: [2, 2], dtype: 'bool' }),
    ];
    const fixtures = repoPath('data', 'fixtures', 'io');
    for (const n of ['f4_fortran.npy', 'f8_big_endian_fortran.npy', 'f8_v3.npy', 'i2_3d.npy'])
      bases.push(new Uint8Array(readFileSync(join(fixtures, n))));
    let accepted = 0;
    for (let i = 0; i < 600; i++) {
      const buf = mutate(bases[i % bases.length], rng, 128);
      let a: NdArray;
      try {
        a = decodeNpy(buf, `fuzz${i}.npy`);
      } catch (e) {
        if (!(e instanceof FileFormatError))
          throw new Error(`mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
        expect((e as Error).message).toContain(`fuzz${i}.npy`);
        continue;
      }
      accepted++;
      // An accepted file must be self-consistent: shape matches the data, dtype is one we know.
      expect(DTYPES).toContain(a.dtype);
      expect(a.data.length).toBe(product(a.shape));
    }
    // Flipped data bytes leave a valid file: some mutations must be accepted, most header damage must not.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(600);
  });
});

describe('fuzz: mutated .npz archives give arrays or a typed FileFormatError', () => {
  it('300 seeded mutations of stored and deflated archives', () => {
    const rng = new Rng(77);
    const fixtures = repoPath('data', 'fixtures', 'io');
    const bases = ['stored.npz', 'deflated.npz'].map((n) => new Uint8Array(readFileSync(join(fixtures, n))));
    for (let i = 0; i < 300; i++) {
      const buf = mutate(bases[i % 2], rng, bases[i % 2].length);
      try {
        const z = decodeNpz(buf, `fuzz${i}.npz`);
        for (const a of Object.values(z)) expect(a.data.length).toBe(product(a.shape));
      } catch (e) {
        if (!(e instanceof FileFormatError))
          throw new Error(`mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
        expect((e as Error).message).toContain(`fuzz${i}.npz`);
      }
    }
  });
});
