import { Matrix as MlMatrix } from 'ml-matrix';
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { ConcordTypeError, isConcordError, ShapeError } from './errors.ts';
import { allocate, dtypeOf, Matrix } from './matrix.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isConcordError(e) ? e.code : `not a Concord error: ${String(e)}`;
  }
  return undefined;
}

const m23 = () =>
  Matrix.from([
    [1, 2, 3],
    [4, 5, 6],
  ]);

describe('Matrix construction and shape checks', () => {
  it('stores row-major data with rows/cols/shape/size/dtype', () => {
    const m = m23();
    expect(m.shape).toEqual([2, 3]);
    expect(m.size).toBe(6);
    expect(m.dtype).toBe('float64');
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.get(1, 0)).toBe(4);
    m.set(1, 0, 40);
    expect(m.data[3]).toBe(40);
  });

  it('rejects data whose length does not fit the shape, naming both', () => {
    let err: unknown;
    try {
      new Matrix(2, 3, new Float64Array(5));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toContain('5');
    expect((err as Error).message).toContain('[2, 3]');
  });

  it('rejects negative or fractional shapes and non-float data', () => {
    expect(codeOf(() => new Matrix(-1, 2))).toBe('ERR_CORE_SHAPE');
    expect(codeOf(() => new Matrix(1.5, 2))).toBe('ERR_CORE_SHAPE');
    expect(() => new Matrix(1, 2, new Int32Array(2) as unknown as Float64Array)).toThrow(ConcordTypeError);
  });

  it('from() rejects ragged arrays, naming the row', () => {
    expect(() => Matrix.from([[1, 2], [3]])).toThrow(/row 1/);
  });

  it('zeros, identity, fromVector, 0-size shapes', () => {
    expect(Array.from(Matrix.identity(2).data)).toEqual([1, 0, 0, 1]);
    expect(Matrix.zeros(0, 4).shape).toEqual([0, 4]);
    expect(Matrix.from([]).shape).toEqual([0, 0]);
    expect(Matrix.fromVector([1, 2, 3]).shape).toEqual([3, 1]);
    expect(Matrix.fromVector([1, 2, 3], true).shape).toEqual([1, 3]);
    expect(Matrix.zeros(2, 2, 'float32').data).toBeInstanceOf(Float32Array);
    expect(dtypeOf(allocate('float32', 1))).toBe('float32');
  });
});

