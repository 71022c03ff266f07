import { inverse, Matrix, matmul, Rng, svd } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { kFoldSplits, trainIndices } from './cross-validation.ts';
import { hasNumpy, nested, pythonSkipReason, runPython } from './python-reference.ts';
import { ridgeEncoding, totalLooErrors } from './ridge.ts';
import { randn } from './test-data.ts';

/** Responses = X·W + noise with every target's signal variance 1 and noise variance `noiseVar`. */
function simulate(rng: Rng, n: number, p: number, v: number, noiseVar: number): { x: Matrix; y: Matrix } {
  const x = randn(rng, n, p);
  const w = randn(rng, p, v);
  for (let t = 0; t < v; t++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += w.data[j * v + t] ** 2;
    for (let j = 0; j < p; j++) w.data[j * v + t] /= Math.sqrt(s);
  }
  const y = Matrix.zeros(n, v);
  const sd = Math.sqrt(noiseVar);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < v; t++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += x.data[i * p + j] * w.data[j * v + t];
      y.data[i * v + t] = s + sd * rng.normal();
    }
  }
  return { x, y };
}

// Independent reference: for each training fold, leave-one-out errors by brute force (refitting ridge with an
// unpenalised intercept m times per alpha), RidgeCV's choice of alpha, then the fit on the whole training fold.
const PY_RIDGE = `
def fit(X, Y, a):
    mx = X.mean(0); my = Y.mean(0); Xc = X - mx
    B = np.linalg.solve(Xc.T @ Xc + a * np.eye(X.shape[1]), Xc.T @ (Y - my))
    return lambda Z: (Z - mx) @ B + my
X = np.array(inp['x']); Y = np.array(inp['y']); alphas = inp['alphas']
r_sum = np.zeros(Y.shape[1]); chosen = []
for test in inp['tests']:
    test = np.array(test); train = np.setdiff1d(np.arange(X.shape[0]), test)
    Xtr, Ytr = X[train], Y[train]; m = len(train)
    err = np.zeros((len(alphas), Y.shape[1]))
    for ai, a in enumerate(alphas):
        for i in range(m):
            keep = np.arange(m) != i
            pred = fit(Xtr[keep], Ytr[keep], a)(Xtr[i:i+1])
            err[ai] += (Ytr[i] - pred[0]) ** 2
    if inp['perTarget']:
        pick = err.argmin(0)
    else:
        pick = np.full(Y.shape[1], err.sum(1).argmin())
    chosen.append(pick.tolist())
    for t in range(Y.shape[1]):
        pred = fit(Xtr, Ytr[:, t:t+1], alphas[pick[t]])(X[test])[:, 0]
        r_sum[t] += np.corrcoef(pred, Y[test, t])[0, 1]
r = r_sum / len(inp['tests'])
out = {'perTarget': r.tolist(), 'median': float(np.median(r)), 'mean': float(r.mean()), 'chosen': chosen}
`;

describe.skipIf(!hasNumpy)(
  `ridge encoding against numpy (brute-force leave-one-out)${hasNumpy ? '' : ` [${pythonSkipReason}]`}`,
  () => {
    const rng = new Rng(51);
    const alphas = [0.01, 0.3, 3, 30, 300];
    // p < m (primal route) and p > m (dual route); one alpha for all targets and one per target
    for (const [n, p, perTarget] of [
      [40, 6, false],
      [40, 6, true],
      [30, 45, false],
      [30, 45, true],
    ] as const) {
      it(`n = ${n}, p = ${p}, alphaPerTarget = ${perTarget}`, () => {
        const { x, y } = simulate(rng, n, p, 5, 2);
        const folds = 4;
        const r = ridgeEncoding(x, y, { alphas, folds, seed: 3, alphaPerTarget: perTarget });
        const tests = kFoldSplits(n, folds, 3).map((t) => Array.from(t));
        const ref = runPython<{ perTarget: number[]; median: number; mean: number; chosen: number[][] }>(PY_RIDGE, {
          x: nested(x),
          y: nested(y),
          alphas,
          tests,
          perTarget,
        });
        (r.details.perTarget as number[]).forEach((v, t) => {
          expect(v).toBeCloseTo(ref.perTarget[t], 9);
        });
        expect(r.value).toBeCloseTo(ref.median, 9);
        expect(r.details.mean as number).toBeCloseTo(ref.mean, 9);
        const counts = ref.chosen.map((pick) => alphas.map((_, ai) => pick.filter((k) => k === ai).length));
        expect(r.details.chosenAlphaCounts).toEqual(counts);
      });
    }
  },
);

