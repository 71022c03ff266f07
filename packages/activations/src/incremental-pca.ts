/**
 * Incremental PCA (Ross et al. 2008), as scikit-learn's IncrementalPCA.partial_fit computes it: each batch is
 * centred, stacked under the current components scaled by their singular values and a mean-correction row, and
 * decomposed by SVD; signs follow sklearn's svd_flip(u_based_decision=False). Batches are buffered to at least
 * `flushRows` rows (≥ nComponents) and the last short batch is merged into the previous one, as sklearn's
 * `fit(X)` does with `gen_batches(..., min_batch_size=n_components)`; so results equal
 * `IncrementalPCA(n_components=k, batch_size=flushRows).fit(X)` up to floating point.
 */
import { Matrix, ParameterError, svd } from '@concord/core';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import type { LayerOutput } from './model.ts';

export class IncrementalPca {
  private mean: Float64Array | undefined;
  private components: Float64Array | undefined;
  private singular: Float64Array | undefined;
  private nSeen = 0;
  private d = -1;
  private buffer: Float32Array[] = [];
  private buffered = 0;
  private explainedVariance: Float64Array | undefined;
  private fitted = false;
  readonly flushRows: number;

  constructor(
    readonly nComponents: number,
    flushRows?: number,
  ) {
    this.flushRows = Math.max(nComponents, flushRows ?? Math.max(nComponents, 64));
  }

  /** Add the rows of a batch [b, ...] to the fit. */
  partialFit(x: LayerOutput): void {
    const b = x.shape[0];
    const d = x.data.length / b;
    if (this.d < 0) this.d = d;
    else if (d !== this.d)
      throw new ParameterError(
        ACTIVATIONS_ERRORS.REDUCE,
        'reduce',
        `pca: expected ${this.d} units per stimulus, received ${d}`,
      );
    for (let i = 0; i < b; i++) this.buffer.push(x.data.slice(i * d, (i + 1) * d));
    this.buffered += b;
    while (this.buffered >= this.flushRows + this.nComponents) this.fitRows(this.flushRows);
  }

  finishFit(): void {
    if (this.nSeen === 0 && this.buffered < this.nComponents) {
      throw new ParameterError(
        ACTIVATIONS_ERRORS.REDUCE,
        'reduce.nComponents',
        `pca to ${this.nComponents} components needs at least that many stimuli, received ${this.buffered}`,
      );
    }
    if (this.buffered > 0) this.fitRows(this.buffered);
    if (this.nComponents > Math.min(this.nSeen, this.d)) {
      throw new ParameterError(
        ACTIVATIONS_ERRORS.REDUCE,
        'reduce.nComponents',
        `pca to ${this.nComponents} components needs at most min(stimuli, units) = ${Math.min(this.nSeen, this.d)}`,
      );
    }
    this.fitted = true;
  }

  private fitRows(n: number): void {
    const d = this.d;
    const k = this.nComponents;
    const rows = this.buffer.splice(0, n);
    this.buffered -= n;
    const batchMean = new Float64Array(d);
    for (const r of rows) for (let j = 0; j < d; j++) batchMean[j] += r[j];
    for (let j = 0; j < d; j++) batchMean[j] /= n;
    const nTotal = this.nSeen + n;
    const prev =
      this.nSeen > 0 && this.components && this.singular && this.mean
        ? { components: this.components, singular: this.singular, mean: this.mean }
        : undefined;
    const prior = prev ? Math.min(k, prev.singular.length) : 0;
    const stackRows = prior + n + (prior > 0 ? 1 : 0);
    const stack = new Float64Array(stackRows * d);
    for (let c = 0; prev && c < prior; c++) {
      const s = prev.singular[c];
      for (let j = 0; j < d; j++) stack[c * d + j] = s * prev.components[c * d + j];
    }
    rows.forEach((r, i) => {
      const off = (prior + i) * d;
      for (let j = 0; j < d; j++) stack[off + j] = r[j] - batchMean[j];
    });
    const newMean = new Float64Array(d);
    if (prev && prior > 0) {
      const f = Math.sqrt((this.nSeen / nTotal) * n);
      const off = (prior + n) * d;
      for (let j = 0; j < d; j++) stack[off + j] = f * (prev.mean[j] - batchMean[j]);
      for (let j = 0; j < d; j++) newMean[j] = (prev.mean[j] * this.nSeen + batchMean[j] * n) / nTotal;
    } else newMean.set(batchMean);
    const { s, vt } = svd(new Matrix(stackRows, d, stack));
    const keep = Math.min(k, s.length);
    const comps = new Float64Array(keep * d);
    for (let c = 0; c < keep; c++) {
      // svd_flip(u_based_decision=False): the largest |entry| of each right singular vector is positive.
      let maxAbs = -1;
      let sign = 1;
      for (let j = 0; j < d; j++) {
        const v = vt.data[c * d + j];
        if (Math.abs(v) > maxAbs) {
          maxAbs = Math.abs(v);
          sign = v < 0 ? -1 : 1;
        }
      }
      for (let j = 0; j < d; j++) comps[c * d + j] = sign * vt.data[c * d + j];
    }
    this.components = comps;
    this.singular = s.slice(0, keep);
    this.mean = newMean;
    this.nSeen = nTotal;
    this.explainedVariance = this.singular.map((v) => (v * v) / Math.max(1, nTotal - 1));
  }

  /** Project rows [b, ...] onto the fitted components: (x − mean)·Vᵀ, as sklearn's transform (no whitening). */
  transform(x: LayerOutput): LayerOutput {
    const { singular, mean, components } = this;
    if (!this.fitted || !singular || !mean || !components)
      throw new ParameterError(ACTIVATIONS_ERRORS.REDUCE, 'reduce', 'pca: transform before the fit finished');
    const b = x.shape[0];
    const d = this.d;
    const k = singular.length;
    const out = new Float32Array(b * k);
    for (let i = 0; i < b; i++) {
      for (let c = 0; c < k; c++) {
        let acc = 0;
        const co = c * d;
        const xo = i * d;
        for (let j = 0; j < d; j++) acc += (x.data[xo + j] - mean[j]) * components[co + j];
        out[i * k + c] = acc;
      }
    }
    return { data: out, shape: [b, k] };
  }

  describe(): Record<string, unknown> {
    return {
      kind: 'pca',
      nComponents: this.nComponents,
      batchRows: this.flushRows,
      inputs: this.d,
      samples: this.nSeen,
      explainedVariance: this.explainedVariance ? Array.from(this.explainedVariance) : [],
      definition: 'sklearn IncrementalPCA (whiten=False)',
    };
  }
}
