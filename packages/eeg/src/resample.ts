/**
 * FFT resampling as MNE's `resample(x, up, down, npad=0, window='boxcar')` does it (scipy.signal.resample with
 * MNE's Nyquist handling): used for EDF channels stored at a lower rate than the others, record by record.
 */
import { irfft, rfft } from './fft.ts';

export function fftResample(x: ArrayLike<number>, newLen: number): Float64Array {
  const oldLen = x.length;
  if (newLen === oldLen) return Float64Array.from(x);
  const spec = rfft(x);
  const shorter = newLen < oldLen;
  const useLen = shorter ? newLen : oldLen;
  if (useLen % 2 === 0) {
    const nyq = useLen / 2;
    const f = shorter ? 2 : 0.5;
    if (nyq < spec.re.length) {
      spec.re[nyq] *= f;
      spec.im[nyq] *= f;
    }
  }
  const y = irfft(spec, newLen);
  const ratio = newLen / oldLen;
  for (let i = 0; i < newLen; i++) y[i] *= ratio;
  return y;
}

/** Zero-order hold (how MNE stretches a stim channel stored at a lower rate: codes are never interpolated). */
export function holdResample(x: ArrayLike<number>, newLen: number): Float64Array {
  const y = new Float64Array(newLen);
  const n = x.length;
  for (let j = 0; j < newLen; j++) y[j] = x[Math.min(n - 1, Math.floor((j * n) / newLen))];
  return y;
}
