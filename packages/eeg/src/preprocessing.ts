/**
 * Preprocessing as MNE users expect it, returning new in-memory recordings (the input is never changed):
 * zero-phase FIR band-/high-/low-pass and notch filters with MNE's defaults, average or channel re-referencing,
 * FFT resampling, and baseline correction of epoched arrays.
 */
import { Matrix, ParameterError, type ProgressCallback } from '@concord/core';
import { EEG_ERRORS } from './errors.ts';
import { type DesignedFilter, designFilter, type FilterSpec } from './filter-design.ts';
import { OverlapAddFilter } from './overlap-add.ts';
import { PARALLEL_MIN_SAMPLES, startWorkerHalf } from './parallel-filter.ts';
import type { Picks, Raw } from './raw.ts';
import { fftResample } from './resample.ts';

export interface FilterOptions extends Omit<FilterSpec, 'lFreq' | 'hFreq'> {
  /** Channels to filter; default every non-stim channel (stim codes are never filtered). */
  picks?: Picks;
  onProgress?: ProgressCallback;
}

/** One row (channel) of input samples; may be a view (it is copied before any output is written). */
export type RowSource = (row: number) => Float64Array;

/**
 * Filter the rows of a channels × samples matrix with a designed FIR filter (zero phase). Returns a new matrix, or
 * overwrites `data` with `inPlace` (saves a copy of a large recording).
 */
export function applyFir(
  data: Matrix,
  h: Float64Array,
  rows?: readonly number[],
  onProgress?: ProgressCallback,
  inPlace = false,
): Matrix {
  const n = data.cols;
  const src = data.dtype === 'float64' ? (data.data as Float64Array) : Float64Array.from(data.data);
  const out = inPlace && data.dtype === 'float64' ? data : Matrix.zeros(data.rows, n);
  return applyFirFrom((r) => src.subarray(r * n, (r + 1) * n), out, h, rows, onProgress);
}

/**
 * Filter rows read from `source` into `out` (rows × n); rows not listed are copied unfiltered. Large jobs give half
 * the rows to a worker thread (same arithmetic, identical results).
 */
export function applyFirFrom(
  source: RowSource,
  out: Matrix,
  h: Float64Array,
  rows?: readonly number[],
  onProgress?: ProgressCallback,
): Matrix {
  const n = out.cols;
  const which = rows ?? Array.from({ length: out.rows }, (_, i) => i);
  const filtered = new Set(which);
  for (let r = 0; r < out.rows; r++)
    if (!filtered.has(r) && out.data.buffer !== source(r).buffer) out.data.set(source(r), r * n);
  if (n === 0 || which.length === 0) return out;
  const split = Math.ceil(which.length / 4) * 2;
  const offloaded =
    which.length >= 4 && which.length * n >= PARALLEL_MIN_SAMPLES
      ? startWorkerHalf(source, n, h, which.slice(split))
      : null;
  const mine = offloaded ? which.slice(0, split) : which;
  filterRows(source, out, h, mine, (done) =>
    onProgress?.({ stage: 'filter', done: done + (offloaded?.progress() ?? 0), total: which.length }),
  );
  if (offloaded && !offloaded.finish(out)) filterRows(source, out, h, offloaded.rows, () => {});
  onProgress?.({ stage: 'filter', done: which.length, total: which.length });
  return out;
}

function filterRows(
  source: RowSource,
  out: Matrix,
  h: Float64Array,
  rows: readonly number[],
  progress: (done: number) => void,
): void {
  const n = out.cols;
  const f = new OverlapAddFilter(h, n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let k = 0; k < rows.length; k += 2) {
    const r0 = rows[k];
    const r1 = k + 1 < rows.length ? rows[k + 1] : -1;
    f.apply(source(r0), r1 >= 0 ? source(r1) : null, a, r1 >= 0 ? b : null);
    out.data.set(a, r0 * n);
    if (r1 >= 0) out.data.set(b, r1 * n);
    progress(Math.min(k + 2, rows.length));
  }
}

/** `mne.filter.filter_data(data, sfreq, l_freq, h_freq)` for a channels × samples matrix. */
export function filterData(
  data: Matrix,
  sfreq: number,
  lFreq: number | null,
  hFreq: number | null,
  options: FilterOptions = {},
): { data: Matrix; filter: DesignedFilter } {
  const filter = designFilter(sfreq, { ...options, lFreq, hFreq });
  return { data: applyFir(data, filter.h, undefined, options.onProgress), filter };
}

function defaultPicks(raw: Raw, picks?: Picks): number[] {
  return picks === undefined ? raw.pickIndices('data') : raw.pickIndices(picks);
}

/** `raw.filter(l_freq, h_freq)`: band-pass (both), high-pass (hFreq null), low-pass (lFreq null). */
export function filterRaw(raw: Raw, lFreq: number | null, hFreq: number | null, options: FilterOptions = {}): Raw {
  const filter = designFilter(raw.info.sfreq, { ...options, lFreq, hFreq });
  const picks = defaultPicks(raw, options.picks);
  // in-memory recordings are read a channel at a time (no full copy); file-backed ones are loaded once
  const data =
    raw.format === 'array'
      ? applyFirFrom(
          (r) => raw.getData({ picks: [r] }).data as Float64Array,
          Matrix.zeros(raw.nChannels, raw.nTimes),
          filter.h,
          picks,
          options.onProgress,
        )
      : applyFir(raw.getData(), filter.h, picks, options.onProgress, true);
  return raw.withData(data);
}

export interface NotchOptions extends FilterOptions {
  /** Width of each stop band in Hz; default freq / 200 (MNE). */
  notchWidths?: number | number[];
  /** Default 1 Hz (MNE). */
  transBandwidth?: number;
}

