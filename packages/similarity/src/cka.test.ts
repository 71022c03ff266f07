import { readFileSync } from 'node:fs';
import { availableBackends, isConcordError, Matrix, matmul, Rng, setBackend } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cka } from './cka.ts';
import { fullMatrixMedian } from './kernels.ts';
import { MinibatchCka, minibatchCka } from './minibatch-cka.ts';
import { hasNumpy, nested, pythonSkipReason, runPython } from './python-reference.ts';

interface CkaCase {
  name: string;
  X: number[][];
  Y: number[][];
  outputs: Record<string, number>;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

function randn(rng: Rng, r: number, c: number): Matrix {
  return new Matrix(r, c, rng.fillNormal(new Float64Array(r * c)));
}

/** A random orthogonal p×p matrix (Gram–Schmidt on Gaussian columns). */
function randomOrthogonal(rng: Rng, p: number): Matrix {
  const q = randn(rng, p, p);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < p; i++) d += q.get(i, j) * q.get(i, k);
      for (let i = 0; i < p; i++) q.set(i, j, q.get(i, j) - d * q.get(i, k));
    }
    let nrm = 0;
    for (let i = 0; i < p; i++) nrm += q.get(i, j) ** 2;
    for (let i = 0; i < p; i++) q.set(i, j, q.get(i, j) / Math.sqrt(nrm));
  }
  return q;
}

// Conformance: independent numpy implementation of the published formulas (../shared/data MANIFEST), rel. error ≤ 1e-9.
describeWithSharedData(
  ['reference', 'rsa', 'cka_cases.json'],
  'cka conformance (cka_cases.json, rel. error ≤ 1e-9)',
  () => {
    const doc = JSON.parse(readFileSync(sharedData('reference', 'rsa', 'cka_cases.json'), 'utf8')) as {
      cases: CkaCase[];
    };
    const tol = 1e-9;
    for (const c of doc.cases) {
      describe(c.name, () => {
        const x = Matrix.from(c.X);
        const y = Matrix.from(c.Y);
        const o = c.outputs;
        it('linear CKA, both computation routes, and its HSIC terms', () => {
          for (const route of ['feature', 'gram', 'auto'] as const) {
            const r = cka(x, y, { route });
            expect(relErr(r.value, o.linear_cka)).toBeLessThanOrEqual(tol);
            expect(relErr(r.details.hsicXY as number, o.hsic_biased_linear_XY)).toBeLessThanOrEqual(tol);
            expect(relErr(r.details.hsicXX as number, o.hsic_biased_linear_XX)).toBeLessThanOrEqual(tol);
            expect(relErr(r.details.hsicYY as number, o.hsic_biased_linear_YY)).toBeLessThanOrEqual(tol);
          }
        });
        it("RBF CKA with Kornblith's full-matrix median (the default)", () => {
          const r = cka(x, y, { kernel: 'rbf' });
          expect(relErr(r.value, o['rbf_cka_sigma0.8_median_full_matrix'])).toBeLessThanOrEqual(tol);
          expect(relErr(r.details.sigmaX as number, o.rbf_sigma_X_full_matrix)).toBeLessThanOrEqual(tol);
          expect(relErr(r.details.sigmaY as number, o.rbf_sigma_Y_full_matrix)).toBeLessThanOrEqual(tol);
        });
        it('RBF CKA with the median over distinct pairs', () => {
          const r = cka(x, y, { kernel: 'rbf', median: 'pairs' });
          expect(relErr(r.value, o['rbf_cka_sigma0.8_median_pairs'])).toBeLessThanOrEqual(tol);
          expect(relErr(r.details.sigmaX as number, o.rbf_sigma_X_pairs)).toBeLessThanOrEqual(tol);
          expect(relErr(r.details.sigmaY as number, o.rbf_sigma_Y_pairs)).toBeLessThanOrEqual(tol);
        });
        it('RBF CKA with a fixed sigma equal to the median-derived one gives the same value', () => {
          const rx = cka(x, x, { kernel: 'rbf' }).details.sigmaX as number;
          const r = cka(x, x, { kernel: 'rbf', sigma: rx });
          expect(r.value).toBeCloseTo(1, 12);
        });
        it('debiased linear CKA and unbiased HSIC terms, both computation routes', () => {
          for (const route of ['feature', 'gram', 'auto'] as const) {
            const r = cka(x, y, { debiased: true, route });
            expect(relErr(r.value, o.debiased_linear_cka)).toBeLessThanOrEqual(tol);
            expect(relErr(r.details.hsicXY as number, o.hsic_unbiased_linear_XY)).toBeLessThanOrEqual(tol);
            expect(relErr(r.details.hsicXX as number, o.hsic_unbiased_linear_XX)).toBeLessThanOrEqual(tol);
            expect(relErr(r.details.hsicYY as number, o.hsic_unbiased_linear_YY)).toBeLessThanOrEqual(tol);
          }
        });
        it('debiased RBF CKA (full-matrix median)', () => {
          const r = cka(x, y, { kernel: 'rbf', debiased: true });
          expect(relErr(r.value, o['debiased_rbf_cka_sigma0.8_median_full_matrix'])).toBeLessThanOrEqual(tol);
        });
      });
    }
  },
);

