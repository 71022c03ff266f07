/**
 * Complex FFT over typed arrays: iterative radix-2 for powers of two, Bluestein's chirp-z for every other length
 * (so resampling 128 → 1000 samples works). Plans cache twiddles; transforms work in place on (re, im).
 */

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

class Radix2 {
  readonly n: number;
  /** Forward twiddles of every stage, concatenated: stage with half-size h stores cos/−sin of 2πk/(2h), k < h. */
  readonly #wr: Float64Array;
  readonly #wi: Float64Array;
  readonly #rev: Uint32Array;

  constructor(n: number) {
    this.n = n;
    this.#wr = new Float64Array(Math.max(1, n));
    this.#wi = new Float64Array(Math.max(1, n));
    for (let half = 1, off = 0; half < n; half *= 2, off += half / 2) {
      for (let k = 0; k < half; k++) {
        this.#wr[off + k] = Math.cos((Math.PI * k) / half);
        this.#wi[off + k] = -Math.sin((Math.PI * k) / half);
      }
    }
    this.#rev = new Uint32Array(n);
    let bits = 0;
    while (1 << bits < n) bits++;
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
      this.#rev[i] = r;
    }
  }

  /** Unnormalised transform; sign −1 forward, +1 inverse (as conj ∘ forward ∘ conj). */
  transform(re: Float64Array, im: Float64Array, sign: number): void {
    const n = this.n;
    if (sign > 0) for (let i = 0; i < n; i++) im[i] = -im[i];
    const rev = this.#rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    // first stage (half = 1): twiddle 1
    for (let a = 0; a < n; a += 2) {
      const b = a + 1;
      const xr = re[b];
      const xi = im[b];
      re[b] = re[a] - xr;
      im[b] = im[a] - xi;
      re[a] += xr;
      im[a] += xi;
    }
    const wr = this.#wr;
    const wi = this.#wi;
    // offset of stage `half` in the tables is half − 1 (1 + 2 + ... + half/2)
    for (let half = 2; half < n; half *= 2) {
      const size = half * 2;
      const off = half - 1;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const c = wr[off + k];
          const s = wi[off + k];
          const a = start + k;
          const b = a + half;
          const br = re[b];
          const bi = im[b];
          const xr = br * c - bi * s;
          const xi = br * s + bi * c;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
    if (sign > 0) for (let i = 0; i < n; i++) im[i] = -im[i];
  }
}

class Bluestein {
  readonly n: number;
  readonly #m: number;
  readonly #inner: Radix2;
  readonly #wr: Float64Array;
  readonly #wi: Float64Array;
  /** FFT of the conjugate chirp (the convolution kernel), for the forward sign. */
  readonly #br: Float64Array;
  readonly #bi: Float64Array;
  readonly #ar: Float64Array;
  readonly #ai: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.#m = nextPowerOfTwo(2 * n - 1);
    this.#inner = new Radix2(this.#m);
    this.#wr = new Float64Array(n);
    this.#wi = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k² mod 2n keeps the angle small (exact integer arithmetic up to n ~ 6.7e7)
      const k2 = (k * k) % (2 * n);
      const angle = (Math.PI * k2) / n;
      this.#wr[k] = Math.cos(angle);
      this.#wi[k] = -Math.sin(angle);
    }
    const m = this.#m;
    this.#br = new Float64Array(m);
    this.#bi = new Float64Array(m);
    this.#br[0] = this.#wr[0];
    this.#bi[0] = -this.#wi[0];
    for (let k = 1; k < n; k++) {
      this.#br[k] = this.#br[m - k] = this.#wr[k];
      this.#bi[k] = this.#bi[m - k] = -this.#wi[k];
    }
    this.#inner.transform(this.#br, this.#bi, -1);
    this.#ar = new Float64Array(m);
    this.#ai = new Float64Array(m);
  }

  transform(re: Float64Array, im: Float64Array, sign: number): void {
    const n = this.n;
    const m = this.#m;
    const ar = this.#ar;
    const ai = this.#ai;
    ar.fill(0);
    ai.fill(0);
    // inverse = conj(forward(conj(x)))
    const s = sign < 0 ? 1 : -1;
    for (let k = 0; k < n; k++) {
      const xr = re[k];
      const xi = s * im[k];
      ar[k] = xr * this.#wr[k] - xi * this.#wi[k];
      ai[k] = xr * this.#wi[k] + xi * this.#wr[k];
    }
    this.#inner.transform(ar, ai, -1);
    for (let k = 0; k < m; k++) {
      const xr = ar[k] * this.#br[k] - ai[k] * this.#bi[k];
      ai[k] = ar[k] * this.#bi[k] + ai[k] * this.#br[k];
      ar[k] = xr;
    }
    this.#inner.transform(ar, ai, 1);
    for (let k = 0; k < n; k++) {
      const xr = ar[k] / m;
      const xi = ai[k] / m;
      re[k] = xr * this.#wr[k] - xi * this.#wi[k];
      im[k] = s * (xr * this.#wi[k] + xi * this.#wr[k]);
    }
  }
}

/** A reusable FFT plan of length n. */
export class Fft {
  readonly n: number;
  readonly #impl: Radix2 | Bluestein;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Fft: length must be a positive integer, received ${n}`);
    this.n = n;
    this.#impl = isPowerOfTwo(n) ? new Radix2(n) : new Bluestein(n);
  }

  /** In-place forward transform X_k = Σ x_j e^{−2πi jk/n}. */
  forward(re: Float64Array, im: Float64Array): void {
    if (this.n > 1) this.#impl.transform(re, im, -1);
  }

  /** In-place inverse transform, normalised by 1/n. */
  inverse(re: Float64Array, im: Float64Array): void {
    if (this.n > 1) this.#impl.transform(re, im, 1);
    const s = 1 / this.n;
    for (let i = 0; i < this.n; i++) {
      re[i] *= s;
      im[i] *= s;
    }
  }
}

const plans = new Map<number, Fft>();

/** A cached plan (plans are cheap to keep and costly to build for Bluestein lengths). */
export function fftPlan(n: number): Fft {
  let p = plans.get(n);
  if (!p) {
    if (plans.size > 64) plans.clear();
    p = new Fft(n);
    plans.set(n, p);
  }
  return p;
}

/** numpy.fft.rfft: the n/2+1 non-negative-frequency bins of a real signal (zero-padded or cut to n). */
export function rfft(x: ArrayLike<number>, n = x.length): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const m = Math.min(n, x.length);
  for (let i = 0; i < m; i++) re[i] = x[i];
  fftPlan(n).forward(re, im);
  const h = Math.floor(n / 2) + 1;
  return { re: re.slice(0, h), im: im.slice(0, h) };
}

/** numpy.fft.irfft: a real signal of length n from its non-negative-frequency bins (missing bins are zero). */
export function irfft(spec: { re: ArrayLike<number>; im: ArrayLike<number> }, n: number): Float64Array {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const h = Math.floor(n / 2) + 1;
  const m = Math.min(h, spec.re.length);
  for (let k = 0; k < m; k++) {
    re[k] = spec.re[k];
    im[k] = spec.im[k];
  }
  // numpy ignores the imaginary part of DC and of the Nyquist bin
  im[0] = 0;
  if (n % 2 === 0 && m === h) im[n / 2] = 0;
  for (let k = 1; k < h; k++) {
    if (n - k < n && n - k >= h) {
      re[n - k] = re[k];
      im[n - k] = -im[k];
    }
  }
  fftPlan(n).inverse(re, im);
  return re;
}
