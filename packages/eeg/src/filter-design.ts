/**
 * FIR filter design exactly as MNE 1.3's defaults (fir_design='firwin', fir_window='hamming', phase='zero'):
 * automatic transition bandwidths, automatic length 3.3 / transition · sfreq (odd), and the filter built as a sum
 * of scipy.signal.firwin low-pass pieces, one per band edge, each of the length its own transition needs.
 */
import { ParameterError } from '@concord/core';
import { EEG_ERRORS } from './errors.ts';

/** MNE's length factors: filter length = factor / transition bandwidth (in seconds). */
const HAMMING_LENGTH_FACTOR = 3.3;

/** scipy.signal.firwin(numtaps, cutoff, window='hamming', pass_zero=True, fs=2): cutoff relative to Nyquist. */
export function firwinLowpass(numtaps: number, cutoff: number): Float64Array {
  const h = new Float64Array(numtaps);
  const alpha = (numtaps - 1) / 2;
  let sum = 0;
  for (let i = 0; i < numtaps; i++) {
    const m = i - alpha;
    const x = cutoff * m;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const win = numtaps === 1 ? 1 : 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (numtaps - 1));
    h[i] = cutoff * sinc * win;
    sum += h[i];
  }
  for (let i = 0; i < numtaps; i++) h[i] /= sum;
  return h;
}

/** MNE's `_firwin_design`: `freq` normalised to Nyquist (0 … 1), gains 0/1 at those frequencies. */
export function firwinDesign(n: number, freq: number[], gain: number[]): Float64Array {
  const h = new Float64Array(n);
  let prevFreq = freq[freq.length - 1];
  let prevGain = gain[gain.length - 1];
  if (prevGain === 1) h[(n - 1) / 2] = 1;
  for (let i = freq.length - 2; i >= 0; i--) {
    const thisFreq = freq[i];
    const thisGain = gain[i];
    if (thisGain !== prevGain) {
      const transition = (prevFreq - thisFreq) / 2;
      let thisN = Math.round(HAMMING_LENGTH_FACTOR / transition);
      thisN += 1 - (thisN % 2);
      if (thisN > n)
        throw new ParameterError(
          EEG_ERRORS.badParameter,
          'filterLength',
          `${n} samples is too short for a transition of ${transition} (needs ${thisN})`,
        );
      const piece = firwinLowpass(thisN, (prevFreq + thisFreq) / 2);
      const offset = (n - thisN) / 2;
      const sign = thisGain === 0 ? -1 : 1;
      for (let k = 0; k < thisN; k++) h[offset + k] += sign * piece[k];
    }
    prevGain = thisGain;
    prevFreq = thisFreq;
  }
  return h;
}

export interface FilterSpec {
  /** Lower pass-band edge (Hz) or null: high-pass / band-pass / (with lFreq > hFreq) band-stop. */
  lFreq: number | null;
  /** Upper pass-band edge (Hz) or null. */
  hFreq: number | null;
  /** Transition bandwidths in Hz; default MNE's 'auto'. */
  lTransBandwidth?: number;
  hTransBandwidth?: number;
  /** Taps; default MNE's 'auto' (3.3 / min transition · sfreq, rounded up to odd). */
  filterLength?: number;
}

export interface DesignedFilter {
  h: Float64Array;
  lTransBandwidth: number | null;
  hTransBandwidth: number | null;
  /** Band edges (Hz) and gains the filter was designed from. */
  freq: number[];
  gain: number[];
}

function checkFreq(name: string, f: number, sfreq: number): void {
  if (!(f > 0 && f < sfreq / 2))
    throw new ParameterError(
      EEG_ERRORS.badParameter,
      name,
      `must be in (0, ${sfreq / 2}) Hz (Nyquist of ${sfreq} Hz), received ${f}`,
    );
}

function lengthFor(transition: number, sfreq: number): number {
  let n = Math.max(Math.ceil((HAMMING_LENGTH_FACTOR / transition) * sfreq - 1e-9), 1);
  n += (n - 1) % 2;
  return n;
}

