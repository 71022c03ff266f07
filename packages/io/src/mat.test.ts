/**
 * MAT reader: committed fixtures (scipy-written v5, hand-written big-endian v5), files written by scipy.io.savemat
 * inside the test compared against scipy.io.loadmat's own reading, unsupported classes, bad input, and a bounded
 * seeded fuzz of mutated files (typed errors only, never another exception or a hang).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError, Rng } from '@concord/core';
import { describeWithSharedData, repoPath, sharedData } from '@concord/core/testing';
import { unzlibSync, zlibSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHdf5 } from './h5wasm-runtime.ts';
import { decodeMat, decodeMatFile, decodeWhosMat, readMat, readMatFile, whosMat } from './mat.ts';
import {
  isMatArray,
  isMatCell,
  isMatStruct,
  isMatStructArray,
  type MatArray,
  type MatStruct,
  type MatValue,
  type MatWarning,
} from './mat-types.ts';
import { mutate } from './mutate-bytes.ts';
import type { NumericArray } from './typed.ts';

// HDF5 / MAT v7.3 support loads on demand.
await loadHdf5();

const hasScipy = (() => {
  try {
    execFileSync('python3', ['-c', 'import numpy, scipy.io'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const scipyNote = hasScipy ? '' : ' [skipped: python3 with numpy+scipy not available]';

const dir = mkdtempSync(join(tmpdir(), 'concord-mat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = repoPath('data', 'fixtures', 'io');
const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8'));

function values(a: NumericArray): (number | string)[] {
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) return Array.from(a, (v) => v.toString());
  return Array.from(a as ArrayLike<number>);
}

function arr(v: MatValue | undefined): MatArray {
  if (!isMatArray(v)) throw new Error(`expected a numeric array, got ${JSON.stringify(v)?.slice(0, 100)}`);
  return v;
}

describe('committed MAT fixtures (data/fixtures/io)', () => {
  for (const name of ['v5_compressed.mat', 'v5_plain.mat']) {
    it(`${name} (scipy.io.savemat) reads as scipy.io.loadmat reads it`, () => {
      const want = manifest.mat[name];
      const v = readMat(join(fixtures, name));
      for (const k of ['x', 's', 'n', 'flag', 'vol', 'empty', 'sp']) {
        const a = arr(v[k]);
        expect(a.dtype, k).toBe(want[k].dtype);
        expect(a.shape, k).toEqual(want[k].shape);
        expect(values(a.data), k).toEqual(want[k].values);
      }
      expect(arr(v.flag).matlabClass).toBe('logical');
      expect(arr(v.sp).sparse).toBe(true);
      const z = arr(v.z);
      expect(z.shape).toEqual(want.z.shape);
      expect(values(z.data)).toEqual(want.z.real);
      expect(values(z.imag as NumericArray)).toEqual(want.z.imag);
      expect(v.name).toBe(want.name);
      expect(v.rows).toEqual(want.rows);
      const c = v.c;
      if (!isMatCell(c)) throw new Error('c is not a cell');
      expect(c.shape).toEqual(want.c.shape);
      expect(values(arr(c.cell[0]).data)).toEqual(want.c.first);
      expect(c.cell[1]).toBe(want.c.second);
      const st = v.st as MatStruct;
      expect(isMatStruct(st)).toBe(true);
      expect(values(arr(st.a).data)).toEqual(want.st.a);
      expect(st.b).toBe(want.st.b);
      const sa = v.sa;
      if (!isMatStructArray(sa)) throw new Error('sa is not a struct array');
      expect(sa.shape).toEqual(want.sa.shape);
      expect(sa.fields).toEqual(['id', 'label']);
      expect(sa.structs.map((s) => s.label)).toEqual(want.sa.labels);
    });
  }

  it('variableNames reads only the listed variables; whosMat lists all without reading data', () => {
    for (const name of ['v5_compressed.mat', 'v5_plain.mat']) {
      const path = join(fixtures, name);
      expect(Object.keys(readMat(path, { variableNames: ['s', 'st', 'nope'] })).sort()).toEqual(['s', 'st']);
      const who = whosMat(path);
      expect(who.map((w) => w.name).sort()).toEqual(Object.keys(readMat(path)).sort());
      expect(who.find((w) => w.name === 'vol')).toEqual({ name: 'vol', shape: [2, 3, 4], className: 'double' });
      expect(who.find((w) => w.name === 'flag')?.className).toBe('logical');
      expect(who.find((w) => w.name === 'sp')?.className).toBe('sparse');
    }
  });

  it('v5_big_endian.mat (MI byte order, small data elements, double stored as int16)', () => {
    const want = manifest.mat['v5_big_endian.mat'];
    const v = readMat(join(fixtures, 'v5_big_endian.mat'));
    expect(arr(v.m).shape).toEqual(want.m.shape);
    expect(values(arr(v.m).data)).toEqual(want.m.values);
    expect(arr(v.k)).toMatchObject({ dtype: 'int16', shape: [1, 2], matlabClass: 'double' });
    expect(values(arr(v.k).data)).toEqual(want.k.values);
    expect(v.word).toBe(want.word);
    // matDtype: the class's type (scipy mat_dtype=True).
    const k = arr(readMat(join(fixtures, 'v5_big_endian.mat'), { matDtype: true }).k);
    expect(k.dtype).toBe('float64');
    expect(k.data).toBeInstanceOf(Float64Array);
    expect(values(k.data)).toEqual([-7, 300]);
  });
});

// ---- scipy writes, we read ----------------------------------------------------------------------------------

const PY_DESCRIBE = `
import json, sys, numpy as np, scipy.io as sio, scipy.sparse as sp
def nums(a):
    flat = np.ascontiguousarray(a).reshape(-1)
    if a.dtype.kind in 'iu' and a.dtype.itemsize == 8: return [str(int(v)) for v in flat]
    if a.dtype.kind == 'b': return [int(v) for v in flat]
    if a.dtype.kind == 'f': return [float(v) for v in flat]
    return [int(v) for v in flat]
def describe(a):
    if sp.issparse(a):
        d = describe(a.toarray()); d['sparse'] = True; return d
    if a.dtype.kind == 'U':
        return {'kind': 'char', 'shape': list(a.shape), 'strings': [str(s) for s in a.reshape(-1)]}
    if a.dtype.kind == 'O':
        return {'kind': 'cell', 'shape': list(a.shape), 'items': [describe(x) for x in a.reshape(-1)]}
    if a.dtype.names:
        return {'kind': 'struct', 'shape': list(a.shape), 'fields': list(a.dtype.names),
                'items': [{f: describe(el[f]) for f in a.dtype.names} for el in a.reshape(-1)]}
    if a.dtype.kind == 'c':
        return {'kind': 'num', 'dtype': a.real.dtype.newbyteorder('=').name, 'shape': list(a.shape), 'values': nums(a.real), 'imag': nums(a.imag)}
    return {'kind': 'num', 'dtype': a.dtype.newbyteorder('=').name, 'shape': list(a.shape), 'values': nums(a)}
`;

// biome-ignore lint/suspicious/noExplicitAny: JSON from Python
type Desc = any;

function compare(v: MatValue | undefined, d: Desc, where: string): void {
  switch (d.kind) {
    case 'num': {
      const a = arr(v);
      expect(a.shape, `${where} shape`).toEqual(d.shape);
      expect(a.dtype, `${where} dtype`).toBe(d.dtype);
      expect(values(a.data), `${where} values`).toEqual(d.values);
      if (d.imag) expect(values(a.imag as NumericArray), `${where} imag`).toEqual(d.imag);
      if (d.sparse) expect(a.sparse).toBe(true);
      return;
    }
    case 'char': {
      if (d.strings.length === 1) expect(v, where).toBe(d.strings[0]);
      else if (d.strings.length === 0) expect(v, where).toBe('');
      else expect(v, where).toEqual(d.strings);
      return;
    }
    case 'cell': {
      if (!isMatCell(v)) throw new Error(`${where}: not a cell`);
      expect(v.shape, `${where} shape`).toEqual(d.shape);
      d.items.forEach((item: Desc, i: number) => {
        compare(v.cell[i], item, `${where}{${i}}`);
      });
      return;
    }
    case 'struct': {
      const single = d.shape.length === 2 && d.shape[0] === 1 && d.shape[1] === 1;
      const structs: MatStruct[] = single ? [v as MatStruct] : isMatStructArray(v) ? v.structs : [];
      if (!single) {
        if (!isMatStructArray(v)) throw new Error(`${where}: not a struct array`);
        expect(v.shape, `${where} shape`).toEqual(d.shape);
        expect(v.fields).toEqual(d.fields);
      } else expect(Object.keys(structs[0])).toEqual(d.fields);
      d.items.forEach((item: Record<string, Desc>, i: number) => {
        for (const [f, sub] of Object.entries(item)) compare(structs[i][f], sub, `${where}(${i}).${f}`);
      });
      return;
    }
  }
}

(hasScipy ? describe : describe.skip)(
  `scipy.io.savemat writes, we read what scipy.io.loadmat reads${scipyNote}`,
  () => {
    for (const compressed of [false, true]) {
      it(`every class, shape and nesting (${compressed ? 'compressed' : 'uncompressed'})`, () => {
        const file = join(dir, `scipy-${compressed}.mat`);
        const code = `${PY_DESCRIBE}
rng = np.random.default_rng(3)
v = {}
for dt in ['float64','float32','int8','uint8','int16','uint16','int32','uint32','int64','uint64']:
    info = np.finfo(dt) if dt.startswith('float') else np.iinfo(dt)
    a = rng.standard_normal((3, 5)).astype(dt) if dt.startswith('float') else rng.integers(info.min, info.max, (3, 5), dtype=dt, endpoint=True)
    v['a_' + dt] = a
v['nd4'] = np.arange(2*3*4*5, dtype=np.float64).reshape(2, 3, 4, 5)
v['logic'] = rng.integers(0, 2, (4, 3)).astype(bool)
v['cplx'] = (rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3)))
v['cplx64'] = (rng.standard_normal((1, 4)) + 1j * rng.standard_normal((1, 4))).astype(np.complex64)
v['uni'] = 'naïve – ☃ text'
v['charmat'] = np.array(['abc', 'de ', 'xyz'])
v['empty_char'] = ''
v['empty_num'] = np.zeros((0, 4))
v['empty_cell'] = np.empty((0, 0), dtype=object)
inner = np.empty((2, 2), dtype=object)
inner[0, 0] = np.array([[1.0]]); inner[0, 1] = 'x'; inner[1, 0] = np.int8([[1, 2, 3]]); inner[1, 1] = {'deep': np.array([[5.0, 6.0]])}
v['cells'] = inner
sa = np.zeros((2, 3), dtype=[('a', object), ('b', object)])
for i in range(2):
    for j in range(3):
        sa[i, j] = (np.array([[i * 10.0 + j]]), 'r%dc%d' % (i, j))
v['sarr'] = sa
v['nested'] = {'level1': {'level2': {'val': np.arange(6.0).reshape(2, 3)}, 'name': 'n'}, 'list': inner}
v['spd'] = sp.random(6, 5, density=0.4, random_state=4, format='csc')
v['spb'] = sp.csc_matrix(np.array([[True, False], [False, True], [True, True]]))
v['spc'] = sp.csc_matrix(np.array([[1 + 1j, 0], [0, 2 - 3j]]))
sio.savemat(sys.argv[1], v, do_compression=sys.argv[2] == '1')
d = sio.loadmat(sys.argv[1])
print(json.dumps({k: describe(d[k]) for k in d if not k.startswith('__')}))
`;
        const want: Record<string, Desc> = JSON.parse(
          execFileSync('python3', ['-c', code, file, compressed ? '1' : '0'], {
            encoding: 'utf8',
            maxBuffer: 64 << 20,
          }),
        );
        const got = readMatFile(file);
        expect(got.warnings).toEqual([]);
        expect(Object.keys(got.variables).sort()).toEqual(Object.keys(want).sort());
        for (const [k, d] of Object.entries(want)) compare(got.variables[k], d, k);
      });
    }
  },
);

// ---- hand-built files: unsupported classes, bad input ------------------------------------------------------------

/** Little-endian MAT v5 pieces for hand-built test files. */
function element(type: number, payload: Uint8Array): Uint8Array {
  const pad = (8 - (payload.length % 8)) % 8;
  const out = new Uint8Array(8 + payload.length + pad);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, payload.length, true);
  out.set(payload, 8);
  return out;
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function u32(...v: number[]): Uint8Array {
  return new Uint8Array(Uint32Array.from(v).buffer);
}
function i32(...v: number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(v).buffer);
}
function matrix(name: string, mxClass: number, dims: number[], ...rest: Uint8Array[]): Uint8Array {
  return element(
    14,
    concat(element(6, u32(mxClass, 0)), element(5, i32(...dims)), element(1, new TextEncoder().encode(name)), ...rest),
  );
}
function header(): Uint8Array {
  const h = new Uint8Array(128).fill(0x20);
  h.set(new TextEncoder().encode('MATLAB 5.0 MAT-file, hand-built by mat.test.ts'));
  new DataView(h.buffer).setUint16(124, 0x0100, true);
  h.set([0x49, 0x4d], 126); // 'IM'
  return h;
}
const doubleVar = (name: string, v: number[]) =>
  matrix(name, 6, [1, v.length], element(9, new Uint8Array(Float64Array.from(v).buffer)));
