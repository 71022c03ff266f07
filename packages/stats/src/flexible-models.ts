/**
 * Flexible models (rsatoolbox.model.model) and their fitters (rsatoolbox.model.fitter):
 * - ModelSelect: predicts one of several RDMs; fitSelect picks the one with the best mean comparison.
 * - ModelWeighted: a weighted sum of RDMs; fitted by non-negative least squares (fitRegressNn, rsatoolbox's
 *   Lawson–Hanson loop), by least squares (fitRegress) or by optimising the comparator itself (fitOptimize).
 * - ModelInterpolate: a point on the piecewise-linear path through its RDMs; fitInterpolate minimises the loss on
 *   each segment (bounded scalar minimisation).
 * Fitting is against the pooled data RDM (regressions) or the mean comparison (optimisation), over the conditions
 * `patternIdx` (repeats allowed, as in a bootstrap sample).
 *
 * Deviations, both unavoidable: fitOptimize starts from seeded random points (core Rng; rsatoolbox: np.random) and
 * uses Nelder–Mead (rsatoolbox: BFGS with numerical gradients), so it finds the same optimum, not the same bits;
 * fitInterpolate scans a grid of 201 weights then refines by golden-section search to 1e-10 (scipy's bounded Brent
 * stops at xatol 1e-5 and, on rank-based losses, which are step functions, at whichever step it meets first).
 */
import { checkChoice, inverse, Matrix, ParameterError, Rng } from '@concord/core';
import { compareRdms, poolRdms, Rdms } from '@concord/rsa';
import { STATS_ERRORS } from './errors.ts';
import { subsamplePatternVector } from './expanded-sample.ts';
import type { FitOptions, Model } from './models.ts';

function rdmRows(rdms: Rdms | Matrix, parameter: string): { rows: Float64Array[]; nCond: number } {
  const r = rdms instanceof Rdms ? rdms : new Rdms(rdms);
  if (r.nRdms < 1) throw new ParameterError(STATS_ERRORS.MODEL, parameter, 'expected at least one RDM');
  return { rows: Array.from({ length: r.nRdms }, (_, i) => Float64Array.from(r.getVector(i))), nCond: r.nCond };
}

/** A prediction restricted to the conditions `patternIdx` (sorted, repeats → NaN pairs), as subsample_pattern. */
export function predictionOver(
  v: Float64Array,
  nCond: number,
  patternIdx: ArrayLike<number> | undefined,
): Float64Array {
  if (patternIdx === undefined) return v;
  const sel = Int32Array.from(patternIdx).sort();
  const out = new Float64Array((sel.length * (sel.length - 1)) / 2);
  subsamplePatternVector(v, nCond, sel, out);
  return out;
}

function meanCompare(pred: Float64Array, data: Rdms, method: string): number {
  const c = compareRdms(pred, data, { method }).data;
  let s = 0;
  for (let i = 0; i < c.length; i++) s += c[i];
  return s / c.length;
}

abstract class RdmSetModel implements Model {
  readonly nCond: number;
  readonly nParam: number;
  protected readonly rdms: Float64Array[];
  constructor(
    readonly name: string,
    rdms: Rdms | Matrix,
  ) {
    const r = rdmRows(rdms, 'rdms');
    this.rdms = r.rows;
    this.nCond = r.nCond;
    this.nParam = r.rows.length;
  }
  protected checkTheta(theta: ArrayLike<number>): void {
    if (theta.length !== this.rdms.length)
      throw new ParameterError(
        STATS_ERRORS.MODEL,
        'theta',
        `${this.name}: expected ${this.rdms.length} weights; received ${theta.length}`,
      );
  }
  protected weighted(theta: ArrayLike<number>, clamp: boolean): Float64Array {
    this.checkTheta(theta);
    const out = new Float64Array(this.rdms[0].length);
    this.rdms.forEach((v, i) => {
      const t = clamp ? Math.max(theta[i], 0) : theta[i];
      for (let k = 0; k < out.length; k++) out[k] += t * v[k];
    });
    return out;
  }
  /** The model's RDMs over `patternIdx`, one per row. */
  basis(patternIdx?: ArrayLike<number>): Float64Array[] {
    return this.rdms.map((v) => predictionOver(v, this.nCond, patternIdx));
  }
  abstract predictRdm(theta?: ArrayLike<number>): Float64Array;
  abstract fit(data: Rdms, opts: FitOptions): Float64Array;
}

