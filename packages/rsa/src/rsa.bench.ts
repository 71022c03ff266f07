/**
 * RSA benchmarks against the vectorised numpy/scipy equivalents run side by side (same sizes, random data), with
 * the target ratios (numpy time / Concord time): correlation and euclidean RDM 1000 × 10,000 (≥ 1.0),
 * crossnobis 92 × 10,000 × 8 runs (≥ 1.0), tau-a over 499,500 pairs vs scipy.stats.kendalltau (≥ 1.0), corr_cov at
 * 1000 conditions (≥ 2× faster than rsatoolbox's 0.062 s measured in the issue).
 */
import { backendFor, Dataset, Matrix, Rng } from '@concord/core';
import { type BenchRow, printRows, timeBest, timePython } from '@concord/core/bench';
import { calcRdm } from './calc-rdm.ts';
import { compareRdms } from './compare.ts';
import { Rdms } from './rdms.ts';

const rng = new Rng(1);
const rows: BenchRow[] = [];
process.stderr.write(`backend for products: ${backendFor('syrk').name}\n`);

// correlation / euclidean RDM, 1000 conditions × 10,000 channels
{
  const x = Matrix.zeros(1000, 10000);
  rng.fillNormal(x.data);
  const ds = new Dataset(x);
  const setup =
    'import numpy as np\ndef setup():\n    return np.random.default_rng(0).standard_normal((1000, 10000))\n';
  for (const method of ['correlation', 'euclidean']) {
    const seconds = timeBest(() => calcRdm(ds, { method }), 3);
    const body =
      method === 'correlation'
        ? 'def run(X):\n    Xc = X - X.mean(1, keepdims=True)\n    Xc /= np.sqrt(np.einsum("ij,ij->i", Xc, Xc))[:, None]\n    D = 1 - Xc @ Xc.T\n    return D[np.triu_indices(X.shape[0], 1)]\n'
        : 'def run(X):\n    s = np.einsum("ij,ij->i", X, X)\n    D = s[:, None] + s[None, :] - 2 * X @ X.T\n    return D[np.triu_indices(X.shape[0], 1)] / X.shape[1]\n';
    rows.push({
      name: `${method} RDM 1000 × 10,000`,
      seconds,
      reference: timePython(setup + body, 3),
      referenceName: 'numpy (vectorised)',
      target: 1,
    });
  }
}

// crossnobis, 92 conditions × 10,000 channels × 8 runs
{
  const nCond = 92;
  const nRuns = 8;
  const x = Matrix.zeros(nCond * nRuns, 10000);
  rng.fillNormal(x.data);
  const conds: number[] = [];
  const runs: number[] = [];
  for (let r = 0; r < nRuns; r++) {
    for (let c = 0; c < nCond; c++) {
      conds.push(c);
      runs.push(r);
    }
  }
  const ds = new Dataset(x, { obsDescriptors: { conds, runs } });
  const seconds = timeBest(() => calcRdm(ds, { method: 'crossnobis', descriptor: 'conds', cvDescriptor: 'runs' }), 3);
  const py = `import numpy as np
def setup():
    X = np.random.default_rng(0).standard_normal((${nRuns}, ${nCond}, 10000))
    return X
def run(X):
    R = X.shape[0]; P = X.shape[2]; S = X.sum(0); iu = np.triu_indices(X.shape[1], 1); out = 0
    for f in range(R):
        A = (S - X[f]) / (R - 1); B = X[f]
        K = A @ B.T; d = np.diag(K)
        out = out + (d[:, None] + d[None, :] - K - K.T)[iu] / P
    return out / R
`;
  rows.push({
    name: 'crossnobis 92 × 10,000 × 8 runs',
    seconds,
    reference: timePython(py, 3),
    referenceName: 'numpy (vectorised)',
    target: 1,
  });
}

// tau-a and kendall (tau-b) between two RDMs of 1000 conditions (499,500 pairs)
{
  const n = 499500;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    a[k] = rng.normal();
    b[k] = a[k] + rng.normal();
  }
  const ra = Rdms.fromVectors(a);
  const rb = Rdms.fromVectors(b);
  const py = `import numpy as np, scipy.stats
def setup():
    rng = np.random.default_rng(0); a = rng.standard_normal(${n}); return a, a + rng.standard_normal(${n})
def run(s):
    return scipy.stats.kendalltau(s[0], s[1])
`;
  const reference = timePython(py, 3, ['numpy', 'scipy']);
  rows.push({
    name: 'tau-a, 499,500 pairs',
    seconds: timeBest(() => compareRdms(ra, rb, { method: 'tau-a' }), 5),
    reference,
    referenceName: 'scipy.stats.kendalltau',
    target: 1,
  });
  rows.push({
    name: 'kendall (tau-b), 499,500 pairs',
    seconds: timeBest(() => compareRdms(ra, rb, { method: 'kendall' }), 5),
    reference,
    referenceName: 'scipy.stats.kendalltau',
  });
  rows.push({
    name: 'spearman, 499,500 pairs',
    seconds: timeBest(() => compareRdms(ra, rb, { method: 'spearman' }), 5),
    reference: timePython(py.replace('kendalltau', 'spearmanr'), 3, ['numpy', 'scipy']),
    referenceName: 'scipy.stats.spearmanr',
  });
}

// corr_cov / cosine_cov at 1000 conditions (one RDM against one RDM)
{
  const x = Matrix.zeros(1000, 50);
  rng.fillNormal(x.data);
  const y = Matrix.zeros(1000, 50);
  rng.fillNormal(y.data);
  const a = calcRdm(new Dataset(x));
  const b = calcRdm(new Dataset(y));
  const numpyCkaForm = `import numpy as np
from scipy.spatial.distance import pdist, squareform
def setup():
    rng = np.random.default_rng(0)
    return [pdist(rng.standard_normal((1000, 50)), 'sqeuclidean') for _ in range(2)]
def g(v):
    W = -0.5 * squareform(v - v.mean()); r = W.mean(0)
    return W - r[:, None] - r[None, :] + r.mean()
def run(s):
    a, b = g(s[0]), g(s[1])
    return np.sum(a * b) / np.sqrt(np.sum(a * a) * np.sum(b * b))
`;
  rows.push({
    name: 'corr_cov, 1000 conditions (vs numpy O(n²) CKA form)',
    seconds: timeBest(() => compareRdms(a, b, { method: 'corr_cov' }), 5),
    reference: timePython(numpyCkaForm, 5, ['numpy', 'scipy']),
    referenceName: 'numpy double-centring',
  });
  for (const method of ['corr_cov', 'cosine_cov']) {
    rows.push({
      name: `${method}, 1000 conditions`,
      seconds: timeBest(() => compareRdms(a, b, { method }), 5),
      reference: 0.062,
      referenceName: 'rsatoolbox (issue, measured)',
      target: method === 'corr_cov' ? 2 : undefined,
    });
  }
}

printRows('RSA (calcRdm, compareRdms)', rows);
