/** Bad input: a typed error with a stable code naming the parameter, or NaN exactly where rsatoolbox gives NaN. */
import { Dataset, Matrix } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { calcRdm } from './calc-rdm.ts';
import { compareRdms } from './compare.ts';
import { covFromResiduals } from './noise.ts';
import { noiseCeiling } from './noise-ceiling.ts';
import { poolRdms } from './pool.ts';
import { Rdms } from './rdms.ts';

const ds = (rows: number[][], obs: Record<string, (string | number)[]> = {}) =>
  Dataset.from(rows, { obsDescriptors: obs });
const code = (c: string, field?: string) =>
  expect.objectContaining({ code: c, ...(field ? { details: expect.objectContaining({ field }) } : {}) });

describe('calcRdm bad input', () => {
  it('descriptor with a different length than the data', () => {
    expect(() => ds([[1], [2]], { conds: ['a', 'b', 'c'] })).toThrow(/obsDescriptors.conds has 3 entries, expected 2/);
  });

  it('unknown method lists the valid ones', () => {
    expect(() => calcRdm(ds([[1], [2]]), { method: 'cityblock' })).toThrow(code('ERR_RSA_UNKNOWN_METHOD', 'method'));
    expect(() => calcRdm(ds([[1], [2]]), { method: 'cityblock' })).toThrow(
      /'euclidean', 'correlation', 'mahalanobis', 'crossnobis', 'poisson', 'poisson_cv'/,
    );
  });

  it('a single condition', () => {
    expect(() =>
      calcRdm(
        ds(
          [
            [1, 2],
            [3, 4],
          ],
          { conds: ['x', 'x'] },
        ),
        { descriptor: 'conds' },
      ),
    ).toThrow(code('ERR_RSA_TOO_FEW_CONDITIONS', 'descriptor'));
    expect(() => calcRdm(ds([[1, 2]]), { method: 'correlation' })).toThrow(/at least 2 conditions/);
  });

  it('an unknown descriptor names the parameter and the available ones', () => {
    expect(() => calcRdm(ds([[1], [2]], { conds: [0, 1] }), { descriptor: 'stim' })).toThrow(
      /descriptor: 'stim' is not an obs descriptor of the dataset \(it has 'conds'\)/,
    );
    expect(() =>
      calcRdm(ds([[1], [2]], { conds: [0, 1] }), { method: 'crossnobis', descriptor: 'conds', cvDescriptor: 'run' }),
    ).toThrow(code('ERR_RSA_DESCRIPTOR', 'cvDescriptor'));
  });

  it('constant patterns under correlation give NaN exactly for their pairs (rsatoolbox divides 0 by 0 there too)', () => {
    const v = calcRdm(
      ds([
        [1, 2, 3],
        [5, 5, 5],
        [3, 1, 2],
      ]),
      { method: 'correlation' },
    ).getVector(0);
    expect(Number.isNaN(v[0])).toBe(true); // (0,1)
    expect(Number.isFinite(v[1])).toBe(true); // (0,2)
    expect(Number.isNaN(v[2])).toBe(true); // (1,2)
  });

  it('one NaN cell: only the pairs of its condition are NaN under euclidean, correlation and mahalanobis (rsatoolbox: |x|²+|y|²−2x·y)', () => {
    const rows = [
      [1, 2, 3, 0.5],
      [4, Number.NaN, 1, 2],
      [0, 1, 5, 1],
      [2, 2, 1, 3],
    ];
    const pairs: [number, number][] = [];
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) pairs.push([i, j]);
    for (const method of ['euclidean', 'correlation', 'mahalanobis'] as const) {
      const v = calcRdm(ds(rows), {
        method,
        noise: method === 'mahalanobis' ? Matrix.identity(4) : undefined,
      }).getVector(0);
      pairs.forEach(([i, j], k) => {
        if (i === 1 || j === 1) expect(v[k], `${method} (${i},${j})`).toBeNaN();
        else if (method !== 'correlation') {
          const direct = rows[i].reduce((s, x, c) => s + (x - rows[j][c]) ** 2, 0) / 4;
          expect(v[k]).toBeCloseTo(direct, 12);
        } else expect(Number.isFinite(v[k])).toBe(true);
      });
    }
  });

  it('an indefinite noise precision matrix is ERR_RSA_NOISE (it gave negative squared distances)', () => {
    const data = ds(
      [
        [0, 0],
        [1, 3],
        [3, 1],
        [0.5, 4],
      ],
      { cond: ['a', 'b', 'a', 'b'], run: [0, 0, 1, 1] },
    );
    const indefinite = Matrix.from([
      [1, 0],
      [0, -0.5],
    ]);
    for (const method of ['mahalanobis', 'crossnobis'] as const)
      expect(() => calcRdm(data, { method, descriptor: 'cond', cvDescriptor: 'run', noise: indefinite })).toThrow(
        code('ERR_RSA_NOISE', 'noise'),
      );
    expect(() => calcRdm([data, data], { method: 'mahalanobis', noise: [Matrix.identity(2), indefinite] })).toThrow(
      code('ERR_RSA_NOISE', 'noise[1]'),
    );
    // semidefinite (a channel with no weight) and a non-symmetric matrix with a definite symmetric part are fine
    const semidefinite = Matrix.from([
      [1, 0],
      [0, 0],
    ]);
    const v = calcRdm(data, { method: 'mahalanobis', noise: semidefinite }).getVector(0);
    for (const d of v) expect(d).toBeGreaterThanOrEqual(0);
    const skewed = Matrix.from([
      [2, 1],
      [-1, 1],
    ]);
    const w = calcRdm(data, { method: 'mahalanobis', noise: skewed }).getVector(0);
    const u = calcRdm(data, {
      method: 'mahalanobis',
      noise: Matrix.from([
        [2, 0],
        [0, 1],
      ]),
    }).getVector(0);
    for (let k = 0; k < w.length; k++) expect(w[k]).toBeCloseTo(u[k], 12);
  });

  it('noise precision of the wrong shape, or a list for one dataset', () => {
    expect(() =>
      calcRdm(
        ds([
          [1, 2],
          [3, 4],
        ]),
        { method: 'mahalanobis', noise: Matrix.identity(3) },
      ),
    ).toThrow(code('ERR_RSA_NOISE', 'noise'));
    expect(() =>
      calcRdm(
        ds([
          [1, 2],
          [3, 4],
        ]),
        { method: 'mahalanobis', noise: [Matrix.identity(2)] },
      ),
    ).toThrow(code('ERR_RSA_NOISE', 'noise'));
  });

  it('cross-validation without a descriptor, with one fold, or unequal repeats without cvDescriptor', () => {
    const d = ds(
      [
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 9],
      ],
      { conds: ['a', 'b', 'a', 'b'], runs: [0, 0, 0, 0] },
    );
    expect(() => calcRdm(d, { method: 'crossnobis' })).toThrow(code('ERR_RSA_DESCRIPTOR', 'descriptor'));
    expect(() => calcRdm(d, { method: 'crossnobis', descriptor: 'conds', cvDescriptor: 'runs' })).toThrow(
      code('ERR_RSA_CROSS_VALIDATION', 'cvDescriptor'),
    );
    const unequal = ds([[1], [2], [3]], { conds: ['a', 'b', 'a'] });
    expect(() => calcRdm(unequal, { method: 'crossnobis', descriptor: 'conds' })).toThrow(
      /different numbers of observations/,
    );
    // Default folds (k-th repeat = fold k) work for a balanced design.
    expect(
      calcRdm(ds([[1], [2], [3], [5]], { conds: ['a', 'b', 'a', 'b'] }), { method: 'crossnobis', descriptor: 'conds' })
        .nCond,
    ).toBe(2);
  });

  it('negative values under poisson', () => {
    expect(() =>
      calcRdm(
        ds([
          [1, -3],
          [2, 2],
        ]),
        { method: 'poisson' },
      ),
    ).toThrow(code('ERR_RSA_DOMAIN', 'data'));
  });
});

