/**
 * Predictive coding (Whittington & Bogacz 2017) as a learning rule of the engine: for each batch, value nodes start
 * at the forward pass, the label is clamped through the loss, T inference steps relax the prediction errors, and
 * every layer learns from its own error and its presynaptic activity (predictive-coding-inference.ts). The trained
 * network is the MLP itself: its forward pass is what the value nodes settle to with the input alone (all errors
 * zero), so the exported ONNX graph is the ordinary feedforward network.
 * The fixed-prediction variant (Millidge et al. 2020) is the rule 'predictive-coding-fpa' (predictive-coding-fpa.ts).
 */
import type { RuleDeclaration, UpdateRule } from '../rule.ts';
import { addToGrad, asMatrix, asTensor, denseStack, oneHot } from './dense-stack.ts';
import { predictiveCodingStep } from './predictive-coding-inference.ts';

const HYPER = {
  steps: { default: 20, min: 0, max: 10000, description: 'inference steps T per batch' },
  inferenceRate: { default: 0.1, min: 0, max: 10, description: 'inference rate γ of the value nodes' },
  outputPrecision: {
    default: 1,
    min: 0,
    max: 1e6,
    description: 'precision λ of the output error relative to the hidden errors (PC → BP·λ as λ → 0)',
  },
} as const;

function pcRule(declaration: RuleDeclaration, fixedPrediction: boolean): UpdateRule {
  return {
    kind: 'update',
    declaration,
    create(setup) {
      const stack = denseStack(setup.network, declaration.name);
      return {
        auxParams: [],
        step(ctx) {
          const r = predictiveCodingStep(
            stack,
            asMatrix(ctx.batch.x),
            oneHot(ctx.batch, ctx.nClasses, ctx.training.labelSmoothing),
            {
              steps: Number(ctx.hyper.steps),
              inferenceRate: Number(ctx.hyper.inferenceRate),
              outputPrecision: Number(ctx.hyper.outputPrecision),
              fixedPrediction,
              loss: ctx.training.loss,
            },
            { rule: declaration.name, batch: ctx.batchIndex, epoch: ctx.epoch },
          );
          stack.layers.forEach((l, i) => {
            addToGrad(l.weight, r.weightGrads[i].data);
            addToGrad(l.bias, r.biasGrads[i]);
          });
          return { loss: r.loss, scores: asTensor(r.logits) };
        },
      };
    },
  };
}

export const PC_REFERENCE =
  'Whittington & Bogacz 2017, An approximation of the error backpropagation algorithm in a predictive coding network with local Hebbian synaptic plasticity, Neural Comput. 29:1229';

export const predictiveCodingRule: UpdateRule = pcRule(
  {
    name: 'predictive-coding',
    family: 'predictive coding',
    variant: 'supervised inference learning',
    reference: PC_REFERENCE,
    // Errors travel through the forward weights (Wᵀε): not asymmetric. Each layer learns from its own prediction
    // error and presynaptic activity: local. A feedforward sweep, then clamped inference, then the update: phases.
    criteria: { asymmetricWeights: false, localErrors: true, singlePhase: false },
    architectures: ['mlp'],
    hyperParameters: HYPER,
    training: { optimizer: 'adam', lr: 1e-3, batch: 128, epochs: 20 },
  },
  false,
);

export function fixedPredictionRule(declaration: RuleDeclaration): UpdateRule {
  return pcRule(declaration, true);
}

export { HYPER as PC_HYPER };