// An opaque object (class 17, e.g. a MATLAB string): array flags, name, then class info the reader never parses.
const opaqueVar = (name: string) =>
  element(
    14,
    concat(
      element(6, u32(17, 0)),
      element(1, new TextEncoder().encode(name)),
      element(1, new TextEncoder().encode('MCOS')),
      element(1, new TextEncoder().encode('string')),
    ),
  );

describe('unsupported classes', () => {
  const file = concat(
    header(),
    doubleVar('before', [1, 2]),
    opaqueVar('label'),
    matrix(
      's',
      2,
      [1, 1],
      element(5, i32(8)),
      element(1, new TextEncoder().encode('ok\0\0\0\0\0\0fh\0\0\0\0\0\0')),
      doubleVar('', [3]),
      opaqueVar(''),
    ),
    doubleVar('after', [4]),
  );

  it('are skipped with a warning naming the variable or field; the rest is read', () => {
    const warnings: MatWarning[] = [];
    const m = decodeMatFile(file, 'objects.mat', { onWarning: (w) => warnings.push(w) });
    expect(Object.keys(m.variables)).toEqual(['before', 's', 'after']);
    expect(values(arr(m.variables.after).data)).toEqual([4]);
    expect(values(arr((m.variables.s as MatStruct).ok).data)).toEqual([3]);
    expect(Object.keys(m.variables.s as MatStruct)).toEqual(['ok']);
    expect(m.warnings.map((w) => w.path)).toEqual(['label', 's.fh']);
    expect(warnings).toEqual(m.warnings);
    expect(m.warnings[0].code).toBe('ERR_IO_MAT_UNSUPPORTED_CLASS');
    expect(m.warnings[0].message).toContain('opaque');
  });

  it('throw a typed error naming the variable and class in strict mode', () => {
    try {
      decodeMat(file, 'objects.mat', { strict: true });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FileFormatError);
      expect((e as FileFormatError).code).toBe('ERR_IO_MAT_UNSUPPORTED_CLASS');
      expect((e as Error).message).toContain('objects.mat');
      expect((e as Error).message).toContain('label');
    }
  });
});

