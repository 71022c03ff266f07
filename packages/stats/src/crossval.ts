/**
 * Cross-validation over conditions and subjects (rsatoolbox inference/crossvalsets.py sets_k_fold, evaluate.py
 * crossval / bootstrap_crossval, noise_ceiling.py cv_noise_ceiling), for fixed and flexible models.
 *
 * sets_k_fold semantics: the distinct subjects are shuffled and cut into kRdm groups of ⌊n/k⌋, the first n mod k
 * groups taking one more from the end of the shuffled list; within each subject fold's training subjects the
 * distinct conditions are shuffled and cut into kPattern groups the same way. k = 1 means no split (train = test).
 * The ceiling set is the training subjects over the test conditions. Shuffles come from core's seeded Rng, or are
 * given (`permutations`, in the order rsatoolbox draws them) to replay a run. Conditions are grouped by 'index'.
 */
import { Matrix, ParameterError, type ProgressOptions, ProgressReporter, Rng } from '@concord/core';
import { compareRdms, poolRdms, Rdms } from '@concord/rsa';
import { type BootstrapDraw, checkDraws, distinctCount, drawBootstrapSamples } from './bootstrap-sample.ts';
import { STATS_ERRORS } from './errors.ts';
import { EvaluationResult } from './evaluation-result.ts';
import { bootNoiseCeiling } from './expanded-sample.ts';
import { predictionOver } from './flexible-models.ts';
import { asModels, type Model } from './models.ts';

/** RDMs over conditions that may repeat (a bootstrap sample), remembering each row's subject and each position's condition. */
export class SampleRdms {
  constructor(
    readonly rows: Float64Array[],
    /** Subject (original RDM group) of every row. */
    readonly subjects: number[],
    /** Original condition of every position (sorted in bootstrap samples; repeats allowed). */
    readonly conds: number[],
  ) {}

  static of(data: Rdms): SampleRdms {
    return new SampleRdms(
      Array.from({ length: data.nRdms }, (_, i) => Float64Array.from(data.getVector(i))),
      Array.from({ length: data.nRdms }, (_, i) => i),
      Array.from({ length: data.nCond }, (_, i) => i),
    );
  }

  /** rsatoolbox subset_pattern: the positions whose condition is in `values`, in their order. */
  subsetPattern(values: readonly number[]): SampleRdms {
    const set = new Set(values);
    const n = this.conds.length;
    const keep = this.conds.flatMap((c, i) => (set.has(c) ? [i] : []));
    const rows = this.rows.map((v) => {
      const out = new Float64Array((keep.length * (keep.length - 1)) / 2);
      let k = 0;
      for (let a = 0; a < keep.length; a++)
        for (let b = a + 1; b < keep.length; b++) {
          const i = keep[a];
          const j = keep[b];
          out[k++] = v[i * n - (i * (i + 1)) / 2 + (j - i - 1)];
        }
      return out;
    });
    return new SampleRdms(
      rows,
      this.subjects,
      keep.map((i) => this.conds[i]),
    );
  }

  /** rsatoolbox subsample (by subject): every row of each listed subject, in list order. */
  subsample(subjects: readonly number[]): SampleRdms {
    const rows: Float64Array[] = [];
    const ids: number[] = [];
    for (const s of subjects)
      this.subjects.forEach((id, r) => {
        if (id === s) {
          rows.push(this.rows[r]);
          ids.push(id);
        }
      });
    return new SampleRdms(rows, ids, this.conds);
  }

  get nRdm(): number {
    return this.rows.length;
  }
  get nCond(): number {
    return this.conds.length;
  }
  toRdms(): Rdms {
    return new Rdms(
      new Matrix(
        this.rows.length,
        this.rows[0]?.length ?? 0,
        Float64Array.from(this.rows.flatMap((r) => Array.from(r))),
      ),
    );
  }
}

export interface CvFold {
  rdms: SampleRdms;
  /** Conditions of the fold (distinct; original condition indices). */
  patterns: number[];
}

export interface KFoldOptions {
  kRdm?: number;
  kPattern?: number;
  /** Shuffle before splitting (default true). */
  random?: boolean;
  seed?: number;
  /** Replayed shuffles: permutations of positions, in the order the shuffles happen. */
  permutations?: readonly (readonly number[])[];
}

