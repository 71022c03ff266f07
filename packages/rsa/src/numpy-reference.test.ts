/**
 * Checks against numpy/scipy computed inside the test (python3 with numpy and scipy; the suite skips visibly
 * without them): Kendall tau-b/tau-a and Spearman on long tied vectors (scipy.stats), noise covariance estimators
 * (numpy transcriptions of rsatoolbox.data.noise), exact whitening for a full sigma_k (dense solve of
 * V = (CΣCᵀ)∘(CΣCᵀ)), poisson_cv averaged over all folds and crossnobis on an unbalanced design.
 */
import { spawnSync } from 'node:child_process';
import { Dataset, Matrix, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { calcRdm } from './calc-rdm.ts';
import { compareRdms } from './compare.ts';
import { covFromResiduals, covFromUnbalanced, precFromResiduals } from './noise.ts';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy, scipy.stats'], { encoding: 'utf8' }).status === 0;
const suite = hasNumpy ? describe : describe.skip;

function python(script: string, input: unknown): unknown {
  const r = spawnSync(
    'python3',
    ['-c', `import json, sys\nimport numpy as np\nimport scipy.stats\ninp = json.load(sys.stdin)\n${script}`],
    {
      input: JSON.stringify(input),
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(b));
}

suite(`numpy/scipy references computed in the test${hasNumpy ? '' : ' [skipped: python3 with numpy+scipy not found]'}`, () => {
  const rng = new Rng(2024);

  it('kendall (tau-b), tau-a and spearman on 20,000 entries with many ties match scipy.stats', () => {
    const n = 20000;
    const x = Array.from({ length: n }, () => Math.round(rng.normal() * 20) / 4);
    const y = x.map((v) => Math.round((v + rng.normal() * 3) * 2) / 2);
    // pad to 20100 = 201·200/2 entries (a valid RDM length) with untied values
    const pad = 20100 - n;
    const xp = Float64Array.from([...x, ...Array.from({ length: pad }, (_, i) => 1000 + i)]);
    const yp = Float64Array.from([...y, ...Array.from({ length: pad }, (_, i) => 1000 + i)]);
    const ref2 = python(
      `x = np.array(inp['x']); y = np.array(inp['y'])
tb = scipy.stats.kendalltau(x, y).correlation
def ties(v):
    _, c = np.unique(v, return_counts=True); return float((c * (c - 1) // 2).sum())
tot = len(x) * (len(x) - 1) / 2
print(json.dumps({'tb': tb, 'ta': tb * np.sqrt(tot - ties(x)) * np.sqrt(tot - ties(y)) / tot, 'rho': scipy.stats.spearmanr(x, y).correlation}))`,
      { x: Array.from(xp), y: Array.from(yp) },
    ) as { tb: number; ta: number; rho: number };
    expect(rel(compareRdms(xp, yp, { method: 'kendall' }).data[0], ref2.tb)).toBeLessThan(1e-12);
    expect(rel(compareRdms(xp, yp, { method: 'tau-a' }).data[0], ref2.ta)).toBeLessThan(1e-12);
    expect(rel(compareRdms(xp, yp, { method: 'spearman' }).data[0], ref2.rho)).toBeLessThan(1e-12);
    expect(ref2.tb).toBeGreaterThan(0);
  });

  it('noise covariance estimators match numpy transcriptions of rsatoolbox.data.noise', () => {
    const res = Matrix.zeros(40, 6);
    rng.fillNormal(res.data);
    for (let i = 0; i < 40; i++) res.data[i * 6 + 1] += 0.8 * res.data[i * 6];
    const ref = python(
      `X = np.array(inp['x']); X = X - X.mean(0, keepdims=True); n, p = X.shape; dof = n - 1
full = X.T @ X / dof
diag = np.diag(np.einsum('ij,ij->j', X, X) / dof)
s_sum = X.T @ X; s2_sum = (X**2).T @ (X**2)
s = s_sum / n; b2 = np.sum(s2_sum / n - s * s) / n; m = np.trace(s) / p
d2 = np.sum((s - m * np.eye(p))**2); b2 = min(d2, b2)
eye = (b2 / d2 * m * np.eye(p) + (d2 - b2) / d2 * s) * n / dof
s = s_sum / dof; var = np.diag(s); std = np.sqrt(var); mask = ~np.eye(p, dtype=bool)
s_mean = s_sum / std[None, :] / std[:, None] / dof; s2_mean = s2_sum / var[None, :] / var[:, None] / dof
var_hat = n / dof**2 * (s2_mean - s_mean**2)
lamb = max(min(np.sum(var_hat[mask]) / np.sum(s_mean[mask]**2), 1), 0)
sdiag = s * (np.eye(p) + (1 - lamb) * mask)
print(json.dumps({'full': full.ravel().tolist(), 'diag': diag.ravel().tolist(), 'shrinkage_eye': eye.ravel().tolist(), 'shrinkage_diag': sdiag.ravel().tolist(), 'prec': np.linalg.inv(sdiag).ravel().tolist()}))`,
      { x: res.toArray() },
    ) as Record<string, number[]>;
    for (const method of ['full', 'diag', 'shrinkage_eye', 'shrinkage_diag']) {
      const got = covFromResiduals(res, { method });
      ref[method].forEach((v, k) => {
        expect(rel(got.data[k], v), `${method}[${k}]`).toBeLessThan(1e-12);
      });
    }
    const prec = precFromResiduals(res);
    ref.prec.forEach((v, k) => {
      expect(rel(prec.data[k], v)).toBeLessThan(1e-10);
    });
    // Unbalanced: residuals around condition means, dof = nObs − nConditions.
    const conds = Array.from({ length: 40 }, (_, i) => (i < 10 ? 'a' : i < 25 ? 'b' : 'c'));
    const unb = covFromUnbalanced(new Dataset(res, { obsDescriptors: { conds } }), 'conds', { method: 'full' });
    const ref2 = python(
      `X = np.array(inp['x']); c = np.array(inp['c'])
for v in np.unique(c): X[c == v] -= X[c == v].mean(0)
print(json.dumps((X.T @ X / (len(X) - 3)).ravel().tolist()))`,
      { x: res.toArray(), c: conds },
    ) as number[];
    ref2.forEach((v, k) => {
      expect(rel(unb.data[k], v)).toBeLessThan(1e-12);
    });
  });

  it('cosine_cov / corr_cov with a full sigma_k equal vᵀV⁻¹w from a dense solve', () => {
    const n = 9;
    const m = (n * (n - 1)) / 2;
    const a = Matrix.zeros(2, m);
    const b = Matrix.zeros(3, m);
    for (const x of [a, b]) for (let k = 0; k < x.data.length; k++) x.data[k] = rng.random() * 3;
    const l = Matrix.zeros(n, n);
    rng.fillNormal(l.data);
    const sigma = Matrix.zeros(n, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let k = 0; k < n; k++)
          sigma.data[i * n + j] += (l.get(i, k) * l.get(j, k)) / n + (i === j && k === 0 ? 0.5 : 0);
    const ref = python(
      `A = np.array(inp['a']); B = np.array(inp['b']); S = np.array(inp['s']); n = S.shape[0]
C = np.array([[1 if k == i else -1 if k == j else 0 for k in range(n)] for i in range(n) for j in range(i + 1, n)], float)
xi = C @ S @ C.T; V = xi * xi
def cc(A, B):
    Am = np.linalg.solve(V, A.T).T; Bm = np.linalg.solve(V, B.T).T
    return (A @ Bm.T / np.sqrt(np.einsum('ij,ij->i', A, Am))[:, None] / np.sqrt(np.einsum('ij,ij->i', B, Bm))[None, :]).ravel().tolist()
print(json.dumps({'cosine_cov': cc(A, B), 'corr_cov': cc(A - A.mean(1, keepdims=True), B - B.mean(1, keepdims=True))}))`,
      { a: a.toArray(), b: b.toArray(), s: sigma.toArray() },
    ) as Record<string, number[]>;
    for (const method of ['cosine_cov', 'corr_cov']) {
      const got = compareRdms(a, b, { method, sigmaK: sigma });
      ref[method].forEach((v, k) => {
        expect(rel(got.data[k], v), `${method}[${k}]`).toBeLessThan(1e-9);
      });
    }
  });

  it('poisson_cv averages all folds (rsatoolbox keeps only the last); crossnobis handles an unbalanced design', () => {
    const nObs = 40;
    const counts = Matrix.zeros(nObs, 12);
    for (let k = 0; k < counts.data.length; k++) counts.data[k] = Math.floor(Math.exp(rng.normal() * 0.6 + 1.2));
    const conds = Array.from({ length: nObs }, (_, i) => `c${i % 5}`);
    const runs = Array.from({ length: nObs }, (_, i) => Math.floor(i / 10));
    const ds = new Dataset(counts, { obsDescriptors: { conds, runs } });
    const ref = python(
      `X = np.array(inp['x']); c = np.array(inp['c']); r = np.array(inp['r']); P = X.shape[1]
cs = np.unique(c); iu = np.triu_indices(len(cs), 1)
def prior(m): return (m + 0.1) / 1.1
out = []
for f in np.unique(r):
    A = prior(np.array([X[(r != f) & (c == k)].mean(0) for k in cs])); B = prior(np.array([X[(r == f) & (c == k)].mean(0) for k in cs]))
    K = A @ np.log(B).T; D = np.diag(K)[:, None] + np.diag(K)[None, :] - K - K.T
    out.append(D[iu] / P)
print(json.dumps({'all': np.mean(out, 0).tolist(), 'last': out[-1].tolist()}))`,
      { x: counts.toArray(), c: conds, r: runs },
    ) as { all: number[]; last: number[] };
    const all = calcRdm(ds, { method: 'poisson_cv', descriptor: 'conds', cvDescriptor: 'runs' }).getVector(0);
    const last = calcRdm(ds, {
      method: 'poisson_cv',
      descriptor: 'conds',
      cvDescriptor: 'runs',
      poissonCvFolds: 'last',
    }).getVector(0);
    ref.all.forEach((v, k) => {
      expect(rel(all[k], v)).toBeLessThan(1e-12);
    });
    ref.last.forEach((v, k) => {
      expect(rel(last[k], v)).toBeLessThan(1e-12);
    });

    // Unbalanced: condition c4 is missing from run 3, c0 has an extra observation in run 0.
    const keep = Array.from({ length: nObs }, (_, i) => i).filter((i) => !(conds[i] === 'c4' && runs[i] === 3));
    const x = Matrix.zeros(keep.length + 1, 12);
    rng.fillNormal(x.data);
    const c2 = [...keep.map((i) => conds[i]), 'c0'];
    const r2 = [...keep.map((i) => runs[i]), 0];
    const unb = calcRdm(new Dataset(x, { obsDescriptors: { conds: c2, runs: r2 } }), {
      method: 'crossnobis',
      descriptor: 'conds',
      cvDescriptor: 'runs',
    }).getVector(0);
    const ref2 = python(
      `X = np.array(inp['x']); c = np.array(inp['c']); r = np.array(inp['r']); P = X.shape[1]
cs = list(np.unique(c)); n = len(cs); tot = np.zeros((n, n)); cnt = np.zeros((n, n))
for f in np.unique(r):
    present = [k for k in cs if ((r == f) & (c == k)).any() and ((r != f) & (c == k)).any()]
    idx = [cs.index(k) for k in present]
    A = np.array([X[(r != f) & (c == k)].mean(0) for k in present]); B = np.array([X[(r == f) & (c == k)].mean(0) for k in present])
    K = A @ B.T; D = np.diag(K)[:, None] + np.diag(K)[None, :] - K - K.T
    tot[np.ix_(idx, idx)] += D / P; cnt[np.ix_(idx, idx)] += 1
print(json.dumps((tot / cnt)[np.triu_indices(n, 1)].tolist()))`,
      { x: x.toArray(), c: c2, r: r2 },
    ) as number[];
    ref2.forEach((v, k) => {
      expect(rel(unb[k], v), `pair ${k}`).toBeLessThan(1e-12);
    });
  });
});
