/**
 * Centered kernel alignment (Kornblith, Norouzi, Lee & Hinton 2019) and its debiased form (Song et al. 2012 unbiased
 * HSIC; Nguyen, Raghu & Kornblith 2021).
 */
import {
  centerColumns,
  checkChoice,
  columnMeans,
  type DType,
  doubleCenter,
  gram,
  gramT,
  type Matrix,
  matmul,
  withScratchFloat64,
} from '@concord/core';
import { badOption, constantFeatures, nonFiniteIntermediate, SIMILARITY_ERROR_CODES } from './errors.ts';
import {
  frobeniusInner,
  RBF_MEDIANS,
  type RbfMedian,
  rbfKernel,
  symmetricInnerTriplet,
  unbiasedTripletSymmetric,
} from './kernels.ts';
import { ldexp, maxAbs, normalisingExponent, scaleByPowerOfTwo } from './power-of-two-scale.ts';
import {
  asMatrix,
  booleanOption,
  checkPair,
  checkVariance,
  positiveNumber,
  type Representation,
  type SimilarityResult,
} from './result.ts';

export type CkaKernel = 'linear' | 'rbf';
export const CKA_KERNELS: readonly CkaKernel[] = ['linear', 'rbf'];

export interface CkaOptions {
  /** 'linear' (default) or 'rbf'. */
  kernel?: CkaKernel;
  /** Use the unbiased HSIC estimator (needs ≥ 4 examples). Default false. */
  debiased?: boolean;
  /** RBF: σ = threshold · √(median squared distance) (Kornblith et al.). Default 0.8. */
  threshold?: number;
  /** RBF: a fixed bandwidth for both sides instead of the median heuristic. */
  sigma?: number;
  /** RBF median convention (see kernels.ts); default 'full', as Kornblith et al.'s reference code. */
  median?: RbfMedian;
  /**
   * Linear kernel: compute in feature space (p×q and p×p products, no n×n matrix) or Gram space (two n×n matrices);
   * default 'auto' picks the one with fewer flops (see details.route). Same value either way.
   */
  route?: 'auto' | 'feature' | 'gram';
  /**
   * Linear kernel: element type of the centred copies and the products. 'float64' (default) matches numpy/rsatoolbox
   * to ~1e-15; 'float32' halves memory and roughly doubles BLAS speed for big activations, at ~1e-6 relative accuracy
   * (inner products of the products are still accumulated in float64).
   */
  precision?: DType;
}

/** ‖A‖²_F of the p×p or n×n Gram matrix of centred X, whichever is cheaper (both are equal). */
function gramNormSquared(xc: Matrix): number {
  const g = xc.cols <= xc.rows ? gramT(xc) : gram(xc);
  return frobeniusInner(g.data, g.data);
}

/** Floating-point operations of the feature-space and Gram-space routes of linear CKA. */
function linearCosts(n: number, p: number, q: number): { feature: number; gram: number } {
  const norm = (d: number) => Math.min(n * d * d, n * n * d);
  return { feature: 2 * n * p * q + norm(p) + norm(q), gram: n * n * (p + q) };
}

/**
 * X with its column means removed, then multiplied by 2^−exponent so that its largest |value| lies in [0.5, 1):
 * CKA is invariant to isotropic scaling, and a power of two rescales exactly, so this changes no digit of the result
 * while keeping every product away from overflow (inputs near 1e150, float32 near 1e30) and underflow (1e-200).
 * `into` receives the copy (e.g. a scratch buffer).
 */
function centredNormalised(
  x: Matrix,
  precision: DType,
  side: string,
  into?: Float64Array,
): { xc: Matrix; exponent: number } {
  const xc = centerColumns(x, precision, into);
  const largest = maxAbs(xc.data, `cka: ${side} after centring`);
  if (largest === 0) throw constantFeatures('cka', side, `${x.rows}×${x.cols}`);
  const exponent = normalisingExponent(largest);
  scaleByPowerOfTwo(xc.data, -exponent);
  return { xc, exponent };
}

/**
 * The HSIC terms of the normalised data, checked (anything non-finite is an error, never a CKA of 0 or NaN), and
 * the same terms in the units of the inputs for `details` (linear kernel: HSIC(X, Y) scales with s_X²·s_Y²).
 */
