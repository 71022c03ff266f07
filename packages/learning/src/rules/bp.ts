/**
 * Backpropagation (Rumelhart, Hinton & Williams 1986): the exact gradient of the loss, carried back through the
 * transposed forward weights. The baseline of the study; its updates are checked against finite differences.
 */
import type { UpdateRule } from '../rule.ts';
import { outputError } from './common.ts';

export const bp: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'bp',
    family: 'backpropagation',
    variant: '',
    reference: 'Rumelhart, Hinton & Williams 1986, Learning representations by back-propagating errors, Nature 323:533',
    criteria: { asymmetricWeights: false, localErrors: false, singlePhase: false },
    architectures: ['mlp', 'cnn'],
    hyperParameters: {},
  },
  create() {
    return {
      auxParams: [],
      step(ctx) {
        const { value, grad } = outputError(ctx);
        ctx.ops.backward(ctx.network, ctx.forward, grad);
        return { loss: value };
      },
    };
  },
};