/** Design a zero-phase FIR filter as `mne.filter.create_filter(None, sfreq, l_freq, h_freq)` with its defaults. */
export function designFilter(sfreq: number, spec: FilterSpec): DesignedFilter {
  const { lFreq, hFreq } = spec;
  const nyq = sfreq / 2;
  if (lFreq !== null) checkFreq('lFreq', lFreq, sfreq);
  if (hFreq !== null) checkFreq('hFreq', hFreq, sfreq);
  const lTrans = lFreq === null ? null : (spec.lTransBandwidth ?? Math.min(Math.max(lFreq * 0.25, 2), lFreq));
  const hTrans = hFreq === null ? null : (spec.hTransBandwidth ?? Math.min(Math.max(hFreq * 0.25, 2), nyq - hFreq));
  // below, `?? 0` on lTrans / hTrans is never taken: each is null only when its own edge (lFreq / hFreq) is null
  let freq: number[];
  let gain: number[];
  if (lFreq !== null && hFreq !== null && lFreq > hFreq) {
    // band-stop between hFreq and lFreq (how MNE's notch_filter calls filter_data)
    const lo = hFreq;
    const hi = lFreq;
    const sLo = lo + (hTrans ?? 0);
    const sHi = hi - (lTrans ?? 0);
    freq = [0, lo, sLo, sHi, hi, nyq];
    gain = [1, 1, 0, 0, 1, 1];
    if (sLo === sHi) {
      freq = [0, lo, sLo, hi, nyq];
      gain = [1, 1, 0, 1, 1];
    }
  } else if (lFreq !== null && hFreq !== null) {
    if (!(lFreq < hFreq))
      throw new ParameterError(
        EEG_ERRORS.badParameter,
        'hFreq',
        `must differ from lFreq (${lFreq}), received ${hFreq}`,
      );
    const lStop = lFreq - (lTrans ?? 0);
    const hStop = hFreq + (hTrans ?? 0);
    freq = [0, lStop, lFreq, hFreq, hStop, nyq];
    gain = [0, 0, 1, 1, 0, 0];
    if (hStop >= nyq) {
      freq = freq.slice(0, -1);
      gain = gain.slice(0, -1);
      freq[freq.length - 1] = nyq;
    }
    if (lStop <= 0) {
      freq = freq.slice(1);
      gain = gain.slice(1);
      freq[0] = 0;
    }
  } else if (lFreq !== null) {
    const lStop = lFreq - (lTrans ?? 0);
    freq = lStop <= 0 ? [0, lFreq, nyq] : [0, lStop, lFreq, nyq];
    gain = lStop <= 0 ? [0, 1, 1] : [0, 0, 1, 1];
  } else if (hFreq !== null) {
    const hStop = hFreq + (hTrans ?? 0);
    freq = hStop >= nyq ? [0, hFreq, nyq] : [0, hFreq, hStop, nyq];
    gain = hStop >= nyq ? [1, 1, 0] : [1, 1, 0, 0];
  } else {
    throw new ParameterError(EEG_ERRORS.badParameter, 'lFreq/hFreq', 'at least one of lFreq and hFreq must be given');
  }
  const transitions = [lTrans, hTrans].filter((t): t is number => t !== null);
  if (transitions.some((t) => !(t > 0)))
    throw new ParameterError(
      EEG_ERRORS.badParameter,
      'transBandwidth',
      `transition bandwidths must be > 0, received ${transitions.join(', ')}`,
    );
  let n = spec.filterLength ?? lengthFor(Math.min(...transitions), sfreq);
  if (spec.filterLength !== undefined && (!Number.isInteger(n) || n < 1 || n % 2 === 0)) {
    throw new ParameterError(
      EEG_ERRORS.badParameter,
      'filterLength',
      `must be an odd positive integer (zero-phase FIR), received ${spec.filterLength}`,
    );
  }
  n = Math.max(n, 1);
  return {
    h: firwinDesign(
      n,
      freq.map((f) => f / nyq),
      gain,
    ),
    lTransBandwidth: lTrans,
    hTransBandwidth: hTrans,
    freq,
    gain,
  };
}
