/**
 * Mass-univariate GLM: ordinary least squares for every voxel at once (betas = pinv(X)·Y and residuals through
 * core's matmul, i.e. BLAS when the native backend is present), optionally with AR(1) prewhitening as nilearn's
 * run_glm does it (ρ per voxel from the OLS residuals by Yule–Walker, truncated to 0.01 bins; voxels sharing ρ
 * are refitted together on the whitened model Xw[t] = X[t] − ρ·X[t−1], t ≥ 1, first row unchanged).
 *
 * `glmBetas` turns runs (BOLD + events) into condition patterns: 'lsa' (least squares all: one column per
 * condition per run) or 'lss' (least squares separate: each trial gets its own model with one column for the
 * trial and one per condition for the other trials; Mumford et al. 2012). The result is a Dataset with obs
 * descriptors `conds` and `run` (and `trial`, `onset` for lss) ready for calcRdm, e.g. crossnobis with
 * cvDescriptor 'run'.
 */
import {
  checkChoice,
  Dataset,
  Matrix,
  matmul,
  ParameterError,
  type ProgressCallback,
  ProgressReporter,
  pinv,
} from '@concord/core';
import { type DesignMatrix, type DesignOptions, designMatrix } from './design.ts';
import { FMRI_ERRORS } from './errors.ts';
import { type EventsTable, readBidsEvents } from './events.ts';
import type { NiftiMasker } from './masker.ts';
import type { NiftiImage } from './nifti-image.ts';
import { readNiftiSync } from './read-nifti.ts';

export const NOISE_MODELS = ['ols', 'ar1'] as const;
export type NoiseModel = (typeof NOISE_MODELS)[number];

export interface GlmFit {
  /** p × V coefficients. */
  betas: Matrix;
  /** n × V residuals Y − X·β (unwhitened, as nilearn's `residuals`). */
  residuals: Matrix;
  /** Residual variance per voxel (of the whitened model for ar1): RSS / (n − p). */
  sigma2: Float64Array;
  /** p × V standard errors of the betas. */
  se: Matrix;
  /** Residual degrees of freedom n − rank(X). */
  dof: number;
  /** AR(1) coefficient per voxel (ar1 only). */
  rho?: Float64Array;
}

function rank(x: Matrix, p: Matrix): number {
  // trace of pinv(X)·X is the rank for a pseudo-inverse
  const h = matmul(p, x);
  let tr = 0;
  for (let i = 0; i < h.rows; i++) tr += h.get(i, i);
  return Math.round(tr);
}

function olsFit(
  x: Matrix,
  y: Matrix,
): { betas: Matrix; residuals: Matrix; sigma2: Float64Array; se: Matrix; dof: number } {
  const p = pinv(x);
  const betas = matmul(p, y);
  // residuals overwrite the fitted values in place (one pass, no extra n × V buffer); σ² accumulates alongside
  const residuals = matmul(x, betas);
  const r = residuals.data;
  const yd = y.data;
  const dof = y.rows - rank(x, p);
  const sigma2 = new Float64Array(y.cols);
  for (let t = 0; t < y.rows; t++) {
    const off = t * y.cols;
    for (let v = 0; v < y.cols; v++) {
      const d = yd[off + v] - r[off + v];
      r[off + v] = d;
      sigma2[v] += d * d;
    }
  }
  for (let v = 0; v < y.cols; v++) sigma2[v] /= dof;
  // cov(β) = σ²·pinv(X)·pinv(X)ᵀ  (= σ²(XᵀX)⁻¹ for full rank)
  const c = matmul(p, p, { transB: true });
  const se = Matrix.zeros(betas.rows, betas.cols);
  for (let j = 0; j < betas.rows; j++) {
    const cjj = c.get(j, j);
    for (let v = 0; v < y.cols; v++) se.data[j * y.cols + v] = Math.sqrt(sigma2[v] * cjj);
  }
  return { betas, residuals, sigma2, se, dof };
}

function whiten(m: Matrix, rho: number): Matrix {
  const out = m.clone();
  const c = m.cols;
  for (let t = 1; t < m.rows; t++)
    for (let j = 0; j < c; j++) out.data[t * c + j] = m.data[t * c + j] - rho * m.data[(t - 1) * c + j];
  return out;
}