describe('median of a full squared-distance matrix from its upper triangle', () => {
  it('equals the median of all n² entries (zero diagonal, every pair twice), for odd and even n, with ties and zeros', () => {
    const rng = new Rng(17);
    for (const n of [1, 2, 3, 4, 5, 8, 31, 64, 101]) {
      for (const ties of [false, true]) {
        const full = new Float64Array(n * n);
        const pairs: number[] = [];
        for (let i = 0; i < n; i++)
          for (let j = i + 1; j < n; j++) {
            const v = ties ? rng.int(4) : rng.random() * 10;
            full[i * n + j] = v;
            full[j * n + i] = v;
            pairs.push(v);
          }
        const sorted = Array.from(full).sort((a, b) => a - b);
        const m = n * n;
        const want = m % 2 ? sorted[(m - 1) / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
        expect([n, ties, fullMatrixMedian(Float64Array.from(pairs), n)]).toEqual([n, ties, want]);
      }
    }
  });
});

describe('cka invariants (property tests over seeded random inputs)', () => {
  const rng = new Rng(7);
  const cases = Array.from({ length: 6 }, (_, i) => {
    const n = 8 + 7 * i;
    return { x: randn(rng, n, 3 + 4 * i), y: randn(rng, n, 5 + 2 * i) };
  });

  it('CKA(X, X) = 1 for every kernel and estimator', () => {
    for (const { x } of cases) {
      expect(cka(x, x).value).toBeCloseTo(1, 12);
      expect(cka(x, x, { kernel: 'rbf' }).value).toBeCloseTo(1, 12);
      expect(cka(x, x, { debiased: true }).value).toBeCloseTo(1, 12);
      expect(cka(x, x, { kernel: 'rbf', debiased: true }).value).toBeCloseTo(1, 12);
    }
  });

  it('linear CKA is invariant to orthogonal transforms and isotropic scaling of either side', () => {
    for (const { x, y } of cases) {
      const base = cka(x, y).value;
      const qx = matmul(x, randomOrthogonal(rng, x.cols));
      const qy = matmul(y, randomOrthogonal(rng, y.cols));
      const scaled = new Matrix(
        y.rows,
        y.cols,
        y.data.map((v) => v * 37.5),
      );
      expect(cka(qx, y).value).toBeCloseTo(base, 12);
      expect(cka(x, qy).value).toBeCloseTo(base, 12);
      expect(cka(qx, scaled).value).toBeCloseTo(base, 12);
      expect(cka(x, y, { debiased: true }).value).toBeCloseTo(cka(qx, scaled, { debiased: true }).value, 11);
    }
  });

  it('linear CKA, biased and debiased, on both routes, does not change when a constant is added to every column', () => {
    // Offsets from 0.1σ (the debiased Gram route skips centring) to 10⁴σ (it centres first).
    const shifted = (m: Matrix, offset: number) => {
      const out = m.clone();
      for (let i = 0; i < out.data.length; i++) out.data[i] += offset * (1 + (i % m.cols) / m.cols);
      return out;
    };
    for (const { x, y } of cases.slice(2)) {
      for (const route of ['gram', 'feature'] as const) {
        for (const debiased of [false, true]) {
          const base = cka(x, y, { debiased, route }).value;
          for (const offset of [0.1, 5, 1e4]) {
            const v = cka(shifted(x, offset), shifted(y, -offset), { debiased, route }).value;
            expect(Math.abs(v - base)).toBeLessThan(1e-9);
          }
        }
      }
    }
  });

  it('is symmetric and lies in [0, 1] (biased estimators)', () => {
    for (const { x, y } of cases) {
      const a = cka(x, y).value;
      expect(cka(y, x).value).toBeCloseTo(a, 13);
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
      const r = cka(x, y, { kernel: 'rbf' }).value;
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThanOrEqual(1);
    }
  });

  it("precision 'float32' (linear kernel) agrees with float64 to ~1e-6, on both routes", () => {
    for (const { x, y } of cases.slice(2)) {
      for (const debiased of [false, true]) {
        for (const route of ['feature', 'gram'] as const) {
          const ref = cka(x, y, { debiased, route }).value;
          const r = cka(x, y, { debiased, route, precision: 'float32' });
          expect(r.details.precision).toBe('float32');
          expect(Math.abs(r.value - ref)).toBeLessThan(1e-5);
        }
      }
    }
    expect(() => cka(cases[0].x, cases[0].y, { kernel: 'rbf', precision: 'float32' })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }),
    );
  });

  it('float32 input gives the float64 answer to float32 precision', () => {
    const { x, y } = cases[3];
    expect(cka(x.astype('float32'), y.astype('float32')).value).toBeCloseTo(cka(x, y).value, 6);
  });
});