/** rsatoolbox ModelSelect: θ = [index of the RDM]. */
export class ModelSelect extends RdmSetModel {
  override readonly nParam = 1;
  predictRdm(theta: ArrayLike<number> = [0]): Float64Array {
    const i = theta[0];
    if (!(Number.isInteger(i) && i >= 0 && i < this.rdms.length))
      throw new ParameterError(
        STATS_ERRORS.MODEL,
        'theta',
        `${this.name}: expected an RDM index in [0, ${this.rdms.length}); received ${i}`,
      );
    return this.rdms[i];
  }
  fit(data: Rdms, opts: FitOptions): Float64Array {
    return fitSelect(this, data, opts);
  }
  get nRdm(): number {
    return this.rdms.length;
  }
}

/** rsatoolbox ModelWeighted: Σ θ_i·RDM_i (default θ = 1); default fitter here: non-negative least squares. */
export class ModelWeighted extends RdmSetModel {
  predictRdm(theta?: ArrayLike<number>): Float64Array {
    return this.weighted(theta ?? new Float64Array(this.rdms.length).fill(1), false);
  }
  fit(data: Rdms, opts: FitOptions): Float64Array {
    return fitRegressNn(this, data, opts);
  }
}

/** rsatoolbox ModelInterpolate: Σ max(θ_i, 0)·RDM_i (predict_rdm's default θ = 1, as rsatoolbox's). */
export class ModelInterpolate extends RdmSetModel {
  predictRdm(theta?: ArrayLike<number>): Float64Array {
    return this.weighted(theta ?? new Float64Array(this.rdms.length).fill(1), true);
  }
  fit(data: Rdms, opts: FitOptions): Float64Array {
    return fitInterpolate(this, data, opts);
  }
}

/** rsatoolbox fit_select: the RDM whose prediction has the best mean comparison with the data (first on ties). */
export function fitSelect(model: ModelSelect, data: Rdms, opts: FitOptions): Float64Array {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < model.nRdm; i++) {
    const v = meanCompare(predictionOver(model.predictRdm([i]), model.nCond, opts.patternIdx), data, opts.method);
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return Float64Array.of(best);
}

const REGRESS_METHODS = ['cosine', 'corr'] as const;

