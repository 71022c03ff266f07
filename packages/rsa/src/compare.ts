/**
 * compareRdms: every rsatoolbox RDM comparator (rsatoolbox.rdm.compare), returning an nA × nB matrix of
 * similarities. NaN entries: when every RDM of `a` and `b` has its NaN at the same positions they are removed as
 * rsatoolbox does. Otherwise each pair of RDMs is compared on the entries that are present in both (pairwise-complete),
 * where rsatoolbox's count-only check would pair misaligned entries and return a plausible but wrong value.
 */
import { ConcordRangeError, checkChoice, crossProduct, Matrix, ParameterError } from '@concord/core';
import { buresMetric, buresSimilarity, prepareBures } from './bures.ts';
import { type SigmaK, whitenedComplete, whitenedWithMissing } from './cov-weighting.ts';
import { RSA_ERRORS } from './errors.ts';
import { rankForKendall, type TauStats, tauA, tauB, tauStats, tauStatsDirect } from './kendall.ts';
import { averageRanks } from './ranking.ts';
import { Rdms } from './rdms.ts';
import { generalizedWhitener, negRiemannianDistance, projectSigma, secondMomentFromFirst } from './riemann.ts';
import { checkedConditions } from './squareform.ts';

export const COMPARE_METHODS = [
  'cosine',
  'spearman',
  'corr',
  'kendall',
  'tau-b',
  'tau-a',
  'rho-a',
  'corr_cov',
  'cosine_cov',
  'neg_riem_dist',
  'bures',
  'bures_metric',
] as const;
export type CompareMethod = (typeof COMPARE_METHODS)[number];

export interface CompareOptions {
  method?: string;
  /**
   * Covariance of the pattern estimates for corr_cov / cosine_cov / neg_riem_dist: an nCond × nCond Matrix (full),
   * or per-condition variances (a vector, or a 1×nCond / nCond×1 Matrix), as rsatoolbox's 1-D sigma_k.
   */
  sigmaK?: Matrix | ArrayLike<number>;
}

interface Parsed {
  a: Matrix;
  b: Matrix;
  /** Conditions of the full RDMs. */
  n: number;
  /** Kept pairs (from the first RDM of `a`). */
  valid: Uint8Array;
  hasNan: boolean;
  sigma: SigmaK;
}

function vectorsOf(x: Rdms | Matrix | ArrayLike<number>, name: string): Matrix {
  if (x instanceof Rdms) return x.dissimilarities;
  if (x instanceof Matrix) return x.astype('float64');
  if (x && typeof (x as ArrayLike<number>).length === 'number') return Matrix.fromVector(x as ArrayLike<number>, true);
  throw new ParameterError(
    RSA_ERRORS.FORMAT,
    name,
    'expected Rdms, a Matrix of RDM vectors (one per row) or one vector',
  );
}

function dropNan(m: Matrix, name: string): { out: Matrix; nanCount: number } {
  const counts = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    const row = m.row(r);
    let c = 0;
    for (let k = 0; k < row.length; k++) if (Number.isNaN(row[k])) c++;
    counts[r] = c;
    if (c !== counts[0]) {
      throw new ConcordRangeError(
        RSA_ERRORS.NAN_POSITIONS,
        `${name}: RDM ${r} has ${c} NaN entries but RDM 0 has ${counts[0]}; all RDMs must have NaN at the same positions`,
        { field: name },
      );
    }
  }
  const nanCount = m.rows > 0 ? counts[0] : 0;
  if (nanCount === 0) return { out: m, nanCount };
  const out = Matrix.zeros(m.rows, m.cols - nanCount);
  for (let r = 0; r < m.rows; r++) {
    const row = m.row(r);
    let t = r * out.cols;
    for (let k = 0; k < row.length; k++) if (!Number.isNaN(row[k])) out.data[t++] = row[k];
  }
  return { out, nanCount };
}