describe.skipIf(!hasNumpy)(`minibatch CKA against numpy${hasNumpy ? '' : ` [${pythonSkipReason}]`}`, () => {
  it('equals the mean of per-batch unbiased HSIC terms (Nguyen et al. 2021)', () => {
    const rng = new Rng(11);
    const x = randn(rng, 90, 12);
    const y = randn(rng, 90, 20);
    for (let i = 0; i < 90; i++) for (let j = 0; j < 12; j++) y.data[i * 20 + j] += 0.7 * x.data[i * 12 + j];
    const r = minibatchCka(x, y, { batchSize: 30 }); // batches: rows 0-29, 30-59, 60-89
    const ref = runPython<{ v: number }>(
      `
def hsic1(K, L):
    n = K.shape[0]
    K = K.copy(); L = L.copy(); np.fill_diagonal(K, 0); np.fill_diagonal(L, 0)
    return (np.trace(K @ L) + K.sum() * L.sum() / ((n - 1) * (n - 2)) - 2 / (n - 2) * (K @ L).sum()) / (n * (n - 3))
X = np.array(inp['x']); Y = np.array(inp['y'])
xy = xx = yy = 0.0
for b in range(3):
    xb = X[30*b:30*(b+1)]; yb = Y[30*b:30*(b+1)]
    K = xb @ xb.T; L = yb @ yb.T
    xy += hsic1(K, L); xx += hsic1(K, K); yy += hsic1(L, L)
out = {'v': xy / np.sqrt(xx * yy)}
`,
      { x: nested(x), y: nested(y) },
    );
    expect(relErr(r.value, ref.v)).toBeLessThan(1e-10);
    expect(r.details.batches).toBe(3);
  });
});

describe('minibatch CKA', () => {
  const rng = new Rng(12);
  const x = randn(rng, 40, 6);
  const y = randn(rng, 40, 9);
  it('one batch of everything equals debiased CKA', () => {
    expect(minibatchCka(x, y, { batchSize: 40 }).value).toBeCloseTo(cka(x, y, { debiased: true }).value, 12);
  });
  it('streaming updates equal the in-memory function, and seeded shuffles are reproducible', () => {
    const acc = new MinibatchCka();
    acc.update(x.rowRange(0, 20), y.rowRange(0, 20)).update(x.rowRange(20, 40), y.rowRange(20, 40));
    expect(acc.result().value).toBeCloseTo(minibatchCka(x, y, { batchSize: 20 }).value, 13);
    const a = minibatchCka(x, y, { batchSize: 10, seed: 5 }).value;
    expect(minibatchCka(x, y, { batchSize: 10, seed: 5 }).value).toBe(a);
    expect(minibatchCka(x, y, { batchSize: 10, seed: 6 }).value).not.toBe(a);
  });
  it('rejects batches smaller than 4 and RBF without a fixed sigma', () => {
    expect(() => new MinibatchCka().update(x.rowRange(0, 3), y.rowRange(0, 3))).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_TOO_FEW_EXAMPLES' }),
    );
    expect(() => new MinibatchCka({ kernel: 'rbf' })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }),
    );
  });
});