/** Yule–Walker AR(1) coefficient of each column of the residuals (nilearn `_yule_walker`, order 1). */
export function ar1Coefficients(residuals: Matrix): Float64Array {
  const n = residuals.rows;
  const v = residuals.cols;
  const r0 = new Float64Array(v);
  const r1 = new Float64Array(v);
  const d = residuals.data;
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < v; j++) {
      const x = d[t * v + j];
      r0[j] += x * x;
      if (t + 1 < n) r1[j] += x * d[(t + 1) * v + j];
    }
  }
  const out = new Float64Array(v);
  for (let j = 0; j < v; j++) out[j] = r0[j] === 0 ? 0 : r1[j] / (n - 1) / (r0[j] / n);
  return out;
}

/** Fit Y (n scans × V voxels) on the design X (n × p). */
export function fitGlm(y: Matrix, x: Matrix, opts: { noiseModel?: NoiseModel } = {}): GlmFit {
  const noiseModel = checkChoice('noiseModel', opts.noiseModel ?? 'ols', NOISE_MODELS, FMRI_ERRORS.UNKNOWN_METHOD);
  if (y.rows !== x.rows)
    throw new ParameterError(FMRI_ERRORS.BAD_PARAMETER, 'Y', `has ${y.rows} rows (scans) but the design has ${x.rows}`);
  if (x.rows <= x.cols)
    throw new ParameterError(
      FMRI_ERRORS.BAD_PARAMETER,
      'design',
      `${x.rows} scans for ${x.cols} regressors; need more scans than regressors`,
    );
  const y64 = y.astype('float64');
  const ols = olsFit(x, y64);
  if (noiseModel === 'ols') return ols;
  const rho = ar1Coefficients(ols.residuals);
  // nilearn: (rho * 100).astype(int) / 100 — truncation toward zero into 0.01 bins
  for (let j = 0; j < rho.length; j++) rho[j] = Math.trunc(rho[j] * 100) / 100;
  const groups = new Map<number, number[]>();
  rho.forEach((r, j) => {
    const g = groups.get(r);
    if (g) g.push(j);
    else groups.set(r, [j]);
  });
  const betas = Matrix.zeros(x.cols, y.cols);
  const se = Matrix.zeros(x.cols, y.cols);
  const sigma2 = new Float64Array(y.cols);
  const residuals = Matrix.zeros(y.rows, y.cols);
  for (const [r, cols] of groups) {
    const sub = y64.selectCols(cols);
    const fit = olsFit(whiten(x, r), whiten(sub, r));
    const fitted = matmul(x, fit.betas);
    cols.forEach((v, k) => {
      for (let j = 0; j < x.cols; j++) {
        betas.data[j * y.cols + v] = fit.betas.data[j * cols.length + k];
        se.data[j * y.cols + v] = fit.se.data[j * cols.length + k];
      }
      for (let t = 0; t < y.rows; t++)
        residuals.data[t * y.cols + v] = sub.data[t * cols.length + k] - fitted.data[t * cols.length + k];
      sigma2[v] = fit.sigma2[k];
    });
  }
  return { betas, residuals, sigma2, se, dof: ols.dof, rho };
}

export interface GlmRunInput {
  /** BOLD: a NIfTI image or its path (masked with `masker` when given), or a scans × voxels matrix. */
  data: NiftiImage | string | Matrix;
  /** The run's events (table or path to *_events.tsv). */
  events: EventsTable | string;
  /** Run label (default: position, 1-based). */
  run?: string | number;
  confounds?: Matrix;
  confoundNames?: string[];
  /** Repetition time for this run (default: options.tr, else the image's TR). */
  tr?: number;
}

export const GLM_METHODS = ['lsa', 'lss'] as const;
export type GlmMethod = (typeof GLM_METHODS)[number];

export interface GlmBetasOptions
  extends Omit<DesignOptions, 'nScans' | 'tr' | 'confounds' | 'confoundNames' | 'conditionOf'> {
  method?: GlmMethod;
  noiseModel?: NoiseModel;
  tr?: number;
  masker?: NiftiMasker;
  /** Keep each run's residuals (scans × voxels) in `dataset.descriptors.residuals` (for noise precision). */
  keepResiduals?: boolean;
  /** Conditions to keep (default: every trial_type). */
  conditions?: string[];
  onProgress?: ProgressCallback;
}

function runMatrix(input: GlmRunInput, masker: NiftiMasker | undefined): { y: Matrix; tr?: number } {
  if (input.data instanceof Matrix) return { y: input.data };
  const img = typeof input.data === 'string' ? readNiftiSync(input.data) : input.data;
  if (masker) return { y: masker.transform(img), tr: img.tr };
  const n = img.volumeSize;
  const y = Matrix.zeros(img.nVolumes, n);
  for (let t = 0; t < img.nVolumes; t++) y.data.set(img.getVolume(t), t * n);
  return { y, tr: img.tr };
}

