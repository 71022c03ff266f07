/**
 * Layer-local updates for rules that compute an error for one block's output (local losses, forward-forward,
 * target propagation, perturbation): carry dL/d(block output) back through the block's own non-parametric layers
 * (activation, pooling, flatten) to its parametric layer and accumulate that layer's weight and bias grads — and
 * nothing below it. Works for dense and convolutional blocks alike (the engine's backwardLayer does the layer math).
 */
import { InternalError, Matrix } from '@concord/core';
import type { Block, ForwardState, Network } from '../network.ts';
import type { EngineOps } from '../rule.ts';
import type { Tensor } from '../tensor.ts';

/** dL/d(pre-activation of the block's parametric layer) from dL/d(block output). */
export function blockPreActivationGrad(
  ops: EngineOps,
  network: Network,
  state: ForwardState,
  block: Block,
  gradOutput: Tensor,
): Tensor {
  if (block.last === block.param) return gradOutput;
  const g = ops.backward(network, state, gradOutput, { from: block.last, to: block.param + 1, params: false });
  if (!g)
    throw new InternalError('ERR_LEARNING_STATE', `block ${block.layer.name}: the engine returned no input gradient`);
  return g;
}

/** Accumulate (+=) the grads of block's weight and bias for dL/d(block output) = gradOutput. */
export function accumulateBlockGrads(
  ops: EngineOps,
  network: Network,
  state: ForwardState,
  block: Block,
  gradOutput: Tensor,
): void {
  const gPre = blockPreActivationGrad(ops, network, state, block, gradOutput);
  ops.backwardLayer(network, block.param, state, gPre, { input: false });
}

/** A batch tensor as an N × features matrix over the same memory. */
export function asMatrix(t: Tensor): Matrix {
  const rows = t.shape[0] ?? 1;
  return new Matrix(rows, rows === 0 ? 0 : t.data.length / rows, t.data);
}

/** A matrix as a tensor of the given shape (same memory). */
export function asTensor(m: Matrix, shape: readonly number[] = [m.rows, m.cols]): Tensor {
  return { data: m.data, shape };
}
