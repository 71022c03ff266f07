import { Matrix, matmul, Rng, svd } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { hasNumpy, nested, pythonSkipReason, runPython } from './python-reference.ts';
import { angularShapeMetric, procrustesDistance } from './shape-metrics.ts';
import { mix, randn, relErr } from './test-data.ts';

const rng = new Rng(31);
// tall (n > p), wide (p > n) and unequal widths
const cases = [
  [40, 6, 6],
  [30, 10, 4],
  [12, 25, 40],
].map(([n, p, q]) => {
  const x = randn(rng, n, p);
  return { x, y: mix(x, randn(rng, n, q), 1.2) };
});
const alphas = [1, 0.5, 0];

// netrep's LinearMetric written in numpy: zero-pad to equal width, centre, partially whiten, then
// scipy.linalg.orthogonal_procrustes for the distance and the nuclear norm for the angle.
const PY_SHAPE = `
from scipy.linalg import orthogonal_procrustes
def whiten(X, alpha, tol=1e-7):
    if alpha > 1 - tol: return X
    lam, V = np.linalg.eigh(X.T @ X)
    lam = np.maximum(lam, tol)
    d = alpha + (1 - alpha) * lam ** -0.5
    new_var = np.sum(alpha ** 2 * lam + 2 * alpha * (1 - alpha) * lam ** 0.5 + (1 - alpha) ** 2)
    d = d * np.sqrt(np.sum(lam) / new_var)
    return X @ ((V * d[None, :]) @ V.T)
out = []
for c in inp['cases']:
    X = np.array(c['x']); Y = np.array(c['y'])
    P = max(X.shape[1], Y.shape[1])
    X = np.pad(X, ((0, 0), (0, P - X.shape[1]))); Y = np.pad(Y, ((0, 0), (0, P - Y.shape[1])))
    X = X - X.mean(0); Y = Y - Y.mean(0)
    row = []
    for a in inp['alphas']:
        Xw = whiten(X, a); Yw = whiten(Y, a)
        R, _ = orthogonal_procrustes(Yw, Xw)
        dist = np.linalg.norm(Xw - Yw @ R)
        s = np.linalg.svd(Xw.T @ Yw, compute_uv=False)
        ang = np.arccos(np.clip(s.sum() / (np.linalg.norm(Xw) * np.linalg.norm(Yw)), -1, 1))
        row.append({'procrustes': dist, 'angular': ang})
    out.append(row)
`;

describe.skipIf(!hasNumpy)(
  `shape metrics against numpy/scipy (netrep's LinearMetric formulas)${hasNumpy ? '' : ` [${pythonSkipReason}]`}`,
  () => {
    const ref = hasNumpy
      ? runPython<{ procrustes: number; angular: number }[][]>(PY_SHAPE, {
          cases: cases.map((c) => ({ x: nested(c.x), y: nested(c.y) })),
          alphas,
        })
      : [];
    it('Procrustes distance and angular metric for alpha = 1, 0.5, 0', () => {
      cases.forEach((c, i) => {
        alphas.forEach((alpha, k) => {
          const p = procrustesDistance(c.x, c.y, { alpha }).value;
          const a = angularShapeMetric(c.x, c.y, { alpha }).value;
          if (alpha === 0 && c.x.cols >= c.x.rows) {
            // full whitening with more features than examples maps every representation to the same shape: both are ~0
            expect(Math.abs(a)).toBeLessThan(1e-6);
            expect(Math.abs(ref[i][k].angular)).toBeLessThan(1e-6);
            return;
          }
          expect(relErr(p, ref[i][k].procrustes)).toBeLessThan(1e-8);
          expect(relErr(a, ref[i][k].angular)).toBeLessThan(1e-8);
        });
      });
    });
  },
);

describe('shape-metric invariants', () => {
  function rotation(p: number): Matrix {
    return svd(randn(rng, p, p)).u; // orthogonal
  }
  it('Procrustes distance and angle are 0 for rotated (and translated) copies, for any whitening', () => {
    for (const c of cases) {
      const rotated = matmul(c.x, rotation(c.x.cols));
      for (let i = 0; i < rotated.data.length; i++) rotated.data[i] += 5;
      for (const alpha of [1, 0.3]) {
        const scale = procrustesDistance(c.x, c.y, { alpha }).details.normX as number;
        expect(procrustesDistance(c.x, rotated, { alpha }).value / scale).toBeLessThan(1e-6);
        expect(angularShapeMetric(c.x, rotated, { alpha }).value).toBeLessThan(1e-6);
      }
    }
  });
  it('the angular metric ignores isotropic scaling, is symmetric and lies in [0, π/2]', () => {
    for (const c of cases) {
      const a = angularShapeMetric(c.x, c.y).value;
      const scaled = new Matrix(
        c.y.rows,
        c.y.cols,
        c.y.data.map((v) => v * 0.01),
      );
      expect(angularShapeMetric(c.x, scaled).value).toBeCloseTo(a, 10);
      expect(angularShapeMetric(c.y, c.x).value).toBeCloseTo(a, 10);
      expect(a).toBeGreaterThan(0);
      expect(a).toBeLessThanOrEqual(Math.PI / 2);
    }
  });
  it('satisfies the triangle inequality (it is a metric)', () => {
    const [x, y, z] = [randn(rng, 20, 5), randn(rng, 20, 5), randn(rng, 20, 5)];
    for (const f of [procrustesDistance, angularShapeMetric]) {
      expect(f(x, z).value).toBeLessThanOrEqual(f(x, y).value + f(y, z).value + 1e-12);
    }
  });
  it('bad input: alpha outside [0, 1], mismatched rows, constant side for the angle', () => {
    const c = cases[0];
    expect(() => procrustesDistance(c.x, c.y, { alpha: 2 })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }),
    );
    expect(() => angularShapeMetric(c.x, c.y.rowRange(0, 5))).toThrow(
      expect.objectContaining({ code: 'ERR_CORE_SHAPE' }),
    );
    const constant = Matrix.zeros(c.x.rows, 3).astype('float64');
    constant.data.fill(1);
    expect(() => angularShapeMetric(constant, c.y)).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_CONSTANT_FEATURES' }),
    );
  });
});
