/**
 * BP: updates equal finite-difference gradients of the loss (float64 test mode) on small networks of every layer
 * type; and it trains the default MLP well above chance on a Fashion-MNIST subset.
 */
import { describe, expect, it } from 'vitest';
import { trainNetwork } from '../engine/train.ts';
import { logitsOf, type Network, networkParams } from '../network.ts';
import type { Batch, LossName } from '../rule.ts';
import {
  everyLayerNetwork,
  FASHION_SKIP_REASON,
  fashionMnist,
  randomBatch,
  runStep,
  subsetPlan,
  testOps,
  tinyCnn,
  tinyMlp,
} from '../testing.ts';
import { bp } from './bp.ts';

const plan = subsetPlan();

function lossOf(net: Network, batch: Batch, loss: LossName, labelSmoothing: number): number {
  return testOps.loss(loss, logitsOf(testOps.forward(net, batch.x)), batch.labels, { labelSmoothing }).value;
}

/** Largest |analytic - numeric| / max(1e-3, |numeric|) over a sample of each parameter's entries (central differences). */
function gradientCheck(net: Network, batch: Batch, loss: LossName = 'cross-entropy', labelSmoothing = 0): number {
  const { grads } = runStep(bp, net, batch, { training: { loss, labelSmoothing } });
  let worst = 0;
  const h = 1e-6;
  for (const p of networkParams(net)) {
    const g = grads.get(p.name) as Float64Array;
    const step = Math.max(1, Math.floor(p.value.length / 40));
    for (let i = 0; i < p.value.length; i += step) {
      const v = p.value[i];
      p.value[i] = v + h;
      const up = lossOf(net, batch, loss, labelSmoothing);
      p.value[i] = v - h;
      const down = lossOf(net, batch, loss, labelSmoothing);
      p.value[i] = v;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(g[i] - numeric) / Math.max(1e-3, Math.abs(numeric)));
    }
  }
  return worst;
}

describe('bp gradient check (float64, central differences, relative error < 1e-5)', () => {
  it('tanh MLP, cross-entropy', () => {
    const net = tinyMlp([6, 5, 4, 3]);
    expect(gradientCheck(net, randomBatch(net, 5))).toBeLessThan(1e-5);
  });
  it('relu MLP, MSE loss', () => {
    const net = tinyMlp([6, 5, 3], 3, 'relu');
    expect(gradientCheck(net, randomBatch(net, 4), 'mse')).toBeLessThan(1e-5);
  });
  it('tanh MLP with label smoothing 0.1', () => {
    const net = tinyMlp([4, 6, 3], 4);
    expect(gradientCheck(net, randomBatch(net, 4), 'cross-entropy', 0.1)).toBeLessThan(1e-5);
  });
  it('LeNet-shaped CNN (conv, tanh, max pool, flatten, dense)', () => {
    const net = tinyCnn();
    expect(gradientCheck(net, randomBatch(net, 3))).toBeLessThan(1e-5);
  });
  it('every layer type: padded conv, relu, avg pool, conv, leaky relu, max pool, flatten, dense, hard sigmoid, sigmoid', () => {
    const net = everyLayerNetwork();
    expect(gradientCheck(net, randomBatch(net, 3))).toBeLessThan(1e-5);
  });
  it('a wrong gradient would be caught: the check fails when one weight update is corrupted', () => {
    const net = tinyMlp([3, 3, 2]);
    const batch = randomBatch(net, 3);
    const { grads } = runStep(bp, net, batch);
    const g = grads.get('fc1.weight') as Float64Array;
    const p = networkParams(net)[0];
    const h = 1e-6;
    const v = p.value[0];
    p.value[0] = v + h;
    const up = lossOf(net, batch, 'cross-entropy', 0);
    p.value[0] = v - h;
    const down = lossOf(net, batch, 'cross-entropy', 0);
    p.value[0] = v;
    expect(Math.abs(g[0] - (up - down) / (2 * h))).toBeLessThan(1e-8);
    expect(Math.abs(g[0] * 1.01 - (up - down) / (2 * h))).toBeGreaterThan(1e-8);
  });
});

describe.skipIf(!fashionMnist())(`bp on a Fashion-MNIST subset ${fashionMnist() ? '' : FASHION_SKIP_REASON}`, () => {
  it(`${plan.label} train images, 2 epochs: test accuracy on 1000 images >= ${plan.floors.bp} (chance 0.10)`, () => {
    const dataset = fashionMnist();
    if (!dataset) return;
    const r = trainNetwork({
      rule: 'bp',
      arch: 'mlp',
      dataset,
      seed: 0,
      limitTrain: plan.limitTrain,
      limitTest: 1000,
      training: { epochs: 2, hidden: plan.hidden, lr: plan.lr },
    });
    expect(r.testAccuracy).toBeGreaterThanOrEqual(plan.floors.bp);
    expect(r.trainLoss[1]).toBeLessThan(r.trainLoss[0]);
  });
});