function parseSigma(s: CompareOptions['sigmaK'], n: number): SigmaK {
  if (s === undefined) return { kind: 'none' };
  if (s instanceof Matrix) {
    if (s.rows === n && s.cols === n && n > 1) return { kind: 'full', matrix: s.astype('float64') };
    if ((s.rows === 1 && s.cols === n) || (s.cols === 1 && s.rows === n))
      return { kind: 'diag', values: Float64Array.from(s.data) };
    throw new ParameterError(
      RSA_ERRORS.NOISE,
      'sigmaK',
      `expected ${n}×${n} (full) or ${n} per-condition variances for RDMs of ${n} conditions, received ${s.rows}×${s.cols}`,
      {
        expected: [n, n],
        received: [s.rows, s.cols],
      },
    );
  }
  if (s.length !== n)
    throw new ParameterError(
      RSA_ERRORS.NOISE,
      'sigmaK',
      `expected ${n} per-condition variances, received ${s.length}`,
      { expected: n, received: s.length },
    );
  const values = Float64Array.from(s);
  if (values.some((v) => !(v > 0)))
    throw new ParameterError(RSA_ERRORS.NOISE, 'sigmaK', 'per-condition variances must be positive');
  return { kind: 'diag', values };
}

function checkedVectors(
  a: Rdms | Matrix | ArrayLike<number>,
  b: Rdms | Matrix | ArrayLike<number>,
): { va: Matrix; vb: Matrix; n: number } {
  const va = vectorsOf(a, 'a');
  const vb = vectorsOf(b, 'b');
  if (va.cols !== vb.cols) {
    throw new ConcordRangeError(
      RSA_ERRORS.VECTOR_LENGTH,
      `compareRdms: a has vectors of length ${va.cols} and b of length ${vb.cols}; RDMs must be over the same conditions (rsatoolbox: "rdm1 and rdm2 must be RDMs of equal shape")`,
      {
        field: 'b',
        expected: va.cols,
        received: vb.cols,
      },
    );
  }
  if (va.rows === 0 || vb.rows === 0)
    throw new ConcordRangeError(RSA_ERRORS.TOO_FEW_RDMS, 'compareRdms: received an empty set of RDMs', {
      field: va.rows === 0 ? 'a' : 'b',
    });
  return { va, vb, n: checkedConditions(va.cols, 'a') };
}

/** `a` and `b` whose RDMs all have their NaN entries at the same positions (rsatoolbox's case). */
function parseAligned(va: Matrix, vb: Matrix, n: number, sigmaK: CompareOptions['sigmaK']): Parsed {
  const valid = new Uint8Array(va.cols);
  for (let k = 0; k < va.cols; k++) valid[k] = Number.isNaN(va.data[k]) ? 0 : 1;
  const pa = dropNan(va, 'a');
  const pb = dropNan(vb, 'b');
  if (pa.out.cols !== pb.out.cols) {
    throw new ConcordRangeError(
      RSA_ERRORS.NAN_POSITIONS,
      `compareRdms: a has ${pa.nanCount} NaN entries per RDM and b has ${pb.nanCount}; rdm1 and rdm2 must have NaN at the same positions`,
      {
        field: 'b',
      },
    );
  }
  return { a: pa.out, b: pb.out, n, valid, hasNan: pa.nanCount > 0, sigma: parseSigma(sigmaK, n) };
}

/** Cosine between rows; a zero-length vector gives 0 (rsatoolbox _cosine). */
function cosineRows(a: Matrix, b: Matrix): Matrix {
  const na = rowNorms(a);
  const nb = rowNorms(b);
  const c = crossProduct(a, b);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      const k = i * b.rows + j;
      c.data[k] = na[i] > 0 && nb[j] > 0 ? c.data[k] / na[i] / nb[j] : 0;
    }
  }
  return c;
}

function rowNorms(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    const r = m.row(i);
    for (let k = 0; k < r.length; k++) s += r[k] * r[k];
    out[i] = Math.sqrt(s);
  }
  return out;
}

