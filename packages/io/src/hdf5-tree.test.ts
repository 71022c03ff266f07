/**
 * writeHdf5Tree / readHdf5Tree. Reference: h5py (Debian python3-h5py 3.7 at /usr/bin/python3, or h5py on the
 * default python3) reads what we write and writes files we read, inside the test; the h5py suites skip visibly
 * when no python3 has h5py.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHdf5 } from './h5wasm-runtime.ts';
import {
  decodeHdf5Tree,
  encodeHdf5Tree,
  HDF5_TREE_ERRORS,
  type Hdf5TreeDataset,
  type Hdf5TreeGroup,
  hdf5,
  readHdf5Tree,
  writeHdf5Tree,
} from './hdf5-tree.ts';

// HDF5 / MAT v7.3 support loads on demand.
await loadHdf5();

const dir = mkdtempSync(join(tmpdir(), 'concord-h5tree-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first python3 that imports h5py, or undefined. */
const pythonWithH5py = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import h5py, numpy'], { encoding: 'utf8' }).status === 0,
);

function python(code: string): string {
  const r = spawnSync(pythonWithH5py as string, ['-c', code], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

function sampleTree(): Hdf5TreeGroup {
  return hdf5.group(
    {
      f64: hdf5.numeric(Float64Array.of(1.5, Number.NaN, -0, 5e-324, Number.POSITIVE_INFINITY, 1 / 3), [2, 3]),
      f32: hdf5.numeric(Float32Array.of(0.1, 0.2)),
      i8: hdf5.numeric(Int8Array.of(-128, 127)),
      i16: hdf5.numeric(Int16Array.of(-32768, 32767)),
      i32: hdf5.numeric(Int32Array.of(-(2 ** 31), 2 ** 31 - 1)),
      i64: hdf5.numeric(BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n)),
      u8: hdf5.numeric(Uint8Array.of(0, 255)),
      u16: hdf5.numeric(Uint16Array.of(65535)),
      u32: hdf5.numeric(Uint32Array.of(2 ** 32 - 1)),
      u64: hdf5.numeric(BigUint64Array.of(2n ** 64n - 1n)),
      scalar: hdf5.numeric(Float64Array.of(2.5), []),
      empty: hdf5.numeric(new Float64Array(0), [0]),
      ascii: hdf5.strings(['face', 'house', '', 'a']),
      utf8: hdf5.strings(['café', 'x']),
      vlenAscii: hdf5.strings(['a', 'bc'], [2], 'vlen'),
      grid: hdf5.strings(['a', 'b', 'c', 'd'], [2, 2]),
      nested: hdf5.group({ deeper: hdf5.group({ v: hdf5.numeric(Float64Array.of(7)) }, { note: 'deep' }) }),
    },
    { title: 'concord', n: 3, big: 2n ** 40n, names: ['x', 'yy'], weights: Float32Array.of(0.5, 0.25) },
  );
}

describe('writeHdf5Tree → readHdf5Tree', () => {
  const path = join(dir, 'round.h5');
  writeHdf5Tree(path, sampleTree());
  const back = readHdf5Tree(path);

  it('numeric datasets: dtype, shape and bits preserved', () => {
    const want = sampleTree();
    for (const [k, node] of Object.entries(want.children)) {
      if (node.kind !== 'dataset' || node.dtype === 'string') continue;
      const got = back.children[k] as Hdf5TreeDataset;
      expect(got.dtype, k).toBe(node.dtype);
      expect(got.shape, k).toEqual(node.shape);
      expect(got.data?.constructor, k).toBe(node.data?.constructor);
      expect(new Uint8Array((got.data as Float64Array).buffer), k).toEqual(
        new Uint8Array((node.data as Float64Array).slice().buffer),
      );
    }
  });

  it('string datasets: values, shape and storage (fixed ASCII unless told or non-ASCII)', () => {
    expect(back.children.ascii).toMatchObject({ shape: [4], strings: ['face', 'house', '', 'a'], stringType: 'fixed' });
    expect(back.children.utf8).toMatchObject({ strings: ['café', 'x'], stringType: 'vlen' });
    expect(back.children.vlenAscii).toMatchObject({ strings: ['a', 'bc'], stringType: 'vlen' });
    expect(back.children.grid).toMatchObject({ shape: [2, 2], strings: ['a', 'b', 'c', 'd'] });
  });

  it('groups and attributes', () => {
    expect(back.attrs).toEqual({ title: 'concord', n: 3, big: 2 ** 40, names: ['x', 'yy'], weights: [0.5, 0.25] });
    const deeper = (back.children.nested as Hdf5TreeGroup).children.deeper as Hdf5TreeGroup;
    expect(deeper.attrs).toEqual({ note: 'deep' });
    expect(Array.from((deeper.children.v as Hdf5TreeDataset).data as Float64Array)).toEqual([7]);
  });
});

describe('writeHdf5Tree errors: typed, naming the node, no partial file', () => {
  const cases: [string, Hdf5TreeGroup, RegExp][] = [
    ['null dataspace', hdf5.group({ e: { kind: 'dataset', dtype: 'float32', shape: null } }), /\/e.*null dataspace/],
    ['shape mismatch', hdf5.group({ x: hdf5.numeric(Float64Array.of(1, 2, 3), [2, 2]) }), /\/x.*needs 4 values/],
    ['non-ASCII fixed', hdf5.group({ s: hdf5.strings(['é'], [1], 'fixed') }), /\/s.*ASCII/],
    ['bad name', hdf5.group({ 'a/b': hdf5.numeric(Float64Array.of(1)) }), /invalid HDF5 link name/],
    ['bad attribute', hdf5.group({}, { a: [1, 'x'] as unknown as string[] }), /@a.*attribute values/],
  ];
  for (const [name, tree, message] of cases) {
    it(name, () => {
      const path = join(dir, `bad-${name.replace(/\W/g, '')}.h5`);
      let err: unknown;
      try {
        writeHdf5Tree(path, tree);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FileFormatError);
      expect((err as FileFormatError).code).toBe(HDF5_TREE_ERRORS.WRITE);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(path);
      expect(existsSync(path)).toBe(false);
    });
  }

  it('reading bytes that are not HDF5 is ERR_IO_HDF5', () => {
    expect(() => decodeHdf5Tree(new TextEncoder().encode('not an hdf5 file at all'), 'x.h5')).toThrow(
      expect.objectContaining({ code: 'ERR_IO_HDF5' }),
    );
  });

  it('truncated or damaged files are typed errors (never a crash, hang or partial tree)', () => {
    const good = encodeHdf5Tree(sampleTree());
    const cuts = [8, 100, Math.floor(good.length / 2), good.length - 200];
    for (const cut of cuts) {
      let err: unknown;
      try {
        decodeHdf5Tree(good.subarray(0, cut), `cut-${cut}.h5`);
      } catch (e) {
        err = e;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(FileFormatError);
      expect((err as FileFormatError).code, `cut at ${cut}`).toMatch(/^ERR_IO_HDF5/);
    }
    // Damage inside the superblock's addresses.
    const damaged = good.slice();
    for (let i = 24; i < 48; i++) damaged[i] = 0xff;
    expect(() => decodeHdf5Tree(damaged, 'damaged.h5')).toThrow(FileFormatError);
  });

  it('the in-memory file system is left clean after writes and failures', async () => {
    const fs = (await import('h5wasm/node')).FS;
    if (!fs) throw new Error('h5wasm has no file system');
    const before = (fs.readdir('/') as string[]).filter((f) => f.startsWith('concord-')).length;
    encodeHdf5Tree(sampleTree());
    expect(() => encodeHdf5Tree(hdf5.group({ e: { kind: 'dataset', dtype: 'float32', shape: null } }))).toThrow();
    const after = (fs.readdir('/') as string[]).filter((f) => f.startsWith('concord-')).length;
    expect(after).toBe(before);
    expect(readdirSync(dir).some((f) => f.includes('.tmp'))).toBe(false);
  });
});

describe.skipIf(!pythonWithH5py)(`h5py interoperability (${pythonWithH5py ?? 'no python3 with h5py: skipped'})`, () => {
  it('h5py reads what writeHdf5Tree writes, with h5py dtypes', () => {
    const path = join(dir, 'for-h5py.h5');
    writeHdf5Tree(path, sampleTree());
    const out = python(`
import h5py, json, numpy as np
f = h5py.File(${JSON.stringify(path)}, 'r')
res = {'datasets': {}, 'attrs': {}}
def visit(name, o):
    if isinstance(o, h5py.Dataset):
        v = o[()]
        if o.dtype.kind in 'SO':
            vals = [x.decode('utf-8') for x in np.asarray(v).ravel()]
        else:
            vals = np.asarray(v, dtype=np.float64).ravel().tolist() if o.dtype.kind == 'f' else [str(x) for x in np.asarray(v).ravel()]
        res['datasets'][name] = {'dtype': o.dtype.str if o.dtype.kind != 'O' else 'vlen-' + str(h5py.check_string_dtype(o.dtype).encoding), 'shape': list(o.shape), 'values': vals}
f.visititems(visit)
for k, v in f.attrs.items():
    res['attrs'][k] = [type(v).__name__, np.asarray(v).tolist() if not isinstance(v, str) else v]
res['deep'] = f['nested/deeper'].attrs['note']
print(json.dumps(res, allow_nan=True))
`);
    const got = JSON.parse(out.replace(/\bNaN\b/g, 'null').replace(/\bInfinity\b/g, '"inf"'));
    const d = got.datasets;
    expect(d.f64).toEqual({ dtype: '<f8', shape: [2, 3], values: [1.5, null, -0, 5e-324, 'inf', 1 / 3] });
    expect(d.f32.dtype).toBe('<f4');
    expect(d.i64).toEqual({ dtype: '<i8', shape: [2], values: [String(-(2n ** 63n)), String(2n ** 63n - 1n)] });
    expect(d.u64.values).toEqual([String(2n ** 64n - 1n)]);
    for (const [k, t] of Object.entries({ i8: '|i1', i16: '<i2', i32: '<i4', u8: '|u1', u16: '<u2', u32: '<u4' }))
      expect(d[k].dtype, k).toBe(t);
    expect(d.scalar).toEqual({ dtype: '<f8', shape: [], values: [2.5] });
    expect(d.empty.shape).toEqual([0]);
    // numpy 'S' width = longest string, as arr.astype('S') makes it.
    expect(d.ascii).toEqual({ dtype: '|S5', shape: [4], values: ['face', 'house', '', 'a'] });
    expect(d.utf8).toEqual({ dtype: 'vlen-utf-8', shape: [2], values: ['café', 'x'] });
    expect(d.grid).toEqual({ dtype: '|S1', shape: [2, 2], values: ['a', 'b', 'c', 'd'] });
    expect(got.attrs.title).toEqual(['str', 'concord']);
    expect(got.attrs.n).toEqual(['float64', 3]);
    expect(got.attrs.big).toEqual(['int64', 2 ** 40]);
    expect(got.attrs.names).toEqual(['ndarray', ['x', 'yy']]);
    expect(got.attrs.weights).toEqual(['ndarray', [0.5, 0.25]]);
    expect(got.deep).toBe('deep');
  });

  it('readHdf5Tree reads what h5py writes: Empty, bool, NULLPAD bytes, vlen str, nested groups, attrs', () => {
    const path = join(dir, 'from-h5py.h5');
    python(`
import h5py, numpy as np
with h5py.File(${JSON.stringify(path)}, 'w') as f:
    f.attrs['version'] = '0.0.1'
    f.attrs['count'] = 4
    f.attrs['names'] = ['p', 'qq']
    f['m'] = np.arange(6, dtype=np.float64).reshape(2, 3) / 7
    f['i'] = np.array([1, -2, 3], dtype=np.int64)
    f['b'] = np.array([True, False])
    f['s'] = np.array(['face', 'a']).astype('S')
    f['v'] = np.array(['café', 'x'], dtype=h5py.string_dtype())
    f['none'] = h5py.Empty('f')
    f['sc'] = 3.25
    g = f.create_group('g')
    g.attrs['label'] = 'inner'
    g.create_group('h')['z'] = np.array([9], dtype=np.int32)
`);
    const t = readHdf5Tree(path);
    expect(t.attrs).toEqual({ version: '0.0.1', count: 4, names: ['p', 'qq'] });
    const c = t.children as Record<string, Hdf5TreeDataset>;
    expect(c.m.shape).toEqual([2, 3]);
    expect(Array.from(c.m.data as Float64Array)).toEqual([0, 1, 2, 3, 4, 5].map((x) => x / 7));
    expect(c.i.data).toEqual(BigInt64Array.of(1n, -2n, 3n));
    expect(Array.from(c.b.data as Int8Array, Number)).toEqual([1, 0]);
    expect(c.s).toMatchObject({ dtype: 'string', strings: ['face', 'a'], stringType: 'fixed' });
    expect(c.v).toMatchObject({ dtype: 'string', strings: ['café', 'x'], stringType: 'vlen' });
    expect(c.none).toMatchObject({ kind: 'dataset', shape: null, dtype: 'float32' });
    expect(c.sc).toMatchObject({ shape: [], dtype: 'float64' });
    expect(Array.from(c.sc.data as Float64Array)).toEqual([3.25]);
    const g = t.children.g as Hdf5TreeGroup;
    expect(g.attrs).toEqual({ label: 'inner' });
    expect(((g.children.h as Hdf5TreeGroup).children.z as Hdf5TreeDataset).data).toEqual(Int32Array.of(9));
  });
});
