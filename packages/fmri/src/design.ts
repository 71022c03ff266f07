/**
 * First-level design matrices as nilearn's `make_first_level_design_matrix` builds them (hrf_model 'spm',
 * drift_model 'cosine'): one regressor per condition (sorted condition names), built on an oversampled time
 * grid from min_onset −24 s (boxcar of each event's modulation, zero-duration events one sample wide),
 * convolved with the HRF, linearly interpolated at the frame times; then confound columns; then cosine drifts
 * (nilearn `_cosine_drift`) and a constant. Frame times are 0, tr, ..., (nScans − 1)·tr (slice_time_ref 0).
 *
 * Differences from nilearn's defaults, on purpose: highPass defaults to SPM's 1/128 Hz (nilearn: 0.01 Hz), and the
 * HRF ratio is nilearn's 0.167 (SPM: 1/6), see hrf.ts. nilearn's final `full_rank` step is not applied (it only
 * changes designs whose condition number exceeds 1e15; such designs are rejected by the GLM instead).
 */
import { Matrix, ParameterError } from '@concord/core';
import { FMRI_ERRORS } from './errors.ts';
import { checkEventsInRun, type EventsTable } from './events.ts';
import { type HrfOptions, linspace, spmHrf } from './hrf.ts';

export interface DesignOptions {
  nScans: number;
  tr: number;
  /** 'cosine' (default) or 'none'. */
  driftModel?: 'cosine' | 'none';
  /** Cutoff frequency of the cosine drift basis, Hz (default 1/128). */
  highPass?: number;
  /** Extra columns (nScans × k) placed after the condition regressors, with their names. */
  confounds?: Matrix;
  confoundNames?: string[];
  hrf?: HrfOptions;
  /** Oversampling of the frame grid (default 50). */
  oversampling?: number;
  /** Start of the oversampled grid relative to the first frame, s (default −24, nilearn). */
  minOnset?: number;
  /** Column name for each event (default its trial_type); used by LSS to give one trial its own column. */
  conditionOf?: (row: number) => string | null;
}

export interface DesignMatrix {
  matrix: Matrix;
  names: string[];
  frameTimes: Float64Array;
  /** Names of the condition (task) columns, in column order (the first conditions.length columns). */
  conditions: string[];
  warnings: string[];
}

/** Lower bound of the sorted array (numpy searchsorted side='left'). */
function searchsorted(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One condition's regressor at the frame times (nilearn compute_regressor with the 'spm' HRF). */
export function computeRegressor(
  onsets: ArrayLike<number>,
  durations: ArrayLike<number>,
  values: ArrayLike<number>,
  frameTimes: Float64Array,
  hrfKernel: Float64Array,
  oversampling = 50,
  minOnset = -24,
): Float64Array {
  const n = frameTimes.length;
  const ftMin = frameTimes[0];
  const ftMax = frameTimes[n - 1];
  const nHr = ((n - 1) / (ftMax - ftMin)) * (ftMax * (1 + 1 / (n - 1)) - frameTimes[0] - minOnset) * oversampling + 1;
  const hrTimes = linspace(frameTimes[0] + minOnset, ftMax * (1 + 1 / (n - 1)), Math.round(nHr));
  const tmax = hrTimes.length;
  const reg = new Float64Array(tmax);
  const tOn: number[] = [];
  for (let e = 0; e < onsets.length; e++) {
    const t = Math.min(searchsorted(hrTimes, onsets[e]), tmax - 1);
    tOn.push(t);
    reg[t] += values[e];
  }
  for (let e = 0; e < onsets.length; e++) {
    let t = Math.min(searchsorted(hrTimes, onsets[e] + durations[e]), tmax - 1);
    if (t < tmax - 1 && t === tOn[e]) t += 1;
    reg[t] -= values[e];
  }
  for (let i = 1; i < tmax; i++) reg[i] += reg[i - 1];
  // np.convolve(reg, h)[:reg.size]
  const conv = new Float64Array(tmax);
  const k = hrfKernel.length;
  for (let i = 0; i < tmax; i++) {
    const v = reg[i];
    if (v === 0) continue;
    const lim = Math.min(k, tmax - i);
    for (let j = 0; j < lim; j++) conv[i + j] += v * hrfKernel[j];
  }
  // scipy interp1d (linear) at the frame times
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    const x = frameTimes[f];
    let i = searchsorted(hrTimes, x);
    if (i <= 0) {
      out[f] = conv[0];
      continue;
    }
    if (i >= tmax) i = tmax - 1;
    const x0 = hrTimes[i - 1];
    const x1 = hrTimes[i];
    const slope = (conv[i] - conv[i - 1]) / (x1 - x0);
    out[f] = slope * (x - x0) + conv[i - 1];
  }
  return out;
}