describe('bad MAT input gives a typed error naming the file', () => {
  const good = concat(header(), doubleVar('x', [1, 2, 3]));
  const expectCode = (buf: Uint8Array, code: string, opts = {}) => {
    try {
      decodeMat(buf, 'bad.mat', opts);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FileFormatError);
      expect((e as FileFormatError).code).toBe(code);
      expect((e as Error).message).toContain('bad.mat');
    }
  };
  it('short file, wrong endian indicator, unknown version, v4-looking file', () => {
    expectCode(good.subarray(0, 100), 'ERR_IO_MAT_HEADER');
    const badEndian = good.slice();
    badEndian[126] = 0x41;
    expectCode(badEndian, 'ERR_IO_MAT_HEADER');
    const badVersion = good.slice();
    badVersion[124] = 7;
    expectCode(badVersion, 'ERR_IO_MAT_VERSION');
    const v4 = good.slice();
    v4.set([0, 0, 0, 0], 0);
    v4.set([0, 0], 126);
    expectCode(v4, 'ERR_IO_MAT_VERSION');
  });
  it('truncated data and a lying element size', () => {
    expectCode(good.subarray(0, good.length - 12), 'ERR_IO_MAT_TRUNCATED');
    const lying = good.slice();
    new DataView(lying.buffer).setUint32(132, 1 << 30, true);
    expectCode(lying, 'ERR_IO_MAT_TRUNCATED');
  });
  it('a compressed variable that inflates past maxBytes, and corrupt zlib data', () => {
    const inner = doubleVar(
      'big',
      Array.from({ length: 200_000 }, () => 0),
    );
    const z = zlibSync(inner);
    const bomb = concat(header(), element(15, z).subarray(0, 8 + z.length));
    expect(arr(decodeMat(bomb, 'ok.mat').big).shape).toEqual([1, 200_000]);
    expectCode(bomb, 'ERR_IO_MAT_COMPRESSED', { maxBytes: 100_000 });
    const corrupt = bomb.slice();
    corrupt.fill(0xff, 140, 160);
    expectCode(corrupt, 'ERR_IO_MAT_COMPRESSED');
  });
  it('v7.3 header without HDF5 data', () => {
    const h = header();
    h.set(new TextEncoder().encode('MATLAB 7.3 MAT-file'));
    new DataView(h.buffer).setUint16(124, 0x0200, true);
    expectCode(concat(h, new Uint8Array(600)), 'ERR_IO_MAT_HEADER');
  });
  it('a missing file', () => {
    expect(() => readMat(join(dir, 'missing.mat'))).toThrow(FileFormatError);
  });
});

