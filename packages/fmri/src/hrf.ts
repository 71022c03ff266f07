/**
 * The canonical double-gamma HRF as nilearn's `spm_hrf` builds it (`_gamma_difference_hrf`): time stamps
 * linspace(0, timeLength, round(timeLength / dt)) with dt = tr / oversampling; gamma pdfs with shape
 * delay/dispersion and undershoot/uDispersion, both shifted by loc = dt; peak − ratio·undershoot; normalised to
 * sum 1. Defaults: delay 6 s, undershoot 16 s, dispersions 1, onset 0, length 32 s, oversampling 50.
 * The ratio defaults to nilearn's 0.167; SPM's spm_hrf uses exactly 1/6 (pass `ratio: 1 / 6`).
 */

export interface HrfOptions {
  oversampling?: number;
  timeLength?: number;
  onset?: number;
  delay?: number;
  undershoot?: number;
  dispersion?: number;
  uDispersion?: number;
  ratio?: number;
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** scipy.stats.gamma.pdf(x, a, loc, scale). */
export function gammaPdf(x: number, a: number, loc = 0, scale = 1): number {
  const y = (x - loc) / scale;
  if (y < 0) return 0;
  if (y === 0) return a === 1 ? 1 / scale : a < 1 ? Number.POSITIVE_INFINITY : 0;
  return Math.exp((a - 1) * Math.log(y) - y - logGamma(a)) / scale;
}

/** numpy.linspace(start, stop, num) (endpoint included), with numpy's step arithmetic. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const div = num - 1;
  const step = (stop - start) / div;
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  out[num - 1] = stop;
  return out;
}

/** The HRF sampled every tr / oversampling seconds (nilearn `spm_hrf`). */
export function spmHrf(tr: number, opts: HrfOptions = {}): Float64Array {
  const oversampling = opts.oversampling ?? 50;
  const timeLength = opts.timeLength ?? 32;
  const onset = opts.onset ?? 0;
  const delay = opts.delay ?? 6;
  const undershoot = opts.undershoot ?? 16;
  const dispersion = opts.dispersion ?? 1;
  const uDispersion = opts.uDispersion ?? 1;
  const ratio = opts.ratio ?? 0.167;
  const dt = tr / oversampling;
  const t = linspace(0, timeLength, Math.round(timeLength / dt));
  const h = new Float64Array(t.length);
  let sum = 0;
  for (let i = 0; i < t.length; i++) {
    const ts = t[i] - onset;
    h[i] =
      gammaPdf(ts, delay / dispersion, dt, dispersion) -
      ratio * gammaPdf(ts, undershoot / uDispersion, dt, uDispersion);
    sum += h[i];
  }
  for (let i = 0; i < h.length; i++) h[i] /= sum;
  return h;
}
