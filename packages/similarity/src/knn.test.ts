import { Matrix, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { cknna, mutualKnn, topKNeighbours } from './knn.ts';
import { hasNumpy, nested, pythonSkipReason, runPython } from './python-reference.ts';
import { mix, randn } from './test-data.ts';

const rng = new Rng(41);
const cases = [
  [50, 8, 12, 0.5],
  [80, 30, 10, 2],
  [25, 4, 4, 0.1],
].map(([n, p, q, f]) => {
  const x = randn(rng, n, p);
  return { x, y: mix(x, randn(rng, n, q), f) };
});

// The platonic-representation reference code (Huh et al. 2024) transcribed to numpy: rows L2-normalised,
// neighbours by inner product with the diagonal excluded, CKNNA with the unbiased HSIC on masked kernels.
const PY_KNN = `
def normalize(F):
    return F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)
def knn(S, k):
    S = S.copy(); np.fill_diagonal(S, -np.inf)
    return np.argsort(-S, axis=1, kind='stable')[:, :k]
def mask_of(S, k):
    n = S.shape[0]; M = np.zeros((n, n)); M[np.arange(n)[:, None], knn(S, k)] = 1; return M
def hsic_unbiased(K, L):
    m = K.shape[0]
    Kt = K.copy(); np.fill_diagonal(Kt, 0); Lt = L.copy(); np.fill_diagonal(Lt, 0)
    v = (Kt * Lt.T).sum() + Kt.sum() * Lt.sum() / ((m - 1) * (m - 2)) - 2 * (Kt @ Lt).sum() / (m - 2)
    return v / (m * (m - 3))
out = []
for c in inp['cases']:
    A = normalize(np.array(c['x'])); B = normalize(np.array(c['y']))
    K = A @ A.T; L = B @ B.T
    row = {}
    for k in inp['ks']:
        MK = mask_of(K, k); ML = mask_of(L, k)
        mk = (MK * ML).sum(1) / k
        M = MK * ML
        kl = hsic_unbiased(M * K, M * L); kk = hsic_unbiased(MK * K, MK * K); ll = hsic_unbiased(ML * L, ML * L)
        row[str(k)] = {'mknn': mk.mean(), 'cknna': kl / (np.sqrt(kk * ll) + 1e-6)}
    out.append(row)
`;
const ks = [2, 5, 10];

describe.skipIf(!hasNumpy)(
  `mutual k-NN and CKNNA against numpy (Huh et al. 2024 reference code)${hasNumpy ? '' : ` [${pythonSkipReason}]`}`,
  () => {
    const ref = hasNumpy
      ? runPython<Record<string, { mknn: number; cknna: number }>[]>(PY_KNN, {
          cases: cases.map((c) => ({ x: nested(c.x), y: nested(c.y) })),
          ks,
        })
      : [];
    it('mutual k-NN for k = 2, 5, 10', () => {
      cases.forEach((c, i) => {
        for (const k of ks) expect(mutualKnn(c.x, c.y, { topk: k }).value).toBeCloseTo(ref[i][k].mknn, 14);
      });
    });
    it('CKNNA for k = 2, 5, 10', () => {
      cases.forEach((c, i) => {
        for (const k of ks) expect(cknna(c.x, c.y, { topk: k }).value).toBeCloseTo(ref[i][k].cknna, 10);
      });
    });
  },
);

describe('nearest-neighbour measures: invariants and bad input', () => {
  it('identical sides: mutual k-NN = 1, CKNNA ≈ 1 (minus the reference code’s 1e-6)', () => {
    const { x } = cases[0];
    expect(mutualKnn(x, x).value).toBe(1);
    expect(cknna(x, x).value).toBeGreaterThan(1 - 1e-4);
    expect(cknna(x, x).value).toBeLessThan(1);
  });
  it('mutual k-NN ignores per-example scaling when rows are normalised, and is symmetric', () => {
    const { x, y } = cases[1];
    const scaled = x.clone();
    for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) scaled.data[i * x.cols + j] *= 1 + i;
    expect(mutualKnn(scaled, y).value).toBe(mutualKnn(x, y).value);
    expect(mutualKnn(y, x).value).toBe(mutualKnn(x, y).value);
  });
  it('topKNeighbours excludes self and breaks ties towards the lower index', () => {
    const s = Matrix.from([
      [9, 1, 1, 0],
      [1, 9, 2, 2],
      [3, 3, 9, 3],
      [0, 5, 5, 9],
    ]);
    expect(Array.from(topKNeighbours(s, 2))).toEqual([1, 2, 2, 3, 0, 1, 1, 2]);
  });
  it('bad input: k too large for the examples, k < 2 for CKNNA, mismatched rows, NaN', () => {
    const { x, y } = cases[2];
    expect(() => mutualKnn(x, y, { topk: 25 })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_TOO_FEW_EXAMPLES' }),
    );
    expect(() => cknna(x, y, { topk: 1 })).toThrow(expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }));
    expect(() => mutualKnn(x, y.rowRange(0, 20))).toThrow(expect.objectContaining({ code: 'ERR_CORE_SHAPE' }));
    const nan = x.clone();
    nan.data[0] = Number.NaN;
    expect(() => cknna(nan, y)).toThrow(expect.objectContaining({ code: 'ERR_CORE_NON_FINITE' }));
    const constant = x.clone();
    constant.data.fill(2);
    expect(() => mutualKnn(x, constant)).toThrow(expect.objectContaining({ code: 'ERR_SIMILARITY_CONSTANT_FEATURES' }));
  });
});
