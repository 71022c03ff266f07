/**
 * GLM bench (issue 6): OLS for 100,000 voxels × 300 volumes × 20 regressors, target ≥ 1.0× the numpy
 * least-squares equivalent (the issue measured numpy's pseudo-inverse OLS at 0.03–0.06 s). Rows: betas only
 * (pinv(X)·Y, as numpy's `np.linalg.pinv(X) @ Y`) and the full fit fitGlm does (betas, residuals, σ², standard
 * errors) against the same numpy steps; plus AR(1) prewhitening for information.
 */
import { Matrix, matmul, pinv, Rng } from '@concord/core';
import { printRows, timeBest, timePython } from '@concord/core/bench';
import { fitGlm } from './glm.ts';

const [n, v, p] = [300, 100_000, 20];
const rng = new Rng(0);
const x = Matrix.zeros(n, p);
rng.fillNormal(x.data);
const y = Matrix.zeros(n, v);
rng.fillNormal(y.data);

const betasOnly = timeBest(() => matmul(pinv(x), y), 5);
const full = timeBest(() => fitGlm(y, x), 3);
const ar1 = timeBest(() => fitGlm(y, x, { noiseModel: 'ar1' }), 1);

const setup = `
import numpy as np
def setup():
    rng = np.random.default_rng(0)
    return rng.standard_normal((${n}, ${p})), rng.standard_normal((${n}, ${v}))
`;
const pyBetas = timePython(`${setup}\ndef run(st):\n    X, Y = st\n    return np.linalg.pinv(X) @ Y\n`, 5);
const pyLstsq = timePython(
  `${setup}\ndef run(st):\n    X, Y = st\n    return np.linalg.lstsq(X, Y, rcond=None)[0]\n`,
  3,
);
const pyFull = timePython(
  `${setup}\ndef run(st):\n    X, Y = st\n    P = np.linalg.pinv(X); B = P @ Y; R = Y - X @ B\n    s2 = (R * R).sum(0) / (X.shape[0] - X.shape[1]); se = np.sqrt(np.outer(np.diag(P @ P.T), s2))\n    return B, R, se\n`,
  3,
);
printRows(`GLM OLS, ${v} voxels × ${n} volumes × ${p} regressors`, [
  {
    name: 'betas: pinv(X)·Y',
    seconds: betasOnly,
    ...(pyBetas !== undefined ? { reference: pyBetas, referenceName: 'numpy pinv(X) @ Y' } : {}),
    target: 1,
  },
  {
    name: 'betas vs numpy lstsq',
    seconds: betasOnly,
    ...(pyLstsq !== undefined ? { reference: pyLstsq, referenceName: 'numpy lstsq' } : {}),
    target: 1,
  },
  {
    name: 'fitGlm ols (betas, residuals, σ², SE)',
    seconds: full,
    ...(pyFull !== undefined ? { reference: pyFull, referenceName: 'numpy same steps' } : {}),
  },
  { name: 'fitGlm ar1 (OLS, ρ per voxel, refit per 0.01 bin)', seconds: ar1, note: 'no numpy counterpart timed' },
]);
