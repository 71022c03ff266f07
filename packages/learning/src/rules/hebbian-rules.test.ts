/**
 * The Hebbian rules through the engine (oja, krotov-hopfield): the hidden layer changes only in the Hebbian epochs
 * and only by its own rule (the optimiser never touches it), the readout only afterwards; Fashion-MNIST subsets
 * train the readout well above chance. The updates themselves are tested in hebbian-updates.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { trainNetwork } from '../engine/train.ts';
import type { DenseLayer } from '../network.ts';
import { FASHION_SKIP_REASON, fashionMnist } from '../testing.ts';

function dense(layers: readonly { kind: string }[]): DenseLayer[] {
  return layers.filter((l): l is DenseLayer => l.kind === 'dense');
}

describe.skipIf(!fashionMnist())(
  `Hebbian rules on a Fashion-MNIST subset ${fashionMnist() ? '' : FASHION_SKIP_REASON}`,
  () => {
    it('phases: hidden learns in the Hebbian epochs, then stays frozen while the readout learns', () => {
      const dataset = fashionMnist();
      if (!dataset) return;
      const base = { rule: 'oja', arch: 'mlp' as const, dataset, limitTrain: 600, limitTest: 100, seed: 3 };
      const one = trainNetwork({ ...base, training: { epochs: 1, hidden: [16] }, hyper: { hebbianEpochs: 1 } });
      const three = trainNetwork({ ...base, training: { epochs: 3, hidden: [16] }, hyper: { hebbianEpochs: 1 } });
      const [h1, r1] = dense(one.network.layers);
      const [h3, r3] = dense(three.network.layers);
      // Same Hebbian epoch (same seed): identical hidden weights; the readout epochs moved only the readout.
      expect(Array.from(h3.weight.value)).toEqual(Array.from(h1.weight.value));
      expect(Array.from(r3.weight.value)).not.toEqual(Array.from(r1.weight.value));
      // During the Hebbian epoch the readout kept its initial weights (it was frozen): the 1-epoch run's readout is
      // the initialisation, which the 3-epoch run then changed.
      const init = trainNetwork({
        ...base,
        training: { epochs: 1, hidden: [16] },
        hyper: { hebbianEpochs: 1, hebbianRate: 0 },
      });
      expect(Array.from(dense(init.network.layers)[1].weight.value)).toEqual(Array.from(r1.weight.value));
      // …and the Hebbian epoch did change the hidden layer (with rate 0 it stays at its initialisation).
      expect(Array.from(dense(init.network.layers)[0].weight.value)).not.toEqual(Array.from(h1.weight.value));
    });

    it('oja (Sanger, 32 components): 2000 train images, 2 Hebbian + 2 readout epochs: test accuracy on 500 >= 0.6 (chance 0.10)', () => {
      const dataset = fashionMnist();
      if (!dataset) return;
      const r = trainNetwork({
        rule: 'oja',
        arch: 'mlp',
        dataset,
        limitTrain: 2000,
        limitTest: 500,
        training: { epochs: 4, hidden: [32] },
        hyper: { hebbianEpochs: 2 },
      });
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0.6);
    });

    it('krotov-hopfield (200 units): 2000 train images, 2 Hebbian + 2 readout epochs: test accuracy on 500 >= 0.6 (chance 0.10)', () => {
      const dataset = fashionMnist();
      if (!dataset) return;
      const r = trainNetwork({
        rule: 'krotov-hopfield',
        arch: 'mlp',
        dataset,
        limitTrain: 2000,
        limitTest: 500,
        training: { epochs: 4, hidden: [200] },
        hyper: { hebbianEpochs: 2 },
      });
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0.6);
    });

    it("krotov-hopfield: no winner-take-all collapse from the authors' N(0, 1) start; the unit-norm start collapses", () => {
      const dataset = fashionMnist();
      if (!dataset) return;
      // Distinct units that win (largest current Σ sign(W)|W|^{p−1}·v, p = 3) among 500 training images.
      const distinctWinners = (init: string) => {
        const r = trainNetwork({
          rule: 'krotov-hopfield',
          arch: 'mlp',
          dataset,
          limitTrain: 2000,
          limitTest: 100,
          training: { epochs: 2, hidden: [200] },
          hyper: { hebbianEpochs: 2, init },
        });
        const w = dense(r.network.layers)[0].weight.value;
        const d = 784;
        const winners = new Set<number>();
        for (let s = 0; s < 500; s++) {
          let best = -1;
          let bestCurrent = Number.NEGATIVE_INFINITY;
          for (let u = 0; u < 200; u++) {
            let c = 0;
            for (let i = 0; i < d; i++) c += w[u * d + i] * Math.abs(w[u * d + i]) * dataset.train.images[s * d + i];
            if (c > bestCurrent) {
              bestCurrent = c;
              best = u;
            }
          }
          winners.add(best);
        }
        return winners.size;
      };
      expect(distinctWinners('normal')).toBeGreaterThanOrEqual(20);
      expect(distinctWinners('unit-norm')).toBeLessThan(5);
    });

    it('softhebb (200 units): 2000 train images, 2 Hebbian + 2 readout epochs: test accuracy on 500 >= 0.6 (chance 0.10)', () => {
      const dataset = fashionMnist();
      if (!dataset) return;
      const r = trainNetwork({
        rule: 'softhebb',
        arch: 'mlp',
        dataset,
        limitTrain: 2000,
        limitTest: 500,
        training: { epochs: 4, hidden: [200] },
        hyper: { hebbianEpochs: 2 },
      });
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0.6);
    });
  },
);
