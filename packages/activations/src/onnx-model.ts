/**
 * ONNX models through onnxruntime-node. Loading decodes the graph (inputs, every intermediate tensor) and creates a
 * session at once, so unsupported operators or opsets fail up front with the model named. Extraction creates (and
 * keeps) one session per set of requested tensors, with those tensors appended as graph outputs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConcordError, type Dataset, FileFormatError, ShapeError } from '@concord/core';
import { readFileChecked } from '@concord/io';
import ort from 'onnxruntime-node';
import { type ExtractToOptions, extractWithProvenance } from './cache.ts';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import {
  type ActivationModel,
  arrayDtype,
  checkInputBatch,
  checkLayerNames,
  type InputBatch,
  type LayerOutput,
  singleInput,
} from './model.ts';
import {
  decodeOnnxModel,
  describeOnnxGraph,
  type LayerInfo,
  type OnnxGraphInfo,
  type TensorInfo,
  withExtraOutputs,
} from './onnx-graph.ts';
import { createSession } from './onnx-session.ts';
import type { Stimuli } from './stimuli.ts';

export interface OnnxModelOptions {
  /** Intra-op threads of onnxruntime (default: onnxruntime's choice, one per core). */
  threads?: number;
  /** onnxruntime graph optimisation level (default 'all'; requested tensors are kept as outputs, so never fused away). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

export const ONNX_RUNTIME = `onnxruntime-node ${ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown'}`;

/** Map an onnxruntime session-creation failure to a typed error naming the model. */
function sessionError(file: string, e: unknown): ConcordError {
  const msg = (e as Error).message ?? String(e);
  if (/protobuf parsing failed|Protobuf parsing failed|No graph was found/i.test(msg)) {
    return new FileFormatError(ACTIVATIONS_ERRORS.MODEL_FORMAT, file, `onnxruntime cannot parse the model: ${msg}`);
  }
  return new ConcordError(
    ACTIVATIONS_ERRORS.MODEL_UNSUPPORTED,
    `${file}: onnxruntime (${ONNX_RUNTIME}) refused the model (unsupported operator, opset or IR version?): ${msg}`,
    {
      file,
    },
  );
}

export class OnnxModel implements ActivationModel {
  readonly format = 'onnx' as const;
  readonly runtime = ONNX_RUNTIME;
  readonly channelAxis = 1;
  readonly inputs: TensorInfo[];
  readonly layers: LayerInfo[];
  readonly graph: OnnxGraphInfo;
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly known: Map<string, TensorInfo>;
  private shapesInferred = false;
  /** Element type of each tensor as onnxruntime returned it. */
  private readonly outputTypes = new Map<string, string>();

  private constructor(
    readonly file: string,
    private readonly bytes: Uint8Array,
    private readonly options: OnnxModelOptions,
    base: ort.InferenceSession,
  ) {
    this.graph = describeOnnxGraph(decodeOnnxModel(bytes, file));
    this.inputs = this.graph.inputs;
    this.layers = this.graph.layers;
    this.known = new Map([...this.inputs, ...this.layers].map((t) => [t.name, t]));
    // onnxruntime knows input shapes/dtypes even when the file's value_info is sparse.
    for (const meta of base.inputMetadata) {
      const mine = this.inputs.find((i) => i.name === meta.name);
      if (mine && meta.isTensor && mine.dtype === 'unknown') mine.dtype = meta.type;
    }
    this.sessions.set('', Promise.resolve(base));
  }

  static async load(file: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
    const bytes = readFileChecked(file);
    const { externalData } = describeOnnxGraph(decodeOnnxModel(bytes, file));
    for (const loc of externalData) {
      if (!existsSync(resolve(dirname(file), loc))) {
        throw new FileFormatError(
          ACTIVATIONS_ERRORS.MODEL_FORMAT,
          file,
          `external data file '${loc}' (weights stored outside the model) is missing beside the model`,
          { field: 'external_data' },
        );
      }
    }
    let base: ort.InferenceSession;
    try {
      base = await createSession(file, bytes, externalData, sessionOptions(options));
    } catch (e) {
      throw sessionError(file, e);
    }
    return new OnnxModel(file, bytes, options, base);
  }

  private sha256: string | undefined;

  async hash(): Promise<string> {
    if (!this.sha256) {
      const h = createHash('sha256').update(this.bytes);
      for (const loc of this.graph.externalData) h.update(readFileSync(resolve(dirname(this.file), loc)));
      this.sha256 = h.digest('hex');
    }
    return this.sha256;
  }

