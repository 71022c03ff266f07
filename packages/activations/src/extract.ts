/**
 * Extraction: run a model over stimuli batch by batch and turn each requested layer into a Dataset (stimuli × units,
 * float32), checking every activation for NaN/Inf and applying reductions while streaming.
 */
import {
  ConcordError,
  Dataset,
  firstNonFinite,
  Matrix,
  ParameterError,
  type ProgressCallback,
  ProgressReporter,
} from '@concord/core';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import { IncrementalPca } from './incremental-pca.ts';
import { type ActivationModel, checkLayerNames, type LayerInfo, type LayerOutput } from './model.ts';
import {
  checkReduceSpec,
  globalAveragePool,
  type ReduceSpec,
  type RowTransform,
  randomProjection,
} from './reductions.ts';
import type { Stimuli } from './stimuli.ts';

export interface ExtractOptions {
  /** Tensor / layer names, as listed by `model.layers`. */
  layers: readonly string[];
  /** Stimuli per network run (default 32). */
  batchSize?: number;
  /** Reductions applied in order to every layer (default none: every unit is kept). */
  reduce?: ReduceSpec | readonly ReduceSpec[];
  onProgress?: ProgressCallback;
  /** Refuse NaN/±Inf activations (default true). */
  checkFinite?: boolean;
}

/** What was done, per layer (goes into provenance). */
export interface LayerRecord {
  /** Activation shape of one stimulus as the network produced it. */
  unitShape: number[];
  /** Units per stimulus in the Dataset. */
  units: number;
  reductions: Record<string, unknown>[];
}

export interface ExtractResult {
  datasets: Map<string, Dataset>;
  records: Map<string, LayerRecord>;
}

function normaliseReduce(reduce: ExtractOptions['reduce']): ReduceSpec[] {
  const list = reduce === undefined ? [] : Array.isArray(reduce) ? [...reduce] : [reduce as ReduceSpec];
  list.forEach(checkReduceSpec);
  const pcaAt = list.findIndex((s) => s.kind === 'pca');
  if (pcaAt >= 0 && pcaAt !== list.length - 1) {
    throw new ParameterError(
      ACTIVATIONS_ERRORS.REDUCE,
      'reduce',
      `pca must be the last reduction (it is fitted over all stimuli); received ${list.map((s) => s.kind).join(' → ')}`,
    );
  }
  return list;
}

/** One layer's pipeline: row transforms, then storage (or an incremental PCA fit and transform). */
class LayerSink {
  readonly transforms: RowTransform[];
  readonly pca?: IncrementalPca;
  private rows: Float32Array | undefined;
  units = -1;
  unitShape: number[] = [];

  constructor(
    readonly name: string,
    specs: ReduceSpec[],
    channelAxis: number,
    readonly count: number,
  ) {
    this.transforms = specs
      .filter((s) => s.kind !== 'pca')
      .map((s) =>
        s.kind === 'globalAveragePool'
          ? globalAveragePool(channelAxis)
          : randomProjection(s as Extract<ReduceSpec, { kind: 'randomProjection' }>),
      );
    const pca = specs.find((s) => s.kind === 'pca');
    if (pca) this.pca = new IncrementalPca(pca.nComponents);
  }

  reduce(x: LayerOutput): LayerOutput {
    let y = x;
    for (const t of this.transforms) y = t.apply(y);
    return y;
  }

  /**
   * Allocate the rows before the first batch when the model declares this layer's shape (float32, every axis but
   * the batch known), so the runtime can write even the first batch in place. The first batch's real shape decides.
   */
  preallocate(declared: LayerInfo | undefined): void {
    if (this.transforms.length > 0 || this.pca || declared?.dtype !== 'float32' || !declared.shape) return;
    const dims = declared.shape.slice(1);
    if (!dims.every((d): d is number => typeof d === 'number' && Number.isInteger(d) && d > 0)) return;
    this.unitShape = dims;
    this.units = dims.reduce((a, b) => a * b, 1);
    this.rows = new Float32Array(this.count * this.units);
  }

  /** Store rows [start, start + batch) (after the transforms and, in a PCA's second pass, the projection). */
  store(start: number, y: LayerOutput): void {
    const b = y.shape[0];
    const units = y.data.length / b;
    // Not yet allocated, or allocated from a declared shape that the first batch contradicts.
    if (this.rows === undefined || (start === 0 && units !== this.units)) {
      this.units = units;
      this.rows = new Float32Array(this.count * units);
    }
    // Already in place when the runtime wrote into `target()`.
    if (y.data.buffer === this.rows.buffer && y.data.byteOffset === start * units * 4) return;
    this.rows.set(y.data, start * units);
  }

  /** Where the runtime may write rows [start, end) directly: only without reductions, once the shape is known. */
  target(start: number, end: number): LayerOutput | undefined {
    if (this.rows === undefined || this.transforms.length > 0 || this.pca) return undefined;
    return { data: this.rows.subarray(start * this.units, end * this.units), shape: [end - start, ...this.unitShape] };
  }

  dataset(): Matrix {
    return new Matrix(this.count, this.units, this.rows ?? new Float32Array(0));
  }
}

