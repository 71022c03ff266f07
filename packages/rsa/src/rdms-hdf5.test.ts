/**
 * The tree layout of rsatoolbox's HDF5 RDM files. Expected names, dtypes and attribute placement are read off
 * rsatoolbox's own code (rsatoolbox/io/hdf5.py write_dict_hdf5/_write_to_group/_write_list over RDMs.to_dict(),
 * rsatoolbox/rdm/rdms.py load_rdm/rdms_from_dict); rsatoolbox itself is not installed here. File-level round trips
 * and h5py cross-checks are in packages/rsa/src/node/rdm-files.test.ts.
 */
import { ConcordTypeError, Matrix } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { Rdms } from './rdms.ts';
import { type RdmsHdf5Dataset, type RdmsHdf5Group, rdmsFromHdf5Tree, rdmsToHdf5Tree } from './rdms-hdf5.ts';

function sample(): Rdms {
  // 2 RDMs over 4 conditions, with a NaN, subnormal and negative zero to check bit-exactness.
  return Rdms.fromVectors(
    [
      [0.1, 0.2, Number.NaN, 5e-324, -0, 1 / 3],
      [1, 2, 3, 4, 5, 6],
    ],
    {
      dissimilarityMeasure: 'crossnobis',
      descriptors: { cvDescriptor: 'run', nVoxels: 120, noiseScale: 0.5, session: { name: 'a', day: 3 } },
      rdmDescriptors: { subject: ['s01', 's02'], weight: [0.5, 1.5] },
      patternDescriptors: { stim: ['face', 'house', 'car', 'dog'] },
    },
  );
}

function dataset(tree: RdmsHdf5Group, ...path: string[]): RdmsHdf5Dataset {
  let node: RdmsHdf5Group | RdmsHdf5Dataset = tree;
  for (const p of path) node = (node as RdmsHdf5Group).children[p];
  expect(node?.kind, path.join('/')).toBe('dataset');
  return node as RdmsHdf5Dataset;
}

describe('rdmsToHdf5Tree: rsatoolbox write_dict_hdf5 layout', () => {
  const rdms = sample();
  const tree = rdmsToHdf5Tree(rdms);

  it('root: version and measure as string attributes, four children', () => {
    expect(tree.attrs).toEqual({ rsatoolbox_version: '0.0.1', dissimilarity_measure: 'crossnobis' });
    expect(Object.keys(tree.children).sort()).toEqual([
      'descriptors',
      'dissimilarities',
      'pattern_descriptors',
      'rdm_descriptors',
    ]);
  });

  it('dissimilarities: float64 nRdms × nPairs, the same bits', () => {
    const d = dataset(tree, 'dissimilarities');
    expect(d.dtype).toBe('float64');
    expect(d.shape).toEqual([2, 6]);
    const bits = new BigUint64Array((d.data as Float64Array).slice().buffer);
    const want = new BigUint64Array(Float64Array.from(rdms.dissimilarities.data).buffer);
    expect(bits).toEqual(want);
  });

  it('descriptors: str → group attribute, int → int64 scalar, float → float64 scalar, dict → subgroup', () => {
    const g = tree.children.descriptors as RdmsHdf5Group;
    expect(g.kind).toBe('group');
    expect(g.attrs).toEqual({ cvDescriptor: 'run' });
    expect(dataset(tree, 'descriptors', 'nVoxels')).toMatchObject({ dtype: 'int64', shape: [] });
    expect(dataset(tree, 'descriptors', 'nVoxels').data).toEqual(BigInt64Array.of(120n));
    expect(dataset(tree, 'descriptors', 'noiseScale')).toMatchObject({ dtype: 'float64', shape: [] });
    const session = g.children.session as RdmsHdf5Group;
    expect(session.kind).toBe('group');
    expect(session.attrs).toEqual({ name: 'a' });
    expect(dataset(tree, 'descriptors', 'session', 'day').data).toEqual(BigInt64Array.of(3n));
  });

  it('rdm/pattern descriptors: lists → datasets; strings fixed-length bytes (numpy S), ints int64', () => {
    expect(dataset(tree, 'rdm_descriptors', 'subject')).toMatchObject({
      dtype: 'string',
      shape: [2],
      strings: ['s01', 's02'],
      stringType: 'fixed',
    });
    expect(dataset(tree, 'rdm_descriptors', 'weight')).toMatchObject({ dtype: 'float64', shape: [2] });
    expect(dataset(tree, 'rdm_descriptors', 'index').data).toEqual(BigInt64Array.of(0n, 1n));
    expect(dataset(tree, 'pattern_descriptors', 'stim').strings).toEqual(['face', 'house', 'car', 'dog']);
    expect(dataset(tree, 'pattern_descriptors', 'index')).toMatchObject({ dtype: 'int64', shape: [4] });
  });

  it('a mixed string/number list is stored as strings, as np.array(list) does', () => {
    const r = Rdms.fromVectors([1, 2, 3], { patternDescriptors: { label: ['a', 2, 'c'] } });
    expect(dataset(rdmsToHdf5Tree(r), 'pattern_descriptors', 'label').strings).toEqual(['a', '2', 'c']);
  });

  it('null descriptor values are left out (h5wasm cannot write h5py.Empty); functions are a typed error', () => {
    const r = Rdms.fromVectors([1, 2, 3], { descriptors: { noise: null, cv: 'run' } });
    const g = rdmsToHdf5Tree(r).children.descriptors as RdmsHdf5Group;
    expect(Object.keys(g.children)).toEqual([]);
    expect(g.attrs).toEqual({ cv: 'run' });
    const f = Rdms.fromVectors([1, 2, 3], { descriptors: { fn: () => 1 } });
    try {
      rdmsToHdf5Tree(f);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConcordTypeError);
      expect((e as ConcordTypeError).code).toBe('ERR_RSA_FORMAT');
      expect((e as ConcordTypeError).details.field).toBe('descriptors.fn');
    }
  });
});

