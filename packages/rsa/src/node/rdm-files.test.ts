/**
 * saveRdms / loadRdms (the CLI's `concord rdm --out` / `rdm convert` are tested in packages/cli/src/rdm-files.test.ts).
 *
 * rsatoolbox itself is not installed on this machine (not installable here). Interoperability is checked against
 * h5py (Debian python3-h5py at /usr/bin/python3, or h5py on the default python3) running a transcription of
 * rsatoolbox's own code inside the test: `write_dict_hdf5`/`_write_to_group`/`_write_list` and
 * `read_dict_hdf5`/`_read_group` from rsatoolbox/io/hdf5.py, applied to the dictionary `RDMs.to_dict()` makes
 * (rsatoolbox/rdm/rdms.py). Those suites skip visibly when no python3 has h5py.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listHdf5, loadHdf5, readHdf5Tree, readNpy, writeNpy } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { Rdms } from '../rdms.ts';
import { loadRdms, rdmFileFormat, saveRdms } from './rdm-files.ts';

// HDF5 / MAT v7.3 support loads on demand.
await loadHdf5();

const dir = mkdtempSync(join(tmpdir(), 'concord-rdm-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pythonWithH5py = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import h5py, numpy'], { encoding: 'utf8' }).status === 0,
);

function python(code: string): string {
  const r = spawnSync(pythonWithH5py as string, ['-c', code], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

/** rsatoolbox/io/hdf5.py, transcribed (np.string_ spelled np.bytes_, its alias, so numpy 2 runs it too). */
const RSATOOLBOX_HDF5 = `
import os
from collections.abc import Iterable
from h5py import File, Group, Empty
import numpy as np

def write_dict_hdf5(file, dictionary):
    if isinstance(file, str):
        if os.path.exists(file):
            raise ValueError('File already exists!')
    file = File(file, 'a')
    file.attrs['rsatoolbox_version'] = '0.0.1'
    _write_to_group(file, dictionary)
    return file

def _write_to_group(group, dictionary):
    for key in dictionary.keys():
        value = dictionary[key]
        if isinstance(value, str):
            group.attrs[key] = str(value)
        elif isinstance(value, np.ndarray):
            if str(value.dtype)[:2] == '<U':
                group[key] = value.astype('S')
            else:
                group[key] = value
        elif isinstance(value, list):
            _write_list(group, key, value)
        elif isinstance(value, dict):
            subgroup = group.create_group(key)
            _write_to_group(subgroup, value)
        elif value is None:
            group[key] = Empty("f")
        elif isinstance(value, Iterable):
            if isinstance(value[0], str):
                group.attrs[key] = value
        else:
            group[key] = value

def _write_list(group, key, value):
    try:
        value = np.array(value)
        if str(value.dtype)[:2] == '<U':
            group[key] = value.astype('S')
        else:
            group[key] = value
    except TypeError:
        l_group = group.create_group(key)
        for i, v in enumerate(value):
            l_group[str(i)] = v

def read_dict_hdf5(file):
    file = File(file, 'r')
    return _read_group(file)

def _read_group(group):
    dictionary = {}
    for key in group.keys():
        if isinstance(group[key], Group):
            dictionary[key] = _read_group(group[key])
        elif group[key].shape is None:
            dictionary[key] = None
        else:
            dictionary[key] = np.array(group[key])
            if dictionary[key].dtype.type is np.bytes_:
                dictionary[key] = np.array(group[key]).astype('unicode')
    for key in group.attrs.keys():
        dictionary[key] = group.attrs[key]
    return dictionary
`;

/** Vectors with NaN, a subnormal, negative zero and a repeating binary fraction: bit-exactness matters. */
const VECTORS = [
  [0.1, 0.2, Number.NaN, 5e-324, -0, 1 / 3],
  [1, 2, 3, 4, 5, 6],
];

function sample(): Rdms {
  return Rdms.fromVectors(VECTORS, {
    dissimilarityMeasure: 'crossnobis',
    descriptors: { cvDescriptor: 'run', nVoxels: 120 },
    rdmDescriptors: { subject: ['s01', 's02'] },
    patternDescriptors: { stim: ['face', 'house', 'car', 'dog'] },
  });
}

function bits(a: ArrayLike<number>): string[] {
  const f = Float64Array.from(a);
  return Array.from(new BigUint64Array(f.buffer), (b) => b.toString(16));
}

