/**
 * Batch-first tensors of the training engine: a flat typed array plus its shape. Dense activations are [N, F],
 * convolutional ones [N, C, H, W] (row-major, the layout ONNX and PyTorch use). The dtype is the network's:
 * float32 for training, float64 for the gradient-check test mode.
 */
import { allocate, type DType, type FloatArray, ShapeError } from '@concord/core';

export interface Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(data: FloatArray, shape: readonly number[]): Tensor {
  if (data.length !== sizeOf(shape))
    throw new ShapeError(`tensor: data of length ${data.length} does not fit shape [${shape.join(', ')}]`, {
      expected: sizeOf(shape),
      received: data.length,
    });
  return { data, shape: [...shape] };
}

export function zerosTensor(shape: readonly number[], dtype: DType): Tensor {
  return { data: allocate(dtype, sizeOf(shape)), shape: [...shape] };
}

/** Rows × features view of a batch tensor (no copy). */
export function rowsOf(t: Tensor): { rows: number; cols: number } {
  const rows = t.shape[0] ?? 1;
  return { rows, cols: rows === 0 ? 0 : t.data.length / rows };
}

export function dtypeOfTensor(t: Tensor): DType {
  return t.data instanceof Float32Array ? 'float32' : 'float64';
}
