/**
 * Noise covariance / precision estimation from residuals (rsatoolbox.data.noise): cov_from_residuals,
 * prec_from_residuals, cov_from_unbalanced. Methods:
 * - 'full': sample covariance XᵀX / dof;
 * - 'diag': the diagonal of it (univariate noise normalisation);
 * - 'shrinkage_eye': Ledoit & Wolf (2004) shrinkage towards a multiple of the identity;
 * - 'shrinkage_diag' (default): Schäfer & Strimmer (2005) shrinkage towards the diagonal.
 * Residuals are column-centred first; dof defaults to nRows − 1 (cov_from_unbalanced: nObs − nConditions).
 */
import {
  centerColumns,
  checkChoice,
  type Dataset,
  gramT,
  groupIndices,
  inverse,
  Matrix,
  ParameterError,
  ShapeError,
} from '@concord/core';
import { RSA_ERRORS } from './errors.ts';
import { descriptorColumn } from './patterns.ts';

export const NOISE_METHODS = ['shrinkage_diag', 'shrinkage_eye', 'diag', 'full'] as const;
export type NoiseMethod = (typeof NOISE_METHODS)[number];

export interface NoiseOptions {
  method?: string;
  /** Degrees of freedom (default nRows − 1); for a GLM subtract the number of regressors. */
  dof?: number;
  /** Fixed shrinkage (0..1) instead of the data-driven optimum (rsatoolbox lamb_opt). */
  shrinkage?: number;
}

function squares(x: Matrix): Matrix {
  const out = Matrix.zeros(x.rows, x.cols);
  for (let k = 0; k < x.data.length; k++) out.data[k] = x.data[k] * x.data[k];
  return out;
}

function estimate(residuals: Matrix, opts: NoiseOptions): Matrix {
  const method = checkChoice('method', opts.method ?? 'shrinkage_diag', NOISE_METHODS, RSA_ERRORS.UNKNOWN_METHOD);
  const x = centerColumns(residuals, 'float64');
  const n = x.rows;
  const p = x.cols;
  const dof = opts.dof ?? n - 1;
  if (!(dof > 0))
    throw new ParameterError(
      RSA_ERRORS.NOISE,
      'dof',
      `degrees of freedom must be positive; received ${dof} (residuals have ${n} rows)`,
    );
  if (opts.shrinkage !== undefined && !(opts.shrinkage >= 0 && opts.shrinkage <= 1)) {
    throw new ParameterError(RSA_ERRORS.NOISE, 'shrinkage', `expected a value in [0, 1], received ${opts.shrinkage}`);
  }
  const sSum = gramT(x);
  if (method === 'full') {
    for (let k = 0; k < sSum.data.length; k++) sSum.data[k] /= dof;
    return sSum;
  }
  if (method === 'diag') {
    const out = Matrix.zeros(p, p);
    for (let i = 0; i < p; i++) out.data[i * p + i] = sSum.data[i * p + i] / dof;
    return out;
  }
  const s2Sum = gramT(squares(x));
  if (method === 'shrinkage_eye') {
    const s = sSum.data.map((v) => v / n);
    let b2 = 0;
    for (let k = 0; k < s.length; k++) b2 += s2Sum.data[k] / n - s[k] * s[k];
    b2 /= n;
    let m = 0;
    for (let i = 0; i < p; i++) m += s[i * p + i];
    m /= p;
    const out = Matrix.zeros(p, p);
    if (opts.shrinkage === undefined) {
      let d2 = 0;
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          const dv = s[i * p + j] - (i === j ? m : 0);
          d2 += dv * dv;
        }
      }
      b2 = Math.min(d2, b2);
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++)
          out.data[i * p + j] = (i === j ? (b2 / d2) * m : 0) + ((d2 - b2) / d2) * s[i * p + j];
    } else {
      const l = opts.shrinkage;
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++) out.data[i * p + j] = (i === j ? l * m : 0) + (1 - l) * s[i * p + j];
    }
    for (let k = 0; k < out.data.length; k++) out.data[k] *= n / dof;
    return out;
  }
  // shrinkage_diag
  const s = sSum.data.map((v) => v / dof);
  const variance = new Float64Array(p);
  const sd = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    variance[i] = s[i * p + i];
    sd[i] = Math.sqrt(variance[i]);
  }
  let lambda = opts.shrinkage;
  if (lambda === undefined) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        if (i === j) continue;
        const sMean = sSum.data[i * p + j] / sd[j] / sd[i] / dof;
        const s2Mean = s2Sum.data[i * p + j] / variance[j] / variance[i] / dof;
        num += (n / dof ** 2) * (s2Mean - sMean * sMean);
        den += sMean * sMean;
      }
    }
    lambda = Math.max(Math.min(num / den, 1), 0);
  }
  const out = Matrix.zeros(p, p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) out.data[i * p + j] = i === j ? s[i * p + j] : s[i * p + j] * (1 - lambda);
  return out;
}

/** Noise covariance (nChannels × nChannels) from residuals (nRows × nChannels), or one per matrix of a list. */
export function covFromResiduals(residuals: Matrix, opts?: NoiseOptions): Matrix;
export function covFromResiduals(residuals: Matrix[], opts?: NoiseOptions & { dof?: number }): Matrix[];
export function covFromResiduals(residuals: Matrix | Matrix[], opts: NoiseOptions = {}): Matrix | Matrix[] {
  if (Array.isArray(residuals)) return residuals.map((r) => estimate(r, opts));
  if (residuals.rows < 2)
    throw new ShapeError(
      `covFromResiduals: needs at least 2 residual rows, received ${residuals.rows}×${residuals.cols}`,
    );
  return estimate(residuals, opts);
}

/** The inverse of covFromResiduals: the noise precision matrix calcRdm's `noise` expects. */
export function precFromResiduals(residuals: Matrix, opts?: NoiseOptions): Matrix;
export function precFromResiduals(residuals: Matrix[], opts?: NoiseOptions): Matrix[];
export function precFromResiduals(residuals: Matrix | Matrix[], opts: NoiseOptions = {}): Matrix | Matrix[] {
  if (Array.isArray(residuals)) return residuals.map((r) => inverse(covFromResiduals(r, opts)));
  return inverse(covFromResiduals(residuals, opts));
}

/**
 * Covariance from a dataset with repeated measurements per condition (rsatoolbox cov_from_unbalanced): every
 * observation minus its condition mean, dof = nObs − nConditions by default.
 */
export function covFromUnbalanced(ds: Dataset, obsDescriptor: string, opts: NoiseOptions = {}): Matrix {
  const { groups } = groupIndices(descriptorColumn(ds, obsDescriptor, 'obsDescriptor'));
  const x = ds.measurements.astype('float64').clone();
  const p = x.cols;
  for (const g of groups) {
    const mean = new Float64Array(p);
    for (const i of g) for (let j = 0; j < p; j++) mean[j] += x.data[i * p + j];
    for (let j = 0; j < p; j++) mean[j] /= g.length;
    for (const i of g) for (let j = 0; j < p; j++) x.data[i * p + j] -= mean[j];
  }
  return estimate(x, { ...opts, dof: opts.dof ?? ds.nObs - groups.length });
}

export function precFromUnbalanced(ds: Dataset, obsDescriptor: string, opts: NoiseOptions = {}): Matrix {
  return inverse(covFromUnbalanced(ds, obsDescriptor, opts));
}
