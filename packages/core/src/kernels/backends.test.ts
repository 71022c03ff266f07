/**
 * One suite run against every linear-algebra backend that loads here (native OpenBLAS, onnxruntime, js): every
 * operation the backend implements, in float64 and float32, against independent computations written in this file
 * (naive triple loops) and against numpy/scipy when python3 has them.
 */
import { defined } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { availableBackends, ConcordRangeError, isConcordError, Matrix, Rng } from '../index.node.ts';
import { hasPythonModules, runPythonJson } from '../node/testing.ts';

const backends = availableBackends();

function random(rows: number, cols: number, seed: number, dtype: 'float64' | 'float32' = 'float64'): Matrix {
  const m = Matrix.zeros(rows, cols, dtype);
  new Rng(seed).fillNormal(m.data);
  return m;
}

/** op(A)·op(B) by the textbook triple loop, in float64. */
function naiveProduct(a: Matrix, b: Matrix, transA: boolean, transB: boolean): number[][] {
  const ga = (i: number, k: number) => (transA ? a.get(k, i) : a.get(i, k));
  const gb = (k: number, j: number) => (transB ? b.get(j, k) : b.get(k, j));
  const m = transA ? a.cols : a.rows;
  const inner = transA ? a.rows : a.cols;
  const n = transB ? b.rows : b.cols;
  const out: number[][] = [];
  for (let i = 0; i < m; i++) {
    const row: number[] = [];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += ga(i, k) * gb(k, j);
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

/** Largest |x - y| relative to the largest |y| (at least 1). */
function relErr(x: Matrix, y: number[][]): number {
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y[i].length; j++) {
      worst = Math.max(worst, Math.abs(x.get(i, j) - y[i][j]));
      scale = Math.max(scale, Math.abs(y[i][j]));
    }
  }
  return worst / scale;
}

function expectSymmetricExactly(c: Matrix): void {
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < i; j++) expect(c.get(i, j)).toBe(c.get(j, i));
}