describe('cka bad input', () => {
  const rng = new Rng(3);
  const x = randn(rng, 10, 4);
  it('different numbers of examples: a ShapeError naming both shapes', () => {
    expect(() => cka(x, randn(rng, 9, 4))).toThrow(
      expect.objectContaining({ code: 'ERR_CORE_SHAPE', message: expect.stringContaining('10×4') }),
    );
  });
  it('fewer than 4 examples for debiased CKA', () => {
    expect(() => cka(x.rowRange(0, 3), x.rowRange(0, 3), { debiased: true })).toThrow(
      expect.objectContaining({
        code: 'ERR_SIMILARITY_TOO_FEW_EXAMPLES',
        message: expect.stringContaining('at least 4'),
      }),
    );
    expect(cka(x.rowRange(0, 3), x.rowRange(0, 3)).value).toBeCloseTo(1, 12);
  });
  it('all-constant features', () => {
    const c = new Matrix(10, 3, new Float64Array(30).fill(2.5));
    for (const opts of [{}, { kernel: 'rbf' as const }, { debiased: true }]) {
      expect(() => cka(c, x, opts)).toThrow(expect.objectContaining({ code: 'ERR_SIMILARITY_CONSTANT_FEATURES' }));
      expect(() => cka(x, c, opts)).toThrow(expect.objectContaining({ code: 'ERR_SIMILARITY_CONSTANT_FEATURES' }));
    }
  });
  it('NaN and Inf entries name row and column', () => {
    const bad = x.clone();
    bad.set(2, 1, Number.NaN);
    expect(() => cka(bad, x)).toThrow(
      expect.objectContaining({ code: 'ERR_CORE_NON_FINITE', message: expect.stringContaining('row 2, col 1') }),
    );
    bad.set(2, 1, Number.POSITIVE_INFINITY);
    expect(() => cka(x, bad, { kernel: 'rbf' })).toThrow(expect.objectContaining({ code: 'ERR_CORE_NON_FINITE' }));
  });
  it('unknown kernel lists the valid ones; sigma/threshold with the linear kernel are rejected', () => {
    expect(() => cka(x, x, { kernel: 'poly' as never })).toThrow(
      expect.objectContaining({
        code: 'ERR_SIMILARITY_UNKNOWN_METRIC',
        message: expect.stringContaining("'linear', 'rbf'"),
      }),
    );
    expect(() => cka(x, x, { threshold: 0.5 })).toThrow(expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }));
    expect(() => cka(x, x, { kernel: 'rbf', sigma: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }),
    );
  });
  it('RBF with a zero median distance asks for a fixed sigma', () => {
    const dup = Matrix.zeros(10, 2);
    dup.set(9, 0, 1);
    dup.set(8, 1, 1);
    expect(() => cka(dup, x, { kernel: 'rbf' })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION', message: expect.stringContaining('fixed sigma') }),
    );
    expect(Number.isFinite(cka(dup, x, { kernel: 'rbf', sigma: 1 }).value)).toBe(true);
  });
  it('debiased CKA is NaN with a reason when a self-HSIC estimate is 0 (numpy gives 0/0 = NaN there too)', () => {
    // a single non-zero example among four: the unbiased estimate of HSIC(X, X) is exactly 0
    const r = cka(Matrix.from([[0], [0], [0], [1]]), Matrix.from([[0], [1], [2], [3]]), { debiased: true });
    expect(r.value).toBeNaN();
    expect(r.details.hsicXX).toBe(0);
    expect(r.details.reason).toMatch(/not positive/);
  });
});