/** Design (pairs × params) and target (the pooled data RDM) for the regressions, NaN pairs dropped. */
function regression(model: RdmSetModel, data: Rdms, opts: FitOptions): { A: Float64Array[]; y: Float64Array } {
  const method = checkChoice('method', opts.method, REGRESS_METHODS, STATS_ERRORS.UNKNOWN_METHOD);
  const basis = model.basis(opts.patternIdx);
  const pooled = poolRdms(data, method).getVector(0);
  if (pooled.length !== basis[0].length)
    throw new ParameterError(
      STATS_ERRORS.CONDITIONS,
      'data',
      `expected RDMs with ${basis[0].length} pairs (the model over patternIdx); received ${pooled.length}`,
    );
  const keep: number[] = [];
  for (let k = 0; k < pooled.length; k++) if (!Number.isNaN(basis[0][k])) keep.push(k);
  const A = basis.map((v) => Float64Array.from(keep, (k) => v[k]));
  if (method === 'corr')
    for (const a of A) {
      const m = a.reduce((s, x) => s + x, 0) / a.length;
      for (let k = 0; k < a.length; k++) a[k] -= m;
    }
  return { A, y: Float64Array.from(keep, (k) => pooled[k]) };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

function normalised(theta: Float64Array): Float64Array {
  const norm = dot(theta, theta);
  return norm === 0 ? theta : theta.map((t) => t / Math.sqrt(norm));
}

/** Solve G[p][:,p] x = b[p] for the indices `p`. */
function solveSub(G: Matrix, b: Float64Array, p: number[]): Float64Array {
  const sub = new Matrix(p.length, p.length, Float64Array.from(p.flatMap((i) => p.map((j) => G.get(i, j)))));
  const inv = inverse(sub);
  return Float64Array.from(p, (_, r) => p.reduce((s, j, c) => s + inv.get(r, c) * b[j], 0));
}

/**
 * rsatoolbox fit_regress_nn (cosine, corr): non-negative least squares of the pooled data RDM on the model's RDMs
 * (Lawson–Hanson as rsatoolbox's _nn_least_squares), optional ridge, θ normalised to unit length.
 */
export function fitRegressNn(
  model: RdmSetModel,
  data: Rdms,
  opts: FitOptions & { ridgeWeight?: number; normalize?: boolean },
): Float64Array {
  const { A, y } = regression(model, data, opts);
  const n = A.length;
  const G = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) G.set(i, j, dot(A[i], A[j]) + (i === j ? (opts.ridgeWeight ?? 0) : 0));
  const Aty = Float64Array.from(A, (a) => dot(a, y));
  const x = new Float64Array(n);
  const inP = new Array<boolean>(n).fill(false);
  let w = Float64Array.from(Aty);
  const eps = 100 * 2.220446049250313e-16;
  for (let guard = 0; Math.max(...w) > eps && guard < 10 * n + 10; guard++) {
    let arg = 0;
    for (let i = 1; i < n; i++) if (w[i] > w[arg]) arg = i;
    inP[arg] = true;
    let p = inP.flatMap((v, i) => (v ? [i] : []));
    let s = solveSub(G, Aty, p);
    while (s.some((v) => v < 0)) {
      let alpha = Number.POSITIVE_INFINITY;
      let at = -1;
      p.forEach((i, k) => {
        const a = s[k] > 0 ? 1 : x[i] / (x[i] - s[k]);
        if (a < alpha) {
          alpha = a;
          at = k;
        }
      });
      p.forEach((i, k) => {
        x[i] += alpha * (s[k] - x[i]);
      });
      x[p[at]] = 0;
      inP[p[at]] = false;
      p = inP.flatMap((v, i) => (v ? [i] : []));
      s = solveSub(G, Aty, p);
    }
    p.forEach((i, k) => {
      x[i] = s[k];
    });
    w = Float64Array.from(Aty, (v, i) => v - dot(G.row(i), x));
  }
  return opts.normalize === false ? x : normalised(x);
}

/** rsatoolbox fit_regress (cosine, corr): least squares (optional ridge), θ normalised to unit length. */
export function fitRegress(
  model: RdmSetModel,
  data: Rdms,
  opts: FitOptions & { ridgeWeight?: number; normalize?: boolean },
): Float64Array {
  const { A, y } = regression(model, data, opts);
  const n = A.length;
  const G = Matrix.zeros(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) G.set(i, j, dot(A[i], A[j]) + (i === j ? (opts.ridgeWeight ?? 0) : 0));
  const theta = solveSub(
    G,
    Float64Array.from(A, (a) => dot(a, y)),
    Array.from({ length: n }, (_, i) => i),
  );
  return opts.normalize === false ? theta : normalised(theta);
}

function loss(model: Model, theta: ArrayLike<number>, data: Rdms, opts: FitOptions, ridge = 0): number {
  const pred = predictionOver(model.predictRdm(theta), model.nCond, opts.patternIdx);
  return -meanCompare(pred, data, opts.method) + ridge * dot(theta, theta);
}

/** Golden-section minimisation of f on [a, b] to `tol`. */
function goldenSection(f: (x: number) => number, a: number, b: number, tol = 1e-10): { x: number; fun: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tol) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const x = (a + b) / 2;
  return { x, fun: f(x) };
}