function expectIdentity(m: Matrix, tol: number): void {
  for (let i = 0; i < m.rows; i++)
    for (let j = 0; j < m.cols; j++) expect(Math.abs(m.get(i, j) - (i === j ? 1 : 0))).toBeLessThan(tol);
}

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected an error with code ${code}`).toBeDefined();
  expect(isConcordError(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

function randomSymmetric(n: number, seed: number): Matrix {
  const r = random(n, n, seed);
  const s = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s.set(i, j, (r.get(i, j) + r.get(j, i)) / 2);
  return s;
}

/** X·Xᵀ + n·I: symmetric positive definite. */
function randomSpd(n: number, seed: number): Matrix {
  const x = random(n, n + 3, seed);
  const a = Matrix.from(naiveProduct(x, x, false, true));
  for (let i = 0; i < n; i++) a.set(i, i, a.get(i, i) + n);
  return a;
}

const productShapes: { name: string; m: number; k: number; n: number }[] = [
  { name: 'non-square', m: 5, k: 7, n: 3 },
  { name: 'larger, odd sizes', m: 67, k: 131, n: 45 },
  { name: '1×1', m: 1, k: 1, n: 1 },
  { name: 'inner dimension 1 (outer product)', m: 4, k: 1, n: 6 },
  { name: 'row times matrix', m: 1, k: 9, n: 4 },
  // matrix-vector products (the native backend hands them to gemv)
  { name: 'matrix times column', m: 37, k: 53, n: 1 },
  { name: 'long row times matrix', m: 1, k: 53, n: 37 },
];

describe('availableBackends', () => {
  it('always includes js, and lists backends in preference order', () => {
    const names = backends.map((b) => b.name);
    expect(names).toContain('js');
    const order = ['native', 'onnx', 'js'];
    expect([...names].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(names);
  });
});

for (const backend of backends) {
  describe(`backend ${backend.name} (${backend.describe()})`, () => {
    const has = (op: string) => backend.operations.has(op as never);

    it('reports a positive thread count', () => {
      expect(backend.threads()).toBeGreaterThanOrEqual(1);
    });

    describe.runIf(has('gemm'))('gemm', () => {
      for (const dtype of ['float64', 'float32'] as const) {
        const tol = dtype === 'float64' ? 1e-13 : 2e-5;
        for (const s of productShapes) {
          for (const transA of [false, true]) {
            for (const transB of [false, true]) {
              it(`${dtype} ${s.name} (${s.m}×${s.k}·${s.k}×${s.n}) transA=${transA} transB=${transB}`, () => {
                const a = transA ? random(s.k, s.m, 1, dtype) : random(s.m, s.k, 1, dtype);
                const b = transB ? random(s.n, s.k, 2, dtype) : random(s.k, s.n, 2, dtype);
                const c = backend.gemm(a, b, transA, transB);
                expect(c.shape).toEqual([s.m, s.n]);
                expect(c.dtype).toBe(dtype);
                expect(relErr(c, naiveProduct(a, b, transA, transB))).toBeLessThan(tol);
              });
            }
          }
        }
      }

      it('mixed float32 × float64 gives float64', () => {
        const a = random(4, 6, 3, 'float32');
        const b = random(6, 5, 4, 'float64');
        const c = backend.gemm(a, b, false, false);
        expect(c.dtype).toBe('float64');
        expect(relErr(c, naiveProduct(a, b, false, false))).toBeLessThan(1e-13);
      });

      it('0-size operands give correctly shaped (zero) results', () => {
        expect(backend.gemm(Matrix.zeros(0, 3), Matrix.zeros(3, 4), false, false).shape).toEqual([0, 4]);
        expect(backend.gemm(Matrix.zeros(3, 0), Matrix.zeros(5, 0), false, true).shape).toEqual([3, 5]);
        const c = backend.gemm(Matrix.zeros(3, 0), Matrix.zeros(0, 4), false, false);
        expect(c.shape).toEqual([3, 4]);
        expect(Array.from(c.data)).toEqual(new Array(12).fill(0));
      });

      it('works on row-range views (memory shared with a larger matrix)', () => {
        const big = random(10, 6, 5);
        const view = big.rowRange(3, 7);
        const b = random(6, 2, 6);
        expect(relErr(backend.gemm(view, b, false, false), naiveProduct(view, b, false, false))).toBeLessThan(1e-13);
      });

      it('rejects mismatched inner dimensions with a ShapeError naming both shapes', () => {
        expectCode(() => backend.gemm(random(3, 4, 1), random(5, 2, 2), false, false), 'ERR_CORE_SHAPE');
      });

      it('propagates NaN like BLAS (no silent zeros)', () => {
        const a = Matrix.from([
          [1, Number.NaN],
          [2, 3],
        ]);
        const c = backend.gemm(a, Matrix.identity(2), false, false);
        expect(Number.isNaN(c.get(0, 1)) || Number.isNaN(c.get(0, 0))).toBe(true);
        expect(c.get(1, 0)).toBe(2);
      });
    });

    describe.runIf(has('syrk'))('syrk', () => {
      for (const dtype of ['float64', 'float32'] as const) {
        const tol = dtype === 'float64' ? 1e-13 : 2e-5;
        for (const [n, k] of [
          [1, 1],
          [6, 11],
          [40, 7],
          [73, 129],
        ]) {
          for (const trans of [false, true]) {
            it(`${dtype} ${trans ? 'Aᵀ·A' : 'A·Aᵀ'} for A ${trans ? `${k}×${n}` : `${n}×${k}`}: correct and exactly symmetric`, () => {
              const a = trans ? random(k, n, 7, dtype) : random(n, k, 7, dtype);
              const c = backend.syrk(a, trans);
              expect(c.shape).toEqual([n, n]);
              expect(c.dtype).toBe(dtype);
              expect(relErr(c, naiveProduct(a, a, trans, !trans))).toBeLessThan(tol);
              expectSymmetricExactly(c);
            });
          }
        }
      }

      it('0-size: n×0 gives an n×n zero matrix, 0×p gives 0×0', () => {
        const c = backend.syrk(Matrix.zeros(3, 0), false);
        expect(c.shape).toEqual([3, 3]);
        expect(Array.from(c.data)).toEqual(new Array(9).fill(0));
        expect(backend.syrk(Matrix.zeros(0, 5), false).shape).toEqual([0, 0]);
      });
    });

    describe.runIf(has('eigh'))('eigh', () => {
      it('2×2 with known eigenvalues (1 and 3), ascending', () => {
        const { values } = backend.eigh(
          Matrix.from([
            [2, 1],
            [1, 2],
          ]),
        );
        expect(values[0]).toBeCloseTo(1, 14);
        expect(values[1]).toBeCloseTo(3, 14);
      });

      for (const n of [1, 5, 30]) {
        it(`random symmetric ${n}×${n}: A = V·Λ·Vᵀ, VᵀV = I, ascending values`, () => {
          const a = randomSymmetric(n, 11 + n);
          const { values, vectors } = backend.eigh(a);
          expect(vectors.shape).toEqual([n, n]);
          for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
          const vl = Matrix.zeros(n, n);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vl.set(i, j, vectors.get(i, j) * values[j]);
          expect(relErr(a, naiveProduct(vl, vectors, false, true))).toBeLessThan(1e-12);
          expectIdentity(Matrix.from(naiveProduct(vectors, vectors, true, false)), 1e-12);
        });
      }

      it('float32 input is decomposed (results in float64)', () => {
        const a = randomSymmetric(6, 3).astype('float32');
        const { values } = backend.eigh(a);
        const ref = backend.eigh(a.astype('float64')).values;
        for (let i = 0; i < 6; i++) expect(values[i]).toBeCloseTo(ref[i], 10);
      });
    });

    describe.runIf(has('svd'))('svd', () => {
      for (const [m, n] of [
        [1, 1],
        [6, 6],
        [12, 5],
        [5, 12],
        [1, 7],
      ]) {
        it(`${m}×${n}: A = U·S·Vᵀ, orthonormal U and V, s descending and non-negative`, () => {
          const a = random(m, n, 21 + m * n);
          const { u, s, vt } = backend.svd(a);
          const k = Math.min(m, n);
          expect(u.shape).toEqual([m, k]);
          expect(s.length).toBe(k);
          expect(vt.shape).toEqual([k, n]);
          for (let i = 0; i < k; i++) expect(s[i]).toBeGreaterThanOrEqual(0);
          for (let i = 1; i < k; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
          const us = Matrix.zeros(m, k);
          for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) us.set(i, j, u.get(i, j) * s[j]);
          expect(relErr(a, naiveProduct(us, vt, false, false))).toBeLessThan(1e-12);
          expectIdentity(Matrix.from(naiveProduct(u, u, true, false)), 1e-12);
          expectIdentity(Matrix.from(naiveProduct(vt, vt, false, true)), 1e-12);
        });
      }

      it('a rank-deficient matrix has (numerically) zero trailing singular values', () => {
        const x = random(8, 2, 5);
        const a = Matrix.from(naiveProduct(x, random(2, 6, 6), false, false)); // rank 2
        const { s } = backend.svd(a);
        expect(s[2] / s[0]).toBeLessThan(1e-13);
      });
    });

    describe.runIf(has('cholesky'))('cholesky', () => {
      for (const n of [1, 4, 25]) {
        it(`SPD ${n}×${n}: L lower-triangular and L·Lᵀ = A`, () => {
          const a = randomSpd(n, 31 + n);
          const l = backend.cholesky(a);
          for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l.get(i, j)).toBe(0);
          for (let i = 0; i < n; i++) expect(l.get(i, i)).toBeGreaterThan(0);
          expect(relErr(a, naiveProduct(l, l, false, true))).toBeLessThan(1e-13);
        });
      }

      it('a symmetric indefinite matrix throws ERR_CORE_NOT_POSITIVE_DEFINITE (a RangeError)', () => {
        const bad = Matrix.from([
          [1, 2],
          [2, 1],
        ]);
        expectCode(() => backend.cholesky(bad), 'ERR_CORE_NOT_POSITIVE_DEFINITE');
        expect(() => backend.cholesky(bad)).toThrow(ConcordRangeError);
      });
    });

    describe.runIf(has('inverse'))('inverse', () => {
      for (const n of [1, 3, 20]) {
        it(`${n}×${n}: A·A⁻¹ = I`, () => {
          const a = randomSpd(n, 41 + n);
          const inv = backend.inverse(a);
          expectIdentity(Matrix.from(naiveProduct(a, inv, false, false)), 1e-12);
        });
      }

      it('a general (non-symmetric) matrix with a known inverse', () => {
        const inv = backend.inverse(
          Matrix.from([
            [4, 7],
            [2, 6],
          ]),
        );
        const ref = [
          [0.6, -0.7],
          [-0.2, 0.4],
        ];
        expect(relErr(inv, ref)).toBeLessThan(1e-15);
      });

      it('a singular matrix throws ERR_CORE_SINGULAR', () => {
        expectCode(
          () =>
            backend.inverse(
              Matrix.from([
                [1, 2],
                [2, 4],
              ]),
            ),
          'ERR_CORE_SINGULAR',
        );
      });
    });
  });
}

describe('0-size decompositions give empty results of the right shapes (as numpy does)', () => {
  for (const backend of backends) {
    it(backend.name, () => {
      const e = backend.eigh(Matrix.zeros(0, 0));
      expect(e.values.length).toBe(0);
      expect(e.vectors.shape).toEqual([0, 0]);
      for (const [m, n] of [
        [0, 0],
        [0, 3],
        [3, 0],
      ]) {
        const { u, s, vt } = backend.svd(Matrix.zeros(m, n));
        expect([u.shape, s.length, vt.shape]).toEqual([[m, 0], 0, [0, n]]);
      }
      expect(backend.cholesky(Matrix.zeros(0, 0)).shape).toEqual([0, 0]);
      expect(backend.inverse(Matrix.zeros(0, 0)).shape).toEqual([0, 0]);
    });
  }
});

describe.runIf(hasPythonModules(['numpy']))('against numpy (every backend)', () => {
  const x = random(23, 17, 99);
  const sym = randomSymmetric(19, 98);
  const ref = runPythonJson<{ gram: number[][]; gramT: number[][]; eig: number[]; sv: number[]; inv: number[][] }>(
    `