function centreRows(m: Matrix): Matrix {
  const out = m.clone();
  const p = m.cols;
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let k = 0; k < p; k++) s += out.data[i * p + k];
    const mean = s / p;
    for (let k = 0; k < p; k++) out.data[i * p + k] -= mean;
  }
  return out;
}

function rankRows(m: Matrix): Matrix {
  const out = Matrix.zeros(m.rows, m.cols);
  for (let i = 0; i < m.rows; i++) out.data.set(averageRanks(m.row(i)), i * m.cols);
  return out;
}

function pairwise<A, B>(
  p: Parsed,
  prepA: (v: Float64Array) => A,
  prepB: (v: Float64Array) => B,
  fn: (x: A, y: B) => number,
): Matrix {
  const xs = Array.from({ length: p.a.rows }, (_, i) => prepA(p.a.row(i) as Float64Array));
  const ys = Array.from({ length: p.b.rows }, (_, j) => prepB(p.b.row(j) as Float64Array));
  const out = Matrix.zeros(p.a.rows, p.b.rows);
  for (let i = 0; i < xs.length; i++)
    for (let j = 0; j < ys.length; j++) out.data[i * ys.length + j] = fn(xs[i], ys[j]);
  return out;
}

function requireComplete(p: Parsed, method: string): void {
  if (p.hasNan) {
    throw new ConcordRangeError(
      RSA_ERRORS.NAN_POSITIONS,
      `compareRdms(${method}): this method needs complete RDMs (no NaN entries); rsatoolbox gives no meaningful value here either`,
      { field: 'a' },
    );
  }
}

function covWeighted(p: Parsed, centre: boolean): Matrix {
  if (p.hasNan) {
    const a = centre ? centreRows(p.a) : p.a;
    const b = centre ? centreRows(p.b) : p.b;
    return cosineRows(whitenedWithMissing(a, p.n, p.valid, p.sigma), whitenedWithMissing(b, p.n, p.valid, p.sigma));
  }
  return cosineRows(whitenedComplete(p.a, p.n, p.sigma, centre), whitenedComplete(p.b, p.n, p.sigma, centre));
}

function sigmaMatrix(s: SigmaK, n: number): Matrix {
  if (s.kind === 'full') return s.matrix;
  const m = Matrix.identity(n);
  if (s.kind === 'diag') for (let i = 0; i < n; i++) m.data[i * n + i] = s.values[i];
  return m;
}

/**
 * Few pairs: sort each pair directly (fewest passes over memory). Many pairs: rank every vector once and reuse
 * the ranks for every pair.
 */
function kendallFamily(p: Parsed, tau: (s: TauStats) => number): Matrix {
  if (p.a.rows * p.b.rows <= p.a.rows + p.b.rows)
    return pairwise(
      p,
      (v) => v,
      (v) => v,
      (x, y) => tau(tauStatsDirect(x, y)),
    );
  return pairwise(p, rankForKendall, rankForKendall, (x, y) => tau(tauStats(x, y)));
}

const METHOD_TABLE: Record<CompareMethod, (p: Parsed) => Matrix> = {
  cosine: (p) => cosineRows(p.a, p.b),
  corr: (p) => cosineRows(centreRows(p.a), centreRows(p.b)),
  spearman: (p) => cosineRows(centreRows(rankRows(p.a)), centreRows(rankRows(p.b))),
  'rho-a': (p) => {
    const m = p.a.cols;
    const c = crossProduct(centreRows(rankRows(p.a)), centreRows(rankRows(p.b)));
    for (let k = 0; k < c.data.length; k++) c.data[k] = (c.data[k] / (m ** 3 - m)) * 12;
    return c;
  },
  kendall: (p) => kendallFamily(p, tauB),
  'tau-b': (p) => kendallFamily(p, tauB),
  'tau-a': (p) => kendallFamily(p, tauA),
  cosine_cov: (p) => covWeighted(p, false),
  corr_cov: (p) => covWeighted(p, true),
  neg_riem_dist: (p) => {
    requireComplete(p, 'neg_riem_dist');
    const sigmaHat = projectSigma(sigmaMatrix(p.sigma, p.n));
    return pairwise(
      p,
      (v) => ({ g: secondMomentFromFirst(v, p.n), i: 0 }),
      (v) => ({
        g: secondMomentFromFirst(v, p.n),
        w: generalizedWhitener(secondMomentFromFirst(v, p.n), 'an RDM of b'),
        i: 0,
      }),
      (x, y) => negRiemannianDistance(x.g, y.w, sigmaHat),
    );
  },
  bures: (p) => {
    requireComplete(p, 'bures');
    return pairwise(
      p,
      (v) => prepareBures(v, p.n),
      (v) => prepareBures(v, p.n),
      buresSimilarity,
    );
  },
  bures_metric: (p) => {
    requireComplete(p, 'bures_metric');
    return pairwise(
      p,
      (v) => prepareBures(v, p.n),
      (v) => prepareBures(v, p.n),
      buresMetric,
    );
  },
};