describe('cka is scale-invariant in floating point, on every backend that loads', () => {
  const rng = new Rng(41);
  const x = randn(rng, 24, 9);
  const y = randn(rng, 24, 6);
  const scaled = (m: Matrix, s: number, dtype: 'float64' | 'float32' = 'float64') => {
    const out = Matrix.zeros(m.rows, m.cols, dtype);
    for (let i = 0; i < m.data.length; i++) out.data[i] = m.data[i] * s;
    return out;
  };
  const variants: { name: string; opts: Parameters<typeof cka>[2] }[] = [
    { name: 'linear, feature route', opts: { route: 'feature' } },
    { name: 'linear, Gram route', opts: { route: 'gram' } },
    { name: 'debiased linear, feature route', opts: { debiased: true, route: 'feature' } },
    { name: 'debiased linear, Gram route', opts: { debiased: true, route: 'gram' } },
    { name: 'RBF (median heuristic)', opts: { kernel: 'rbf' } },
    { name: 'debiased RBF', opts: { kernel: 'rbf', debiased: true } },
  ];
  for (const name of availableBackends().map((b) => b.name)) {
    describe(`backend ${name}`, () => {
      beforeAll(() => setBackend(name));
      afterAll(() => setBackend(undefined));
      for (const v of variants) {
        it(`${v.name}: X·1e150 and X·1e-200 give CKA(X, Y) to 1e-12 (was 0 / "constant features")`, () => {
          const ref = cka(x, y, v.opts).value;
          expect(Number.isFinite(ref)).toBe(true);
          for (const s of [1e150, 1e-200]) {
            expect(relErr(cka(scaled(x, s), y, v.opts).value, ref)).toBeLessThan(1e-12);
            expect(relErr(cka(scaled(x, s), scaled(y, 1 / s), v.opts).value, ref)).toBeLessThan(1e-12);
          }
        });
      }
      it('float32 inputs scaled by 1e30 (linear, both routes, both estimators) give the unscaled value', () => {
        for (const debiased of [false, true]) {
          for (const route of ['feature', 'gram'] as const) {
            const ref = cka(x, y, { debiased, route }).value;
            for (const precision of ['float64', 'float32'] as const) {
              const r = cka(scaled(x, 1e30, 'float32'), scaled(y, 1e30, 'float32'), { debiased, route, precision });
              expect(relErr(r.value, ref)).toBeLessThan(1e-5);
            }
          }
        }
      });
    });
  }
  it('HSIC terms in details stay in the units of the inputs (scale by s² per side)', () => {
    const r1 = cka(x, y);
    const r2 = cka(scaled(x, 2 ** 40), y);
    expect(relErr(r2.details.hsicXY as number, (r1.details.hsicXY as number) * 2 ** 80)).toBeLessThan(1e-14);
    expect(relErr(r2.details.hsicXX as number, (r1.details.hsicXX as number) * 2 ** 160)).toBeLessThan(1e-14);
    const rbf1 = cka(x, y, { kernel: 'rbf' });
    const rbf2 = cka(scaled(x, 2 ** 40), y, { kernel: 'rbf' });
    expect(rbf2.details.sigmaX).toBe((rbf1.details.sigmaX as number) * 2 ** 40);
    expect(rbf2.value).toBe(rbf1.value);
  });
  it('minibatch CKA: an overflowing batch is a typed error (was NaN)', () => {
    let caught: unknown;
    try {
      new MinibatchCka().update(scaled(x, 1e150), y);
    } catch (e) {
      caught = e;
    }
    expect((caught as { code?: string })?.code).toBe('ERR_SIMILARITY_NON_FINITE');
  });
  it('an overflow in an intermediate is a typed error, never a value', () => {
    const big = Matrix.from([
      [1.7e308, 1],
      [1.7e308, 2],
      [-1, 3],
      [5, 1],
    ]);
    let caught: unknown;
    try {
      cka(big, Matrix.from([[1], [2], [3], [5]]));
    } catch (e) {
      caught = e;
    }
    expect(isConcordError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe('ERR_CORE_NON_FINITE');
  });
});
