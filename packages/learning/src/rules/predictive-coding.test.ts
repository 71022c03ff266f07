/**
 * The predictive-coding rules through the engine: the declared phases are real (without inference only the output
 * layer learns), updates go into the network's grads, and a Fashion-MNIST subset trains well above chance.
 * The approach to BP's gradients and the monotone energy are tested in predictive-coding-inference.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { trainNetwork } from '../engine/train.ts';
import { FASHION_SKIP_REASON, fashionMnist, randomBatch, runStep, tinyMlp } from '../testing.ts';
import { predictiveCodingRule } from './predictive-coding.ts';
import { predictiveCodingFpaRule } from './predictive-coding-fpa.ts';

describe('predictive coding rules', () => {
  it('C3 (not single-phase): without the clamped inference phase the hidden layers get no update', () => {
    for (const rule of [predictiveCodingRule, predictiveCodingFpaRule]) {
      const net = tinyMlp([6, 5, 4, 3]);
      const batch = randomBatch(net, 8);
      const none = runStep(rule, net, batch, { hyper: { steps: 0 } }).grads;
      const some = runStep(rule, net, batch, { hyper: { steps: 30 } }).grads;
      const norm = (a: Float64Array | undefined) => Math.hypot(...(a ?? []));
      expect(norm(none.get('fc1.weight'))).toBe(0);
      expect(norm(some.get('fc1.weight'))).toBeGreaterThan(0);
    }
  });

  it('C1 (symmetric): the hidden update changes when the feedback through the layer above uses other weights', () => {
    const a = tinyMlp([6, 5, 4, 3]);
    const b = tinyMlp([6, 5, 4, 3]);
    const batch = randomBatch(a, 8);
    // Flip the sign of the hidden layer 2 → output weights AND of layer 2's units' incoming weights: the forward
    // function is unchanged for tanh (odd), so the output error is identical; FA-like rules with fixed feedback would
    // then give a different layer-1 update, symmetric rules (feedback = Wᵀ) give the same one.
    const w2 = b.layers.find((l) => l.kind === 'dense' && l.name === 'fc2');
    const w3 = b.layers.find((l) => l.kind === 'dense' && l.name === 'fc3');
    if (w2?.kind !== 'dense' || w3?.kind !== 'dense') throw new Error('tiny MLP layout');
    for (let i = 0; i < w2.weight.value.length; i++) w2.weight.value[i] *= -1;
    for (let i = 0; i < w2.bias.value.length; i++) w2.bias.value[i] *= -1;
    for (let i = 0; i < w3.weight.value.length; i++) w3.weight.value[i] *= -1;
    const ga = runStep(predictiveCodingRule, a, batch, { hyper: { steps: 40 } }).grads.get('fc1.weight') ?? [];
    const gb = runStep(predictiveCodingRule, b, batch, { hyper: { steps: 40 } }).grads.get('fc1.weight') ?? [];
    for (let i = 0; i < ga.length; i++) expect(gb[i]).toBeCloseTo(ga[i], 10);
  });
});

describe.skipIf(!fashionMnist())(
  `predictive coding on a Fashion-MNIST subset ${fashionMnist() ? '' : FASHION_SKIP_REASON}`,
  () => {
    for (const rule of ['predictive-coding', 'predictive-coding-fpa'])
      it(`${rule}: MLP 784-128-10, 2000 train images, 1 epoch, T = 20: test accuracy on 500 images >= 0.65 (chance 0.10)`, () => {
        const dataset = fashionMnist();
        if (!dataset) return;
        const r = trainNetwork({
          rule,
          arch: 'mlp',
          dataset,
          limitTrain: 2000,
          limitTest: 500,
          training: { epochs: 1, hidden: [128] },
        });
        expect(r.testAccuracy).toBeGreaterThanOrEqual(0.65);
      });
  },
);