/** rsatoolbox fit_interpolate: the best point w·RDM_i + (1−w)·RDM_{i+1}, w ∈ [0, 1], over all segments. */
export function fitInterpolate(model: ModelInterpolate, data: Rdms, opts: FitOptions): Float64Array {
  let best: { i: number; x: number; fun: number } | undefined;
  for (let i = 0; i + 1 < model.nParam; i++) {
    const theta = (w: number) => {
      const t = new Float64Array(model.nParam);
      t[i] = w;
      t[i + 1] = 1 - w;
      return t;
    };
    // a grid first (rank-based losses are step functions with many local minima), then refine around its best
    const f = (w: number) => loss(model, theta(w), data, opts);
    const grid = 200;
    let at = 0;
    let atValue = Number.POSITIVE_INFINITY;
    for (let g = 0; g <= grid; g++) {
      const v = f(g / grid);
      if (v < atValue) {
        atValue = v;
        at = g;
      }
    }
    const r = goldenSection(f, Math.max(0, (at - 1) / grid), Math.min(1, (at + 1) / grid));
    if (!best || r.fun < best.fun) best = { i, ...r };
  }
  const out = new Float64Array(model.nParam);
  if (!best)
    throw new ParameterError(STATS_ERRORS.MODEL, 'model', `${model.name}: interpolation needs at least 2 RDMs`);
  out[best.i] = best.x;
  out[best.i + 1] = 1 - best.x;
  return out;
}

/** Nelder–Mead minimisation (standard coefficients) from `x0`. */
function nelderMead(
  f: (x: Float64Array) => number,
  x0: Float64Array,
  maxIter = 400 * x0.length,
  tol = 1e-10,
): { x: Float64Array; fun: number } {
  const n = x0.length;
  let simplex = [Float64Array.from(x0)];
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(x0);
    p[i] = p[i] !== 0 ? p[i] * 1.05 : 0.00025;
    simplex.push(p);
  }
  let values = simplex.map(f);
  for (let it = 0; it < maxIter; it++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    if (Math.abs(values[n] - values[0]) <= tol) break;
    const centroid = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) centroid[k] += simplex[i][k] / n;
    const at = (t: number) => centroid.map((c, k) => c + t * (simplex[n][k] - c));
    const xr = at(-1);
    const fr = f(xr);
    if (fr < values[0]) {
      const xe = at(-2);
      const fe = f(xe);
      [simplex[n], values[n]] = fe < fr ? [xe, fe] : [xr, fr];
    } else if (fr < values[n - 1]) [simplex[n], values[n]] = [xr, fr];
    else {
      const xc = fr < values[n] ? at(-0.5) : at(0.5);
      const fcv = f(xc);
      if (fcv < Math.min(fr, values[n])) [simplex[n], values[n]] = [xc, fcv];
      else
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i].map((v, k) => simplex[0][k] + 0.5 * (v - simplex[0][k]));
          values[i] = f(simplex[i]);
        }
    }
  }
  let b = 0;
  for (let i = 1; i <= n; i++) if (values[i] < values[b]) b = i;
  return { x: simplex[b], fun: values[b] };
}

/**
 * rsatoolbox fit_optimize: maximise the mean comparison (any comparator) from 2·nParam seeded random starts,
 * optional ridge, θ normalised to unit length.
 */
export function fitOptimize(
  model: Model,
  data: Rdms,
  opts: FitOptions & { ridgeWeight?: number; normalize?: boolean; seed?: number },
): Float64Array {
  const rng = new Rng(opts.seed ?? 0);
  let best: { x: Float64Array; fun: number } | undefined;
  for (let s = 0; s < 2 * model.nParam; s++) {
    const x0 = rng.fillUniform(new Float64Array(model.nParam));
    const r = nelderMead((t) => loss(model, t, data, opts, opts.ridgeWeight ?? 0), x0);
    if (!best || r.fun < best.fun) best = r;
  }
  const theta = best ? best.x : new Float64Array(model.nParam);
  return opts.normalize === false ? theta : normalised(theta);
}
