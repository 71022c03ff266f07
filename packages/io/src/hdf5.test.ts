/**
 * Generic HDF5 access. Reference values: h5py 3.7.0's description of the shared MAT v7.3 file
 * (test_raw_h5.set.matinfo.json); files h5wasm writes itself check dtype mapping, strings and references.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import * as h5wasm from 'h5wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHdf5 } from './h5wasm-runtime.ts';
import { listHdf5, readHdf5, readHdf5Dataset } from './hdf5.ts';

// HDF5 / MAT v7.3 support loads on demand.
await loadHdf5();

const dir = mkdtempSync(join(tmpdir(), 'concord-h5-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const setPath = ['eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_h5.set'];

describeWithSharedData(setPath, 'HDF5 datasets of a MAT v7.3 file as h5py reads them', () => {
  const path = sharedData(...setPath);
  // biome-ignore lint/suspicious/noExplicitAny: reference JSON
  const info: any = JSON.parse(readFileSync(`${path}.matinfo.json`, 'utf8'));

  it('readHdf5Dataset: stored shape, dtype, first values, sum and MATLAB_class', () => {
    const times = readHdf5Dataset(path, '/EEG/times');
    const want = info.variables.EEG.members.times;
    expect(times.shape).toEqual(want.shape);
    expect(times.dtype).toBe(want.dtype);
    expect(Array.from(times.data as Float64Array).slice(0, 5)).toEqual(
      want['first5_stored_order(HDF5 = transposed MATLAB)'],
    );
    expect((times.data as Float64Array).reduce((a, b) => a + b, 0)).toBeCloseTo(want.sum, 3);
    expect(times.attrs.MATLAB_class).toBe('double');
    const desc = readHdf5Dataset(path, 'EEG/eventdescription');
    expect(desc.dtype).toBe('reference');
    expect(desc.shape).toEqual(info.variables.EEG.members.eventdescription.shape);
    expect(desc.refs?.every((r) => r.startsWith('/#refs#/'))).toBe(true);
  });

  it('listHdf5 lists every group and dataset with shapes', () => {
    const entries = listHdf5(path);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get('/EEG')?.kind).toBe('group');
    expect(byPath.get('/EEG')?.attrs.MATLAB_class).toBe('struct');
    for (const [k, member] of Object.entries(info.variables.EEG.members) as [
      string,
      { kind: string; shape?: number[] },
    ][]) {
      const e = byPath.get(`/EEG/${k}`);
      expect(e?.kind, k).toBe(member.kind);
      if (member.kind === 'dataset') expect(e?.shape, k).toEqual(member.shape);
    }
    expect(entries.filter((e) => e.path.startsWith('/#refs#/')).length).toBeGreaterThanOrEqual(
      Object.keys(info.variables['#refs#'].members).length,
    );
  });

  it('a missing dataset is a typed error listing what exists', () => {
    try {
      readHdf5Dataset(path, '/EEG/nope');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FileFormatError);
      expect((e as FileFormatError).code).toBe('ERR_IO_HDF5_NOT_FOUND');
      expect((e as Error).message).toContain('#refs#');
    }
  });
});

describe('HDF5 written by h5wasm', () => {
  it('numeric dtypes, strings, groups and references', () => {
    const FS = h5wasm.FS;
    if (!FS) throw new Error('h5wasm FS missing');
    const mem = '/concord-test-write.h5';
    const f = new h5wasm.File(mem, 'w');
    f.create_dataset({ name: 'f64', data: Float64Array.from([1.5, -2, 3]), shape: [3, 1] });
    f.create_dataset({ name: 'f32', data: Float32Array.from([0.25, 8]), shape: [2] });
    f.create_dataset({ name: 'i16', data: Int16Array.from([-7, 8, 9, 10]), shape: [2, 2] });
    f.create_dataset({ name: 'u64', data: BigUint64Array.from([2n ** 64n - 1n]), shape: [1] });
    f.create_dataset({ name: 'words', data: ['alpha', 'beta'] });
    const g = f.create_group('grp');
    g.create_dataset({ name: 'inner', data: Int32Array.from([42]), shape: [1] });
    f.create_dataset({
      name: 'refs',
      data: [g.create_reference(), (f.get('f64') as h5wasm.Dataset).create_reference()],
    });
    (f.get('f64') as h5wasm.Dataset).create_attribute('unit', 'volt');
    f.close();
    const bytes = FS.readFile(mem);
    FS.unlink(mem);
    const path = join(dir, 'written.h5');
    writeFileSync(path, bytes);

    const all = readHdf5(path);
    expect(all['/f64']).toMatchObject({ dtype: 'float64', shape: [3, 1], attrs: { unit: 'volt' } });
    expect(Array.from(all['/f64'].data as Float64Array)).toEqual([1.5, -2, 3]);
    expect(all['/f32'].dtype).toBe('float32');
    expect(Array.from(all['/i16'].data as Int16Array)).toEqual([-7, 8, 9, 10]);
    expect(all['/i16'].dtype).toBe('int16');
    expect(all['/u64'].dtype).toBe('uint64');
    expect((all['/u64'].data as BigUint64Array)[0]).toBe(2n ** 64n - 1n);
    expect(all['/words'].strings).toEqual(['alpha', 'beta']);
    expect(all['/grp/inner'].data?.[0]).toBe(42);
    expect(all['/refs'].refs).toEqual(['/grp', '/f64']);
  });

  it('a file that is not HDF5 is a typed error', () => {
    const path = join(dir, 'not.h5');
    writeFileSync(path, 'plain text, not HDF5');
    expect(() => readHdf5(path)).toThrow(FileFormatError);
    expect(() => listHdf5(path)).toThrow(/not\.h5/);
  });
});