/** `raw.notch_filter(freqs)` with MNE's FIR defaults (each notch a band-stop with 0.5 Hz transitions). */
export function notchFilter(raw: Raw, freqs: number | number[], options: NotchOptions = {}): Raw {
  const fs = Array.isArray(freqs) ? freqs : [freqs];
  if (fs.length === 0) throw new ParameterError(EEG_ERRORS.badParameter, 'freqs', 'give at least one frequency');
  const widths =
    options.notchWidths === undefined
      ? fs.map((f) => f / 200)
      : Array.isArray(options.notchWidths)
        ? options.notchWidths
        : fs.map(() => options.notchWidths as number);
  const tb2 = (options.transBandwidth ?? 1) / 2;
  let out = raw;
  // MNE designs all notches into one filter; with several notches we cascade single band-stops (same stop bands)
  fs.forEach((f, i) => {
    const lows = f - widths[i] / 2 - tb2;
    const highs = f + widths[i] / 2 + tb2;
    out = filterRaw(out, highs, lows, { ...options, lTransBandwidth: tb2, hTransBandwidth: tb2 });
  });
  return out;
}

/** `raw.set_eeg_reference('average' | [channels])`: subtract the mean of the reference channels from EEG channels. */
export function setEegReference(raw: Raw, refChannels: 'average' | string[] = 'average'): Raw {
  const data = raw.getData();
  const n = data.cols;
  const eeg = raw.pickIndices('eeg');
  const ref = refChannels === 'average' ? eeg : raw.pickIndices(refChannels);
  if (ref.length === 0)
    throw new ParameterError(
      EEG_ERRORS.badParameter,
      'refChannels',
      'no reference channels (the recording has no EEG channels)',
    );
  const mean = new Float64Array(n);
  for (const r of ref) for (let t = 0; t < n; t++) mean[t] += data.data[r * n + t];
  for (let t = 0; t < n; t++) mean[t] /= ref.length;
  for (const c of eeg) for (let t = 0; t < n; t++) data.data[c * n + t] -= mean[t];
  return raw.withData(data);
}

/** MNE's npad='auto': pad to the next power of two (at least min(n/8, 100)·2 extra samples), split evenly. */
function autoPad(n: number): [number, number] {
  const minAdd = Math.min(Math.floor(n / 8), 100) * 2;
  const total = 2 ** Math.ceil(Math.log2(n + minAdd)) - n;
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * `raw.resample(sfreq)` as MNE does it (FFT resampling, boxcar window, npad='auto' with reflect_limited padding).
 * Stim channels are resampled by picking the nearest earlier sample (codes are never interpolated).
 */
export function resampleRaw(raw: Raw, sfreq: number, options: { onProgress?: ProgressCallback } = {}): Raw {
  if (!(sfreq > 0)) throw new ParameterError(EEG_ERRORS.badParameter, 'sfreq', `must be > 0, received ${sfreq}`);
  const ratio = sfreq / raw.info.sfreq;
  const n = raw.nTimes;
  const finalLen = Math.round(ratio * n);
  const data = raw.getData();
  const out = Matrix.zeros(raw.nChannels, finalLen);
  const [padL, padR] = autoPad(n);
  for (let c = 0; c < raw.nChannels; c++) {
    const x = data.data.subarray(c * n, (c + 1) * n);
    if (raw.info.chTypes[c] === 'stim') {
      for (let t = 0; t < finalLen; t++) out.data[c * finalLen + t] = x[Math.min(n - 1, Math.floor(t / ratio))];
      continue;
    }
    const padded = new Float64Array(n + padL + padR);
    const ext = reflectPad(x, padL, padR);
    padded.set(ext);
    const y = fftResample(padded, Math.round(ratio * padded.length));
    const removeL = Math.round(ratio * padL);
    out.data.set(y.subarray(removeL, removeL + finalLen), c * finalLen);
    options.onProgress?.({ stage: 'resample', done: c + 1, total: raw.nChannels });
  }
  const scaled = raw.withData(out, undefined, sfreq);
  return scaled;
}

function reflectPad(x: ArrayLike<number>, left: number, right: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n + left + right);
  const ml = Math.min(left, n - 1);
  const lz = left - ml;
  for (let i = 0; i < ml; i++) out[lz + i] = 2 * x[0] - x[ml - i];
  out.set(x as ArrayLike<number>, left);
  const mr = Math.min(right, n - 1);
  for (let i = 0; i < mr; i++) out[left + n + i] = 2 * x[n - 1] - x[n - 2 - i];
  return out;
}

/**
 * Baseline correction (MNE's rescale mode 'mean'): subtract from each row the mean over samples [b0, b1).
 * `data` is rows × times; returns a new matrix.
 */
export function baselineCorrect(data: Matrix, b0: number, b1: number): Matrix {
  if (!(Number.isInteger(b0) && Number.isInteger(b1) && b0 >= 0 && b1 > b0 && b1 <= data.cols)) {
    throw new ParameterError(
      EEG_ERRORS.badParameter,
      'baseline',
      `sample range [${b0}, ${b1}) must be non-empty inside [0, ${data.cols})`,
    );
  }
  const out = new Matrix(data.rows, data.cols, Float64Array.from(data.data));
  const n = data.cols;
  for (let r = 0; r < data.rows; r++) {
    let s = 0;
    for (let t = b0; t < b1; t++) s += out.data[r * n + t];
    const m = s / (b1 - b0);
    for (let t = 0; t < n; t++) out.data[r * n + t] -= m;
  }
  return out;
}
