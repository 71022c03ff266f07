/**
 * Conformance: every MAT file in ../shared/data has a *.matinfo.json beside it, written by scipy.io.loadmat 1.10.1
 * (v5) or h5py 3.7.0 (v7.3): variables, shapes, dtypes, first values and sums. We read each file and check every
 * listed variable: same kind, shape and dtype, first values exactly, sums to 1e-12 relative for floats (exact for
 * integers). Sums are NaN-ignoring, as in the reference (a NaN first value beside a sum of 0).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { expect, it } from 'vitest';
import { loadHdf5 } from './h5wasm-runtime.ts';
import { readHdf5 } from './hdf5.ts';
import { readMatFile, whosMat } from './mat.ts';
import { isMatArray, isMatCell, isMatStructArray, type MatStruct, type MatValue } from './mat-types.ts';
import type { NumericArray } from './typed.ts';

// HDF5 / MAT v7.3 support loads on demand.
await loadHdf5();

// biome-ignore lint/suspicious/noExplicitAny: reference JSON is untyped
type Info = any;

function findMatFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findMatFiles(p, out);
    else if (name.endsWith('.matinfo.json')) out.push(p.slice(0, -'.matinfo.json'.length));
  }
  return out;
}

function num(v: unknown): number {
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return v as number;
}

function nansum(a: NumericArray): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Number(a[i]);
    if (!Number.isNaN(v)) s += v;
  }
  return s;
}

function expectSum(data: NumericArray, dtype: string, ref: unknown, where: string): void {
  const want = num(ref);
  const got = nansum(data);
  if (dtype.startsWith('float')) {
    expect(Math.abs(got - want), `${where}: sum ${got} vs ${want}`).toBeLessThanOrEqual(
      1e-12 * Math.max(1, Math.abs(want)),
    );
  } else {
    expect(got, `${where}: sum`).toBe(want);
  }
}

function expectFirst(data: NumericArray, ref: unknown[], where: string): void {
  const got = Array.from(data.subarray(0, ref.length) as ArrayLike<number | bigint>, Number);
  expect(got, `${where}: first values`).toEqual(ref.map(num));
}

/** Compare our value with a scipy description (kind numeric/char/cell/struct). */
function compareV5(v: MatValue | undefined, info: Info, where: string): void {
  expect(v, `${where}: missing`).toBeDefined();
  switch (info.kind) {
    case 'numeric': {
      if (!isMatArray(v)) throw new Error(`${where}: expected a numeric array, got ${JSON.stringify(v)?.slice(0, 80)}`);
      expect(v.shape, `${where}: shape`).toEqual(info.shape);
      expect(v.dtype, `${where}: dtype`).toBe(info.dtype);
      if (info.first5_C_order) expectFirst(v.data, info.first5_C_order, where);
      if (info.sum !== undefined) expectSum(v.data, v.dtype, info.sum, where);
      return;
    }
    case 'char': {
      // scipy collapses the last axis into strings: shape [rows].
      const rows = info.shape[0];
      if (rows === 1) expect(v, `${where}: string`).toBe(info.value);
      else if (rows === 0) expect(v === '' || (Array.isArray(v) && v.length === 0), `${where}: empty char`).toBe(true);
      else {
        expect(Array.isArray(v), `${where}: string[]`).toBe(true);
        expect((v as string[]).length).toBe(rows);
        expect((v as string[])[0]).toBe(info.value);
      }
      return;
    }
    case 'cell': {
      if (!isMatCell(v)) throw new Error(`${where}: expected a cell`);
      expect(v.shape, `${where}: shape`).toEqual(info.shape);
      if (info.first_element) compareV5(v.cell[0], info.first_element, `${where}{0}`);
      return;
    }
    case 'struct': {
      let first: MatStruct;
      if (isMatStructArray(v)) {
        expect(v.shape, `${where}: shape`).toEqual(info.shape);
        expect(v.fields, `${where}: fields`).toEqual(info.fields);
        first = v.structs[0];
      } else {
        expect(info.shape, `${where}: a 1x1 struct`).toEqual([1, 1]);
        expect(Object.keys(v as MatStruct), `${where}: fields`).toEqual(info.fields);
        first = v as MatStruct;
      }
      if (info.first_element) {
        for (const [field, sub] of Object.entries(info.first_element))
          compareV5(first[field], sub, `${where}.${field}`);
      }
      return;
    }
    default:
      throw new Error(`${where}: unknown kind ${info.kind} in the reference`);
  }
}

const files = (() => {
  try {
    return findMatFiles(sharedData());
  } catch {
    return [];
  }
})();