describe('saveRdms / loadRdms round trips', () => {
  for (const ext of ['.h5', '.hdf5', '.json']) {
    it(`${ext}: vectors bit-exact (NaN, subnormal; -0 except in JSON), measure and descriptors`, () => {
      const path = join(dir, `round${ext}`);
      const rdms = sample();
      saveRdms(path, rdms);
      const back = loadRdms(path);
      // JSON has no negative zero (JSON.stringify(-0) is "0"); everything else, NaN (as null) included, is exact.
      const want =
        ext === '.json' ? rdms.dissimilarities.data.map((x) => (Object.is(x, -0) ? 0 : x)) : rdms.dissimilarities.data;
      expect(bits(back.dissimilarities.data)).toEqual(bits(want));
      expect(back.dissimilarityMeasure).toBe('crossnobis');
      expect(back.descriptors).toEqual(rdms.descriptors);
      expect(back.rdmDescriptors).toEqual(rdms.rdmDescriptors);
      expect(back.patternDescriptors).toEqual(rdms.patternDescriptors);
    });
  }

  it('.npy: the vectors as a 2-D float64 array (nRdms × nPairs), read back bit-exact', () => {
    const path = join(dir, 'round.npy');
    saveRdms(path, sample());
    const raw = readNpy(path);
    expect(raw.shape).toEqual([2, 6]);
    expect(raw.dtype).toBe('float64');
    expect(bits(loadRdms(path).dissimilarities.data)).toEqual(bits(VECTORS.flat()));
    // A 1-D file (what `concord rdm --out x.npy` writes) is one RDM.
    const one = join(dir, 'one.npy');
    writeNpy(one, { data: Float64Array.of(1, 2, 3), shape: [3] });
    expect(loadRdms(one).nCond).toBe(3);
  });

  it('unknown extensions and damaged files are typed errors naming the file or parameter', () => {
    expect(() => rdmFileFormat('x.mat', '--out')).toThrow(/--out: "x.mat": RDM files end in .h5, .hdf5, .npy, .json/);
    expect(() => saveRdms(join(dir, 'x.txt'), sample())).toThrow(
      expect.objectContaining({ code: 'ERR_RSA_FILE_EXTENSION' }),
    );
    const bad = join(dir, 'bad.h5');
    writeFileSync(bad, 'not hdf5');
    expect(() => loadRdms(bad)).toThrow(expect.objectContaining({ code: 'ERR_IO_HDF5' }));
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"no": 1}');
    expect(() => loadRdms(badJson)).toThrow(/bad\.json.*dissimilarities/);
  });
});

describe('the written HDF5 file, listed generically (h5wasm)', () => {
  it('has exactly the groups, datasets, dtypes and attributes rsatoolbox write_dict_hdf5 makes from to_dict()', () => {
    const path = join(dir, 'layout.h5');
    saveRdms(path, sample());
    // rsatoolbox: str → attribute of the group; int → int64 scalar dataset; list of str → np.array(...).astype('S')
    // (fixed-length bytes); list of int (index) → int64; the dissimilarities ndarray → float64 nRdms × nPairs.
    expect(listHdf5(path)).toEqual([
      { path: '/descriptors', kind: 'group', attrs: { cvDescriptor: 'run' } },
      { path: '/descriptors/nVoxels', kind: 'dataset', shape: [], dtype: 'int64', attrs: {} },
      { path: '/dissimilarities', kind: 'dataset', shape: [2, 6], dtype: 'float64', attrs: {} },
      { path: '/pattern_descriptors', kind: 'group', attrs: {} },
      { path: '/pattern_descriptors/index', kind: 'dataset', shape: [4], dtype: 'int64', attrs: {} },
      { path: '/pattern_descriptors/stim', kind: 'dataset', shape: [4], dtype: 'string', attrs: {} },
      { path: '/rdm_descriptors', kind: 'group', attrs: {} },
      { path: '/rdm_descriptors/index', kind: 'dataset', shape: [2], dtype: 'int64', attrs: {} },
      { path: '/rdm_descriptors/subject', kind: 'dataset', shape: [2], dtype: 'string', attrs: {} },
    ]);
    const tree = readHdf5Tree(path);
    // write_dict_hdf5 stamps the version; to_dict's dissimilarity_measure (a str) becomes a root attribute.
    expect(tree.attrs).toEqual({ dissimilarity_measure: 'crossnobis', rsatoolbox_version: '0.0.1' });
    const stim = (tree.children.pattern_descriptors as { children: Record<string, unknown> }).children.stim;
    expect(stim).toMatchObject({ stringType: 'fixed', strings: ['face', 'house', 'car', 'dog'] });
  });
});

