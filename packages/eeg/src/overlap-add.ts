/**
 * Zero-phase FIR filtering by overlap-add FFT convolution, as MNE's `_overlap_add_filter`: the signal is padded at
 * both ends by len(h) − 1 samples of odd reflection ('reflect_limited'), convolved with h, and the result shifted
 * by (len(h) − 1) / 2 so the filter adds no delay. Two channels share each complex FFT (real h keeps them apart).
 */
import { type Fft, fftPlan, nextPowerOfTwo } from './fft.ts';

/** MNE's choice of FFT length: the power of two minimising its multiplication-count cost. */
export function chooseFftLength(nh: number, nx: number): number {
  const minFft = 2 * nh - 1;
  if (nx < minFft) return nextPowerOfTwo(minFft);
  let best = 0;
  let bestCost = Infinity;
  for (let e = Math.ceil(Math.log2(minFft)); e <= Math.ceil(Math.log2(nx)); e++) {
    const N = 2 ** e;
    const cost = Math.ceil(nx / (N - nh + 1)) * N * (Math.log2(N) + 1) + 4e-5 * N * nx;
    if (cost < bestCost) {
      bestCost = cost;
      best = N;
    }
  }
  return best;
}

/** MNE's `_smart_pad(x, (n, n), 'reflect_limited')`. */
export function reflectLimitedPad(x: ArrayLike<number>, n: number, into?: Float64Array): Float64Array {
  const len = x.length;
  const lz = Math.max(n - len + 1, 0);
  const out = into && into.length === len + 2 * n ? into : new Float64Array(len + 2 * n);
  if (out === into) {
    out.fill(0, 0, lz);
    out.fill(0, n + len + Math.min(n, len - 1));
  }
  const m = Math.min(n, len - 1);
  // left: zeros, then 2·x[0] − x[m..1]
  for (let i = 0; i < m; i++) out[lz + i] = 2 * x[0] - x[m - i];
  out.set(x as ArrayLike<number>, n);
  for (let i = 0; i < m; i++) out[n + len + i] = 2 * x[len - 1] - x[len - 2 - i];
  return out;
}

export class OverlapAddFilter {
  readonly h: Float64Array;
  readonly nFft: number;
  readonly #plan: Fft;
  readonly #hr: Float64Array;
  readonly #hi: Float64Array;
  /** Padded copies of the two input channels, reused between calls of the same length. */
  #padA: Float64Array | undefined;
  #padB: Float64Array | undefined;

  constructor(h: Float64Array, signalLength: number) {
    this.h = h;
    const nEdge = Math.max(Math.min(h.length, signalLength) - 1, 0);
    this.nFft = chooseFftLength(h.length, signalLength + 2 * nEdge);
    this.#plan = fftPlan(this.nFft);
    this.#hr = new Float64Array(this.nFft);
    this.#hi = new Float64Array(this.nFft);
    this.#hr.set(h);
    this.#plan.forward(this.#hr, this.#hi);
    // fold the inverse FFT's 1/n into the filter spectrum
    for (let k = 0; k < this.nFft; k++) {
      this.#hr[k] /= this.nFft;
      this.#hi[k] /= this.nFft;
    }
    // segments are transformed without reordering (DIF forward, DIT inverse): keep H bit-reversed as well
    this.#plan.bitReverse(this.#hr, this.#hi);
  }

  /** Filter one or two channels (b may be null); results written into outA / outB (same length as a). */
  apply(a: ArrayLike<number>, b: ArrayLike<number> | null, outA: Float64Array, outB: Float64Array | null): void {
    const nh = this.h.length;
    const n = a.length;
    if (nh === 1) {
      for (let i = 0; i < n; i++) outA[i] = a[i] * this.h[0];
      if (b && outB) for (let i = 0; i < n; i++) outB[i] = b[i] * this.h[0];
      return;
    }
    const nEdge = Math.max(Math.min(nh, n) - 1, 0);
    this.#padA = reflectLimitedPad(a, nEdge, this.#padA);
    const xa = this.#padA;
    if (b) this.#padB = reflectLimitedPad(b, nEdge, this.#padB);
    const xb = b ? this.#padB : null;
    const nx = xa.length;
    const nFft = this.nFft;
    const nSeg = nFft - nh + 1;
    const shift = (nh - 1) / 2 + nEdge;
    const re = new Float64Array(nFft);
    const im = new Float64Array(nFft);
    const hr = this.#hr;
    const hi = this.#hi;
    outA.fill(0);
    outB?.fill(0);
    for (let start = 0; start < nx; start += nSeg) {
      const stop = Math.min(nx, start + nSeg);
      const len = stop - start;
      re.set(xa.subarray(start, stop));
      re.fill(0, len);
      if (xb) im.set(xb.subarray(start, stop));
      else im.fill(0, 0, len);
      im.fill(0, len);
      this.#plan.forwardBitReversed(re, im);
      for (let k = 0; k < nFft; k++) {
        const r = re[k] * hr[k] - im[k] * hi[k];
        im[k] = re[k] * hi[k] + im[k] * hr[k];
        re[k] = r;
      }
      this.#plan.inverseFromBitReversed(re, im);
      // y_ext[start + j] += prod[j]; output index i = start + j − shift, kept when 0 ≤ i < n
      const j0 = Math.max(0, shift - start);
      const j1 = Math.min(nFft, n + shift - start);
      for (let j = j0; j < j1; j++) {
        outA[start + j - shift] += re[j];
        if (outB) outB[start + j - shift] += im[j];
      }
    }
  }
}