/** Throw for the first NaN/±Inf, naming the layer, the stimulus and the unit. */
function checkFinite(model: ActivationModel, layer: string, x: LayerOutput, start: number, stimuli: Stimuli): void {
  const d = x.data;
  const i = firstNonFinite(d);
  if (i < 0) return;
  const v = d[i];
  const per = d.length / x.shape[0];
  const s = start + Math.floor(i / per);
  const name = stimuli.descriptors.stimulus?.[s];
  throw new ConcordError(
    ACTIVATIONS_ERRORS.NON_FINITE,
    `${model.file}: layer '${layer}' has ${v} for stimulus ${s}${name !== undefined && name !== s ? ` (${name})` : ''} at unit ${i % per} (of ${per})`,
    { file: model.file, field: layer, offset: s, received: String(v) },
  );
}

export async function extractActivations(
  model: ActivationModel,
  stimuli: Stimuli,
  options: ExtractOptions,
): Promise<ExtractResult> {
  const layers = [...new Set(options.layers)];
  checkLayerNames(model.file, model.layers, layers);
  const batchSize = options.batchSize ?? 32;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new ParameterError(
      ACTIVATIONS_ERRORS.OPTION,
      'batchSize',
      `expected a positive integer, received ${batchSize}`,
    );
  if (stimuli.count === 0)
    throw new ParameterError(ACTIVATIONS_ERRORS.STIMULI, 'stimuli', `no stimuli in ${stimuli.source}`);
  const specs = normaliseReduce(options.reduce);
  const sinks = layers.map((l) => new LayerSink(l, specs, model.channelAxis, stimuli.count));
  const declared = new Map(model.layers.map((l) => [l.name, l]));
  for (const sink of sinks) sink.preallocate(declared.get(sink.name));
  const hasPca = sinks.some((s) => s.pca);
  const batches = Math.ceil(stimuli.count / batchSize);
  const progress = new ProgressReporter('extract', stimuli.count * (hasPca ? 2 : 1), options.onProgress);

  const widen =
    model.inputs.length === 1 &&
    model.inputs[0].dtype === 'float64' &&
    stimuli.dtype === 'float32' &&
    stimuli.preprocessing.fedAsIs !== true;
  const pass = async (handle: (sink: LayerSink, start: number, y: LayerOutput) => void) => {
    const load = (b: number) => stimuli.batch(b * batchSize, Math.min(stimuli.count, (b + 1) * batchSize));
    // The next batch is decoded (sharp works on its own threads) while the network runs on this one.
    let next = load(0);
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const end = Math.min(stimuli.count, start + batchSize);
      let input = await next;
      if (b + 1 < batches) {
        next = load(b + 1);
        // Surface a failed prefetch when it is awaited, not as an unhandled rejection if this batch fails first.
        next.catch(() => {});
      }
      // Preprocessed images are float32; a float64 network gets them widened (a tensor fed as is is never converted).
      if (widen && input.data instanceof Float32Array)
        input = { data: Float64Array.from(input.data), shape: input.shape };
      const into = new Map<string, LayerOutput>();
      for (const sink of sinks) {
        const t = sink.target(start, end);
        if (t) into.set(sink.name, t);
      }
      const outputs = await model.run(input, layers, into);
      for (const sink of sinks) {
        const x = outputs.get(sink.name);
        if (x === undefined)
          throw new ConcordError(
            ACTIVATIONS_ERRORS.RUN_FAILED,
            `${model.file}: the model returned no output for layer '${sink.name}' (batch ${start}..${end - 1})`,
            { file: model.file, field: sink.name },
          );
        if (x.shape[0] !== end - start) {
          throw new ConcordError(
            ACTIVATIONS_ERRORS.RUN_FAILED,
            `${model.file}: layer '${sink.name}' has shape [${x.shape.join(', ')}] for a batch of ${end - start}; only tensors whose first axis is the batch can be split per stimulus`,
            { file: model.file, field: sink.name },
          );
        }
        if (options.checkFinite !== false) checkFinite(model, sink.name, x, start, stimuli);
        if (start === 0) sink.unitShape = x.shape.slice(1);
        handle(sink, start, sink.reduce(x));
      }
      progress.tick(end - start);
    }
  };

  if (hasPca) {
    await pass((sink, _start, y) => sink.pca?.partialFit(y));
    for (const s of sinks) s.pca?.finishFit();
    await pass((sink, start, y) => sink.store(start, sink.pca ? sink.pca.transform(y) : y));
  } else {
    await pass((sink, start, y) => sink.store(start, y));
  }
  progress.finish();

  const datasets = new Map<string, Dataset>();
  const records = new Map<string, LayerRecord>();
  for (const sink of sinks) {
    const reductions = [...sink.transforms.map((t) => t.describe()), ...(sink.pca ? [sink.pca.describe()] : [])];
    records.set(sink.name, { unitShape: sink.unitShape, units: sink.units, reductions });
    datasets.set(
      sink.name,
      new Dataset(sink.dataset(), {
        descriptors: {
          layer: sink.name,
          model: model.file,
          unitShape: sink.unitShape,
          ...(reductions.length ? { reductions } : {}),
        },
        obsDescriptors: stimuli.descriptors,
      }),
    );
  }
  return { datasets, records };
}