/** rsatoolbox default_k_pattern / default_k_rdm. */
export function defaultKPattern(n: number): number {
  return n < 12 ? 2 : n < 24 ? 3 : n < 40 ? 4 : 5;
}
export function defaultKRdm(n: number): number {
  return n < 6 ? 2 : n < 12 ? 3 : n < 20 ? 4 : 5;
}

function uniqueSorted(v: readonly number[]): number[] {
  return [...new Set(v)].sort((a, b) => a - b);
}

/** Test positions of fold `g` of k over n items (rsatoolbox's group layout). */
function foldPositions(n: number, k: number, g: number): number[] {
  const size = Math.floor(n / k);
  const out = Array.from({ length: size }, (_, i) => g * size + i);
  if (g < n % k) out.push(n - (g + 1));
  return out;
}

function shuffler(opts: KFoldOptions): (items: number[]) => number[] {
  if (opts.random === false) return (items) => items;
  if (opts.permutations) {
    let next = 0;
    const perms = opts.permutations;
    return (items) => {
      const p = perms[next++];
      if (!p || p.length !== items.length)
        throw new ParameterError(
          STATS_ERRORS.INDICES,
          'permutations',
          `replayed shuffle ${next - 1} should permute ${items.length} items; received ${p?.length ?? 'none'}`,
        );
      return p.map((i) => items[i]);
    };
  }
  const rng = new Rng(opts.seed ?? 0);
  return (items) => rng.shuffle([...items]);
}

/** rsatoolbox sets_k_fold: kRdm × kPattern (train, test, ceil) folds. */
export function setsKFold(
  data: SampleRdms,
  opts: KFoldOptions = {},
): { train: CvFold[]; test: CvFold[]; ceil: CvFold[] } {
  return setsKFoldWith(data, opts.kRdm, opts.kPattern, shuffler(opts));
}

function setsKFoldWith(
  data: SampleRdms,
  kRdmIn: number | undefined,
  kPatternIn: number | undefined,
  shuffle: (items: number[]) => number[],
): { train: CvFold[]; test: CvFold[]; ceil: CvFold[] } {
  let subjects = uniqueSorted(data.subjects);
  const kRdm = kRdmIn ?? defaultKRdm(subjects.length);
  if (kRdm > subjects.length)
    throw new ParameterError(
      STATS_ERRORS.TOO_FEW,
      'kRdm',
      `can make at most as many subject folds as subjects (${subjects.length}); received ${kRdm}`,
    );
  subjects = shuffle(subjects);
  const train: CvFold[] = [];
  const test: CvFold[] = [];
  const ceil: CvFold[] = [];
  for (let g = 0; g < kRdm; g++) {
    const testPos = foldPositions(subjects.length, kRdm, g);
    const trainPos = kRdm <= 1 ? testPos : subjects.map((_, i) => i).filter((i) => !testPos.includes(i));
    const rdmsTest = data.subsample(testPos.map((i) => subjects[i]));
    const rdmsTrain = data.subsample(trainPos.map((i) => subjects[i]));
    let patterns = uniqueSorted(rdmsTrain.conds);
    const kPattern = kPatternIn ?? defaultKPattern(patterns.length);
    if (kPattern > patterns.length)
      throw new ParameterError(
        STATS_ERRORS.TOO_FEW,
        'kPattern',
        `can make at most as many condition folds as conditions (${patterns.length}); received ${kPattern}`,
      );
    patterns = shuffle(patterns);
    for (let h = 0; h < kPattern; h++) {
      const tp = foldPositions(patterns.length, kPattern, h);
      const rp = kPattern <= 1 ? tp : patterns.map((_, i) => i).filter((i) => !tp.includes(i));
      const testValues = tp.map((i) => patterns[i]);
      const trainValues = rp.map((i) => patterns[i]);
      train.push({ rdms: rdmsTrain.subsetPattern(trainValues), patterns: trainValues });
      ceil.push({ rdms: rdmsTrain.subsetPattern(testValues), patterns: testValues });
      test.push({ rdms: rdmsTest.subsetPattern(testValues), patterns: testValues });
    }
  }
  return { train, test, ceil };
}