/** Rewrite a compressed level-5 file with every variable stored uncompressed (same content, parser-visible bytes). */
function uncompress(buf: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [buf.subarray(0, 128)];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 128;
  while (pos + 8 <= buf.length) {
    const type = dv.getUint32(pos, true);
    const n = dv.getUint32(pos + 4, true);
    const body = buf.subarray(pos + 8, pos + 8 + n);
    parts.push(type === 15 ? unzlibSync(body) : buf.subarray(pos, pos + 8 + n));
    pos += 8 + n;
  }
  return concat(...parts);
}

describeWithSharedData(
  ['rsa', 'rsatoolbox', '92imageData', '92_brainRDMs.mat'],
  'compressed and uncompressed storage read alike',
  () => {
    it('92_brainRDMs.mat', () => {
      const buf = new Uint8Array(readFileSync(sharedData('rsa', 'rsatoolbox', '92imageData', '92_brainRDMs.mat')));
      const plain = uncompress(buf);
      expect(plain.length).toBeGreaterThan(buf.length);
      expect(decodeMat(plain, 'plain')).toEqual(decodeMat(buf, 'compressed'));
    });
  },
);

describe('fuzz: mutated MAT files give values or a typed FileFormatError, never another exception', () => {
  function fuzz(bases: Uint8Array[], count: number, seed: number, headerEnd: number) {
    const rng = new Rng(seed);
    let accepted = 0;
    for (let i = 0; i < count; i++) {
      const buf = mutate(bases[i % bases.length], rng, headerEnd);
      try {
        decodeMat(buf, `fuzz${i}.mat`, { maxBytes: 64 << 20 });
        accepted++;
      } catch (e) {
        if (!(e instanceof FileFormatError))
          throw new Error(`mutation ${i} (seed ${seed}): ${(e as Error).name}: ${(e as Error).message}`);
        expect((e as Error).message).toContain(`fuzz${i}.mat`);
      }
      try {
        decodeWhosMat(buf, `fuzz${i}.mat`);
      } catch (e) {
        if (!(e instanceof FileFormatError))
          throw new Error(`whos, mutation ${i} (seed ${seed}): ${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    return accepted;
  }

  it('fixtures: 900 seeded mutations', () => {
    const bases: Uint8Array[] = ['v5_plain.mat', 'v5_compressed.mat', 'v5_big_endian.mat'].map(
      (n) => new Uint8Array(readFileSync(join(fixtures, n))),
    );
    bases.push(uncompress(bases[1]));
    const accepted = fuzz(bases, 900, 99, 1024);
    expect(accepted).toBeGreaterThan(0);
  });

  it.runIf(hasSharedMat())(
    'shared files (EEGLAB .set uncompressed, 92-image RDMs uncompressed): 200 seeded mutations',
    () => {
      const bases = [
        new Uint8Array(readFileSync(sharedData('eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_event_duration.set'))),
        uncompress(new Uint8Array(readFileSync(sharedData('rsa', 'rsatoolbox', '92imageData', '92_brainRDMs.mat')))),
      ];
      fuzz(bases, 200, 7, 4096);
    },
  );
});

function hasSharedMat(): boolean {
  try {
    readFileSync(sharedData('eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_event_duration.set'));
    readFileSync(sharedData('rsa', 'rsatoolbox', '92imageData', '92_brainRDMs.mat'));
    return true;
  } catch {
    return false;
  }
}

describeWithSharedData(
  ['eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_h5.set'],
  'fuzz: mutated MAT v7.3 (HDF5) files',
  () => {
    it('24 seeded mutations give values or typed errors, and h5wasm still reads a valid file afterwards', () => {
      const path = sharedData('eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_h5.set');
      const base = new Uint8Array(readFileSync(path));
      const rng = new Rng(5);
      for (let i = 0; i < 24; i++) {
        try {
          decodeMat(mutate(base, rng, 4096), `fuzz${i}.set`);
        } catch (e) {
          if (!(e instanceof FileFormatError))
            throw new Error(`mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
          expect((e as Error).message).toContain(`fuzz${i}.set`);
        }
      }
      const eeg = readMat(path).EEG as MatStruct;
      expect(values(arr(eeg.nbchan).data)).toEqual([32]);
    });
  },
);
