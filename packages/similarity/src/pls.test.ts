import { Matrix, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { kFoldSplits } from './cross-validation.ts';
import { fitPls, plsEncoding, predictPls } from './pls.ts';
import { hasNumpy, nested, pythonSkipReason, runPython } from './python-reference.ts';
import { mix, randn } from './test-data.ts';

// scikit-learn's PLSRegression (NIPALS, mode A, regression deflation) transcribed to numpy.
const PY_PLS = `
eps = np.finfo(np.float64).eps
def power(X, Y, max_iter=500, tol=1e-6):
    y_score = next(col for col in Y.T if np.any(np.abs(col) > eps))
    xw_old = 100
    for i in range(max_iter):
        xw = X.T @ y_score / (y_score @ y_score)
        xw /= np.sqrt(xw @ xw) + eps
        xs = X @ xw
        yw = Y.T @ xs / (xs @ xs)
        y_score = Y @ yw / (yw @ yw + eps)
        d = xw - xw_old
        if d @ d < tol or Y.shape[1] == 1: break
        xw_old = xw
    return xw, yw
def pls_fit_predict(X, Y, Xt, nc, scale):
    xm, ym = X.mean(0), Y.mean(0)
    xs = X.std(0, ddof=1) if scale else np.ones(X.shape[1]); xs[xs == 0] = 1
    ys = Y.std(0, ddof=1) if scale else np.ones(Y.shape[1]); ys[ys == 0] = 1
    Xk = (X - xm) / xs; Yk = (Y - ym) / ys
    W, P, Q = [], [], []
    for k in range(nc):
        Yk[:, np.all(np.abs(Yk) < 10 * eps, axis=0)] = 0
        try:
            xw, yw = power(Xk, Yk)
        except StopIteration:
            break
        i = np.argmax(np.abs(xw)); s = np.sign(xw[i]); xw *= s; yw *= s
        t = Xk @ xw
        p = Xk.T @ t / (t @ t); q = Yk.T @ t / (t @ t)
        Xk -= np.outer(t, p); Yk -= np.outer(t, q)
        W.append(xw); P.append(p); Q.append(q)
    W, P, Q = np.array(W).T, np.array(P).T, np.array(Q).T
    rot = W @ np.linalg.pinv(P.T @ W)
    coef = (rot @ Q.T) * ys
    return ((Xt - xm) / xs) @ coef + ym
X = np.array(inp['x']); Y = np.array(inp['y'])
r = np.zeros(Y.shape[1])
for test in inp['tests']:
    test = np.array(test); train = np.setdiff1d(np.arange(X.shape[0]), test)
    nc = min(inp['nc'], X.shape[1], len(train) - 1)
    pred = pls_fit_predict(X[train], Y[train], X[test], nc, inp['scale'])
    r += [np.corrcoef(pred[:, t], Y[test, t])[0, 1] for t in range(Y.shape[1])]
r /= len(inp['tests'])
out = {'perTarget': r.tolist(), 'median': float(np.median(r))}
`;

describe.skipIf(!hasNumpy)(
  `PLS encoding against numpy (sklearn's NIPALS PLSRegression)${hasNumpy ? '' : ` [${pythonSkipReason}]`}`,
  () => {
    const rng = new Rng(61);
    for (const [n, p, v, nc, scale] of [
      [50, 8, 6, 3, true],
      [50, 8, 6, 25, false],
      [30, 40, 1, 5, true],
      [36, 12, 4, 25, true],
    ] as const) {
      it(`n = ${n}, p = ${p}, ${v} targets, ${nc} components, scale = ${scale}`, () => {
        const x = randn(rng, n, p);
        const y = mix(x, randn(rng, n, v), 1);
        const r = plsEncoding(x, y, { nComponents: nc, scale, folds: 3, seed: 2 });
        const tests = kFoldSplits(n, 3, 2).map((t) => Array.from(t));
        const ref = runPython<{ perTarget: number[]; median: number }>(PY_PLS, {
          x: nested(x),
          y: nested(y),
          tests,
          nc,
          scale,
        });
        (r.details.perTarget as number[]).forEach((val, t) => {
          expect(val).toBeCloseTo(ref.perTarget[t], 8);
        });
        expect(r.value).toBeCloseTo(ref.median, 8);
      });
    }
  },
);

describe('PLS regression', () => {
  it('with as many components as features it reproduces least squares on the training data', () => {
    const rng = new Rng(62);
    const x = randn(rng, 40, 5);
    const y = mix(x, randn(rng, 40, 3), 2);
    const model = fitPls(x, y, 5);
    expect(model.components).toBe(5);
    const pred = predictPls(model, x);
    // least-squares residuals are orthogonal to every (centred) feature
    for (let j = 0; j < 5; j++) {
      for (let t = 0; t < 3; t++) {
        let s = 0;
        let mean = 0;
        for (let i = 0; i < 40; i++) mean += x.get(i, j) / 40;
        for (let i = 0; i < 40; i++) s += (x.get(i, j) - mean) * (y.get(i, t) - pred.get(i, t));
        expect(Math.abs(s)).toBeLessThan(1e-8);
      }
    }
  });
  it('caps components at the training rank and reports what it used; seeded folds are reproducible', () => {
    const rng = new Rng(63);
    const x = randn(rng, 20, 3);
    const y = mix(x, randn(rng, 20, 2), 1);
    const r = plsEncoding(x, y, { folds: 4, seed: 1 });
    expect(r.details.componentsUsed).toEqual([3, 3, 3, 3]);
    expect(plsEncoding(x, y, { folds: 4, seed: 1 }).details.perTarget).toEqual(r.details.perTarget);
  });
  it('stops adding components when X is exhausted (duplicated columns: rank 2 of 4)', () => {
    const rng = new Rng(65);
    const base = randn(rng, 30, 2);
    const x = Matrix.from(
      Array.from({ length: 30 }, (_, i) => [base.get(i, 0), base.get(i, 1), base.get(i, 0), base.get(i, 1)]),
    );
    const y = mix(base, randn(rng, 30, 2), 1);
    const model = fitPls(x, y, 4);
    expect(model.components).toBe(2);
    for (const v of predictPls(model, x).data) expect(Number.isFinite(v)).toBe(true);
  });
  it('bad input: nComponents < 1, mismatched rows, constant features', () => {
    const rng = new Rng(64);
    const x = randn(rng, 20, 3);
    expect(() => plsEncoding(x, x, { nComponents: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_OPTION' }),
    );
    expect(() => plsEncoding(x, x.rowRange(0, 10))).toThrow(expect.objectContaining({ code: 'ERR_CORE_SHAPE' }));
    const constant = x.clone();
    constant.data.fill(1);
    expect(() => plsEncoding(constant, x)).toThrow(
      expect.objectContaining({ code: 'ERR_SIMILARITY_CONSTANT_FEATURES' }),
    );
  });
});