/**
 * Condition (lsa) or single-trial (lss) betas of every run as one Dataset: rows ordered run by run, conditions
 * sorted within a run (lsa) or trials in file order (lss); obs descriptors `conds`, `run` (+ `trial`, `onset`).
 */
export function glmBetas(runs: GlmRunInput[], opts: GlmBetasOptions = {}): Dataset {
  const method = checkChoice('method', opts.method ?? 'lsa', GLM_METHODS, FMRI_ERRORS.UNKNOWN_METHOD);
  const rows: Float64Array[] = [];
  const conds: string[] = [];
  const runLabels: (string | number)[] = [];
  const trials: number[] = [];
  const onsets: number[] = [];
  const residuals: Matrix[] = [];
  const designs: DesignMatrix[] = [];
  const warnings: string[] = [];
  let nVoxels = -1;
  const totalUnits = runs.reduce(
    (a, r) => a + (method === 'lss' ? (typeof r.events === 'string' ? 1 : r.events.length) : 1),
    0,
  );
  const progress = new ProgressReporter('glm', totalUnits, opts.onProgress);
  runs.forEach((input, r) => {
    const runLabel = input.run ?? r + 1;
    const events = typeof input.events === 'string' ? readBidsEvents(input.events) : input.events;
    const { y, tr: imgTr } = runMatrix(input, opts.masker);
    if (nVoxels >= 0 && y.cols !== nVoxels)
      throw new ParameterError(
        FMRI_ERRORS.BAD_PARAMETER,
        'runs',
        `run ${runLabel} has ${y.cols} voxels, earlier runs have ${nVoxels}`,
      );
    nVoxels = y.cols;
    const tr = input.tr ?? opts.tr ?? imgTr;
    if (tr === undefined)
      throw new ParameterError(
        FMRI_ERRORS.BAD_PARAMETER,
        'tr',
        `run ${runLabel}: no repetition time (give options.tr or a 4-D image with pixdim[4])`,
      );
    const keep = opts.conditions ? new Set(opts.conditions) : undefined;
    const isKept = (i: number) => {
      const t = events.trialType[i];
      return t !== null && (!keep || keep.has(t));
    };
    const base: DesignOptions = {
      ...opts,
      nScans: y.rows,
      tr,
      ...(input.confounds ? { confounds: input.confounds } : {}),
      ...(input.confoundNames ? { confoundNames: input.confoundNames } : {}),
    };
    if (method === 'lsa') {
      const dm = designMatrix(events, { ...base, conditionOf: (i) => (isKept(i) ? events.trialType[i] : null) });
      warnings.push(...dm.warnings);
      designs.push(dm);
      const fit = fitGlm(y, dm.matrix, { noiseModel: opts.noiseModel ?? 'ols' });
      dm.conditions.forEach((c, j) => {
        rows.push(Float64Array.from(fit.betas.row(j)));
        conds.push(c);
        runLabels.push(runLabel);
      });
      if (opts.keepResiduals) residuals.push(fit.residuals);
      progress.tick();
    } else {
      for (let i = 0; i < events.length; i++) {
        const trialType = events.trialType[i];
        if (trialType === null || !isKept(i)) continue;
        const target = `__trial_${i}`;
        const dm = designMatrix(events, {
          ...base,
          conditionOf: (k) => (k === i ? target : isKept(k) ? `other_${events.trialType[k]}` : null),
        });
        if (i === 0 || rows.length === 0) warnings.push(...dm.warnings);
        const fit = fitGlm(y, dm.matrix, { noiseModel: opts.noiseModel ?? 'ols' });
        rows.push(Float64Array.from(fit.betas.row(dm.names.indexOf(target))));
        conds.push(trialType);
        runLabels.push(runLabel);
        trials.push(i);
        onsets.push(events.onset[i]);
        if (opts.keepResiduals && residuals.length === r) residuals.push(fit.residuals);
        progress.tick();
      }
    }
  });
  progress.finish();
  const m = Matrix.zeros(rows.length, Math.max(nVoxels, 0));
  for (const [i, row] of rows.entries()) m.data.set(row, i * m.cols);
  return new Dataset(m, {
    descriptors: {
      method,
      noiseModel: opts.noiseModel ?? 'ols',
      ...(opts.keepResiduals ? { residuals } : {}),
      designs,
      ...(warnings.length ? { warnings } : {}),
    },
    obsDescriptors: { conds, run: runLabels, ...(method === 'lss' ? { trial: trials, onset: onsets } : {}) },
    ...(opts.masker ? { channelDescriptors: { voxel: Array.from(opts.masker.voxelIndices) } } : {}),
  });
}
