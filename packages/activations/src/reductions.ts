/**
 * Reductions applied to each layer while streaming batches, so that many stimuli × large layers fit in bounded
 * memory: global average pooling per channel, and seeded sparse random projection (Achlioptas 2003; Li, Hastie &
 * Church 2006, "very sparse" with density 1/√d, scikit-learn's SparseRandomProjection definition). Incremental PCA
 * lives in incremental-pca.ts (it needs a fitting pass).
 */
import { checkChoice, ParameterError, Rng } from '@concord/core';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import type { LayerOutput } from './model.ts';

export type ReduceSpec =
  | { kind: 'globalAveragePool' }
  | { kind: 'randomProjection'; nComponents: number; seed: number; density?: number | 'auto' | 'achlioptas' }
  | { kind: 'pca'; nComponents: number };

export const REDUCE_KINDS = ['globalAveragePool', 'randomProjection', 'pca'] as const;

/** A per-stimulus map from one layer's activations (batch axis first) to rows [batch, outDim]. */
export interface RowTransform {
  readonly spec: ReduceSpec;
  apply(x: LayerOutput): LayerOutput;
  /** Parameters as used (resolved density, input size...), for provenance. */
  describe(): Record<string, unknown>;
}

export function checkReduceSpec(spec: ReduceSpec): ReduceSpec {
  checkChoice('reduce.kind', spec?.kind, REDUCE_KINDS, ACTIVATIONS_ERRORS.REDUCE);
  if (spec.kind === 'randomProjection' || spec.kind === 'pca') {
    if (!(Number.isInteger(spec.nComponents) && spec.nComponents > 0)) {
      throw new ParameterError(
        ACTIVATIONS_ERRORS.REDUCE,
        'reduce.nComponents',
        `expected a positive integer, received ${spec.nComponents}`,
      );
    }
  }
  if (spec.kind === 'randomProjection') {
    if (!Number.isInteger(spec.seed))
      throw new ParameterError(
        ACTIVATIONS_ERRORS.REDUCE,
        'reduce.seed',
        `a random projection needs an integer seed, received ${spec.seed}`,
      );
    const d = spec.density;
    if (d !== undefined && d !== 'auto' && d !== 'achlioptas' && !(typeof d === 'number' && d > 0 && d <= 1)) {
      throw new ParameterError(
        ACTIVATIONS_ERRORS.REDUCE,
        'reduce.density',
        `expected a number in (0, 1], 'auto' (1/√d) or 'achlioptas' (1/3), received ${JSON.stringify(d)}`,
      );
    }
  }
  return spec;
}

/**
 * Global average pooling: the mean over every axis except the batch axis and the channel axis
 * (`channelAxis` 1 for NCHW, -1 for NHWC). Rank-2 activations [batch, units] pass through unchanged.
 */
export function globalAveragePool(channelAxis: number): RowTransform {
  const spec: ReduceSpec = { kind: 'globalAveragePool' };
  return {
    spec,
    describe: () => ({ kind: 'globalAveragePool', channelAxis }),
    apply(x) {
      const [b, ...rest] = x.shape;
      if (rest.length <= 1) return { data: x.data, shape: [b, rest[0] ?? 1] };
      const axis = channelAxis < 0 ? rest.length + channelAxis : channelAxis - 1;
      if (axis < 0 || axis >= rest.length) {
        throw new ParameterError(
          ACTIVATIONS_ERRORS.REDUCE,
          'reduce',
          `globalAveragePool: channel axis ${channelAxis} is outside activations of shape [${x.shape.join(', ')}]`,
        );
      }
      const c = rest[axis];
      const outer = rest.slice(0, axis).reduce((p, q) => p * q, 1);
      const inner = rest.slice(axis + 1).reduce((p, q) => p * q, 1);
      const per = outer * c * inner;
      const out = new Float32Array(b * c);
      const acc = new Float64Array(c);
      const n = outer * inner;
      for (let s = 0; s < b; s++) {
        acc.fill(0);
        const base = s * per;
        for (let o = 0; o < outer; o++) {
          for (let ch = 0; ch < c; ch++) {
            const off = base + (o * c + ch) * inner;
            let sum = 0;
            for (let k = 0; k < inner; k++) sum += x.data[off + k];
            acc[ch] += sum;
          }
        }
        for (let ch = 0; ch < c; ch++) out[s * c + ch] = acc[ch] / n;
      }
      return { data: out, shape: [b, c] };
    },
  };
}

