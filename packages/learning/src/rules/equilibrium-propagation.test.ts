/**
 * The EqProp rule through the engine: a free phase that has not converged is counted (or, with strictConvergence,
 * a typed error naming rule, layer and batch); predictions come from the free equilibrium; a Fashion-MNIST subset
 * trains well above chance. Convergence, monotone energy and the β → 0 alignment with BPTT are tested in
 * equilibrium-propagation-dynamics.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { trainNetwork } from '../engine/train.ts';
import { FASHION_SKIP_REASON, fashionMnist, randomBatch, runStep, testOps, tinyMlp } from '../testing.ts';
import { equilibriumPropagationRule } from './equilibrium-propagation.ts';

describe('equilibrium propagation rule', () => {
  const net = () => tinyMlp([6, 5, 3], 1, 'hard-sigmoid');

  it('counts batches whose free phase did not settle, and with strictConvergence refuses them by name', () => {
    const n = net();
    const batch = randomBatch(n, 8);
    const r = runStep(equilibriumPropagationRule, n, batch, { hyper: { freeSteps: 1, tolerance: 1e-9 } });
    expect(r.instance.diagnostics?.()).toMatchObject({ batches: 1, freePhaseNotConverged: 1 });
    const ok = runStep(equilibriumPropagationRule, n, batch, { hyper: { freeSteps: 50 } });
    expect(ok.instance.diagnostics?.()).toMatchObject({ batches: 1, freePhaseNotConverged: 0 });
    expect(() =>
      runStep(equilibriumPropagationRule, n, batch, {
        hyper: { freeSteps: 1, tolerance: 1e-9, strictConvergence: true },
      }),
    ).toThrow(/equilibrium-propagation: the relaxation did not converge in layer 2 at step 1 \(epoch 1, batch 1\)/);
  });

  it('predicts from the free equilibrium (which differs from the feedforward pass by the top-down feedback)', () => {
    const n = net();
    const batch = randomBatch(n, 8);
    const r = runStep(equilibriumPropagationRule, n, batch);
    const scores = r.instance.predict?.(n, batch.x, testOps);
    expect(scores?.shape).toEqual([8, 3]);
    for (const v of scores?.data ?? []) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('refuses a network without hard-sigmoid units', () => {
    expect(() => runStep(equilibriumPropagationRule, tinyMlp([6, 5, 3]), randomBatch(tinyMlp([6, 5, 3]), 4))).toThrow(
      /hard-sigmoid/,
    );
  });
});

describe.skipIf(!fashionMnist())(
  `equilibrium propagation on a Fashion-MNIST subset ${fashionMnist() ? '' : FASHION_SKIP_REASON}`,
  () => {
    it('784-512-10, T1 = 30, T2 = 10, β = 0.1, 2000 train images, 1 epoch: test accuracy on 500 images >= 0.6 (chance 0.10)', () => {
      const dataset = fashionMnist();
      if (!dataset) return;
      const r = trainNetwork({
        rule: 'equilibrium-propagation',
        arch: 'mlp',
        dataset,
        limitTrain: 2000,
        limitTest: 500,
        training: { epochs: 1 },
      });
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0.6);
      expect(r.instance.diagnostics?.().freePhaseNotConverged).toBe(0);
    });
  },
);