describe('views share memory, everything else copies', () => {
  it('row(i) and rowRange are views', () => {
    const m = m23();
    m.row(1)[2] = 60;
    expect(m.get(1, 2)).toBe(60);
    const v = m.rowRange(1, 2);
    v.set(0, 0, 99);
    expect(m.get(1, 0)).toBe(99);
    expect(v.data.buffer).toBe(m.data.buffer);
    expect(codeOf(() => m.rowRange(1, 3))).toBe('ERR_CORE_SHAPE');
  });

  it('clone, selectRows, selectCols, transpose and column are copies', () => {
    const m = m23();
    const copies = [m.clone(), m.selectRows([0, 1]), m.selectCols([0, 1, 2])];
    for (const c of copies) c.data[0] = -1;
    m.column(0)[0] = -1;
    expect(m.get(0, 0)).toBe(1);
    const t = m.transpose();
    t.data[0] = -1;
    expect(m.get(0, 0)).toBe(1);
  });

  it('astype to the same dtype returns the same matrix; to another dtype copies', () => {
    const m = m23();
    expect(m.astype('float64')).toBe(m);
    const f = m.astype('float32');
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('transpose, selectRows, selectCols', () => {
  it('transpose of a matrix larger than the 32×32 block', () => {
    const r = 45;
    const c = 70;
    const m = Matrix.zeros(r, c);
    for (let i = 0; i < r * c; i++) m.data[i] = i;
    const t = m.transpose();
    expect(t.shape).toEqual([c, r]);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) expect(t.get(j, i)).toBe(m.get(i, j));
    expect(t.transpose().data).toEqual(m.data);
  });

  it('selectRows / selectCols pick (and may repeat) indices, out-of-range is a ShapeError', () => {
    const m = m23();
    expect(m.selectRows([1, 1, 0]).toArray()).toEqual([
      [4, 5, 6],
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(m.selectCols([2, 0]).toArray()).toEqual([
      [3, 1],
      [6, 4],
    ]);
    expect(codeOf(() => m.selectRows([2]))).toBe('ERR_CORE_SHAPE');
    expect(codeOf(() => m.selectCols([-1]))).toBe('ERR_CORE_SHAPE');
    expect(m.selectCols([]).shape).toEqual([2, 0]);
  });
});

describe('ndarray and ml-matrix round trips (the real packages)', () => {
  it('Matrix -> ndarray -> Matrix', () => {
    const m = m23();
    const like = m.toNdarrayLike();
    const nd = ndarray(like.data, like.shape, like.stride, like.offset);
    expect(nd.get(1, 2)).toBe(6);
    nd.set(0, 1, 20); // the ndarray is a view of the same memory
    expect(m.get(0, 1)).toBe(20);
    const back = Matrix.fromNdarray(nd);
    expect(back.toArray()).toEqual(m.toArray());
    expect(back.data).not.toBe(m.data);
  });

  it('a strided (transposed) and offset ndarray view is read through its strides', () => {
    const nd = ndarray(new Float64Array([0, 1, 2, 3, 4, 5, 6, 7]), [2, 4]);
    const t = nd.transpose(1, 0); // 4×2, strides [1, 4]
    expect(Matrix.fromNdarray(t).toArray()).toEqual([
      [0, 4],
      [1, 5],
      [2, 6],
      [3, 7],
    ]);
    const sub = nd.lo(0, 1).hi(2, 2); // columns 1..2, offset 1
    expect(Matrix.fromNdarray(sub).toArray()).toEqual([
      [1, 2],
      [5, 6],
    ]);
    expect(Matrix.fromNdarray(ndarray(new Float32Array(4), [2, 2])).dtype).toBe('float32');
    expect(codeOf(() => Matrix.fromNdarray(ndarray(new Float64Array(8), [2, 2, 2])))).toBe('ERR_CORE_SHAPE');
  });

  it('toNdarray gives a real ndarray sharing memory; toMlMatrix a real ml-matrix copy', () => {
    const m = m23();
    const nd = m.toNdarray();
    expect(nd.shape).toEqual([2, 3]);
    expect(nd.get(1, 1)).toBe(5);
    nd.set(1, 1, 50);
    expect(m.get(1, 1)).toBe(50);
    expect(Matrix.fromNdarray(nd.transpose(1, 0)).toArray()).toEqual(m.transpose().toArray());
    const ml = m.toMlMatrix();
    expect(ml).toBeInstanceOf(MlMatrix);
    expect(ml.to2DArray()).toEqual(m.toArray());
    ml.set(0, 0, -1);
    expect(m.get(0, 0)).toBe(1);
    expect(Matrix.fromMlMatrix(ml.mmul(MlMatrix.eye(3))).get(0, 0)).toBe(-1);
  });

  it('Matrix -> ml-matrix -> Matrix', () => {
    const m = m23();
    const ml = new MlMatrix(m.toArray());
    expect(ml.rows).toBe(2);
    expect(ml.columns).toBe(3);
    expect(ml.get(1, 2)).toBe(6);
    const back = Matrix.fromMlMatrix(ml.transpose());
    expect(back.toArray()).toEqual(m.transpose().toArray());
  });
});

describe('non-finite checks', () => {
  it('assertFinite names row and column; hasNonFinite', () => {
    const m = m23();
    expect(m.hasNonFinite()).toBe(false);
    expect(m.assertFinite('x')).toBe(m);
    m.set(1, 2, Number.POSITIVE_INFINITY);
    expect(m.hasNonFinite()).toBe(true);
    expect(() => m.assertFinite('activations')).toThrow(/activations \[row 1, col 2\]/);
    expect(codeOf(() => m.assertFinite('x'))).toBe('ERR_CORE_NON_FINITE');
  });
});
