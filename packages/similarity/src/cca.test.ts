import { matmul, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { keptDimensions, meanCca, pwcca, svcca } from './cca.ts';
import { hasNumpy, nested, pythonSkipReason, runPython } from './python-reference.ts';
import { mix, randn, relErr } from './test-data.ts';

const rng = new Rng(21);
// (n, p, q): more examples than features on both sides, as CCA needs to be non-trivial
const cases = [
  [60, 5, 8],
  [100, 20, 12],
  [45, 3, 3],
].map(([n, p, q]) => {
  const x = randn(rng, n, p);
  return { x, y: mix(x, randn(rng, n, q), 0.8) };
});

const PY_CCA = `
def basis(M):
    M = M - M.mean(0)
    Q, _ = np.linalg.qr(M)
    return Q, M
def cca(X, Y):
    Qx, Xc = basis(X); Qy, Yc = basis(Y)
    U, s, Vt = np.linalg.svd(Qx.T @ Qy)
    return Qx, Qy, Xc, Yc, U, np.clip(s, 0, 1), Vt
def reduce(X, thr):
    Xc = X - X.mean(0)
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    ratio = np.cumsum(s) / s.sum()
    k = int(np.sum(ratio < thr)) + 1
    return Xc @ Vt[:k].T, k
out = []
for c in inp['cases']:
    X = np.array(c['x']); Y = np.array(c['y'])
    Qx, Qy, Xc, Yc, U, s, Vt = cca(X, Y)
    k = len(s)
    if X.shape[1] <= Y.shape[1]:
        H = Qx @ U[:, :k]; F = Xc
    else:
        H = Qy @ Vt.T[:, :k]; F = Yc
    w = np.abs(H.T @ F).sum(1); w = w / w.sum()
    Xr, kx = reduce(X, 0.99); Yr, ky = reduce(Y, 0.99)
    s_sv = cca(Xr, Yr)[5]
    Xr2, _ = reduce(X, 0.6); Yr2, _ = reduce(Y, 0.6)
    out.append({'mean': s.mean(), 'rho': s.tolist(), 'pw': float(w @ s), 'svcca': s_sv.mean(), 'kx': kx, 'ky': ky, 'svcca60': cca(Xr2, Yr2)[5].mean()})
`;

describe.skipIf(!hasNumpy)(
  `CCA family against numpy (QR-based CCA, anatome's SVD reduction)${hasNumpy ? '' : ` [${pythonSkipReason}]`}`,
  () => {
    const ref = hasNumpy
      ? runPython<
          { mean: number; rho: number[]; pw: number; svcca: number; kx: number; ky: number; svcca60: number }[]
        >(PY_CCA, { cases: cases.map((c) => ({ x: nested(c.x), y: nested(c.y) })) })
      : [];
    it('mean canonical correlation and every canonical correlation', () => {
      cases.forEach((c, i) => {
        const r = meanCca(c.x, c.y);
        expect(relErr(r.value, ref[i].mean)).toBeLessThan(1e-10);
        (r.details.correlations as number[]).forEach((v, k) => {
          expect(v).toBeCloseTo(ref[i].rho[k], 10);
        });
      });
    });
    it('PWCCA', () => {
      cases.forEach((c, i) => {
        expect(relErr(pwcca(c.x, c.y).value, ref[i].pw)).toBeLessThan(1e-10);
      });
    });
    it('SVCCA at 0.99 and 0.6 of the summed singular values', () => {
      cases.forEach((c, i) => {
        const r = svcca(c.x, c.y);
        expect(r.details.dimsX).toBe(ref[i].kx);
        expect(r.details.dimsY).toBe(ref[i].ky);
        expect(relErr(r.value, ref[i].svcca)).toBeLessThan(1e-10);
        expect(relErr(svcca(c.x, c.y, { threshold: 0.6 }).value, ref[i].svcca60)).toBeLessThan(1e-10);
      });
    });
  },
);

describe('CCA invariants', () => {
  it('canonical correlations are invariant to invertible linear maps of either side', () => {
    for (const c of cases) {
      const a = randn(rng, c.x.cols, c.x.cols); // Gaussian square matrices are invertible with probability 1
      const b = randn(rng, c.y.cols, c.y.cols);
      const base = meanCca(c.x, c.y);
      const mapped = meanCca(matmul(c.x, a), matmul(c.y, b));
      expect(mapped.value).toBeCloseTo(base.value, 10);
      expect(pwcca(c.x, c.y).value).toBeGreaterThan(0);
    }
  });
  it('identical sides give correlations of 1; CCA is symmetric', () => {
    const c = cases[1];
    expect(meanCca(c.x, c.x).value).toBeCloseTo(1, 12);
    expect(svcca(c.x, c.x).value).toBeCloseTo(1, 12);
    expect(pwcca(c.x, c.x).value).toBeCloseTo(1, 12);
    expect(meanCca(c.y, c.x).value).toBeCloseTo(meanCca(c.x, c.y).value, 12);
  });
  it('keptDimensions follows the cumulative singular-value fraction', () => {
    expect(keptDimensions(Float64Array.from([5, 3, 1, 1]), 0.8)).toBe(2); // 0.5, 0.8 → 1 below 0.8, keep 2
    expect(keptDimensions(Float64Array.from([5, 3, 1, 1]), 0.81)).toBe(3);
    expect(keptDimensions(Float64Array.from([1]), 0.99)).toBe(1);
  });
  it('bad input: mismatched rows, constant sides, NaN, threshold out of range', () => {
    const c = cases[0];
    expect(() => meanCca(c.x, c.y.rowRange(0, 10))).toThrow(expect.objectContaining({ code: 'ERR_CORE_SHAPE' }));
    const constant = c.x.clone();
    constant.data.fill(3);
    expect(() => svcca(constant, c.y)).toThrow(expect.objectContaining({ code: 'ERR_SIMILARITY_CONSTANT_FEATURES' }));
    const nan = c.y.clone();
    nan.data[5] = Number.NaN;
    expect(() => pwcca(c.x, nan)).toThrow(expect.objectContaining({ code: 'ERR_CORE_NON_FINITE' }));
    expect(() => svcca(c.x, c.y, { threshold: 1.5 })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }),
    );
  });
});