/** nilearn `_cosine_drift(high_pass, frame_times)`: columns drift_1..drift_K then a constant. */
export function cosineDrift(highPass: number, frameTimes: Float64Array): { matrix: Matrix; names: string[] } {
  const n = frameTimes.length;
  const dt = (frameTimes[n - 1] - frameTimes[0]) / (n - 1);
  const order = Math.min(n - 1, Math.floor(2 * n * highPass * dt));
  const m = Matrix.zeros(n, order + 1);
  const norm = Math.sqrt(2 / n);
  for (let k = 1; k <= order; k++)
    for (let t = 0; t < n; t++) m.set(t, k - 1, norm * Math.cos((Math.PI / n) * (t + 0.5) * k));
  for (let t = 0; t < n; t++) m.set(t, order, 1);
  return { matrix: m, names: [...Array.from({ length: order }, (_, k) => `drift_${k + 1}`), 'constant'] };
}

/** The design matrix of one run. */
export function designMatrix(events: EventsTable, opts: DesignOptions): DesignMatrix {
  const { nScans, tr } = opts;
  if (!(Number.isInteger(nScans) && nScans >= 2))
    throw new ParameterError(FMRI_ERRORS.BAD_PARAMETER, 'nScans', `expected an integer ≥ 2, received ${nScans}`);
  if (!(tr > 0))
    throw new ParameterError(
      FMRI_ERRORS.BAD_PARAMETER,
      'tr',
      `expected a positive repetition time in seconds, received ${tr}`,
    );
  const warnings = checkEventsInRun(events, nScans, tr);
  const frameTimes = linspace(0, (nScans - 1) * tr, nScans);
  const oversampling = opts.oversampling ?? 50;
  const minOnset = opts.minOnset ?? -24;
  const kernel = spmHrf(tr, { oversampling, ...opts.hrf });
  const conditionOf = opts.conditionOf ?? ((i: number) => events.trialType[i] ?? 'dummy');
  const groups = new Map<string, number[]>();
  for (let i = 0; i < events.length; i++) {
    const c = conditionOf(i);
    if (c === null) continue;
    const g = groups.get(c);
    if (g) g.push(i);
    else groups.set(c, [i]);
  }
  const sorted = [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const conditions = sorted.map(([c]) => c);
  const cols: Float64Array[] = [];
  for (const [, rows] of sorted) {
    cols.push(
      computeRegressor(
        rows.map((r) => events.onset[r]),
        rows.map((r) => events.duration[r]),
        rows.map((r) => events.modulation[r]),
        frameTimes,
        kernel,
        oversampling,
        minOnset,
      ),
    );
  }
  const names = [...conditions];
  if (opts.confounds) {
    const cf = opts.confounds;
    if (cf.rows !== nScans)
      throw new ParameterError(
        FMRI_ERRORS.BAD_PARAMETER,
        'confounds',
        `has ${cf.rows} rows, the run has ${nScans} volumes`,
      );
    for (let j = 0; j < cf.cols; j++) cols.push(cf.column(j));
    names.push(...(opts.confoundNames ?? Array.from({ length: cf.cols }, (_, j) => `confound_${j}`)));
  }
  if ((opts.driftModel ?? 'cosine') === 'cosine') {
    const d = cosineDrift(opts.highPass ?? 1 / 128, frameTimes);
    for (let j = 0; j < d.matrix.cols; j++) cols.push(d.matrix.column(j));
    names.push(...d.names);
  } else {
    cols.push(new Float64Array(nScans).fill(1));
    names.push('constant');
  }
  if (new Set(names).size !== names.length)
    throw new ParameterError(
      FMRI_ERRORS.BAD_PARAMETER,
      'confoundNames',
      `column names must be unique, received ${names.join(', ')}`,
    );
  const m = Matrix.zeros(nScans, cols.length);
  cols.forEach((col, j) => {
    for (let t = 0; t < nScans; t++) m.data[t * cols.length + j] = col[t];
  });
  return { matrix: m, names, frameTimes, conditions, warnings };
}
