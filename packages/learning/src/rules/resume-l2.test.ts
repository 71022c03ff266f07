import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../dataset.ts';
import { trainNetwork } from '../engine/train.ts';
import { networkParams } from '../network.ts';
import { dtpRule } from './dtp.ts';
import { forwardForwardRule } from './forward-forward.ts';
import { forwardGradientRule } from './forward-gradient.ts';
import { localSimRule } from './local-sim.ts';
import { nodePerturbationRule } from './node-perturbation.ts';
import { digits } from './rule-test-kit.ts';

// Rules with learned auxiliary weights (inverses, projections) and per-batch randomness (noise, tangents, negative
// labels): an interrupted run resumed from its checkpoint ends with the same weights as an uninterrupted one.
const dir = mkdtempSync(join(tmpdir(), 'concord-l2-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!digits())('resume after an interruption [skipped without Debian python3-sklearn digits]', () => {
  for (const rule of [dtpRule, localSimRule, forwardForwardRule, nodePerturbationRule, forwardGradientRule])
    it(`${rule.declaration.name}: 1 epoch + resume 1 epoch = 2 epochs, bit for bit`, () => {
      const common = {
        rule,
        arch: 'mlp' as const,
        dataset: digits() as ImageDataset,
        seed: 3,
        limitTrain: 200,
        limitTest: 50,
        training: { hidden: [16, 16], epochs: 2, batch: 50 },
      };
      const full = trainNetwork(common);
      const checkpoint = join(dir, `${rule.declaration.name}.ckpt`);
      trainNetwork({ ...common, checkpoint, stopAfterEpochs: 1 });
      const resumed = trainNetwork({ ...common, resume: checkpoint });
      const a = networkParams(full.network);
      const b = networkParams(resumed.network);
      a.forEach((p, k) => {
        expect([...b[k].value]).toEqual([...p.value]);
      });
      expect(resumed.trainLoss).toEqual(full.trainLoss);
    });
});
