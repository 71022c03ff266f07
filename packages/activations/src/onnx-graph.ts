/**
 * Reading an ONNX model's graph without running it (onnx-proto): its inputs, every intermediate tensor with the
 * operator that produces it and its shape when the file records one, and the opsets it needs. Also the trick that
 * exposes intermediate tensors to onnxruntime: extra graph outputs, appended to the original bytes (see
 * `withExtraOutputs`).
 */
import { FileFormatError } from '@concord/core';
import onnxProto from 'onnx-proto';
import { ACTIVATIONS_ERRORS } from './errors.ts';

const { onnx } = onnxProto;

/** A dimension: a number when fixed, a symbolic name ('batch', 'N') when dynamic, null when unknown. */
export type Dim = number | string | null;

export interface TensorInfo {
  name: string;
  /** null when the model does not record the shape. */
  shape: Dim[] | null;
  /** onnxruntime's dtype name ('float32', 'int64', ...), or 'unknown'. */
  dtype: string;
}

export interface LayerInfo extends TensorInfo {
  /** The operator (ONNX op type, TF.js layer class or graph op) that produces this tensor. */
  op: string;
}

export interface OnnxGraphInfo {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  layers: LayerInfo[];
  /** Files holding initializers stored outside the model (external data), relative to the model's folder. */
  externalData: string[];
}

const ELEM_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}

type ValueInfo = onnxProto.onnx.IValueInfoProto;

function describeValueInfo(v: ValueInfo): TensorInfo {
  const tt = v.type?.tensorType;
  const elem = tt?.elemType ? toNumber(tt.elemType) : 0;
  let shape: Dim[] | null = null;
  if (tt?.shape) {
    shape = (tt.shape.dim ?? []).map((d) => {
      if (d.dimParam) return d.dimParam;
      if (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0) return toNumber(d.dimValue);
      return null;
    });
  }
  return { name: v.name ?? '', shape, dtype: ELEM_TYPES[elem] ?? 'unknown' };
}

/** Decode an ONNX model; a truncated or non-ONNX file is a FileFormatError naming it. */
export function decodeOnnxModel(bytes: Uint8Array, file: string): InstanceType<typeof onnx.ModelProto> {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /index out of range: (\d+) \+ (\d+) > (\d+)/.exec(msg);
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.MODEL_FORMAT,
      file,
      m
        ? `not a complete ONNX model: a field of ${m[2]} bytes starts at byte ${m[1]} but the file ends at byte ${m[3]} (truncated file?)`
        : `not an ONNX model (protobuf decoding failed: ${msg})`,
      m ? { offset: Number(m[1]) } : {},
    );
  }
  const nodes = model.graph?.node?.length ?? 0;
  if (!model.graph || nodes === 0 || !(toNumber(model.irVersion) > 0)) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.MODEL_FORMAT,
      file,
      `not an ONNX model: expected ir_version > 0 and a graph with nodes, found ir_version ${toNumber(model.irVersion)} and ${model.graph ? `${nodes} nodes` : 'no graph'}`,
      { field: model.graph ? 'graph.node' : 'graph' },
    );
  }
  return model;
}

/** Inputs (graph inputs that are not initializers), outputs and every node output, in graph order. */
export function describeOnnxGraph(model: InstanceType<typeof onnx.ModelProto>): OnnxGraphInfo {
  // a model without a graph describes as empty (checkOnnxModel refuses such files when they are loaded)
  const g: NonNullable<InstanceType<typeof onnx.ModelProto>['graph']> = model.graph ?? {};
  const initializers = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const known = new Map<string, TensorInfo>();
  for (const v of [...(g.input ?? []), ...(g.valueInfo ?? []), ...(g.output ?? [])])
    known.set(v.name ?? '', describeValueInfo(v));
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(describeValueInfo);
  const outputs = (g.output ?? []).map(describeValueInfo);
  const layers: LayerInfo[] = [];
  const seen = new Set<string>();
  for (const node of g.node ?? []) {
    // Constants are weights in disguise, not activations.
    if (node.opType === 'Constant') continue;
    for (const out of node.output ?? []) {
      if (!out || seen.has(out)) continue;
      seen.add(out);
      const info = known.get(out);
      layers.push({ name: out, shape: info?.shape ?? null, dtype: info?.dtype ?? 'unknown', op: node.opType ?? '' });
    }
  }
  const externalData = new Set<string>();
  for (const t of g.initializer ?? []) {
    if (toNumber(t.dataLocation) !== 1) continue;
    const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (loc) externalData.add(loc);
  }
  return {
    externalData: [...externalData],
    irVersion: toNumber(model.irVersion),
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: toNumber(o.version) })),
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    inputs,
    outputs,
    layers,
  };
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/**
 * The model bytes with `names` added as graph outputs. Protobuf merges a repeated embedded message field that appears
 * twice, so appending a second `graph` field (ModelProto field 7) that holds only the extra outputs is the same as
 * re-encoding the whole model, without copying it through protobufjs (which would also drop fields newer than its
 * schema). Types come from the model's value_info when recorded; onnxruntime infers the rest.
 */
export function withExtraOutputs(
  bytes: Uint8Array,
  names: readonly string[],
  known: ReadonlyMap<string, TensorInfo>,
): Uint8Array {
  if (names.length === 0) return bytes;
  const elemCode = new Map(Object.entries(ELEM_TYPES).map(([k, v]) => [v, Number(k)]));
  const output = names.map((name) => {
    const info = known.get(name);
    const elemType = info ? elemCode.get(info.dtype) : undefined;
    return elemType ? { name, type: { tensorType: { elemType } } } : { name };
  });
  const graph = onnx.GraphProto.encode({ output }).finish();
  const head = [(7 << 3) | 2, ...varint(graph.length)];
  const out = new Uint8Array(bytes.length + head.length + graph.length);
  out.set(bytes, 0);
  out.set(head, bytes.length);
  out.set(graph, bytes.length + head.length);
  return out;
}