/**
 * Similarity of every RDM of `a` with every RDM of `b` (nA × nB). `a`/`b`: Rdms, a Matrix of RDM vectors (one
 * per row) or a single vector.
 */
export function compareRdms(
  a: Rdms | Matrix | ArrayLike<number>,
  b: Rdms | Matrix | ArrayLike<number>,
  opts: CompareOptions = {},
): Matrix {
  const method = checkChoice('method', opts.method ?? 'cosine', COMPARE_METHODS, RSA_ERRORS.UNKNOWN_METHOD);
  const { va, vb, n } = checkedVectors(a, b);
  if (sameNanPositions(va, vb)) return METHOD_TABLE[method](parseAligned(va, vb, n, opts.sigmaK));
  return pairwiseComplete(va, vb, n, (p) => METHOD_TABLE[method](p), opts.sigmaK);
}

/** Whether every RDM vector of `a` and `b` has NaN exactly where the first one of `a` has. */
function sameNanPositions(va: Matrix, vb: Matrix): boolean {
  const p = va.cols;
  const first = va.data;
  for (const m of [va, vb]) {
    const d = m.data;
    for (let r = 0; r < m.rows; r++)
      for (let k = 0; k < p; k++) if (Number.isNaN(d[r * p + k]) !== Number.isNaN(first[k])) return false;
  }
  return true;
}

/**
 * Every pair (i, j) compared on the entries present in both RDM i of `a` and RDM j of `b`, through the same method
 * table (the cov-weighted methods see that pair's pattern of missing entries).
 */
function pairwiseComplete(
  va: Matrix,
  vb: Matrix,
  n: number,
  compare: (p: Parsed) => Matrix,
  sigmaK: CompareOptions['sigmaK'],
): Matrix {
  const p = va.cols;
  const sigma = parseSigma(sigmaK, n);
  const out = Matrix.zeros(va.rows, vb.rows);
  const valid = new Uint8Array(p);
  for (let i = 0; i < va.rows; i++) {
    const x = va.row(i);
    for (let j = 0; j < vb.rows; j++) {
      const y = vb.row(j);
      let m = 0;
      for (let k = 0; k < p; k++) {
        valid[k] = Number.isNaN(x[k]) || Number.isNaN(y[k]) ? 0 : 1;
        m += valid[k];
      }
      if (m < 2) {
        throw new ConcordRangeError(
          RSA_ERRORS.NAN_POSITIONS,
          `compareRdms: RDM ${i} of a and RDM ${j} of b have ${m} entries that are not NaN in both (of ${p}); a comparison needs at least 2`,
          { field: 'b', expected: 2, received: m },
        );
      }
      const a1 = Matrix.zeros(1, m);
      const b1 = Matrix.zeros(1, m);
      for (let k = 0, t = 0; k < p; k++) {
        if (!valid[k]) continue;
        a1.data[t] = x[k];
        b1.data[t++] = y[k];
      }
      out.data[i * vb.rows + j] = compare({ a: a1, b: b1, n, valid: valid.slice(), hasNan: m < p, sigma }).data[0];
    }
  }
  return out;
}
