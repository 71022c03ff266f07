/**
 * The full runs behind the accuracy goals of issue 14 (and 16): each rule trains the default MLP on all of Debian's
 * Fashion-MNIST with 10 % of the training set held out (seeded) for tuning, then reports validation and test
 * accuracy. Not part of the unit suite (hours on 2 cores); run one rule at a time:
 *
 *   node --import tsx packages/learning/scripts/full-run.ts bp [--epochs 20] [--lr 0.001] [--out results.jsonl]
 *     [--hyper key=value,key=value] [--limit-train N]
 *
 * Settings are each rule's declared recipe (see the README) unless given; tune on "validationAccuracy" only.
 * Appends one JSON line per run to --out (default: full-run-results.jsonl in the working directory).
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { trainingKernelsFor } from '@concord/core';
import { loadDataset } from '../src/datasets/load.ts';
import { trainNetwork } from '../src/engine/train.ts';
import { parseHyperText } from '../src/hyper-text.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    epochs: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    optimizer: { type: 'string' },
    schedule: { type: 'string' },
    seed: { type: 'string', default: '0' },
    validation: { type: 'string', default: '0.1' },
    arch: { type: 'string', default: 'mlp' },
    out: { type: 'string', default: 'full-run-results.jsonl' },
    hyper: { type: 'string' },
    'limit-train': { type: 'string' },
  },
});
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const hyper = values.hyper === undefined ? undefined : parseHyperText(values.hyper);
trainingKernelsFor().setThreads(1);
const dataset = loadDataset('fashion-mnist');
for (const rule of positionals.length ? positionals : ['bp']) {
  const t0 = performance.now();
  const r = trainNetwork({
    rule,
    arch: values.arch as 'mlp' | 'cnn',
    dataset,
    seed: Number(values.seed),
    validation: Number(values.validation),
    ...(hyper ? { hyper } : {}),
    ...(values['limit-train'] ? { limitTrain: Number(values['limit-train']) } : {}),
    training: {
      epochs: num(values.epochs),
      lr: num(values.lr),
      batch: num(values.batch),
      optimizer: values.optimizer as 'adam' | 'sgd' | undefined,
      schedule: values.schedule as 'constant' | 'step' | 'cosine' | undefined,
    },
    onProgress: (e) => {
      if (e.values && e.values.batch === e.values.batches)
        process.stderr.write(`${rule}: ${e.message} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    },
  });
  const line = {
    rule,
    arch: values.arch,
    epochs: r.epochsDone,
    seed: r.seed,
    training: r.training,
    hyper: r.hyper,
    validationAccuracy: r.validationAccuracy,
    testAccuracy: r.testAccuracy,
    trainLoss: r.trainLoss,
    secondsPerEpoch: r.secondsPerEpoch,
  };
  appendFileSync(values.out as string, `${JSON.stringify(line)}\n`);
  console.log(JSON.stringify(line));
}