describeWithSharedData([], 'MAT files match scipy.io.loadmat / h5py (matinfo.json)', () => {
  it('finds the MAT files', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    const info: Info = JSON.parse(readFileSync(`${file}.matinfo.json`, 'utf8'));
    if (info.format.startsWith('MAT v5')) {
      it(`${basename(file)}: every variable as scipy reads it`, () => {
        const mat = readMatFile(file);
        expect(mat.format).toBe('v5');
        expect(mat.headerText.slice(0, 100)).toBe(info.header_text_116.trimEnd().slice(0, 100));
        expect(Object.keys(mat.variables).sort()).toEqual(info.whosmat.map((w: [string]) => w[0]).sort());
        for (const [name, sub] of Object.entries(info.variables)) compareV5(mat.variables[name], sub, name);
      });

      it(`${basename(file)}: whosMat lists what scipy.io.whosmat lists`, () => {
        expect(whosMat(file).map((w) => [w.name, w.shape, w.className])).toEqual(info.whosmat);
      });
    } else {
      it(`${basename(file)}: every HDF5 dataset as h5py reads it`, () => {
        const all = readHdf5(file);
        const visit = (node: Info, path: string) => {
          if (node.kind === 'group') {
            for (const [k, sub] of Object.entries(node.members)) visit(sub, `${path}/${k}`);
            return;
          }
          const ds = all[path];
          expect(ds, `${path}: missing`).toBeDefined();
          expect(ds.shape, `${path}: shape`).toEqual(node.shape);
          expect(ds.attrs.MATLAB_class, `${path}: MATLAB_class`).toBe(node.MATLAB_class);
          if (node.dtype === 'object') {
            expect(ds.dtype).toBe('reference');
            expect(ds.refs?.every((r) => r.startsWith('/#refs#/'))).toBe(true);
            return;
          }
          expect(ds.dtype, `${path}: dtype`).toBe(node.dtype);
          const data = ds.data as NumericArray;
          expectFirst(data, node['first5_stored_order(HDF5 = transposed MATLAB)'], path);
          expectSum(data, ds.dtype, node.sum, path);
        };
        for (const [name, sub] of Object.entries(info.variables)) visit(sub, `/${name}`);
      });

      it(`${basename(file)}: readMat transposes back to MATLAB's shapes and decodes chars`, () => {
        const mat = readMatFile(file);
        expect(mat.format).toBe('v7.3');
        expect(mat.warnings).toEqual([]);
        const eeg = mat.variables.EEG as MatStruct;
        for (const [field, node] of Object.entries(info.variables.EEG.members) as [string, Info][]) {
          if (node.kind !== 'dataset') continue;
          const v = eeg[field];
          expect(v, `EEG.${field}`).toBeDefined();
          const stored = node['first5_stored_order(HDF5 = transposed MATLAB)'];
          if (node.dtype === 'uint64' && node.shape.length === 1) {
            // MATLAB_empty: the stored values are the (zero) dimensions.
            if (node.MATLAB_class === 'char') expect(v).toBe('');
            else if (node.MATLAB_class === 'double') expect(isMatArray(v) && v.data.length === 0).toBe(true);
          } else if (node.MATLAB_class === 'char') {
            const rows = node.shape[1];
            const text = String.fromCharCode(...stored);
            if (rows === 1) expect((v as string).startsWith(text), `EEG.${field}`).toBe(true);
            else expect((v as string[]).length).toBe(rows);
          } else if (node.MATLAB_class === 'double' || node.MATLAB_class === 'single') {
            if (!isMatArray(v)) throw new Error(`EEG.${field}: not numeric`);
            expect(v.shape).toEqual(node.shape.slice().reverse());
            expectSum(v.data, v.dtype, node.sum, `EEG.${field}`);
            // Stored order is MATLAB's column-major order: element k of a column vector, or (k, 0) of a matrix.
            const rows = v.shape[0];
            const cols = v.shape[1];
            stored.forEach((x: unknown, k: number) => {
              if (k < rows) expect(Number(v.data[k * cols])).toBe(num(x));
            });
          } else if (node.MATLAB_class === 'cell') {
            expect(isMatCell(v) && v.shape).toEqual(node.shape.slice().reverse());
          }
        }
      });
    }
  }
});

describeWithSharedData(
  ['eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_h5.set'],
  'MAT v5 and v7.3 copies of one EEGLAB dataset read alike',
  () => {
    it('test_raw.set (v5) vs test_raw_h5.set (v7.3): events, urevents, scalars, times (matDtype)', () => {
      const dir = sharedData('eeg', 'mne-testing-data', 'EEGLAB');
      const v5 = readMatFile(join(dir, 'test_raw.set'), { matDtype: true }).variables.EEG as MatStruct;
      const v73 = readMatFile(join(dir, 'test_raw_h5.set'), { matDtype: true }).variables.EEG as MatStruct;
      for (const field of ['event', 'urevent', 'setname', 'srate', 'pnts', 'nbchan', 'xmax', 'times', 'ref']) {
        expect(v73[field], field).toEqual(v5[field]);
      }
      expect(isMatStructArray(v5.event) && v5.event.shape).toEqual([1, 154]);
    });
  },
);
