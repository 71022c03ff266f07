/**
 * `pnpm bench cka`: issue 4's CKA targets beside numpy (best of 3 each, float64):
 * - linear CKA, 5000×2048 vs 5000×4096, against the numpy feature-space formula ‖YᵀX‖²_F/(‖XᵀX‖_F‖YᵀY‖_F)
 *   on centred data: target ≥ 0.9× numpy's speed;
 * - debiased linear CKA, 2000 examples × 1024 features per side, against Kornblith et al.'s reference code
 *   (gram_linear + center_gram(unbiased=True) + cka): target ≥ 0.9×;
 * plus a sweep of smaller shapes and RBF CKA. Reported, never asserted.
 */
import { backendFor, Matrix, Rng } from '@concord/core';
import { type BenchRow, printRows, timeBest, timePython } from '@concord/core/bench';
import { cka } from './cka.ts';

function random(n: number, p: number, seed: number): Matrix {
  const x = Matrix.zeros(n, p);
  new Rng(seed).fillNormal(x.data);
  return x;
}

const NUMPY_LINEAR = (n: number, p: number, q: number, dtype = 'float64') => `
import numpy as np
def setup():
    r = np.random.default_rng(0)
    return r.standard_normal((${n}, ${p})).astype(np.${dtype}), r.standard_normal((${n}, ${q})).astype(np.${dtype})
def run(st):
    x, y = st
    x = x - x.mean(0); y = y - y.mean(0)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))
`;

// Kornblith et al. (2019) reference code (the symmetry check of center_gram left out, which only favours numpy).
const NUMPY_DEBIASED = (n: number, p: number) => `
import numpy as np
def center_gram(gram):
    gram = gram.copy(); n = gram.shape[0]
    np.fill_diagonal(gram, 0)
    means = np.sum(gram, 0, dtype=np.float64) / (n - 2)
    means -= np.sum(means) / (2 * (n - 1))
    gram -= means[:, None]; gram -= means[None, :]
    np.fill_diagonal(gram, 0)
    return gram
def setup():
    r = np.random.default_rng(0)
    return r.standard_normal((${n}, ${p})), r.standard_normal((${n}, ${p}))
def run(st):
    x, y = st
    gx = center_gram(x @ x.T); gy = center_gram(y @ y.T)
    return gx.ravel().dot(gy.ravel()) / (np.linalg.norm(gx) * np.linalg.norm(gy))
`;

const NUMPY_RBF = (n: number, p: number) => `
import numpy as np
def rbf(x, threshold=0.8):
    dot = x @ x.T; sq = np.diag(dot)
    d = -2 * dot + sq[:, None] + sq[None, :]
    return np.exp(-d / (2 * threshold ** 2 * np.median(d)))
def center(g):
    m = g.mean(0); return g - m[:, None] - m[None, :] + m.mean()
def setup():
    r = np.random.default_rng(0)
    return r.standard_normal((${n}, ${p})), r.standard_normal((${n}, ${p}))
def run(st):
    x, y = st
    gx = center(rbf(x)); gy = center(rbf(y))
    return gx.ravel().dot(gy.ravel()) / (np.linalg.norm(gx) * np.linalg.norm(gy))
`;

process.stdout.write(`backend for products: ${backendFor('syrk').name}\n`);

const rows: BenchRow[] = [];
{
  const [n, p, q] = [5000, 2048, 4096];
  const x = random(n, p, 1);
  const y = random(n, q, 2);
  const r = cka(x, y);
  rows.push({
    name: `linear ${n}×${p} vs ${n}×${q} (${r.details.route} route)`,
    seconds: timeBest(() => cka(x, y), 3),
    reference: timePython(NUMPY_LINEAR(n, p, q), 3),
    referenceName: 'numpy feature space',
    target: 0.9,
  });
  rows.push({
    name: `linear ${n}×${p} vs ${n}×${q}, precision float32`,
    seconds: timeBest(() => cka(x, y, { precision: 'float32' }), 3),
    reference: timePython(NUMPY_LINEAR(n, p, q, 'float32'), 3),
    referenceName: 'numpy float32 feature space',
  });
}
{
  const [n, p] = [2000, 1024];
  const x = random(n, p, 3);
  const y = random(n, p, 4);
  rows.push({
    name: `debiased linear ${n}×${p} vs ${n}×${p}`,
    seconds: timeBest(() => cka(x, y, { debiased: true }), 3),
    reference: timePython(NUMPY_DEBIASED(n, p), 3),
    referenceName: 'numpy (Kornblith code)',
    target: 0.9,
  });
}
for (const [n, p, q] of [
  [100, 100, 1000],
  [1000, 100, 10000],
  [1000, 4096, 4096],
]) {
  const x = random(n, p, 5);
  const y = random(n, q, 6);
  const r = cka(x, y);
  rows.push({
    name: `linear ${n}×${p} vs ${n}×${q} (${r.details.route} route)`,
    seconds: timeBest(() => cka(x, y), 3),
    reference: timePython(NUMPY_LINEAR(n, p, q), 3),
    referenceName: 'numpy feature space',
  });
}
{
  const [n, p] = [2000, 512];
  const x = random(n, p, 7);
  const y = random(n, p, 8);
  rows.push({
    name: `rbf ${n}×${p} vs ${n}×${p} (threshold 0.8)`,
    seconds: timeBest(() => cka(x, y, { kernel: 'rbf' }), 3),
    reference: timePython(NUMPY_RBF(n, p), 3),
    referenceName: 'numpy (Kornblith code)',
  });
}
printRows('CKA', rows);
