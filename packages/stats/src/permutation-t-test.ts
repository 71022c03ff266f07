/**
 * One-sample (or paired-difference) permutation t-tests by sign flips over subjects, with MNE 1.3's semantics
 * (`mne.stats.permutation_t_test`): t per test from the moments (std with the n/(n−1) correction), the null
 * distribution of max |t| over tests under the sign-flip set of sign-flips.ts with the observed max |t| appended,
 * and familywise-corrected p-values from that max statistic (tail 0: H0 >= |t|; tail 1: H0 >= t; tail −1:
 * −H0 <= t). MNE uses max |t| for one-tailed tests too, which is conservative; kept for parity.
 * `signFlipTest` is the single-test case (e.g. per-subject RSA scores against 0).
 */
import { type ProgressOptions, ProgressReporter } from '@concord/core';
import { checkDataMatrix, type DataMatrix } from './cluster-test.ts';
import { checkTail, oneSampleSignFlips, type Tail } from './sign-flips.ts';

export interface PermutationTTestOptions extends ProgressOptions {
  /** 'all' or the size of the null distribution including the observed labelling. Default 10,000. */
  nPermutations?: number | 'all';
  tail?: Tail;
  seed?: number;
}

export interface PermutationTTestResult {
  tObs: Float64Array;
  /** Max-statistic (familywise) corrected p-value per test. */
  pValues: Float64Array;
  /** Sorted null distribution of max |t| (the observed one included). */
  H0: Float64Array;
  nPermutations: number;
  exact: boolean;
}

export function permutationTTest(X: DataMatrix, options: PermutationTTestOptions = {}): PermutationTTestResult {
  const data = checkDataMatrix(X);
  const n = X.rows;
  const nTests = X.cols;
  const tail = checkTail(options.tail ?? 0);
  const flips = oneSampleSignFlips(n, options.nPermutations ?? 10_000, tail, options.seed ?? 0);
  const x2 = new Float64Array(nTests);
  const mu0 = new Float64Array(nTests);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < nTests; j++) {
      const v = data[i * nTests + j];
      x2[j] += v * v;
      mu0[j] += v;
    }
  }
  for (let j = 0; j < nTests; j++) {
    x2[j] /= n;
    mu0[j] /= n;
  }
  const dofScaling = Math.sqrt(n / (n - 1.0));
  const sqrtN = Math.sqrt(n);
  const tObs = new Float64Array(nTests);
  let maxAbs = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < nTests; j++) {
    const std0 = Math.sqrt(x2[j] - mu0[j] ** 2) * dofScaling;
    tObs[j] = mu0[j] / (std0 / sqrtN);
    maxAbs = Math.max(maxAbs, Math.abs(tObs[j]));
  }
  const nNull = flips.count + 1;
  const H0 = new Float64Array(nNull);
  const mus = new Float64Array(nTests);
  const progress = new ProgressReporter('permutation-t-test', flips.count, options.onProgress);
  for (let r = 0; r < flips.count; r++) {
    mus.fill(0);
    for (let i = 0; i < n; i++) {
      const s = flips.signs[r * n + i];
      const row = i * nTests;
      for (let j = 0; j < nTests; j++) mus[j] += s * data[row + j];
    }
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < nTests; j++) {
      const mu = mus[j] / n;
      const std = Math.sqrt(x2[j] - mu * mu) * dofScaling;
      m = Math.max(m, Math.abs(mu) / (std / sqrtN));
    }
    H0[r] = m;
    progress.tick();
  }
  H0[flips.count] = maxAbs;
  H0.sort();
  progress.finish();
  const pValues = tObs.map((t) => {
    let count = 0;
    for (const h of H0) if (tail === 0 ? h >= Math.abs(t) : tail === 1 ? h >= t : -h <= t) count++;
    return count / nNull;
  });
  return { tObs, pValues, H0, nPermutations: nNull, exact: flips.exact };
}

/** Sign-flip permutation test of one mean against 0 over subjects (x: one value per subject). */
export function signFlipTest(
  x: ArrayLike<number>,
  options: PermutationTTestOptions = {},
): { t: number; p: number; nPermutations: number; exact: boolean } {
  const r = permutationTTest({ rows: x.length, cols: 1, data: x }, options);
  return { t: r.tObs[0], p: r.pValues[0], nPermutations: r.nPermutations, exact: r.exact };
}
