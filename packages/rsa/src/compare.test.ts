/**
 * compareRdms with NaN entries at different positions: each pair of RDMs is compared on the entries present in both
 * (pairwise-complete). Expected values are computed here from those entries with textbook formulas.
 */
import { Matrix, Rng } from '@concord/core';
import { pearsonReference } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { compareRdms } from './compare.ts';
import { Rdms } from './rdms.ts';

const pearson = pearsonReference;

function cosine(x: number[], y: number[]): number {
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < x.length; k++) {
    sxy += x[k] * y[k];
    sxx += x[k] ** 2;
    syy += y[k] ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Ranks 1..n of values without ties. */
function ranks(x: number[]): number[] {
  const order = x.map((_, i) => i).sort((i, j) => x[i] - x[j]);
  const r = new Array<number>(x.length);
  order.forEach((i, pos) => {
    r[i] = pos + 1;
  });
  return r;
}

/** Kendall's tau-a by counting concordant and discordant pairs. */
function tauA(x: number[], y: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++) s += Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
  return s / ((x.length * (x.length - 1)) / 2);
}

/** The entries present (not NaN) in both vectors. */
function common(x: ArrayLike<number>, y: ArrayLike<number>): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (let k = 0; k < x.length; k++) {
    if (Number.isNaN(x[k]) || Number.isNaN(y[k])) continue;
    a.push(x[k]);
    b.push(y[k]);
  }
  return [a, b];
}

describe('compareRdms: NaN entries at different positions are compared pairwise-complete', () => {
  const rng = new Rng(7);
  const nPairs = 66; // 12 conditions
  const base = rng.fillNormal(new Float64Array(nPairs)).map((v) => v + 5);
  const noisy = base.map((v) => v + 0.2 * rng.normal());
  const withNan = (v: Float64Array, at: number[]) => {
    const out = v.slice();
    for (const k of at) out[k] = Number.NaN;
    return out;
  };
  // equal numbers of NaN at different positions: rsatoolbox's count check passes and it pairs misaligned entries
  const a = withNan(base, [3, 17, 40]);
  const b = withNan(noisy, [5, 22, 60]);
  const methods: [string, (x: number[], y: number[]) => number][] = [
    ['cosine', cosine],
    ['corr', pearson],
    ['spearman', (x, y) => pearson(ranks(x), ranks(y))],
    ['tau-a', tauA],
  ];

  for (const [method, reference] of methods) {
    it(`${method}: the value on the entries present in both RDMs`, () => {
      const [x, y] = common(a, b);
      const expected = reference(x, y);
      expect(expected).toBeGreaterThan(0.8);
      expect(compareRdms(Rdms.fromVectors(a), Rdms.fromVectors(b), { method }).data[0]).toBeCloseTo(expected, 12);
    });
  }

  it('within a set: each RDM of a is paired with each RDM of b on their common entries', () => {
    const a2 = withNan(base, [0, 1]);
    const set = new Matrix(2, nPairs, new Float64Array([...a, ...a2]));
    const bSet = new Matrix(2, nPairs, new Float64Array([...b, ...noisy]));
    const c = compareRdms(set, bSet, { method: 'corr' });
    const rows = [a, a2];
    const cols = [b, noisy];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) expect(c.get(i, j)).toBeCloseTo(pearson(...common(rows[i], cols[j])), 12);
  });

  it('a complete RDM against one with NaN: the NaN entries are left out of both (rsatoolbox refuses)', () => {
    const r = compareRdms(Rdms.fromVectors(noisy), Rdms.fromVectors(a), { method: 'corr' }).data[0];
    expect(r).toBeCloseTo(pearson(...common(noisy, a)), 12);
  });

  it('the cov-weighted methods see the pair’s own pattern of missing entries', () => {
    const pairOnly = withNan(withNan(base, [3, 17, 40]), [5, 22, 60]);
    const noisyPairOnly = withNan(withNan(noisy, [3, 17, 40]), [5, 22, 60]);
    for (const method of ['corr_cov', 'cosine_cov']) {
      const mixed = compareRdms(Rdms.fromVectors(a), Rdms.fromVectors(b), { method }).data[0];
      const aligned = compareRdms(Rdms.fromVectors(pairOnly), Rdms.fromVectors(noisyPairOnly), { method }).data[0];
      expect(mixed).toBeCloseTo(aligned, 12);
    }
  });

  it('fewer than two entries present in both: ERR_RSA_NAN_POSITIONS naming the pair', () => {
    expect(() =>
      compareRdms(Rdms.fromVectors([Number.NaN, 1, 2]), Rdms.fromVectors([3, Number.NaN, Number.NaN])),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_RSA_NAN_POSITIONS',
        message: expect.stringMatching(/RDM 0 of a and RDM 0 of b have 0 entries/),
      }),
    );
  });
});
