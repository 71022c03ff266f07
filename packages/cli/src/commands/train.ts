/**
 * `concord train` and `concord train rules`: the learning package's commands (issue 14's contract).
 * Training runs in a worker thread (the main thread draws the progress bar); `--in-process` runs it inline.
 */
import { resolve } from 'node:path';
import {
  checkArchitecture,
  getRule,
  parseHyperText,
  RULES,
  type RunOptions,
  resolveTraining,
  runTraining,
  runTrainingInWorker,
  type TrainingDefaults,
} from '@concord/learning';
import { type Command, choiceOption, numberOption, stringOption, UsageError } from '../command.ts';

const rulesCommand: Command = {
  name: 'train rules',
  summary: 'list the learning rules with their family, reference, plausibility criteria, architectures and defaults',
  options: {},
  run(_opts, _pos, ctx) {
    const rules = RULES.map((r) => {
      const d = r.declaration;
      const defaults: Record<string, unknown> = { ...resolveTraining(d) };
      for (const [k, spec] of Object.entries(d.hyperParameters)) defaults[k] = spec.default;
      return {
        name: d.name,
        family: d.family,
        variant: d.variant,
        reference: d.reference,
        criteria: d.criteria,
        architectures: [...d.architectures],
        defaults,
        ...(d.readout ? { readout: d.readout } : {}),
      };
    });
    ctx.output({ rules }, (r: { rules: typeof rules }) =>
      r.rules
        .map(
          (x) =>
            `${x.name.padEnd(24)}${x.family}${x.variant ? ` (${x.variant})` : ''}  C1 ${x.criteria.asymmetricWeights ? 'yes' : 'no'}, C2 ${x.criteria.localErrors ? 'yes' : 'no'}, C3 ${x.criteria.singlePhase ? 'yes' : 'no'}  [${x.architectures.join(', ')}]`,
        )
        .join('\n'),
    );
    return 0;
  },
};

function parseHidden(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 1))
    throw new UsageError(`--hidden: expected comma-separated positive integers (e.g. 1024,512,256), received '${v}'`);
  return parts;
}

