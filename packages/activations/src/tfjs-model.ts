/**
 * TensorFlow.js layers and graph models from disk (model.json + weight shards), run on the wasm backend
 * (@tensorflow/tfjs-backend-wasm; tfjs-node does not install offline). Layers models expose every layer's output
 * (a sub-model with those outputs is built per request); graph models expose every node (executeAsync with names).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConcordError, type Dataset, FileFormatError } from '@concord/core';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type ExtractToOptions, extractWithProvenance } from './cache.ts';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import {
  type ActivationModel,
  arrayDtype,
  checkInputBatch,
  checkLayerNames,
  type InputBatch,
  type LayerInfo,
  type LayerOutput,
  singleInput,
  type TensorInfo,
} from './model.ts';
import type { Stimuli } from './stimuli.ts';

let backendReady: Promise<void> | undefined;

/** Select the wasm backend once; its .wasm files are in the package's dist folder. */
export function tfjsBackend(): Promise<void> {
  backendReady ??= (async () => {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    // Quiet tfjs's "hi there" console banners about faster backends.
    tf.env().set('IS_TEST', true);
    if (!(await tf.setBackend('wasm')))
      throw new ConcordError(
        ACTIVATIONS_ERRORS.MODEL_UNSUPPORTED,
        'TensorFlow.js: the wasm backend failed to initialise',
      );
    await tf.ready();
  })();
  return backendReady;
}

export const TFJS_RUNTIME = `tfjs ${tf.version.tfjs} (wasm)`;

interface ModelJson {
  format?: string;
  modelTopology?: Record<string, unknown>;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function readModelJson(file: string): { json: ModelJson; raw: Uint8Array } {
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(readFileSync(file));
  } catch {
    throw new FileFormatError(ACTIVATIONS_ERRORS.MODEL_FORMAT, file, 'no such model file');
  }
  let json: ModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(raw));
  } catch (e) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.MODEL_FORMAT,
      file,
      `not a TensorFlow.js model.json (invalid JSON: ${(e as Error).message})`,
    );
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.MODEL_FORMAT,
      file,
      'not a TensorFlow.js model.json: expected "modelTopology" and "weightsManifest"',
      { field: 'modelTopology' },
    );
  }
  return { json, raw };
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  string: 0,
  complex64: 8,
};

/** Concatenate the weight shards (paths relative to model.json), checking they exist and have the size the manifest needs. */
function readShards(
  file: string,
  json: ModelJson,
  hash: ReturnType<typeof createHash>,
): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const dir = dirname(file);
  const parts: Uint8Array[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  let expected = 0;
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const shard = join(dir, p);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(shard));
      } catch {
        throw new FileFormatError(ACTIVATIONS_ERRORS.MODEL_FORMAT, shard, `weight shard listed in ${file} is missing`, {
          field: 'weightsManifest.paths',
        });
      }
      hash.update(bytes);
      parts.push(bytes);
    }
    for (const w of group.weights) {
      specs.push(w);
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      expected += n * (q ? (q.dtype === 'uint8' ? 1 : 2) : (DTYPE_BYTES[w.dtype] ?? 4));
    }
  }
  const total = parts.reduce((a, b) => a + b.length, 0);
  if (expected > 0 && total < expected) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.MODEL_FORMAT,
      file,
      `weight shards hold ${total} bytes but the manifest needs ${expected} (truncated shard?)`,
      {
        field: 'weightsManifest',
        expected,
        received: total,
      },
    );
  }
  const data = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.length;
  }
  return { specs, data: data.buffer };
}

function dims(shape: readonly (number | null)[] | undefined | null): (number | string | null)[] | null {
  return shape ? shape.map((d, i) => (d === null || d === -1 ? (i === 0 ? 'N' : null) : d)) : null;
}

export class TfjsModel implements ActivationModel {
  readonly runtime = TFJS_RUNTIME;
  readonly channelAxis = -1;
  private readonly subModels = new Map<string, tf.LayersModel>();

  private constructor(
    readonly file: string,
    readonly format: 'tfjs-layers' | 'tfjs-graph',
    private readonly sha256: string,
    private readonly layersModel: tf.LayersModel | undefined,
    private readonly graphModel: tf.GraphModel | undefined,
    readonly inputs: TensorInfo[],
    readonly layers: LayerInfo[],
  ) {}

  static async load(file: string): Promise<TfjsModel> {
    await tfjsBackend();
    const { json, raw } = readModelJson(file);
    const hash = createHash('sha256').update(raw);
    const { specs, data } = readShards(file, json, hash);
    const sha256 = hash.digest('hex');
    const isGraph = json.format === 'graph-model' || Array.isArray((json.modelTopology as { node?: unknown }).node);
    const handler = tf.io.fromMemory({
      modelTopology: json.modelTopology as object,
      weightSpecs: specs,
      weightData: data,
      format: json.format,
    } as tf.io.ModelArtifacts);
    try {
      if (isGraph) {
        const g = await tf.loadGraphModel(handler);
        const nodes = ((json.modelTopology as { node?: { name: string; op: string }[] }).node ?? []).filter(
          (n) => n.op !== 'Const' && n.op !== 'Placeholder',
        );
        const inputs = g.inputs.map((i) => ({ name: i.name, shape: dims(i.shape ?? null), dtype: i.dtype }));
        const layers = nodes.map((n) => ({ name: n.name, shape: null, dtype: 'float32', op: n.op }));
        return new TfjsModel(file, 'tfjs-graph', sha256, undefined, g, inputs, layers);
      }
      const m = await tf.loadLayersModel(handler);
      const inputs = m.inputs.map((i) => ({ name: i.name.replace(/:0$/, ''), shape: dims(i.shape), dtype: i.dtype }));
      const layers: LayerInfo[] = [];
      for (const l of m.layers) {
        if (l.getClassName() === 'InputLayer') continue;
        let shape: (number | string | null)[] | null = null;
        try {
          shape = dims(l.outputShape as (number | null)[]);
        } catch {
          // Layers used more than once have several output shapes; leave unknown.
        }
        layers.push({ name: l.name, shape, dtype: 'float32', op: l.getClassName() });
      }
      return new TfjsModel(file, 'tfjs-layers', sha256, m, undefined, inputs, layers);
    } catch (e) {
      if (e instanceof ConcordError) throw e;
      throw new ConcordError(
        ACTIVATIONS_ERRORS.MODEL_UNSUPPORTED,
        `${file}: TensorFlow.js (${TFJS_RUNTIME}) cannot build the model: ${(e as Error).message}`,
        { file },
      );
    }
  }