describe('ridge encoding on simulated data', () => {
  it('approaches the theoretical score √(signal / (signal + noise)) for known noise variance', () => {
    const rng = new Rng(52);
    for (const noiseVar of [1, 3]) {
      const { x, y } = simulate(rng, 1500, 10, 30, noiseVar);
      const r = ridgeEncoding(x, y, { folds: 5, seed: 1 });
      const theory = Math.sqrt(1 / (1 + noiseVar));
      expect(Math.abs(r.value - theory)).toBeLessThan(0.02);
      expect(Math.abs((r.details.mean as number) - theory)).toBeLessThan(0.02);
    }
  });
  it('folds and alpha choice are deterministic given the seed; another seed gives other folds', () => {
    const { x, y } = simulate(new Rng(53), 60, 8, 6, 1);
    const a = ridgeEncoding(x, y, { seed: 9 });
    const b = ridgeEncoding(x, y, { seed: 9 });
    expect(b.details.perTarget).toEqual(a.details.perTarget);
    expect(b.details.chosenAlphaCounts).toEqual(a.details.chosenAlphaCounts);
    expect(ridgeEncoding(x, y, { seed: 10 }).details.perTarget).not.toEqual(a.details.perTarget);
  });
  it('a tiny memory budget (one target per chunk) gives the same scores as the default', () => {
    const { x, y } = simulate(new Rng(54), 50, 12, 7, 1);
    const a = ridgeEncoding(x, y, { alphaPerTarget: true });
    const b = ridgeEncoding(x, y, { alphaPerTarget: true, memoryBudgetMiB: 1e-6 });
    (b.details.perTarget as number[]).forEach((v, t) => {
      expect(v).toBeCloseTo((a.details.perTarget as number[])[t], 12);
    });
  });
  it('kFoldSplits partitions 0..n−1 into folds of KFold sizes', () => {
    const splits = kFoldSplits(23, 5, 4);
    expect(splits.map((s) => s.length)).toEqual([5, 5, 5, 4, 4]);
    const all = splits.flatMap((s) => Array.from(s)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(Array.from(trainIndices(6, Int32Array.from([1, 4])))).toEqual([0, 2, 3, 5]);
  });
  it('a constant target gets NaN (scipy.stats.pearsonr does too) and is left out of the summary', () => {
    const { x, y } = simulate(new Rng(55), 40, 5, 3, 1);
    for (let i = 0; i < 40; i++) y.data[i * 3 + 1] = 7;
    const r = ridgeEncoding(x, y);
    expect((r.details.perTarget as number[])[1]).toBeNaN();
    expect(r.details.nanTargets).toBe(1);
    expect(Number.isFinite(r.value)).toBe(true);
  });
  it('bad input: mismatched rows, bad alphas, folds out of range, NaN responses, constant features', () => {
    const { x, y } = simulate(new Rng(56), 20, 4, 2, 1);
    expect(() => ridgeEncoding(x, y.rowRange(0, 19))).toThrow(expect.objectContaining({ code: 'ERR_CORE_SHAPE' }));
    expect(() => ridgeEncoding(x, y, { alphas: [1, -2] })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }),
    );
    expect(() => ridgeEncoding(x, y, { alphas: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }),
    );
    expect(() => ridgeEncoding(x, y, { folds: 21 })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_TOO_FEW_EXAMPLES' }),
    );
    expect(() => ridgeEncoding(x, y, { folds: 1 })).toThrow(expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }));
    const nan = y.clone();
    nan.data[3] = Number.NaN;
    expect(() => ridgeEncoding(x, nan)).toThrow(expect.objectContaining({ code: 'ERR_CORE_NON_FINITE' }));
    const constant = x.clone();
    constant.data.fill(4);
    expect(() => ridgeEncoding(constant, y)).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_CONSTANT_FEATURES' }),
    );
  });
});

describe('total leave-one-out error without per-target residuals', () => {
  it('equals brute-force leave-one-out refits (ridge with an unpenalised intercept), summed over targets', () => {
    const rng = new Rng(77);
    const alphas = [0.05, 1, 20];
    for (const [m, p] of [
      [15, 4],
      [12, 20],
    ] as const) {
      const x = randn(rng, m, p);
      const y = randn(rng, m, 3);
      const centre = (a: Matrix) => {
        const out = a.clone();
        for (let j = 0; j < a.cols; j++) {
          let s = 0;
          for (let i = 0; i < a.rows; i++) s += a.data[i * a.cols + j];
          for (let i = 0; i < a.rows; i++) out.data[i * a.cols + j] -= s / a.rows;
        }
        return out;
      };
      const xc = centre(x);
      const yc = centre(y);
      const { u, s } = svd(xc);
      const keep = Array.from(s.keys()).filter((j) => s[j] > s[0] * 1e-12);
      const uk = u.selectCols(keep);
      const s2 = Float64Array.from(keep, (j) => s[j] ** 2);
      const leverage = alphas.map((alpha) => {
        const h = new Float64Array(m).fill(1 / m);
        for (let i = 0; i < m; i++)
          for (let j = 0; j < keep.length; j++) h[i] += (uk.data[i * keep.length + j] ** 2 * s2[j]) / (s2[j] + alpha);
        return h;
      });
      const got = totalLooErrors(uk, s2, yc, alphas, leverage);
      alphas.forEach((alpha, ai) => {
        let want = 0;
        for (let out = 0; out < m; out++) {
          const rows = Array.from({ length: m }, (_, i) => i).filter((i) => i !== out);
          const xr = centre(x.selectRows(rows));
          const yr = centre(y.selectRows(rows));
          // β = (XᵀX + αI)⁻¹ XᵀY on the other rows, intercept unpenalised (centring)
          const a = matmul(xr, xr, { transA: true });
          for (let j = 0; j < p; j++) a.data[j * p + j] += alpha;
          const beta = matmul(inverse(a), matmul(xr, yr, { transA: true }));
          for (let t = 0; t < 3; t++) {
            let xm = 0;
            let pred = 0;
            for (const i of rows) pred += y.data[i * 3 + t] / rows.length;
            for (let j = 0; j < p; j++) {
              xm = 0;
              for (const i of rows) xm += x.data[i * p + j] / rows.length;
              pred += (x.data[out * p + j] - xm) * beta.data[j * 3 + t];
            }
            want += (y.data[out * 3 + t] - pred) ** 2;
          }
        }
        expect(Math.abs(got[ai] - want) / want).toBeLessThan(1e-9);
      });
    }
  });
});
