/**
 * Equilibrium propagation (Scellier & Bengio 2017; symmetric nudging of Laborieux et al. 2021) as a rule of the
 * engine, on the MLP with hard-sigmoid units (default 784-512-10, Laborieux's recipe: T1 = 30, T2 = 10, β = 0.1,
 * batch 50, SGD). The dynamics and the update are in equilibrium-propagation-dynamics.ts. Training accuracy and
 * `predict` read the free-phase equilibrium's output units. The ONNX export is the network's feedforward pass
 * (fc → hard sigmoid → … → fc): the free equilibrium without the top-down terms Wᵀs_{l+1}, an approximation stated
 * in the declaration's `readout` and the README.
 */
import { ParameterError } from '@concord/core';
import type { UpdateRule } from '../rule.ts';
import { addToGrad, asMatrix, asTensor, denseStack, oneHot } from './dense-stack.ts';
import { eqPropStep, relax, zeroState } from './equilibrium-propagation-dynamics.ts';
import { RelaxationDivergedError } from './relaxation-error.ts';

export const equilibriumPropagationRule: UpdateRule = {
  kind: 'update',
  declaration: {
    name: 'equilibrium-propagation',
    family: 'energy-based learning',
    variant: 'equilibrium propagation, symmetric nudging',
    reference:
      'Scellier & Bengio 2017, Equilibrium propagation, Front. Comput. Neurosci. 11:24; symmetric nudging: Laborieux et al. 2021, Scaling equilibrium propagation to deep ConvNets, Front. Neurosci. 15:633674',
    // The nudged phase's signal reaches hidden units through the same (symmetric) weights: not asymmetric. The
    // update of W_l is a contrast of the local pre/post activities of two phases: local. Free and nudged phases.
    criteria: { asymmetricWeights: false, localErrors: true, singlePhase: false },
    architectures: ['mlp'],
    hyperParameters: {
      freeSteps: { default: 30, min: 1, max: 100000, description: 'free-phase steps T1' },
      nudgedSteps: { default: 10, min: 1, max: 100000, description: 'nudged-phase steps T2 (each of ±β)' },
      beta: { default: 0.1, min: 1e-9, max: 0.999, description: 'nudging strength β (< 1 for the −β phase)' },
      symmetric: { default: true, description: '±β nudging (Laborieux et al.); false: +β against the free phase' },
      tolerance: {
        default: 1e-3,
        min: 0,
        max: 1,
        description: 'the free phase has converged when no unit moved more than this in its last step',
      },
      strictConvergence: {
        default: false,
        description:
          'false: a batch whose free phase has not converged is counted (diagnostics) and training continues with the last state, as in the reference; true: it is an error',
      },
    },
    training: {
      optimizer: 'sgd',
      lr: 0.05,
      momentum: 0,
      batch: 50,
      epochs: 30,
      loss: 'mse',
      activation: 'hard-sigmoid',
      hidden: [512],
    },
    readout:
      'argmax of the free-phase equilibrium output units; the ONNX export is the feedforward pass (equilibrium without top-down feedback, an approximation)',
  },
  create(setup) {
    const name = 'equilibrium-propagation';
    const stack = denseStack(setup.network, name);
    if (stack.hidden !== 'hard-sigmoid')
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        'activation',
        `${name} uses hard-sigmoid units (the energy's box constraint); received ${stack.hidden}`,
      );
    const net = { weights: stack.weights, biases: stack.biases };
    let batches = 0;
    let notConverged = 0;
    let maxFreeChange = 0;
    return {
      auxParams: [],
      step(ctx) {
        const site = { rule: name, batch: ctx.batchIndex, epoch: ctx.epoch };
        const r = eqPropStep(
          net,
          asMatrix(ctx.batch.x),
          oneHot(ctx.batch, ctx.nClasses),
          {
            freeSteps: Number(ctx.hyper.freeSteps),
            nudgedSteps: Number(ctx.hyper.nudgedSteps),
            beta: Number(ctx.hyper.beta),
            symmetric: Boolean(ctx.hyper.symmetric),
            tolerance: Number(ctx.hyper.tolerance),
          },
          site,
        );
        batches++;
        maxFreeChange = Math.max(maxFreeChange, r.freeChange);
        if (!r.converged) {
          notConverged++;
          if (ctx.hyper.strictConvergence)
            throw new RelaxationDivergedError(
              site,
              stack.layers.length,
              Number(ctx.hyper.freeSteps),
              'no-convergence',
              `a unit still moved ${r.freeChange} in the last free step (tolerance ${ctx.hyper.tolerance}); raise freeSteps`,
            );
        }
        stack.layers.forEach((l, i) => {
          addToGrad(l.weight, r.weightGrads[i].data);
          addToGrad(l.bias, r.biasGrads[i]);
        });
        return { loss: r.loss, scores: asTensor(r.free[r.free.length - 1]) };
      },
      predict(_network, x) {
        const m = asMatrix(x);
        const s = relax(net, zeroState(net, m), Number(setup.hyper.freeSteps), { rule: name }).state;
        return asTensor(s[s.length - 1]);
      },
      diagnostics() {
        return { batches, freePhaseNotConverged: notConverged, maxFreeChange };
      },
    };
  },
};