function checkedTerms(
  h: { xy: number; xx: number; yy: number },
  ex: number,
  ey: number,
  scale: number,
): { xy: number; xx: number; yy: number } {
  for (const [name, v] of Object.entries(h))
    if (!Number.isFinite(v)) throw nonFiniteIntermediate('cka', `HSIC term ${name}`, v);
  return {
    xy: ldexp(h.xy * scale, 2 * ex + 2 * ey),
    xx: ldexp(h.xx * scale, 4 * ex),
    yy: ldexp(h.yy * scale, 4 * ey),
  };
}

function linearBiased(x: Matrix, y: Matrix, forced: 'auto' | 'feature' | 'gram', precision: DType): SimilarityResult {
  const n = x.rows;
  const { xc, exponent: ex } = centredNormalised(x, precision, 'X');
  const { xc: yc, exponent: ey } = centredNormalised(y, precision, 'Y');
  const costs = linearCosts(n, x.cols, y.cols);
  let xy: number;
  let xx: number;
  let yy: number;
  let route: 'feature' | 'gram';
  if (forced === 'feature' || (forced === 'auto' && costs.feature <= costs.gram)) {
    route = 'feature';
    const c = matmul(xc, yc, { transA: true });
    xy = frobeniusInner(c.data, c.data);
    xx = gramNormSquared(xc);
    yy = gramNormSquared(yc);
  } else {
    route = 'gram';
    ({ xy, xx, yy } = symmetricInnerTriplet(gram(xc), gram(yc)));
  }
  const hsic = checkedTerms({ xy, xx, yy }, ex, ey, 1 / ((n - 1) * (n - 1)));
  if (xx === 0) throw constantFeatures('cka', 'X', `${x.rows}×${x.cols}`);
  if (yy === 0) throw constantFeatures('cka', 'Y', `${y.rows}×${y.cols}`);
  return {
    metric: 'cka',
    value: xy / Math.sqrt(xx * yy),
    details: {
      kernel: 'linear',
      debiased: false,
      route,
      hsicXY: hsic.xy,
      hsicXX: hsic.xx,
      hsicYY: hsic.yy,
      n,
    },
  };
}

/** Whether X's column means are small next to its spread: ‖X − 1μᵀ‖² ≥ 1% of ‖X‖² (trace of its Gram matrix g). */
function smallOffset(x: Matrix, g: Matrix): boolean {
  const n = x.rows;
  let raw = 0;
  for (let i = 0; i < n; i++) raw += g.data[i * n + i];
  const mean = columnMeans(x);
  let offset = 0;
  for (let j = 0; j < mean.length; j++) offset += mean[j] * mean[j];
  return raw - n * offset >= 0.01 * raw;
}

/** Row squared norms of X and their total. */
function rowNorms(xc: Matrix): { rows: Float64Array; total: number } {
  const rows = new Float64Array(xc.rows);
  let total = 0;
  for (let i = 0; i < xc.rows; i++) {
    let s = 0;
    const off = i * xc.cols;
    for (let j = 0; j < xc.cols; j++) s += xc.data[off + j] ** 2;
    rows[i] = s;
    total += s;
  }
  return { rows, total };
}

/**
 * Debiased linear CKA. Gram route: U-centred X·Xᵀ and Y·Yᵀ. Feature route (Kornblith et al.'s
 * feature_space_linear_cka(debiased=True)): n(n−3)·HSIC₁ = ‖XᵀY‖²_F − n/(n−2)·Σ_i|x_i|²|y_i|² + ‖X‖²_F‖Y‖²_F/((n−1)(n−2))
 * on centred data, which needs no n×n matrix. 'auto' takes the feature route only when it saves at least half the flops
 * (the Gram route cancels less).
 */