function meanOf(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/** rsatoolbox cv_noise_ceiling: pool of the ceiling set (lower) and of all RDMs (upper) against each test set. */
export function cvNoiseCeiling(
  all: SampleRdms,
  ceil: readonly CvFold[],
  test: readonly CvFold[],
  method: string,
): { lower: number; upper: number } {
  const lower: number[] = [];
  const upper: number[] = [];
  const pooledAll = poolRdms(all.toRdms(), method).getVector(0);
  const pooledSample = new SampleRdms([Float64Array.from(pooledAll)], [0], all.conds);
  ceil.forEach((c, i) => {
    const t = test[i].rdms.toRdms();
    lower.push(meanOf(compareRdms(poolRdms(c.rdms.toRdms(), method), t, { method }).data));
    upper.push(meanOf(compareRdms(pooledSample.subsetPattern(test[i].patterns).rows[0], t, { method }).data));
  });
  return { lower: meanOf(lower), upper: meanOf(upper) };
}

export type Fitter = (model: Model, data: Rdms, opts: { method: string; patternIdx: number[] }) => ArrayLike<number>;

/** Conditions of `sample` (with their repeats) whose condition is in `values` (rsatoolbox _concat_sampling). */
function withRepeats(sampleConds: readonly number[], values: readonly number[]): number[] {
  return values.flatMap((v) => sampleConds.filter((c) => c === v));
}

/** Evaluations (models × folds) of models fitted on each training fold and compared on its test fold. */
function crossvalEvaluations(
  models: readonly Model[],
  train: readonly CvFold[],
  test: readonly CvFold[],
  method: string,
  fitters: readonly (Fitter | undefined)[],
  sampleConds: readonly number[] | undefined,
): Float64Array {
  const out = new Float64Array(models.length * train.length).fill(Number.NaN);
  train.forEach((tr, f) => {
    const te = test[f];
    if (tr.rdms.nRdm === 0 || te.rdms.nRdm === 0 || tr.rdms.nCond <= 2 || te.rdms.nCond <= 2) return;
    const trainIdx = sampleConds ? withRepeats(sampleConds, tr.patterns) : tr.patterns;
    const testIdx = sampleConds ? withRepeats(sampleConds, te.patterns) : te.patterns;
    const testRdms = te.rdms.toRdms();
    models.forEach((m, j) => {
      const fitter = fitters[j];
      const opts = { method, patternIdx: trainIdx };
      const theta = fitter ? fitter(m, tr.rdms.toRdms(), opts) : m.fit(tr.rdms.toRdms(), opts);
      const pred = predictionOver(m.predictRdm(theta.length ? theta : undefined), m.nCond, testIdx);
      out[j * train.length + f] = meanOf(compareRdms(pred, testRdms, { method }).data);
    });
  });
  return out;
}

export interface CrossvalOptions {
  method?: string;
  /** One fitter per model (undefined: the model's own fit). */
  fitters?: readonly (Fitter | undefined)[];
}

/** rsatoolbox crossval: evaluations 1 × models × folds, noise ceiling from the ceiling sets (or per test fold). */
export function crossval(
  models: Model | readonly Model[] | Rdms | Matrix,
  data: Rdms,
  folds: { train: CvFold[]; test: CvFold[]; ceil?: CvFold[] },
  opts: CrossvalOptions = {},
): EvaluationResult {
  const list = asModels(models);
  const method = opts.method ?? 'cosine';
  const all = SampleRdms.of(data);
  const evaluations = crossvalEvaluations(list, folds.train, folds.test, method, opts.fitters ?? [], undefined);
  let noise: Float64Array;
  if (folds.ceil) {
    const nc = cvNoiseCeiling(all, folds.ceil, folds.test, method);
    noise = Float64Array.of(nc.lower, nc.upper);
  } else {
    const per = folds.test.map((t) =>
      bootNoiseCeiling(all.subsetPattern(t.patterns).toRdms().getVectors(), all.subjects, method),
    );
    noise = Float64Array.from([...per.map((p) => p.lower), ...per.map((p) => p.upper)]);
  }
  return new EvaluationResult({
    models: list,
    evaluations: { data: evaluations, shape: [1, list.length, folds.train.length] },
    method,
    cvMethod: 'crossvalidation',
    noiseCeiling: { data: noise, shape: folds.ceil ? [2] : [2, folds.test.length] },
    dof: 1,
  });
}

export interface BootstrapCrossvalOptions extends ProgressOptions, CrossvalOptions {
  kPattern?: number;
  kRdm?: number;
  nSamples?: number;
  /** Cross-validation repetitions per sample (default 2), combined with rsatoolbox's variance correction. */
  nCv?: number;
  seed?: number;
  draws?: readonly BootstrapDraw[];
  /** Which dimension to resample (default 'both'). */
  bootType?: 'both' | 'pattern' | 'rdm';
  useCorrection?: boolean;
  /** Replayed cross-validation shuffles, in the order rsatoolbox draws them over all samples and repetitions. */
  permutations?: readonly (readonly number[])[];
}

function cov(rows: readonly Float64Array[]): Float64Array {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const c = new Float64Array(d * d);
  for (const r of rows)
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) c[i * d + j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (n - 1);
  return c;
}

/**
 * rsatoolbox bootstrap_crossval: k-fold cross-validation inside every bootstrap sample, nCv times, with the
 * correction (nCv·Var(mean over repetitions) − Var(one repetition))/(nCv − 1) for the variance cross-validation adds.
 */
export function bootstrapCrossval(
  models: Model | readonly Model[] | Rdms | Matrix,
  data: Rdms,
  opts: BootstrapCrossvalOptions = {},
): EvaluationResult {
  const list = asModels(models);
  const method = opts.method ?? 'cosine';
  const bootType = opts.bootType ?? 'both';
  const nCond = data.nCond;
  const nRdm = data.nRdms;
  const kPattern = opts.kPattern ?? defaultKPattern((1 - 1 / Math.E) * nCond);
  const kRdm = opts.kRdm ?? (nRdm === 1 ? 1 : defaultKRdm((1 - 1 / Math.E) * nRdm));
  const nCv = opts.nCv ?? 2;
  const draws = opts.draws ?? drawBootstrapSamples(bootType, nCond, nRdm, opts.nSamples ?? 1000, opts.seed ?? 0);
  if (opts.draws) checkDraws(opts.draws, bootType, nCond, nRdm, 'draws');
  const M = list.length;
  const F = kPattern * kRdm;
  const N = draws.length;
  const evaluations = new Float64Array(N * M * F * nCv).fill(Number.NaN);
  const noise = new Float64Array(2 * N * nCv).fill(Number.NaN);
  const full = SampleRdms.of(data);
  const shuffle = shuffler({ seed: (opts.seed ?? 0) + 1, permutations: opts.permutations });
  const progress = new ProgressReporter('bootstrap crossval', N, opts.onProgress);
  draws.forEach((d, s) => {
    const rdmIdx = bootType === 'pattern' ? full.subjects : Array.from(d.rdms as ArrayLike<number>);
    const patternIdx =
      bootType === 'rdm' ? full.conds : Array.from(d.patterns as ArrayLike<number>).sort((a, b) => a - b);
    if (distinctCount(rdmIdx) >= kRdm && distinctCount(patternIdx) >= 3 * kPattern) {
      // the sample as rsatoolbox builds it: subjects with repeats, then conditions with repeats (NaN self-pairs)
      const bySubject = full.subsample(rdmIdx);
      const base =
        bootType === 'rdm'
          ? bySubject
          : new SampleRdms(
              bySubject.rows.map((v) => predictionOver(v, nCond, patternIdx)),
              bySubject.subjects,
              patternIdx,
            );
      for (let rep = 0; rep < nCv; rep++) {
        const folds = setsKFoldWith(base, kRdm, kPattern, shuffle);
        const nc =
          kRdm > 1 || kPattern > 1
            ? cvNoiseCeiling(base, folds.ceil, folds.test, method)
            : bootNoiseCeiling(base.toRdms().getVectors(), base.subjects, method);
        noise[s * nCv + rep] = nc.lower;
        noise[N * nCv + s * nCv + rep] = nc.upper;
        const ev = crossvalEvaluations(list, folds.train, folds.test, method, opts.fitters ?? [], base.conds);
        for (let m = 0; m < M; m++)
          for (let f = 0; f < F; f++) evaluations[((s * M + m) * F + f) * nCv + rep] = ev[m * F + f];
      }
    }
    progress.tick();
  });
  progress.finish();
  const ok = Array.from({ length: N }, (_, s) => !Number.isNaN(evaluations[s * M * F * nCv]));
  const rowFor = (s: number, rep: number | undefined) => {
    const row = new Float64Array(M + 2);
    for (let m = 0; m < M; m++) {
      let sum = 0;
      let c = 0;
      for (let f = 0; f < F; f++)
        for (let r = 0; r < nCv; r++) {
          if (rep !== undefined && r !== rep) continue;
          sum += evaluations[((s * M + m) * F + f) * nCv + r];
          c++;
        }
      row[m] = sum / c;
    }
    for (let b = 0; b < 2; b++) {
      let sum = 0;
      let c = 0;
      for (let r = 0; r < nCv; r++) {
        if (rep !== undefined && r !== rep) continue;
        sum += noise[b * N * nCv + s * nCv + r];
        c++;
      }
      row[M + b] = sum / c;
    }
    return row;
  };
  const okIdx = ok.flatMap((v, s) => (v ? [s] : []));
  let variances = cov(okIdx.map((s) => rowFor(s, undefined)));
  if ((opts.useCorrection ?? true) && nCv > 1) {
    const varOne = new Float64Array(variances.length);
    for (let r = 0; r < nCv; r++) {
      const c = cov(okIdx.map((s) => rowFor(s, r)));
      for (let k = 0; k < c.length; k++) varOne[k] += c[k] / nCv;
    }
    variances = variances.map((v, k) => (nCv * v - varOne[k]) / (nCv - 1));
  }
  const spec = {
    both: { cvMethod: 'bootstrap_crossval', dof: Math.min(nRdm, nCond) - 1, nRdm, nPattern: nCond },
    pattern: { cvMethod: 'bootstrap_crossval_pattern', dof: nCond - 1, nRdm: undefined, nPattern: nCond },
    rdm: { cvMethod: 'bootstrap_crossval_rdm', dof: nRdm - 1, nRdm, nPattern: undefined },
  }[bootType];
  return new EvaluationResult({
    models: list,
    evaluations: { data: evaluations, shape: [N, M, F, nCv] },
    method,
    cvMethod: spec.cvMethod,
    noiseCeiling: { data: noise, shape: [2, N, nCv] },
    variances: { data: variances, shape: [M + 2, M + 2] },
    dof: spec.dof,
    nRdm: spec.nRdm,
    nPattern: spec.nPattern,
  });
}

/**
 * rsatoolbox eval_dual_bootstrap with cross-validation (kPattern or kRdm > 1; Schütt et al. 2023): every draw of
 * subjects and conditions is cross-validated nCv times resampling both, subjects only and conditions only; the
 * three covariances (each corrected for the cross-validation variance as in bootstrapCrossval) are combined by
 * EvaluationResult's dual-bootstrap formula. Evaluations: samples × models × folds × nCv × 3.
 */
export function evalDualBootstrapCrossval(
  models: Model | readonly Model[] | Rdms | Matrix,
  data: Rdms,
  opts: Omit<BootstrapCrossvalOptions, 'bootType'> = {},
): EvaluationResult {
  const list = asModels(models);
  const method = opts.method ?? 'cosine';
  const nCond = data.nCond;
  const nRdm = data.nRdms;
  const kPattern = opts.kPattern ?? defaultKPattern((1 - 1 / Math.E) * nCond);
  const kRdm = opts.kRdm ?? defaultKRdm((1 - 1 / Math.E) * nRdm);
  const single = kRdm === 1 && kPattern === 1;
  const nCv = single ? 1 : (opts.nCv ?? 2);
  const useCorrection = !single && (opts.useCorrection ?? true);
  if (opts.draws) checkDraws(opts.draws, 'both', nCond, nRdm, 'draws');
  const draws = opts.draws ?? drawBootstrapSamples('both', nCond, nRdm, opts.nSamples ?? 1000, opts.seed ?? 0);
  const M = list.length;
  const F = kPattern * kRdm;
  const N = draws.length;
  const evaluations = new Float64Array(N * M * F * nCv * 3).fill(Number.NaN);
  const noise = new Float64Array(2 * N * nCv * 3).fill(Number.NaN);
  const full = SampleRdms.of(data);
  const shuffle = shuffler({ seed: (opts.seed ?? 0) + 1, permutations: opts.permutations });
  const progress = new ProgressReporter('dual bootstrap crossval', N, opts.onProgress);
  const evalIndex = (s: number, m: number, f: number, rep: number, t: number) =>
    (((s * M + m) * F + f) * nCv + rep) * 3 + t;
  const noiseIndex = (b: number, s: number, rep: number, t: number) => ((b * N + s) * nCv + rep) * 3 + t;
  const ok: boolean[] = [];
  draws.forEach((d, s) => {
    const rdmIdx = Array.from(d.rdms as ArrayLike<number>);
    const patternIdx = Array.from(d.patterns as ArrayLike<number>).sort((a, b) => a - b);
    const valid = distinctCount(rdmIdx) >= kRdm && distinctCount(patternIdx) >= 3 * kPattern;
    ok.push(valid);
    if (valid) {
      const expand = (x: SampleRdms) =>
        new SampleRdms(
          x.rows.map((v) => predictionOver(v, nCond, patternIdx)),
          x.subjects,
          patternIdx,
        );
      const bySubject = full.subsample(rdmIdx);
      const samples = [expand(bySubject), bySubject, expand(full)];
      for (let rep = 0; rep < nCv; rep++)
        samples.forEach((base, t) => {
          const folds = setsKFoldWith(base, kRdm, kPattern, shuffle);
          const nc = single
            ? bootNoiseCeiling(base.toRdms().getVectors(), base.subjects, method)
            : cvNoiseCeiling(base, folds.ceil, folds.test, method);
          noise[noiseIndex(0, s, rep, t)] = nc.lower;
          noise[noiseIndex(1, s, rep, t)] = nc.upper;
          const ev = crossvalEvaluations(list, folds.train, folds.test, method, opts.fitters ?? [], base.conds);
          for (let m = 0; m < M; m++)
            for (let f = 0; f < F; f++) evaluations[evalIndex(s, m, f, rep, t)] = ev[m * F + f];
        });
    }
    progress.tick();
  });
  progress.finish();
  const okIdx = ok.flatMap((v, s) => (v ? [s] : []));
  const d = M + 2;
  /** [evaluations (mean over folds and the chosen repetitions), lower, upper] of sample s, bootstrap type t. */
  const rowFor = (s: number, t: number, reps: number[]) => {
    const row = new Float64Array(d);
    for (let m = 0; m < M; m++) {
      let sum = 0;
      for (const rep of reps) {
        let fs = 0;
        for (let f = 0; f < F; f++) fs += evaluations[evalIndex(s, m, f, rep, t)];
        sum += fs / F;
      }
      row[m] = sum / reps.length;
    }
    for (let b = 0; b < 2; b++) {
      let sum = 0;
      for (const rep of reps) sum += noise[noiseIndex(b, s, rep, t)];
      row[M + b] = sum / reps.length;
    }
    return row;
  };
  const allReps = Array.from({ length: nCv }, (_, r) => r);
  const variances = new Float64Array(3 * d * d);
  for (let t = 0; t < 3; t++) {
    let v = cov(okIdx.map((s) => rowFor(s, t, allReps)));
    if (useCorrection && nCv > 1) {
      const varOne = new Float64Array(d * d);
      for (const rep of allReps) {
        const c = cov(okIdx.map((s) => rowFor(s, t, [rep])));
        for (let k = 0; k < c.length; k++) varOne[k] += c[k] / nCv;
      }
      v = v.map((x, k) => (nCv * x - varOne[k]) / (nCv - 1));
    }
    variances.set(v, t * d * d);
  }
  return new EvaluationResult({
    models: list,
    evaluations: { data: evaluations, shape: [N, M, F, nCv, 3] },
    method,
    cvMethod: 'dual_bootstrap',
    noiseCeiling: { data: noise, shape: [2, N, nCv, 3] },
    variances: { data: variances, shape: [3, d, d] },
    dof: Math.min(nRdm, nCond) - 1,
    nRdm,
    nPattern: nCond,
  });
}
