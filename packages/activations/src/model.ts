/**
 * The interface every network runtime implements (ONNX through onnxruntime-node, TF.js layers and graph models), and
 * the checks they share: input shape/dtype against the model's declared input, layer names against the model's list.
 */
import { ConcordError, ParameterError, ShapeError } from '@concord/core';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import type { Dim, LayerInfo, TensorInfo } from './onnx-graph.ts';

export type { Dim, LayerInfo, TensorInfo } from './onnx-graph.ts';

/** A batch of stimuli as the network's input tensor (C order). */
export interface InputBatch {
  data: Float32Array | Float64Array | Int32Array | Uint8Array;
  /** Including the batch axis first. */
  shape: number[];
}

/** One layer's activations for a batch: float32, batch axis first. */
export interface LayerOutput {
  data: Float32Array;
  shape: number[];
}

export type ModelFormat = 'onnx' | 'tfjs-layers' | 'tfjs-graph';

export interface ActivationModel {
  /** The model file as given. */
  readonly file: string;
  readonly format: ModelFormat;
  readonly inputs: TensorInfo[];
  /** Every tensor that can be extracted, in graph order. */
  readonly layers: LayerInfo[];
  /** 'onnxruntime-node 1.30.0', 'tfjs 4.22.0 (wasm)'. */
  readonly runtime: string;
  /** The axis of channels in image-like activations (1 for NCHW, -1 for NHWC); used by global average pooling. */
  readonly channelAxis: number;
  /** SHA-256 of the model file(s), hex. */
  hash(): Promise<string>;
  /** Fill in unknown layer shapes by running one zero input (when the input shape allows); returns the layers. */
  inferShapes(): Promise<LayerInfo[]>;
  /**
   * Run one batch and return the named layers. Throws typed errors for bad input or unknown layers. `into` offers
   * preallocated float32 destinations (batch axis first) that a runtime may write into directly (onnxruntime does),
   * saving a copy; the returned LayerOutput then shares that memory.
   */
  run(
    batch: InputBatch,
    layers: readonly string[],
    into?: ReadonlyMap<string, LayerOutput>,
  ): Promise<Map<string, LayerOutput>>;
  dispose(): Promise<void>;
}

export function formatShape(shape: readonly Dim[] | null): string {
  return shape ? `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]` : 'unknown';
}

/** The model's single input; models with several inputs are refused with their list. */
export function singleInput(model: { file: string; inputs: TensorInfo[] }): TensorInfo {
  if (model.inputs.length !== 1) {
    throw new ConcordError(
      ACTIVATIONS_ERRORS.INPUT_MISMATCH,
      `${model.file}: extraction feeds one stimulus tensor, but the model has ${model.inputs.length} inputs (${model.inputs.map((i) => `'${i.name}' ${formatShape(i.shape)}`).join(', ')})`,
      { file: model.file, field: 'inputs' },
    );
  }
  return model.inputs[0];
}

/** Check a batch against the model input: same rank, equal fixed dimensions, same dtype. */
export function checkInputBatch(file: string, input: TensorInfo, shape: readonly number[], dtype: string): void {
  const expected = input.shape;
  const bad =
    expected &&
    (expected.length !== shape.length || expected.some((d, i) => typeof d === 'number' && d > 0 && d !== shape[i]));
  if (bad) {
    throw new ShapeError(
      `${file}: input '${input.name}' expects shape ${formatShape(expected)} (${input.dtype}), received [${shape.join(', ')}] (${dtype}); check --size and --layout`,
      { file, field: input.name, expected, received: [...shape] },
    );
  }
  if (input.dtype !== 'unknown' && input.dtype !== dtype) {
    throw new ConcordError(
      ACTIVATIONS_ERRORS.INPUT_MISMATCH,
      `${file}: input '${input.name}' expects dtype ${input.dtype} with shape ${formatShape(expected)}, received ${dtype} with shape [${shape.join(', ')}]`,
      { file, field: input.name, expected: input.dtype, received: dtype },
    );
  }
}

/** Unknown layer names are an error that lists the valid ones (abbreviated when there are many). */
export function checkLayerNames(file: string, layers: readonly LayerInfo[], names: readonly string[]): void {
  if (names.length === 0)
    throw new ParameterError(
      ACTIVATIONS_ERRORS.UNKNOWN_LAYER,
      'layers',
      `${file}: no layer requested; valid layers: ${listNames(layers)}`,
    );
  const valid = new Set(layers.map((l) => l.name));
  const unknown = names.filter((n) => !valid.has(n));
  if (unknown.length > 0) {
    throw new ParameterError(
      ACTIVATIONS_ERRORS.UNKNOWN_LAYER,
      'layers',
      `${file}: unknown layer${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; valid layers: ${listNames(layers)}`,
      { file, received: unknown, expected: layers.map((l) => l.name) },
    );
  }
}

function listNames(layers: readonly LayerInfo[]): string {
  const names = layers.map((l) => `'${l.name}'`);
  return names.length <= 60
    ? names.join(', ')
    : `${names.slice(0, 30).join(', ')}, ... (${names.length - 40} more) ..., ${names.slice(-10).join(', ')}`;
}

/** Dtype name of a typed array, as onnxruntime names it. */
export function arrayDtype(a: InputBatch['data']): string {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'uint8';
}