function linearDebiased(x: Matrix, y: Matrix, forced: 'auto' | 'feature' | 'gram', precision: DType): SimilarityResult {
  const n = x.rows;
  const costs = linearCosts(n, x.cols, y.cols);
  const route = forced === 'auto' ? (2 * costs.feature < costs.gram ? 'feature' : 'gram') : forced;
  let h: { xy: number; xx: number; yy: number };
  const exponents = { X: 0, Y: 0 };
  if (route === 'gram') {
    // U-centring removes a column offset exactly (X·Xᵀ changes by a·1ᵀ + 1·aᵀ + c·11ᵀ), so float64 data of a
    // moderate scale whose offset is small next to its spread (centred energy ≥ 1% of raw) need no centred copy: as
    // Kornblith et al.'s code does. Otherwise each centred, normalised copy is written into a scratch buffer and only
    // feeds its Gram matrix. In float64 the two n×n Gram matrices are temporaries too, in scratch buffers.
    const centredGram = (m: Matrix, side: 'X' | 'Y', into?: Float64Array) => {
      if (precision === 'float64' && m.dtype === 'float64') {
        const largest = maxAbs(m.data, `cka: ${side}`);
        if (largest >= RAW_GRAM_RANGE[0] && largest <= RAW_GRAM_RANGE[1]) {
          const g = gram(m, into);
          if (smallOffset(m, g)) return g;
        }
        return withScratchFloat64(m.rows * m.cols, (s) => {
          const { xc, exponent } = centredNormalised(m, 'float64', side, s);
          exponents[side] = exponent;
          return gram(xc, into);
        });
      }
      const { xc, exponent } = centredNormalised(m, precision, side);
      exponents[side] = exponent;
      return gram(xc);
    };
    h =
      precision === 'float64'
        ? withScratchFloat64(n * n, (gx) =>
            withScratchFloat64(n * n, (gy) =>
              unbiasedTripletSymmetric(centredGram(x, 'X', gx), centredGram(y, 'Y', gy)),
            ),
          )
        : unbiasedTripletSymmetric(centredGram(x, 'X'), centredGram(y, 'Y'));
  } else {
    const { xc, exponent: ex } = centredNormalised(x, precision, 'X');
    const { xc: yc, exponent: ey } = centredNormalised(y, precision, 'Y');
    exponents.X = ex;
    exponents.Y = ey;
    const c = matmul(xc, yc, { transA: true });
    const rx = rowNorms(xc);
    const ry = rowNorms(yc);
    const helper = (dot: number, a: typeof rx, b: typeof ry) =>
      dot - (n / (n - 2)) * frobeniusInner(a.rows, b.rows) + (a.total * b.total) / ((n - 1) * (n - 2));
    const f = 1 / (n * (n - 3));
    h = {
      xy: helper(frobeniusInner(c.data, c.data), rx, ry) * f,
      xx: helper(gramNormSquared(xc), rx, rx) * f,
      yy: helper(gramNormSquared(yc), ry, ry) * f,
    };
  }
  const reported = checkedTerms(h, exponents.X, exponents.Y, 1);
  return debiasedResult(h, reported, { kernel: 'linear', debiased: true, route, n });
}

/**
 * Largest |value| of float64 data whose raw Gram matrix is formed without a normalised copy: 2^±100 keeps the
 * fourth powers the HSIC terms reach (n²·p²·max⁴) far inside the float64 range.
 */
const RAW_GRAM_RANGE = [2 ** -100, 2 ** 100] as const;

/** `h`: the unbiased HSIC terms the CKA is formed from; `reported`: the same in the inputs' units (details). */
function debiasedResult(
  h: { xy: number; xx: number; yy: number },
  reported: { xy: number; xx: number; yy: number },
  base: Record<string, unknown>,
): SimilarityResult {
  const details: Record<string, unknown> = {
    ...base,
    hsicXY: reported.xy,
    hsicXX: reported.xx,
    hsicYY: reported.yy,
  };
  if (!(h.xx > 0 && h.yy > 0)) {
    details.reason = `an unbiased self-HSIC estimate is not positive (X: ${reported.xx}, Y: ${reported.yy}); the debiased CKA is undefined`;
    return { metric: 'cka', value: Number.NaN, details };
  }
  return { metric: 'cka', value: h.xy / Math.sqrt(h.xx * h.yy), details };
}

/**
 * CKA between X (n×p) and Y (n×q): rows are examples, columns features (p and q may differ).
 * value = HSIC(K, L)/√(HSIC(K, K)·HSIC(L, L)); 1 for identical representations.
 * Debiased CKA can be NaN when an unbiased self-HSIC estimate is ≤ 0 (possible for very few examples); details.reason says so.
 */