const trainCommand: Command = {
  name: 'train',
  summary: 'train a network with a learning rule and write it as ONNX (net.onnx) with a JSON sidecar (net.json)',
  options: {
    rule: { type: 'string', value: 'R', description: 'learning rule (see concord train rules)', required: true },
    arch: { type: 'string', value: 'mlp|cnn', description: 'architecture', required: true },
    hidden: { type: 'string', value: 'H1,H2,..', description: 'MLP hidden sizes (default 1024,512,256)' },
    dataset: {
      type: 'string',
      value: 'NAME|PATH',
      description: 'fashion-mnist, mnist, kmnist, emnist, cifar10, cifar100, digits, or a folder',
      required: true,
    },
    'data-dir': { type: 'string', value: 'DIR', description: "folder with the dataset's files" },
    epochs: { type: 'string', value: 'N', description: "epochs (default: the rule's recipe, else 10)" },
    batch: { type: 'string', value: 'B', description: 'mini-batch size (default 128)' },
    lr: { type: 'string', value: 'X', description: 'learning rate (default 0.001 for adam)' },
    optimizer: { type: 'string', value: 'adam|sgd', description: 'optimiser (default adam)' },
    momentum: { type: 'string', value: 'M', description: 'SGD momentum (default 0.9)' },
    'weight-decay': { type: 'string', value: 'W', description: 'L2 weight decay (default 0)' },
    schedule: { type: 'string', value: 'constant|step|cosine', description: 'learning-rate schedule' },
    'label-smoothing': { type: 'string', value: 'E', description: 'label smoothing of the cross-entropy (default 0)' },
    hyper: { type: 'string', value: 'k=v,..', description: "the rule's hyper-parameters" },
    seed: { type: 'string', value: 'S', description: 'random seed (default 0)' },
    'limit-train': { type: 'string', value: 'N', description: 'use the first N training images' },
    'limit-test': { type: 'string', value: 'N', description: 'use the first N test images' },
    validation: {
      type: 'string',
      value: 'F',
      description: 'hold out this fraction of the training set and report its accuracy',
    },
    backend: { type: 'string', value: 'native|js', description: 'compute backend (default: native when built)' },
    threads: { type: 'string', value: 'T', description: 'BLAS threads (default 1, fastest on 2-core machines)' },
    out: {
      type: 'string',
      value: 'net.onnx',
      description: 'output ONNX file; the sidecar is net.json',
      required: true,
    },
    resume: {
      type: 'string',
      value: 'CHECKPOINT',
      description: 'continue an interrupted run from its checkpoint (net.ckpt)',
    },
    'in-process': { type: 'boolean', description: 'train on the main thread instead of a worker' },
  },
  details:
    'Checkpoints are written after every epoch to the output path with .ckpt (removed after success); --resume with the\nsame flags continues and gives the same network as an uninterrupted run.\nJSON: {rule, arch, dataset, epochs, seed, trainSeconds, secondsPerEpoch, trainLoss, testAccuracy, criteria, onnx, layers}.',
  async run(opts, _pos, ctx) {
    const ruleName = stringOption(opts, 'rule') as string;
    const arch = stringOption(opts, 'arch') as string;
    // Validate rule and architecture first (typed errors listing the valid ones).
    checkArchitecture(getRule(ruleName).declaration, arch);
    const training: Partial<TrainingDefaults> = {
      hidden: parseHidden(stringOption(opts, 'hidden')),
      epochs: numberOption(opts, 'epochs', { integer: true, min: 1 }),
      batch: numberOption(opts, 'batch', { integer: true, min: 1 }),
      lr: numberOption(opts, 'lr', { min: 0 }),
      optimizer: choiceOption(opts, 'optimizer', ['adam', 'sgd'] as const),
      momentum: numberOption(opts, 'momentum', { min: 0 }),
      weightDecay: numberOption(opts, 'weight-decay', { min: 0 }),
      schedule: choiceOption(opts, 'schedule', ['constant', 'step', 'cosine'] as const),
      labelSmoothing: numberOption(opts, 'label-smoothing', { min: 0 }),
    };
    const hyperText = stringOption(opts, 'hyper');
    const abs = (p: string | undefined) => (p === undefined ? undefined : resolve(ctx.cwd, p));
    const dataset = stringOption(opts, 'dataset') as string;
    const known = ['fashion-mnist', 'mnist', 'kmnist', 'emnist', 'cifar10', 'cifar100', 'digits'];
    const runOpts: RunOptions = {
      rule: ruleName,
      arch,
      dataset: known.includes(dataset) ? dataset : (abs(dataset) as string),
      dataDir: abs(stringOption(opts, 'data-dir')),
      out: abs(stringOption(opts, 'out')) as string,
      seed: numberOption(opts, 'seed', { integer: true }),
      training,
      hyper: hyperText === undefined ? undefined : parseHyperText(hyperText),
      limitTrain: numberOption(opts, 'limit-train', { integer: true, min: 1 }),
      limitTest: numberOption(opts, 'limit-test', { integer: true, min: 1 }),
      validation: numberOption(opts, 'validation', { min: 0 }),
      backend: choiceOption(opts, 'backend', ['native', 'js'] as const),
      threads: numberOption(opts, 'threads', { integer: true, min: 1 }),
      resume: abs(stringOption(opts, 'resume')),
      onProgress: ctx.progress(`train ${ruleName}`),
    };
    const summary = opts['in-process'] ? await runTraining(runOpts) : await runTrainingInWorker(runOpts);
    ctx.output(
      summary,
      (s: typeof summary) =>
        `${s.rule} ${s.arch} on ${s.dataset}: test accuracy ${(100 * s.testAccuracy).toFixed(2)} % after ${s.epochs} epoch(s) (${s.trainSeconds.toFixed(1)} s) → ${s.onnx}`,
    );
    return 0;
  },
};

export const trainCommands: Command[] = [rulesCommand, trainCommand];