  private session(names: readonly string[]): Promise<ort.InferenceSession> {
    const outputs = new Set(this.graph.outputs.map((o) => o.name));
    const extra = [...new Set(names)].filter((n) => !outputs.has(n)).sort();
    const key = extra.join('\u0000');
    let s = this.sessions.get(key);
    if (!s) {
      s = createSession(
        this.file,
        withExtraOutputs(this.bytes, extra, this.known),
        this.graph.externalData,
        sessionOptions(this.options),
      ).catch((e) => {
        this.sessions.delete(key);
        throw sessionError(this.file, e);
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  async run(
    batch: InputBatch,
    layers: readonly string[],
    into?: ReadonlyMap<string, LayerOutput>,
  ): Promise<Map<string, LayerOutput>> {
    const input = singleInput(this);
    checkInputBatch(this.file, input, batch.shape, arrayDtype(batch.data));
    checkLayerNames(this.file, this.layers, layers);
    const session = await this.session(layers);
    const type = arrayDtype(batch.data) as 'float32';
    const tensor = new ort.Tensor(type, batch.data as Float32Array, batch.shape);
    let result: ort.InferenceSession.OnnxValueMapType;
    // Preallocated outputs: onnxruntime writes straight into the caller's memory (no copy afterwards). Only for
    // float32 tensors: seen to be so in an earlier batch, or declared so by the model (the first batch). A
    // declared shape can be wrong; onnxruntime then refuses the buffer and the batch runs again without it.
    const used = new Set<string>();
    const speculative = new Set<string>();
    try {
      const names = [...new Set(layers)];
      const fetches: Record<string, ort.Tensor | null> = {};
      for (const n of names) {
        const seen = this.outputTypes.get(n);
        const t =
          seen === 'float32' || (seen === undefined && this.known.get(n)?.dtype === 'float32')
            ? into?.get(n)
            : undefined;
        fetches[n] = t ? new ort.Tensor('float32', t.data, t.shape) : null;
        if (t) used.add(n);
        if (t && seen === undefined) speculative.add(n);
      }
      try {
        result = await session.run({ [input.name]: tensor }, used.size > 0 ? fetches : names);
      } catch (e) {
        if (speculative.size === 0) throw e;
        used.clear();
        result = await session.run({ [input.name]: tensor }, names);
      }
    } catch (e) {
      throw new ConcordError(
        ACTIVATIONS_ERRORS.RUN_FAILED,
        `${this.file}: onnxruntime failed on a batch of shape [${batch.shape.join(', ')}]: ${(e as Error).message}`,
        {
          file: this.file,
        },
      );
    } finally {
      tensor.dispose();
    }
    const out = new Map<string, LayerOutput>();
    for (const name of layers) {
      const target = used.has(name) ? into?.get(name) : undefined;
      if (target) {
        this.outputTypes.set(name, 'float32');
        out.set(name, target);
        continue;
      }
      const t = result[name] as ort.Tensor;
      this.outputTypes.set(name, t.type);
      out.set(name, { data: toFloat32(t.data, name, this.file), shape: [...t.dims] });
    }
    return out;
  }

  async inferShapes(): Promise<LayerInfo[]> {
    if (this.shapesInferred || this.layers.every((l) => l.shape !== null && l.dtype !== 'unknown')) return this.layers;
    this.shapesInferred = true;
    const input = singleInput(this);
    if (!input.shape) return this.layers;
    // A dynamic batch axis is probed with 2, so the batch axis of each layer shows up as the input's symbol.
    const batchSymbol = typeof input.shape[0] === 'number' ? undefined : input.shape[0];
    const shape = input.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 2 : Number.NaN));
    if (shape.some((d) => Number.isNaN(d)) || !['float32', 'float64'].includes(input.dtype)) return this.layers;
    const n = shape.reduce((a, b) => a * b, 1);
    const data = input.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    // A one-off session holding every tensor as an output (not cached: it is only for this probe).
    const outputs = new Set(this.graph.outputs.map((o) => o.name));
    const extra = this.layers.map((l) => l.name).filter((nm) => !outputs.has(nm));
    const session = await createSession(
      this.file,
      withExtraOutputs(this.bytes, extra, this.known),
      this.graph.externalData,
      sessionOptions(this.options),
    ).catch((e) => {
      throw sessionError(this.file, e);
    });
    const result = await session.run({
      [input.name]: new ort.Tensor(input.dtype as 'float32', data as Float32Array, shape),
    });
    for (const layer of this.layers) {
      const t = result[layer.name] as ort.Tensor | undefined;
      if (!t) continue;
      const dims: (number | string | null)[] = [...t.dims];
      if (
        batchSymbol !== undefined &&
        dims.length > 0 &&
        dims[0] === 2 &&
        (layer.shape === null || layer.shape[0] !== 2)
      )
        dims[0] = batchSymbol ?? 'N';
      if (layer.shape === null || layer.shape.some((d) => d === null)) layer.shape = dims;
      if (layer.dtype === 'unknown') layer.dtype = t.type;
      t.dispose();
    }
    await session.release();
    return this.layers;
  }

  /** One Dataset per requested layer (stimuli × units, float32); see ExtractToOptions. */
  async extract(stimuli: Stimuli, options: ExtractToOptions): Promise<Map<string, Dataset>> {
    return (await extractWithProvenance(this, stimuli, options)).datasets;
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await (await s.catch(() => undefined))?.release();
  }
}

function sessionOptions(o: OnnxModelOptions): ort.InferenceSession.SessionOptions {
  return {
    ...(o.threads !== undefined ? { intraOpNumThreads: o.threads, interOpNumThreads: 1 } : {}),
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    executionMode: 'sequential',
  };
}

function toFloat32(data: unknown, layer: string, file: string): Float32Array {
  if (data instanceof Float32Array) return data;
  if (
    data instanceof Float64Array ||
    data instanceof Int32Array ||
    data instanceof Uint8Array ||
    data instanceof Int8Array ||
    data instanceof Uint16Array ||
    data instanceof Int16Array ||
    data instanceof Uint32Array
  ) {
    return Float32Array.from(data);
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    return out;
  }
  throw new ShapeError(
    `${file}: layer '${layer}' holds non-numeric values (${(data as object)?.constructor?.name}); only numeric tensors can become a Dataset`,
    {
      file,
      field: layer,
    },
  );
}

export function loadOnnxModel(file: string, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  return OnnxModel.load(file, options);
}