  async hash(): Promise<string> {
    return this.sha256;
  }

  private subModel(names: readonly string[]): tf.LayersModel {
    const key = names.join('\u0000');
    let sub = this.subModels.get(key);
    if (!sub) {
      const m = this.layersModel;
      if (!m)
        throw new ConcordError(ACTIVATIONS_ERRORS.MODEL_KIND, `${this.file}: a graph model has no Keras layers`, {
          file: this.file,
        });
      sub = tf.model({ inputs: m.inputs, outputs: names.map((n) => m.getLayer(n).output as tf.SymbolicTensor) });
      this.subModels.set(key, sub);
    }
    return sub;
  }

  async run(batch: InputBatch, layers: readonly string[]): Promise<Map<string, LayerOutput>> {
    const input = singleInput(this);
    checkInputBatch(this.file, input, batch.shape, arrayDtype(batch.data));
    checkLayerNames(this.file, this.layers, layers);
    const names = [...new Set(layers)];
    const x = tf.tensor(batch.data as Float32Array, batch.shape, input.dtype === 'int32' ? 'int32' : 'float32');
    let ys: tf.Tensor[];
    try {
      if (this.layersModel) {
        const r = this.subModel(names).predict(x);
        ys = Array.isArray(r) ? r : [r];
      } else {
        const r = await this.executeGraph(x, names);
        ys = Array.isArray(r) ? r : [r];
      }
    } catch (e) {
      throw new ConcordError(
        ACTIVATIONS_ERRORS.RUN_FAILED,
        `${this.file}: TensorFlow.js failed on a batch of shape [${batch.shape.join(', ')}]: ${(e as Error).message}`,
        { file: this.file },
      );
    } finally {
      x.dispose();
    }
    const out = new Map<string, LayerOutput>();
    for (let i = 0; i < names.length; i++) {
      const y = ys[i];
      const data =
        y.dtype === 'float32' ? (y.dataSync() as Float32Array) : Float32Array.from(y.dataSync() as Int32Array);
      out.set(names[i], { data: data.slice(), shape: [...y.shape] });
      y.dispose();
    }
    return out;
  }

  /** execute() when the graph allows it (no control flow); executeAsync otherwise. */
  private async executeGraph(x: tf.Tensor, names: string[]): Promise<tf.Tensor | tf.Tensor[]> {
    const g = this.graphModel;
    if (!g)
      throw new ConcordError(ACTIVATIONS_ERRORS.MODEL_KIND, `${this.file}: a layers model has no graph to execute`, {
        file: this.file,
      });
    try {
      return g.execute(x, names);
    } catch (e) {
      if (!/executeAsync|dynamic|control flow/i.test((e as Error).message)) throw e;
      return g.executeAsync(x, names);
    }
  }

  async inferShapes(): Promise<LayerInfo[]> {
    const unknown = this.layers.filter((l) => l.shape === null);
    if (unknown.length === 0) return this.layers;
    const input = singleInput(this);
    const inShape = input.shape;
    if (!inShape || inShape.slice(1).some((d) => typeof d !== 'number')) return this.layers;
    const shape = inShape.map((d, i) => (i === 0 && typeof d !== 'number' ? 2 : (d as number)));
    const x = tf.zeros(shape, input.dtype as 'float32');
    try {
      const names = unknown.map((l) => l.name);
      const r = this.graphModel
        ? await this.graphModel.executeAsync(x, names)
        : (this.subModel(names).predict(x) as tf.Tensor | tf.Tensor[]);
      const ys = Array.isArray(r) ? r : [r];
      ys.forEach((y, i) => {
        const d: (number | string | null)[] = [...y.shape];
        if (typeof inShape[0] !== 'number' && d[0] === 2) d[0] = 'N';
        unknown[i].shape = d;
        unknown[i].dtype = y.dtype;
        y.dispose();
      });
    } catch {
      // Some graph nodes (control flow, shape ops) cannot be fetched on their own; their shapes stay unknown.
    } finally {
      x.dispose();
    }
    return this.layers;
  }

  /** One Dataset per requested layer (stimuli × units, float32); see ExtractToOptions. */
  async extract(stimuli: Stimuli, options: ExtractToOptions): Promise<Map<string, Dataset>> {
    return (await extractWithProvenance(this, stimuli, options)).datasets;
  }

  async dispose(): Promise<void> {
    this.subModels.clear();
    this.layersModel?.dispose();
    this.graphModel?.dispose();
  }
}

export function loadTfjsModel(file: string): Promise<TfjsModel> {
  return TfjsModel.load(file);
}