/**
 * Sparse random projection to `nComponents` dimensions. Entries of the d × k matrix are −v, 0, +v with
 * probabilities density/2, 1 − density, density/2 and v = √(1/density) / √k (scikit-learn's definition), so squared
 * distances are preserved in expectation. The matrix is drawn once, when the first batch fixes d, from
 * `new Rng(seed)`, and stored sparsely (about d·k·density entries): 1M inputs × 4096 components at density 1/√d is
 * 4.1M entries (~17 MB).
 */
export function randomProjection(spec: Extract<ReduceSpec, { kind: 'randomProjection' }>): RowTransform {
  checkReduceSpec(spec);
  const k = spec.nComponents;
  let d = -1;
  let density = 0;
  let starts: Int32Array;
  let cols: Int32Array;
  let signs: Float32Array;
  let scale = 0;

  const build = (inputs: number) => {
    d = inputs;
    density =
      spec.density === 'achlioptas'
        ? 1 / 3
        : spec.density === undefined || spec.density === 'auto'
          ? 1 / Math.sqrt(d)
          : spec.density;
    scale = Math.sqrt(1 / density) / Math.sqrt(k);
    const rng = new Rng(spec.seed);
    starts = new Int32Array(d + 1);
    let cap = Math.ceil(d * k * density * 1.05) + 1024;
    cols = new Int32Array(cap);
    let nnz = 0;
    const logq = Math.log1p(-density);
    // Walk the row-major d×k matrix jumping geometric gaps: each entry is non-zero with probability `density`.
    let pos = density >= 1 ? 0 : Math.floor(Math.log1p(-rng.random()) / logq);
    const total = d * k;
    let row = 0;
    while (pos < total) {
      const i = Math.floor(pos / k);
      while (row < i) starts[++row] = nnz;
      if (nnz === cap) {
        cap = Math.ceil(cap * 1.5);
        const grown = new Int32Array(cap);
        grown.set(cols);
        cols = grown;
      }
      const j = pos - i * k;
      // Sign in the encoding: j for +v, ~j (negative) for −v (split into cols and signs once drawn).
      cols[nnz++] = rng.nextUint32() & 1 ? j : ~j;
      pos += density >= 1 ? 1 : 1 + Math.floor(Math.log1p(-rng.random()) / logq);
    }
    while (row < d) starts[++row] = nnz;
    cols = cols.slice(0, nnz);
    signs = new Float32Array(nnz);
    for (let p = 0; p < nnz; p++) {
      signs[p] = cols[p] >= 0 ? 1 : -1;
      if (cols[p] < 0) cols[p] = ~cols[p];
    }
  };

  return {
    spec,
    describe: () => ({
      kind: 'randomProjection',
      nComponents: k,
      seed: spec.seed,
      density,
      inputs: d,
      nonZeros: d >= 0 ? cols.length : 0,
      definition: 'sklearn SparseRandomProjection',
    }),
    apply(x) {
      const b = x.shape[0];
      const inputs = x.data.length / b;
      if (d < 0) build(inputs);
      else if (inputs !== d) {
        throw new ParameterError(
          ACTIVATIONS_ERRORS.REDUCE,
          'reduce',
          `randomProjection was drawn for ${d} inputs per stimulus, received ${inputs} (shape [${x.shape.join(', ')}])`,
        );
      }
      return { data: project(x.data, b, d, k, starts, cols, signs, scale), shape: [b, k] };
    },
  };
}

/** Y = X·R for the sparse R: scatter-adds into a k-vector that stays in L1 cache; zero inputs (ReLU) are skipped. */
function project(
  data: Float32Array,
  b: number,
  d: number,
  k: number,
  starts: Int32Array,
  cols: Int32Array,
  signs: Float32Array,
  scale: number,
): Float32Array {
  const out = new Float32Array(b * k);
  const acc = new Float64Array(k);
  for (let s = 0; s < b; s++) {
    acc.fill(0);
    const base = s * d;
    let p = starts[0];
    for (let i = 0; i < d; i++) {
      const end = starts[i + 1];
      const v = data[base + i];
      if (v !== 0) for (let q = p; q < end; q++) acc[cols[q]] += v * signs[q];
      p = end;
    }
    for (let j = 0; j < k; j++) out[s * k + j] = acc[j] * scale;
  }
  return out;
}

/** The dense projection matrix (d × k) a randomProjection transform uses, for tests and small d. */
export function randomProjectionMatrix(
  spec: Extract<ReduceSpec, { kind: 'randomProjection' }>,
  inputs: number,
): Float64Array {
  const t = randomProjection(spec);
  const k = spec.nComponents;
  const out = new Float64Array(inputs * k);
  const eye = new Float32Array(inputs * inputs);
  for (let i = 0; i < inputs; i++) eye[i * inputs + i] = 1;
  const r = t.apply({ data: eye, shape: [inputs, inputs] });
  out.set(r.data);
  return out;
}
