/**
 * The training schedule shared by the unsupervised Hebbian rules (oja, krotov-hopfield): an MLP with one hidden
 * layer; during the first `hebbianEpochs` epochs the hidden layer learns by its Hebbian rule, applied directly with
 * the reference's own step size (ε₀ decaying linearly over those epochs, as in Krotov & Hopfield's code) — the
 * engine's optimiser never touches it (trainable = false), since Adam's per-coordinate scaling would change the
 * rule; then the hidden layer is frozen and the linear readout trains on it with the engine's loss and optimiser.
 * Reported accuracy is the readout's.
 */
import { ParameterError } from '@concord/core';
import { logitsOf } from '../network.ts';
import type { RuleInstance, RuleSetupContext, RuleStepContext } from '../rule.ts';
import { outputError } from './common.ts';
import { asMatrix, type DenseStackView, denseStack } from './dense-stack.ts';

export const HEBBIAN_SCHEDULE_HYPER = {
  hebbianEpochs: {
    default: 20,
    min: 0,
    max: 100000,
    description: 'epochs of unsupervised Hebbian learning of the hidden layer before the readout trains on it',
  },
} as const;

export interface HebbianLayer {
  /** Apply one batch's Hebbian update to the hidden layer (in place), with step size `rate`; returns nothing. */
  update(x: ReturnType<typeof asMatrix>, rate: number, ctx: RuleStepContext): void;
  saveState?(): Record<string, Float32Array | Float64Array>;
  loadState?(state: Record<string, Float32Array | Float64Array>): void;
}

export function hebbianWithReadout(
  setup: RuleSetupContext,
  rule: string,
  makeLayer: (stack: DenseStackView) => HebbianLayer,
): RuleInstance {
  const stack = denseStack(setup.network, rule);
  if (stack.layers.length !== 2)
    throw new ParameterError(
      'ERR_LEARNING_HYPER',
      'hidden',
      `${rule} learns one hidden layer (then a linear readout); received ${stack.layers.length - 1} hidden layers (use --hidden N)`,
    );
  const [hidden, readout] = stack.layers;
  hidden.weight.trainable = false;
  hidden.bias.trainable = false;
  const layer = makeLayer(stack);
  const readoutIndex = setup.network.layers.indexOf(readout);
  return {
    auxParams: [],
    step(ctx) {
      const hebbianEpochs = Math.min(Number(ctx.hyper.hebbianEpochs), ctx.epochs);
      const hebbian = ctx.epoch < hebbianEpochs;
      readout.weight.trainable = !hebbian;
      readout.bias.trainable = !hebbian;
      const { value, grad } = outputError(ctx);
      if (hebbian) {
        const rate = Number(ctx.hyper.hebbianRate) * (1 - ctx.epoch / hebbianEpochs);
        layer.update(asMatrix(ctx.batch.x), rate, ctx);
      } else {
        ctx.ops.backwardLayer(ctx.network, readoutIndex, ctx.forward, grad, { input: false });
      }
      return { loss: value, scores: logitsOf(ctx.forward) };
    },
    saveState: layer.saveState ? () => layer.saveState?.() ?? {} : undefined,
    loadState: layer.loadState ? (s) => layer.loadState?.(s) : undefined,
  };
}