describe('rdmsFromHdf5Tree', () => {
  it('round trip: vectors bit-exact, descriptors and measure equal', () => {
    const rdms = sample();
    const back = rdmsFromHdf5Tree(rdmsToHdf5Tree(rdms));
    expect(back.nRdms).toBe(2);
    expect(back.nCond).toBe(4);
    expect(Object.is(back.dissimilarities.data[4], -0)).toBe(true);
    expect(new BigUint64Array(Float64Array.from(back.dissimilarities.data).buffer)).toEqual(
      new BigUint64Array(Float64Array.from(rdms.dissimilarities.data).buffer),
    );
    expect(back.dissimilarityMeasure).toBe('crossnobis');
    expect(back.descriptors).toEqual(rdms.descriptors);
    expect(back.rdmDescriptors).toEqual(rdms.rdmDescriptors);
    expect(back.patternDescriptors).toEqual(rdms.patternDescriptors);
  });

  it('what rsatoolbox reads: 1-D dissimilarities are one RDM; 3-D are square matrices; Empty measure → ""', () => {
    const one = rdmsFromHdf5Tree({
      kind: 'group',
      children: {
        dissimilarities: { kind: 'dataset', dtype: 'float64', shape: [3], data: Float64Array.of(1, 2, 3) },
        dissimilarity_measure: { kind: 'dataset', dtype: 'float32', shape: null },
        pattern_descriptors: {
          kind: 'group',
          children: { cond: { kind: 'dataset', dtype: 'int32', shape: [3], data: Int32Array.of(7, 8, 9) } },
        },
        // A string attribute in a descriptor group is one value, wrapped into a one-entry list as rsatoolbox does.
        rdm_descriptors: { kind: 'group', children: {}, attrs: { subject: 's07' } },
      },
    });
    expect(one.nRdms).toBe(1);
    expect(Array.from(one.getVector(0))).toEqual([1, 2, 3]);
    expect(one.dissimilarityMeasure).toBe('');
    expect(one.patternDescriptors.cond).toEqual([7, 8, 9]);
    expect(one.rdmDescriptors.subject).toEqual(['s07']);

    const m = Matrix.from([
      [0, 1, 2],
      [1, 0, 3],
      [2, 3, 0],
    ]);
    const sq = rdmsFromHdf5Tree({
      kind: 'group',
      attrs: { dissimilarity_measure: 'euclidean' },
      children: {
        dissimilarities: { kind: 'dataset', dtype: 'float64', shape: [1, 3, 3], data: Float64Array.from(m.data) },
      },
    });
    expect(Array.from(sq.getVector(0))).toEqual([1, 2, 3]);
    expect(sq.dissimilarityMeasure).toBe('euclidean');
  });

  it('missing dissimilarities or a vector length that is not n(n-1)/2 is a typed error', () => {
    expect(() => rdmsFromHdf5Tree({ kind: 'group', children: {} })).toThrow(/dissimilarities/);
    expect(() =>
      rdmsFromHdf5Tree({
        kind: 'group',
        children: {
          dissimilarities: { kind: 'dataset', dtype: 'float64', shape: [1, 4], data: new Float64Array(4) },
        },
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_RSA_VECTOR_LENGTH' }));
  });
});