describe('compareRdms / noiseCeiling bad input', () => {
  const a = Rdms.fromVectors([
    [1, 2, 3],
    [2, 3, 1],
  ]);
  it('unknown method, RDMs over different numbers of conditions', () => {
    expect(() => compareRdms(a, a, { method: 'pearson' })).toThrow(code('ERR_RSA_UNKNOWN_METHOD', 'method'));
    expect(() => compareRdms(a, Rdms.fromVectors([1, 2, 3, 4, 5, 6]), { method: 'cosine' })).toThrow(
      code('ERR_RSA_VECTOR_LENGTH', 'b'),
    );
  });

  it('NaN leaving fewer than 2 common entries; NaN under methods that need complete RDMs', () => {
    const nan = Rdms.fromVectors([Number.NaN, 2, 3]);
    expect(() => compareRdms(Rdms.fromVectors([1, Number.NaN, 2]), nan, { method: 'cosine' })).toThrow(
      code('ERR_RSA_NAN_POSITIONS'),
    );
    expect(() => compareRdms(nan, nan, { method: 'bures' })).toThrow(code('ERR_RSA_NAN_POSITIONS'));
    expect(() => compareRdms(nan, nan, { method: 'neg_riem_dist' })).toThrow(code('ERR_RSA_NAN_POSITIONS'));
    expect(() => compareRdms(nan, nan, { method: 'cosine_cov', sigmaK: Matrix.identity(3) })).toThrow(
      /cannot handle sigma_k and nans/,
    );
  });

  it('sigmaK of the wrong shape or not positive definite', () => {
    expect(() => compareRdms(a, a, { method: 'cosine_cov', sigmaK: Matrix.identity(4) })).toThrow(
      code('ERR_RSA_NOISE', 'sigmaK'),
    );
    expect(() => compareRdms(a, a, { method: 'cosine_cov', sigmaK: [1, 2] })).toThrow(code('ERR_RSA_NOISE', 'sigmaK'));
    expect(() => compareRdms(a, a, { method: 'cosine_cov', sigmaK: Matrix.zeros(3, 3) })).toThrow(
      code('ERR_RSA_NOISE', 'sigmaK'),
    );
  });

  it('a zero RDM gives cosine 0 (rsatoolbox _cosine) and a constant one gives kendall NaN (scipy)', () => {
    const zero = Rdms.fromVectors([0, 0, 0]);
    expect(compareRdms(a, zero, { method: 'cosine' }).data[0]).toBe(0);
    expect(Number.isNaN(compareRdms(a, Rdms.fromVectors([1, 1, 1]), { method: 'kendall' }).data[0])).toBe(true);
  });

  it('noise ceiling needs two subjects and a poolable method', () => {
    expect(() => noiseCeiling(Rdms.fromVectors([1, 2, 3]), { method: 'cosine' })).toThrow(
      code('ERR_RSA_TOO_FEW_RDMS', 'rdms'),
    );
    expect(() => noiseCeiling(a, { method: 'bures' })).toThrow(code('ERR_RSA_UNKNOWN_METHOD', 'method'));
    expect(() => poolRdms(a, 'bures')).toThrow(code('ERR_RSA_UNKNOWN_METHOD', 'method'));
  });

  it('noise estimation: unknown method, too few residuals, bad shrinkage', () => {
    expect(() => covFromResiduals(Matrix.zeros(5, 2), { method: 'ledoit' })).toThrow(
      code('ERR_RSA_UNKNOWN_METHOD', 'method'),
    );
    expect(() => covFromResiduals(Matrix.zeros(1, 2))).toThrow(code('ERR_CORE_SHAPE'));
    expect(() => covFromResiduals(Matrix.identity(3), { shrinkage: 2 })).toThrow(code('ERR_RSA_NOISE', 'shrinkage'));
  });
});