export function cka(xIn: Representation, yIn: Representation, opts: CkaOptions = {}): SimilarityResult {
  const x = asMatrix(xIn, 'X');
  const y = asMatrix(yIn, 'Y');
  const kernel = checkChoice('kernel', opts.kernel ?? 'linear', CKA_KERNELS, SIMILARITY_ERROR_CODES.unknownMetric);
  const debiased = booleanOption('debiased', opts.debiased, false);
  if (opts.median !== undefined) checkChoice('median', opts.median, RBF_MEDIANS, SIMILARITY_ERROR_CODES.badOption);
  if (opts.sigma !== undefined) positiveNumber('sigma', opts.sigma, 1);
  const threshold = positiveNumber('threshold', opts.threshold, 0.8);
  if (kernel === 'linear' && (opts.sigma !== undefined || opts.threshold !== undefined)) {
    // sigma/threshold only mean something for the RBF kernel; accepting them silently would hide a typo
    throw badOption(
      opts.sigma !== undefined ? 'sigma' : 'threshold',
      "applies to kernel 'rbf' only",
      opts.sigma ?? opts.threshold,
    );
  }
  checkPair(debiased ? 'debiased cka' : 'cka', x, y, debiased ? 4 : 2);
  checkVariance('cka', 'X', x);
  checkVariance('cka', 'Y', y);
  const route = checkChoice(
    'route',
    opts.route ?? 'auto',
    ['auto', 'feature', 'gram'] as const,
    SIMILARITY_ERROR_CODES.badOption,
  );
  const precision = checkChoice(
    'precision',
    opts.precision ?? 'float64',
    ['float64', 'float32'] as const,
    SIMILARITY_ERROR_CODES.badOption,
  );
  if (kernel === 'linear') {
    const r = debiased ? linearDebiased(x, y, route, precision) : linearBiased(x, y, route, precision);
    if (precision === 'float32') r.details.precision = 'float32';
    return r;
  }
  if (precision !== 'float64') throw badOption('precision', 'float32 applies to the linear kernel only', precision);

  const rx = rbfOfNormalised(x, 'X', { ...opts, threshold });
  const ry = rbfOfNormalised(y, 'Y', { ...opts, threshold });
  const base = {
    kernel,
    debiased,
    n: x.rows,
    sigmaX: rx.sigma,
    sigmaY: ry.sigma,
    threshold: opts.sigma !== undefined ? null : threshold,
    median: opts.median ?? 'full',
  };
  if (debiased) {
    const h = unbiasedTripletSymmetric(rx.kernel, ry.kernel);
    return debiasedResult(h, checkedTerms(h, 0, 0, 1), base);
  }
  const h = symmetricInnerTriplet(
    doubleCenter(rx.kernel, { inPlace: true }),
    doubleCenter(ry.kernel, { inPlace: true }),
  );
  const hsic = checkedTerms(h, 0, 0, 1 / ((x.rows - 1) * (x.rows - 1)));
  return {
    metric: 'cka',
    value: h.xy / Math.sqrt(h.xx * h.yy),
    details: { ...base, hsicXY: hsic.xy, hsicXX: hsic.xx, hsicYY: hsic.yy },
  };
}

/**
 * The RBF kernel of X. With the median heuristic the kernel does not depend on X's scale, so X is first brought to
 * a largest |value| in [0.5, 1) by a power of two (exact): squared distances of data near 1e150 would overflow. The
 * bandwidth is reported in X's own units. A fixed sigma is in X's units, so X is used as given.
 */
function rbfOfNormalised(
  x: Matrix,
  side: string,
  opts: { sigma?: number; threshold?: number; median?: RbfMedian },
): { kernel: Matrix; sigma: number } {
  if (opts.sigma !== undefined) {
    const r = rbfKernel(x, opts);
    maxAbs(r.kernel.data, `cka: RBF kernel of ${side}`);
    return r;
  }
  const copy = x.dtype === 'float64' ? x.clone() : x.astype('float64');
  const exponent = normalisingExponent(maxAbs(copy.data, `cka: ${side}`));
  scaleByPowerOfTwo(copy.data, -exponent);
  const r = rbfKernel(copy, opts);
  return { kernel: r.kernel, sigma: ldexp(r.sigma, exponent) };
}
