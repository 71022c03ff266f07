/**
 * `pnpm bench ridge`: issue 4's encoding-model target: ridge from 1000 stimuli × 4096 features to 10,000 voxels,
 * 5 folds, 10 alphas, against a numpy implementation with one SVD per fold and RidgeCV's efficient leave-one-out
 * choice of one alpha for all voxels (target ≥ 1.0× numpy's speed), with peak memory. Plus PLS at a smaller size
 * (numpy NIPALS as scikit-learn, on the same matrices). One run each (they take seconds). Reported, never asserted.
 * CONCORD_BENCH_PLS_ONLY=1 skips the ridge case.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendFor, Matrix, Rng } from '@concord/core';
import { type BenchRow, peakRssMiB, printRows, timeBest, timePython } from '@concord/core/bench';
import { kFoldSplits } from './cross-validation.ts';
import { plsEncoding } from './pls.ts';
import { DEFAULT_RIDGE_ALPHAS, ridgeEncoding } from './ridge.ts';

const tmp = mkdtempSync(join(tmpdir(), 'concord-bench-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Raw float64 dump for numpy.fromfile. */
function dump(m: Matrix, name: string): string {
  const path = join(tmp, `${name}.f64`);
  writeFileSync(path, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  return path;
}

function random(n: number, p: number, seed: number): Matrix {
  const x = Matrix.zeros(n, p);
  new Rng(seed).fillNormal(x.data);
  return x;
}

/** Responses = X·W/√p + noise, so the scores are not trivial (the timing does not depend on it). */
function responses(x: Matrix, v: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const k = 64; // a low-rank signal keeps generating it cheap
  const w = random(k, v, seed + 1);
  const y = Matrix.zeros(x.rows, v);
  for (let i = 0; i < x.rows; i++) {
    for (let t = 0; t < v; t++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += x.data[i * x.cols + j] * w.data[j * v + t];
      y.data[i * v + t] = s / 8 + rng.normal();
    }
  }
  return y;
}

const NUMPY_RIDGE = (n: number, p: number, v: number, folds: number[][], alphas: readonly number[]) => `
import numpy as np
def setup():
    r = np.random.default_rng(0)
    X = r.standard_normal((${n}, ${p})); W = r.standard_normal((64, ${v}))
    Y = X[:, :64] @ W / 8 + r.standard_normal((${n}, ${v}))
    return X, Y, [np.array(f) for f in ${JSON.stringify(folds)}]
def run(st):
    X, Y, folds = st
    alphas = np.array(${JSON.stringify(alphas)})
    n = X.shape[0]; r_sum = np.zeros(Y.shape[1])
    for test in folds:
        train = np.setdiff1d(np.arange(n), test); m = len(train)
        xm = X[train].mean(0); Xtr = X[train] - xm; Xte = X[test] - xm
        ym = Y[train].mean(0); Ytr = Y[train] - ym
        U, s, Vt = np.linalg.svd(Xtr, full_matrices=False)
        keep = s > s[0] * max(Xtr.shape) * np.finfo(float).eps
        U, s, Vt = U[:, keep], s[keep], Vt[keep]
        UtY = U.T @ Ytr
        errs = []
        for a in alphas:
            f = s ** 2 / (s ** 2 + a)
            h = 1 / m + (U ** 2) @ f
            R = (Ytr - U @ (f[:, None] * UtY)) / (1 - h)[:, None]
            errs.append(np.einsum('ij,ij->', R, R))
        a = alphas[int(np.argmin(errs))]
        pred = (Xte @ Vt.T) @ ((s / (s ** 2 + a))[:, None] * UtY) + ym
        P = pred - pred.mean(0); T = Y[test] - Y[test].mean(0)
        r_sum += (P * T).sum(0) / np.sqrt((P * P).sum(0) * (T * T).sum(0))
    r = r_sum / len(folds)
    return np.median(r)
`;

// scikit-learn's PLSRegression algorithm (NIPALS, scale=True) in numpy, as in pls.test.ts.
const NUMPY_PLS = (n: number, p: number, v: number, folds: number[][], files: [string, string]) => `
import numpy as np
eps = np.finfo(np.float64).eps
def power(X, Y, max_iter=500, tol=1e-6):
    y_score = next(col for col in Y.T if np.any(np.abs(col) > eps))
    xw_old = 100
    for i in range(max_iter):
        xw = X.T @ y_score / (y_score @ y_score); xw /= np.sqrt(xw @ xw) + eps
        xs = X @ xw; yw = Y.T @ xs / (xs @ xs); y_score = Y @ yw / (yw @ yw + eps)
        d = xw - xw_old
        if d @ d < tol or Y.shape[1] == 1: break
        xw_old = xw
    return xw, yw
def fit_predict(X, Y, Xt, nc):
    xm, ym = X.mean(0), Y.mean(0); xs = X.std(0, ddof=1); ys = Y.std(0, ddof=1)
    Xk = (X - xm) / xs; Yk = (Y - ym) / ys; W, P, Q = [], [], []
    for k in range(nc):
        Yk[:, np.all(np.abs(Yk) < 10 * eps, axis=0)] = 0
        xw, yw = power(Xk, Yk)
        t = Xk @ xw; p = Xk.T @ t / (t @ t); q = Yk.T @ t / (t @ t)
        Xk -= np.outer(t, p); Yk -= np.outer(t, q); W.append(xw); P.append(p); Q.append(q)
    W, P, Q = np.array(W).T, np.array(P).T, np.array(Q).T
    return ((Xt - xm) / xs) @ (W @ np.linalg.pinv(P.T @ W)) @ Q.T * ys + ym
def setup():
    # the same matrices as Concord's run: the power method's iteration count depends on the data
    X = np.fromfile('${files[0]}', dtype=np.float64).reshape(${n}, ${p})
    Y = np.fromfile('${files[1]}', dtype=np.float64).reshape(${n}, ${v})
    return X, Y, [np.array(f) for f in ${JSON.stringify(folds)}]
def run(st):
    X, Y, folds = st
    for test in folds:
        train = np.setdiff1d(np.arange(X.shape[0]), test)
        fit_predict(X[train], Y[train], X[test], 25)
`;

process.stdout.write(`backend for products: ${backendFor('gemm').name}\n`);
const rows: BenchRow[] = [];
if (!process.env.CONCORD_BENCH_PLS_ONLY) {
  const [n, p, v] = [1000, 4096, 10000];
  const x = random(n, p, 1);
  const y = responses(x, v, 2);
  const folds = kFoldSplits(n, 5, 0).map((f) => Array.from(f));
  const before = peakRssMiB();
  let value = 0;
  const seconds = timeBest(() => {
    value = ridgeEncoding(x, y, { folds: 5, seed: 0 }).value;
  }, 1);
  rows.push({
    name: `ridge ${n}×${p} → ${v} voxels, 5 folds, ${DEFAULT_RIDGE_ALPHAS.length} alphas`,
    seconds,
    reference: timePython(NUMPY_RIDGE(n, p, v, folds, DEFAULT_RIDGE_ALPHAS), 1),
    referenceName: 'numpy, one SVD per fold',
    target: 1.0,
    note: `median r ${value.toFixed(3)}; peak RSS ${peakRssMiB().toFixed(0)} MiB (inputs ${((8 * (n * p + n * v)) / 2 ** 20).toFixed(0)} MiB; ${before.toFixed(0)} MiB before)`,
  });
}
{
  const [n, p, v] = [300, 500, 200];
  const x = random(n, p, 3);
  const y = responses(x, v, 4);
  const folds = kFoldSplits(n, 5, 0).map((f) => Array.from(f));
  rows.push({
    name: `pls ${n}×${p} → ${v} targets, 25 components, 5 folds`,
    seconds: timeBest(() => plsEncoding(x, y), 1),
    reference: timePython(NUMPY_PLS(n, p, v, folds, [dump(x, 'x'), dump(y, 'y')]), 1),
    referenceName: 'numpy NIPALS (sklearn algorithm)',
  });
}
printRows('Encoding models', rows);
