/** Rdms container: construction, square views, subsetting, JSON round trip and typed errors on bad input. */
import { Matrix } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { Rdms } from './rdms.ts';
import { conditionsFromLength, pairIndex, vectorToMatrix } from './squareform.ts';

describe('Rdms', () => {
  it('stores vectors in squareform order and gives symmetric zero-diagonal matrices', () => {
    const r = Rdms.fromVectors([
      [1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1],
    ]);
    expect(r.nCond).toBe(4);
    expect(r.nRdms).toBe(2);
    const m = r.getMatrix(0);
    // (0,1)=1 (0,2)=2 (0,3)=3 (1,2)=4 (1,3)=5 (2,3)=6
    expect(m.toArray()).toEqual([
      [0, 1, 2, 3],
      [1, 0, 4, 5],
      [2, 4, 0, 6],
      [3, 5, 6, 0],
    ]);
    expect(r.patternDescriptors.index).toEqual([0, 1, 2, 3]);
    expect(r.rdmDescriptors.index).toEqual([0, 1]);
    expect(pairIndex(4, 1, 3)).toBe(4);
  });

  it('fromMatrices inverts getMatrix and rejects asymmetric or non-zero-diagonal input', () => {
    const r = Rdms.fromVectors([0.5, 1, 2]);
    expect(Array.from(Rdms.fromMatrices(r.getMatrix(0)).getVector(0))).toEqual([0.5, 1, 2]);
    expect(Array.from(Rdms.fromMatrices([r.getMatrix(0).toArray(), r.getMatrix(0).toArray()]).getVector(1))).toEqual([
      0.5, 1, 2,
    ]);
    const asym = r.getMatrix(0);
    asym.set(1, 0, 9);
    expect(() => Rdms.fromMatrices(asym)).toThrow(/not symmetric: \[0,1\] = 0.5 but \[1,0\] = 9/);
    const diag = r.getMatrix(0);
    diag.set(2, 2, 1);
    expect(() => Rdms.fromMatrices(diag)).toThrow(/diagonal entry \[2,2\] = 1/);
    expect(() => Rdms.fromMatrices(Matrix.zeros(2, 3))).toThrow(expect.objectContaining({ code: 'ERR_CORE_SHAPE' }));
  });

  it('throws ERR_RSA_VECTOR_LENGTH naming the parameter when the length is not n(n-1)/2', () => {
    for (const len of [0, 2, 4, 5, 7, 65]) {
      expect(conditionsFromLength(len) === undefined || len === 0).toBe(true);
      expect(() => Rdms.fromVectors(new Float64Array(len).fill(1))).toThrow(
        expect.objectContaining({
          code: 'ERR_RSA_VECTOR_LENGTH',
          details: expect.objectContaining({ field: 'dissimilarities' }),
        }),
      );
    }
    expect(() => Rdms.fromVectors([1, 2, 3, 4])).toThrow(/received length 4/);
  });

  it('subsets RDMs by descriptor and conditions by pattern descriptor', () => {
    const v = [1, 2, 3, 4, 5, 6];
    const r = Rdms.fromVectors([v, v.map((x) => 10 * x), v.map((x) => 100 * x)], {
      rdmDescriptors: { subject: ['s1', 's2', 's1'] },
      patternDescriptors: { stim: ['a', 'b', 'c', 'd'] },
    });
    const s1 = r.subset('subject', 's1');
    expect(s1.nRdms).toBe(2);
    expect(s1.getVector(1)[0]).toBe(100);
    const sub = r.subsetPattern('stim', ['b', 'd']);
    expect(sub.nCond).toBe(2);
    expect(Array.from(sub.getVector(0))).toEqual([5]); // (1,3)
    const perm = r.selectPatterns([3, 0, 1]);
    // (3,0)=3, (3,1)=5, (0,1)=1
    expect(Array.from(perm.getVector(0))).toEqual([3, 5, 1]);
    expect(perm.patternDescriptors.stim).toEqual(['d', 'a', 'b']);
    expect(() => r.subset('session', 1)).toThrow(expect.objectContaining({ code: 'ERR_CORE_DESCRIPTOR' }));
    expect(() => r.selectPatterns([0])).toThrow(expect.objectContaining({ code: 'ERR_RSA_TOO_FEW_CONDITIONS' }));
  });

  it('round-trips through JSON, NaN as null', () => {
    const r = Rdms.fromVectors([1, Number.NaN, 3], {
      dissimilarityMeasure: 'correlation',
      patternDescriptors: { conds: ['x', 'y', 'z'] },
      descriptors: { roi: 'V1' },
    });
    const text = JSON.stringify(r);
    expect(text).toContain('null');
    const back = Rdms.fromJSON(JSON.parse(text));
    expect(back.dissimilarityMeasure).toBe('correlation');
    expect(back.patternDescriptors.conds).toEqual(['x', 'y', 'z']);
    expect(back.descriptors.roi).toBe('V1');
    expect(Number.isNaN(back.getVector(0)[1])).toBe(true);
    expect(() => Rdms.fromJSON({ nope: 1 })).toThrow(expect.objectContaining({ code: 'ERR_RSA_FORMAT' }));
  });

  it("round-trips through rsatoolbox's to_dict form", () => {
    const r = Rdms.fromVectors([[1, 2, 3]], {
      dissimilarityMeasure: 'squared euclidean',
      patternDescriptors: { conds: ['a', 'b', 'c'] },
    });
    const d = r.toDict();
    expect(d.dissimilarities.shape).toEqual([1, 3]);
    const back = Rdms.fromDict({
      ...d,
      dissimilarities: [[1, 2, 3]],
      pattern_descriptors: { conds: ['a', 'b', 'c'], index: Int32Array.from([0, 1, 2]) },
    });
    expect(back.dissimilarityMeasure).toBe('squared euclidean');
    expect(back.patternDescriptors.index).toEqual([0, 1, 2]);
    expect(() => Rdms.fromDict({})).toThrow(expect.objectContaining({ code: 'ERR_RSA_FORMAT' }));
  });

  it('rejects descriptors of the wrong length and concatenates sets', () => {
    expect(() => Rdms.fromVectors([1, 2, 3], { patternDescriptors: { conds: ['a', 'b'] } })).toThrow(
      /patternDescriptors.conds has 2 entries, expected 3/,
    );
    const a = Rdms.fromVectors([1, 2, 3], { rdmDescriptors: { subject: ['s1'] } });
    const b = Rdms.fromVectors([[4, 5, 6]], { rdmDescriptors: { subject: ['s2'] } });
    const c = Rdms.concat([a, b]);
    expect(c.nRdms).toBe(2);
    expect(c.rdmDescriptors.subject).toEqual(['s1', 's2']);
    expect(() => Rdms.concat([a, Rdms.fromVectors([1, 2, 3, 4, 5, 6])])).toThrow(
      expect.objectContaining({ code: 'ERR_RSA_VECTOR_LENGTH' }),
    );
    expect(vectorToMatrix([7], 2).toArray()).toEqual([
      [0, 7],
      [7, 0],
    ]);
  });
});