describe.skipIf(!pythonWithH5py)(
  `rsatoolbox's HDF5 code (transcribed, run with ${pythonWithH5py ?? 'no python3 with h5py: skipped'})`,
  () => {
    it('Concord reads what rsatoolbox rdms.save(path, file_type="hdf5") writes', () => {
      const path = join(dir, 'from-rsatoolbox.h5');
      python(`${RSATOOLBOX_HDF5}
rdm_dict = {
    'dissimilarities': np.array([[0.1, 0.2, np.nan, 5e-324, -0.0, 1/3], [1, 2, 3, 4, 5, 6.0]]),
    'descriptors': {'cv_descriptor': 'run', 'n_voxels': 120, 'noise': None, 'session': {'name': 'a', 'day': 3}},
    'rdm_descriptors': {'subject': ['s01', 's02'], 'weight': np.array([0.5, 1.5]), 'index': [0, 1]},
    'pattern_descriptors': {'stim': ['face', 'house', 'car', 'dog'], 'index': list(range(4))},
    'dissimilarity_measure': 'crossnobis',
}
write_dict_hdf5(${JSON.stringify(path)}, rdm_dict).close()
`);
      const r = loadRdms(path);
      expect(bits(r.dissimilarities.data)).toEqual(bits(VECTORS.flat()));
      expect(r.dissimilarityMeasure).toBe('crossnobis');
      expect(r.descriptors).toEqual({
        cv_descriptor: 'run',
        n_voxels: 120,
        noise: null,
        session: { name: 'a', day: 3 },
      });
      expect(r.rdmDescriptors).toEqual({ subject: ['s01', 's02'], weight: [0.5, 1.5], index: [0, 1] });
      expect(r.patternDescriptors).toEqual({ stim: ['face', 'house', 'car', 'dog'], index: [0, 1, 2, 3] });
      // Written again by Concord: the None descriptor is left out (h5wasm cannot write h5py.Empty), the rest kept.
      const again = join(dir, 'from-rsatoolbox-again.h5');
      saveRdms(again, r);
      const r2 = loadRdms(again);
      expect(r2.descriptors).toEqual({ cv_descriptor: 'run', n_voxels: 120, session: { name: 'a', day: 3 } });
      expect(bits(r2.dissimilarities.data)).toEqual(bits(VECTORS.flat()));
      expect(r2.rdmDescriptors).toEqual(r.rdmDescriptors);
    });

    it('a measure of None (written as h5py.Empty) reads as ""', () => {
      const path = join(dir, 'none-measure.h5');
      python(`${RSATOOLBOX_HDF5}
write_dict_hdf5(${JSON.stringify(path)}, {'dissimilarities': np.array([[1.0, 2.0, 3.0]]), 'descriptors': {},
    'rdm_descriptors': {'index': [0]}, 'pattern_descriptors': {'index': [0, 1, 2]},
    'dissimilarity_measure': None}).close()
`);
      const r = loadRdms(path);
      expect(r.dissimilarityMeasure).toBe('');
      expect(Array.from(r.getVector(0))).toEqual([1, 2, 3]);
    });

    it('rsatoolbox load_rdm reads what saveRdms writes (dtypes, shapes, values, descriptors)', () => {
      const path = join(dir, 'for-rsatoolbox.h5');
      saveRdms(path, sample());
      const out = python(`${RSATOOLBOX_HDF5}
import json
d = read_dict_hdf5(${JSON.stringify(path)})
diss = d['dissimilarities']
def col(v):
    return {'dtype': str(v.dtype), 'values': v.tolist()}
print(json.dumps({
    'keys': sorted(d.keys()),
    'version': str(d['rsatoolbox_version']),
    'measure': [type(d['dissimilarity_measure']).__name__, str(d['dissimilarity_measure'])],
    'diss': {'dtype': str(diss.dtype), 'shape': list(diss.shape), 'hex': [float(x).hex() for x in diss.ravel()]},
    'descriptors': {k: (v if isinstance(v, str) else v.tolist()) for k, v in d['descriptors'].items()},
    'descriptor_types': {k: type(v).__name__ for k, v in d['descriptors'].items()},
    'rdm_descriptors': {k: col(v) for k, v in d['rdm_descriptors'].items()},
    'pattern_descriptors': {k: col(v) for k, v in d['pattern_descriptors'].items()},
}))
`);
      const got = JSON.parse(out);
      expect(got.keys).toEqual([
        'descriptors',
        'dissimilarities',
        'dissimilarity_measure',
        'pattern_descriptors',
        'rdm_descriptors',
        'rsatoolbox_version',
      ]);
      expect(got.version).toBe('0.0.1');
      expect(got.measure).toEqual(['str', 'crossnobis']);
      expect(got.diss.dtype).toBe('float64');
      expect(got.diss.shape).toEqual([2, 6]);
      // float.hex of the stored values must equal float.hex of the same literals in Python (bit-exact).
      const want = JSON.parse(
        python(
          `import json; print(json.dumps([float(x).hex() for x in [0.1, 0.2, float('nan'), 5e-324, -0.0, 1/3, 1, 2, 3, 4, 5, 6]]))`,
        ),
      );
      expect(got.diss.hex).toEqual(want);
      expect(got.descriptors).toEqual({ cvDescriptor: 'run', nVoxels: 120 });
      expect(got.descriptor_types).toEqual({ cvDescriptor: 'str', nVoxels: 'ndarray' });
      // Strings come back as numpy unicode ('<U…', after rsatoolbox's astype('unicode')), indices as int64.
      expect(got.rdm_descriptors.subject).toEqual({ dtype: '<U3', values: ['s01', 's02'] });
      expect(got.rdm_descriptors.index).toEqual({ dtype: 'int64', values: [0, 1] });
      expect(got.pattern_descriptors.stim).toEqual({ dtype: '<U5', values: ['face', 'house', 'car', 'dog'] });
      expect(got.pattern_descriptors.index).toEqual({ dtype: 'int64', values: [0, 1, 2, 3] });
    });
  },
);
