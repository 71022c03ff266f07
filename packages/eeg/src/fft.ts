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
  /** Twiddles of every radix-2 stage, concatenated: the stage with half-size h starts at h − 1 and holds e^{∓iπk/h}. */
  readonly #wr: Float64Array;
  readonly #wiForward: Float64Array;
  readonly #wiInverse: Float64Array;
  readonly #rev: Uint32Array;

  constructor(n: number) {
    this.n = n;
    this.#wr = new Float64Array(Math.max(1, n));
    this.#wiForward = new Float64Array(Math.max(1, n));
    this.#wiInverse = new Float64Array(Math.max(1, n));
    for (let half = 1; half < n; half *= 2) {
      for (let k = 0; k < half; k++) {
        this.#wr[half - 1 + k] = Math.cos((Math.PI * k) / half);
        this.#wiForward[half - 1 + k] = -Math.sin((Math.PI * k) / half);
        this.#wiInverse[half - 1 + k] = Math.sin((Math.PI * k) / half);
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

  /** Unnormalised transform; sign −1 forward, +1 inverse. Radix-4 passes (two radix-2 stages at a time). */
  transform(re: Float64Array, im: Float64Array, sign: number): void {
    this.bitReverse(re, im);
    this.ditFromBitReversed(re, im, sign);
  }

  /** Forward DIF transform leaving the spectrum in bit-reversed order. */
  forwardToBitReversed(re: Float64Array, im: Float64Array): void {
    difToBitReversed(this, this.#wr, this.#wiForward, re, im);
  }

  /** Reorder into bit-reversed index order (an involution). */
  bitReverse(re: Float64Array, im: Float64Array): void {
    const n = this.n;
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
  }

  /** Decimation-in-time passes: bit-reversed input, natural-order output. */
  ditFromBitReversed(re: Float64Array, im: Float64Array, sign: number): void {
    const n = this.n;
    const wr = this.#wr;
    const wi = sign < 0 ? this.#wiForward : this.#wiInverse;
    let half = 1;
    let stages = 0;
    while (1 << stages < n) stages++;
    if (stages % 2 === 1) {
      for (let a = 0; a < n; a += 2) {
        const xr = re[a + 1];
        const xi = im[a + 1];
        re[a + 1] = re[a] - xr;
        im[a + 1] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
      half = 2;
    }
    // multiplying by −i (forward) or +i (inverse) for the odd quarter
    const js = sign < 0 ? -1 : 1;
    if (half === 1 && n >= 4) {
      // first radix-4 pass: every twiddle is 1 (and ∓i for the odd quarter)
      for (let i0 = 0; i0 < n; i0 += 4) {
        const i1 = i0 + 1;
        const i2 = i0 + 2;
        const i3 = i0 + 3;
        const b0r = re[i0] + re[i1];
        const b0i = im[i0] + im[i1];
        const b1r = re[i0] - re[i1];
        const b1i = im[i0] - im[i1];
        const b2r = re[i2] + re[i3];
        const b2i = im[i2] + im[i3];
        const b3r = re[i2] - re[i3];
        const b3i = im[i2] - im[i3];
        const vr = -js * b3i;
        const vi = js * b3r;
        re[i0] = b0r + b2r;
        im[i0] = b0i + b2i;
        re[i2] = b0r - b2r;
        im[i2] = b0i - b2i;
        re[i1] = b1r + vr;
        im[i1] = b1i + vi;
        re[i3] = b1r - vr;
        im[i3] = b1i - vi;
      }
      half = 4;
    }
    for (; half < n; half *= 4) {
      const h2 = 2 * half;
      const size = 4 * half;
      const offA = half - 1;
      const offB = h2 - 1;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const ar = wr[offA + k];
          const ai = wi[offA + k];
          const br = wr[offB + k];
          const bi = wi[offB + k];
          const i0 = start + k;
          const i1 = i0 + half;
          const i2 = i1 + half;
          const i3 = i2 + half;
          // first radix-2 stage (half): pairs (i0, i1) and (i2, i3) with twiddle A
          let tr = re[i1] * ar - im[i1] * ai;
          let ti = re[i1] * ai + im[i1] * ar;
          const b0r = re[i0] + tr;
          const b0i = im[i0] + ti;
          const b1r = re[i0] - tr;
          const b1i = im[i0] - ti;
          tr = re[i3] * ar - im[i3] * ai;
          ti = re[i3] * ai + im[i3] * ar;
          const b2r = re[i2] + tr;
          const b2i = im[i2] + ti;
          const b3r = re[i2] - tr;
          const b3i = im[i2] - ti;
          // second stage (2·half): (b0, b2) with twiddle B, (b1, b3) with twiddle B · (∓i)
          const ur = b2r * br - b2i * bi;
          const ui = b2r * bi + b2i * br;
          const vr0 = b3r * br - b3i * bi;
          const vi0 = b3r * bi + b3i * br;
          const vr = -js * vi0;
          const vi = js * vr0;
          re[i0] = b0r + ur;
          im[i0] = b0i + ui;
          re[i2] = b0r - ur;
          im[i2] = b0i - ui;
          re[i1] = b1r + vr;
          im[i1] = b1i + vi;
          re[i3] = b1r - vr;
          im[i3] = b1i - vi;
        }
      }
    }
  }
}

/**
 * Decimation-in-frequency forward transform: natural-order input, bit-reversed output. Paired with
 * `ditFromBitReversed` it convolves without any reordering pass (the filter spectrum is kept bit-reversed too).
 */
function difToBitReversed(plan: Radix2, wr: Float64Array, wi: Float64Array, re: Float64Array, im: Float64Array): void {
  const n = plan.n;
  let stages = 0;
  while (1 << stages < n) stages++;
  let half = n / 2;
  for (let done = 0; done + 2 <= stages; done += 2, half /= 4) {
    // stages with half-sizes `half` then `half/2`, as one radix-4 pass over blocks of 2·half
    const q = half / 2;
    const offB = half - 1;
    const offA = q - 1;
    const size = 2 * half;
    if (q === 1) {
      // last radix-4 pass: twiddles 1 and −i only
      for (let i0 = 0; i0 < n; i0 += 4) {
        const i1 = i0 + 1;
        const i2 = i0 + 2;
        const i3 = i0 + 3;
        const b0r = re[i0] + re[i2];
        const b0i = im[i0] + im[i2];
        const b2r = re[i0] - re[i2];
        const b2i = im[i0] - im[i2];
        const b1r = re[i1] + re[i3];
        const b1i = im[i1] + im[i3];
        const b3r = im[i1] - im[i3];
        const b3i = -(re[i1] - re[i3]);
        re[i0] = b0r + b1r;
        im[i0] = b0i + b1i;
        re[i1] = b0r - b1r;
        im[i1] = b0i - b1i;
        re[i2] = b2r + b3r;
        im[i2] = b2i + b3i;
        re[i3] = b2r - b3r;
        im[i3] = b2i - b3i;
      }
      continue;
    }
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < q; k++) {
        const br = wr[offB + k];
        const bi = wi[offB + k];
        const ar = wr[offA + k];
        const ai = wi[offA + k];
        const i0 = start + k;
        const i1 = i0 + q;
        const i2 = i1 + q;
        const i3 = i2 + q;
        // stage half: (i0, i2) with B_k, (i1, i3) with B_{k+q} = B_k · (−i)
        const b0r = re[i0] + re[i2];
        const b0i = im[i0] + im[i2];
        let dr = re[i0] - re[i2];
        let di = im[i0] - im[i2];
        const b2r = dr * br - di * bi;
        const b2i = dr * bi + di * br;
        const b1r = re[i1] + re[i3];
        const b1i = im[i1] + im[i3];
        dr = re[i1] - re[i3];
        di = im[i1] - im[i3];
        const t3r = dr * br - di * bi;
        const t3i = dr * bi + di * br;
        const b3r = t3i;
        const b3i = -t3r;
        // stage half/2: (i0, i1) and (i2, i3) with A_k
        re[i0] = b0r + b1r;
        im[i0] = b0i + b1i;
        dr = b0r - b1r;
        di = b0i - b1i;
        re[i1] = dr * ar - di * ai;
        im[i1] = dr * ai + di * ar;
        re[i2] = b2r + b3r;
        im[i2] = b2i + b3i;
        dr = b2r - b3r;
        di = b2i - b3i;
        re[i3] = dr * ar - di * ai;
        im[i3] = dr * ai + di * ar;
      }
    }
  }
  if (stages % 2 === 1) {
    for (let a = 0; a < n; a += 2) {
      const xr = re[a + 1];
      const xi = im[a + 1];
      re[a + 1] = re[a] - xr;
      im[a + 1] = im[a] - xi;
      re[a] += xr;
      im[a] += xi;
    }
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

  /** Power-of-two lengths only: forward transform whose output is in bit-reversed order (for fast convolution). */
  forwardBitReversed(re: Float64Array, im: Float64Array): void {
    if (!(this.#impl instanceof Radix2))
      throw new RangeError(`Fft: bit-reversed transforms need a power-of-two length, not ${this.n}`);
    if (this.n > 1) this.#impl.forwardToBitReversed(re, im);
  }

  /** Power-of-two lengths only: unnormalised inverse of a bit-reversed spectrum, natural-order output. */
  inverseFromBitReversed(re: Float64Array, im: Float64Array): void {
    if (!(this.#impl instanceof Radix2))
      throw new RangeError(`Fft: bit-reversed transforms need a power-of-two length, not ${this.n}`);
    if (this.n > 1) this.#impl.ditFromBitReversed(re, im, 1);
  }

  /** Reorder a natural-order array pair into bit-reversed order (power-of-two lengths). */
  bitReverse(re: Float64Array, im: Float64Array): void {
    if (this.#impl instanceof Radix2) this.#impl.bitReverse(re, im);
  }

  /** In-place inverse transform without the 1/n normalisation (fold it into a multiplier when convolving). */
  inverseUnnormalised(re: Float64Array, im: Float64Array): void {
    if (this.n > 1) this.#impl.transform(re, im, 1);
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