import numpy as np
x = np.array(data['x']); s = np.array(data['sym'])
result = {'gram': (x @ x.T).tolist(), 'gramT': (x.T @ x).tolist(), 'eig': np.linalg.eigvalsh(s).tolist(),
          'sv': np.linalg.svd(x, compute_uv=False).tolist(), 'inv': np.linalg.inv(s).tolist()}
`,
    { x: x.toArray(), sym: sym.toArray() },
  );

  for (const backend of backends) {
    const has = (op: string) => backend.operations.has(op as never);
    it.runIf(has('syrk'))(`${backend.name}: X·Xᵀ and Xᵀ·X match numpy`, () => {
      expect(relErr(backend.syrk(x, false), ref.gram)).toBeLessThan(1e-14);
      expect(relErr(backend.syrk(x, true), ref.gramT)).toBeLessThan(1e-14);
    });
    it.runIf(has('gemm'))(`${backend.name}: X·Xᵀ through gemm matches numpy`, () => {
      expect(relErr(backend.gemm(x, x, false, true), ref.gram)).toBeLessThan(1e-14);
    });
    it.runIf(has('eigh'))(`${backend.name}: eigenvalues match numpy.linalg.eigvalsh`, () => {
      const v = backend.eigh(sym).values;
      for (let i = 0; i < v.length; i++) expect(Math.abs(v[i] - ref.eig[i])).toBeLessThan(1e-12);
    });
    it.runIf(has('svd'))(`${backend.name}: singular values match numpy.linalg.svd`, () => {
      const s = backend.svd(x).s;
      for (let i = 0; i < s.length; i++) expect(Math.abs(s[i] - ref.sv[i])).toBeLessThan(1e-12);
    });
    it.runIf(has('inverse'))(`${backend.name}: inverse matches numpy.linalg.inv`, () => {
      expect(relErr(backend.inverse(sym), ref.inv)).toBeLessThan(1e-11);
    });
  }
});

describe('backends agree with each other on a product large enough for blocked code paths', () => {
  const x = random(150, 300, 5);
  const results = new Map<string, Matrix>();
  for (const b of backends) results.set(b.name, b.syrk(x, false));
  const js = defined(results.get('js'));
  for (const [name, c] of results) {
    it(`${name} matches js to 1e-13 (relative)`, () => {
      expect(relErr(c, js.toArray())).toBeLessThan(1e-13);
    });
  }
  afterAll(() => results.clear());
});
