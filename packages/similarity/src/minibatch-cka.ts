/**
 * Minibatch CKA (Nguyen, Raghu & Kornblith 2021): the unbiased HSIC estimates of every batch are averaged, and
 * CKA = mean HSIC₁(K, L) / √(mean HSIC₁(K, K) · mean HSIC₁(L, L)). Only one batch of each representation is in memory
 * at a time, so activation sets too large to hold at once can be streamed through `MinibatchCka.update`.
 */
import { checkChoice, type Matrix, type ProgressCallback, ProgressReporter, Rng } from '@concord/core';
import { nonFiniteIntermediate, SIMILARITY_ERROR_CODES } from './errors.ts';
import { linearKernel, rbfKernel, unbiasedTripletSymmetric } from './kernels.ts';
import { checkPair, integerOption, positiveNumber, type SimilarityResult } from './result.ts';

export interface MinibatchCkaOptions {
  /** 'linear' (default) or 'rbf' (needs a fixed `sigma`: a per-batch median would change the kernel between batches). */
  kernel?: 'linear' | 'rbf';
  sigma?: number;
}

/** Accumulates unbiased HSIC terms over batches of paired examples (rows of X and Y belong to the same inputs). */
export class MinibatchCka {
  private xy = 0;
  private xx = 0;
  private yy = 0;
  private batches = 0;
  private examples = 0;
  private readonly kernel: 'linear' | 'rbf';
  private readonly sigma: number | undefined;

  constructor(opts: MinibatchCkaOptions = {}) {
    this.kernel = checkChoice(
      'kernel',
      opts.kernel ?? 'linear',
      ['linear', 'rbf'] as const,
      SIMILARITY_ERROR_CODES.unknownMetric,
    );
    this.sigma = opts.sigma === undefined ? undefined : positiveNumber('sigma', opts.sigma, 1);
    if (this.kernel === 'rbf' && this.sigma === undefined) positiveNumber('sigma', Number.NaN, 1);
  }

  /** Add one batch: X_b (b×p) and Y_b (b×q) with the same b ≥ 4 rows. */
  update(x: Matrix, y: Matrix): this {
    checkPair('minibatch cka', x, y, 4);
    const k = this.kernel === 'linear' ? linearKernel(x) : rbfKernel(x, { sigma: this.sigma }).kernel;
    const l = this.kernel === 'linear' ? linearKernel(y) : rbfKernel(y, { sigma: this.sigma }).kernel;
    const h = unbiasedTripletSymmetric(k, l);
    // Batches are summed in the inputs' units (a per-batch rescaling would weight batches differently), so an
    // overflow is reported rather than averaged into a NaN.
    for (const [name, v] of Object.entries(h))
      if (!Number.isFinite(v))
        throw nonFiniteIntermediate('minibatch cka', `HSIC term ${name} of batch ${this.batches}`, v);
    this.xy += h.xy;
    this.xx += h.xx;
    this.yy += h.yy;
    this.batches++;
    this.examples += x.rows;
    return this;
  }

  /** CKA over the batches seen so far (NaN before the first batch or when a mean self-HSIC is ≤ 0). */
  result(): SimilarityResult {
    const b = this.batches;
    const xy = this.xy / b;
    const xx = this.xx / b;
    const yy = this.yy / b;
    const value = b > 0 && xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : Number.NaN;
    return {
      metric: 'cka',
      value,
      details: {
        kernel: this.kernel,
        debiased: true,
        minibatch: true,
        batches: b,
        examples: this.examples,
        hsicXY: xy,
        hsicXX: xx,
        hsicYY: yy,
        ...(this.sigma ? { sigma: this.sigma } : {}),
      },
    };
  }
}

/**
 * Minibatch CKA of in-memory X and Y: rows are split into ⌊n / batchSize⌋ batches whose sizes differ by at most one
 * (so none is smaller than batchSize), after a seeded shuffle when `seed` is given (in order otherwise).
 */
export function minibatchCka(
  x: Matrix,
  y: Matrix,
  opts: MinibatchCkaOptions & { batchSize?: number; seed?: number; onProgress?: ProgressCallback } = {},
): SimilarityResult {
  checkPair('minibatch cka', x, y, 4);
  const batchSize = integerOption('batchSize', opts.batchSize, Math.min(x.rows, 256), 4);
  const n = x.rows;
  const nBatches = Math.max(1, Math.floor(n / batchSize));
  const order =
    opts.seed === undefined ? Int32Array.from({ length: n }, (_, i) => i) : new Rng(opts.seed).permutation(n);
  const acc = new MinibatchCka(opts);
  const progress = new ProgressReporter('minibatch cka', nBatches, opts.onProgress);
  for (let b = 0; b < nBatches; b++) {
    const start = Math.floor((b * n) / nBatches);
    const end = Math.floor(((b + 1) * n) / nBatches);
    const idx = order.subarray(start, end);
    acc.update(x.selectRows(idx), y.selectRows(idx));
    progress.tick();
  }
  const r = acc.result();
  r.details.batchSize = batchSize;
  if (opts.seed !== undefined) r.details.seed = opts.seed;
  return r;
}
