/**
 * The training loop: seeded shuffling and mini-batches, the rule's step, the optimiser with its schedule, NaN/Inf
 * checks (ERR_LEARNING_DIVERGED naming rule, epoch and batch), progress events, per-epoch checkpoints and resume.
 * Synchronous; `trainInWorker` (worker.ts) runs it off the main thread.
 */
import {
  type BackendName,
  ConcordRangeError,
  type DType,
  type FloatArray,
  ParameterError,
  type ProgressCallback,
  trainingKernelsFor,
} from '@concord/core';
import { buildNetwork, DEFAULT_MLP_HIDDEN } from '../architectures.ts';
import type { ImageDataset, ImageSet } from '../dataset.ts';
import { type ArchitectureName, logitsOf, type Network, networkParams, type Param } from '../network.ts';
import type {
  EngineOps,
  Hyper,
  HyperValue,
  LearningRule,
  RuleDeclaration,
  RuleInstance,
  TrainingDefaults,
  UpdateRule,
} from '../rule.ts';
import { getRule } from '../rules/index.ts';
import type { Tensor } from '../tensor.ts';
import { type CheckpointHeader, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { createOps } from './ops.ts';
import { Optimizer, scheduledLr } from './optimizer.ts';
import { permutation, STREAM, streamRng } from './seeds.ts';

export const ENGINE_DEFAULTS: TrainingDefaults = {
  optimizer: 'adam',
  lr: 1e-3,
  epochs: 10,
  batch: 128,
  momentum: 0.9,
  weightDecay: 0,
  loss: 'cross-entropy',
  labelSmoothing: 0,
  schedule: 'constant',
  activation: 'tanh',
  hidden: DEFAULT_MLP_HIDDEN,
};

export interface TrainOptions {
  rule: string | LearningRule;
  arch: ArchitectureName;
  dataset: ImageDataset;
  seed?: number;
  /** Overrides of the engine settings (after the rule's own defaults). */
  training?: Partial<TrainingDefaults>;
  /** Overrides of the rule's hyper-parameters. */
  hyper?: Record<string, HyperValue>;
  backend?: BackendName;
  /** 'float64' is the gradient-check test mode. */
  dtype?: DType;
  /** Use only the first N training / test images. */
  limitTrain?: number;
  limitTest?: number;
  /** Hold out this fraction of the training set (seeded) and report accuracy on it (tuning without the test set). */
  validation?: number;
  onProgress?: ProgressCallback;
  /** Write a checkpoint here after every epoch. */
  checkpoint?: string;
  /** Continue from this checkpoint (same settings required). */
  resume?: string;
  /** Stop after this many epochs of this call (tests simulate an interruption with it). */
  stopAfterEpochs?: number;
}

export interface TrainResult {
  network: Network;
  instance: RuleInstance;
  declaration: RuleDeclaration;
  training: TrainingDefaults;
  hyper: Hyper;
  seed: number;
  trainLoss: number[];
  trainAccuracy: number[];
  secondsPerEpoch: number[];
  trainSeconds: number;
  testAccuracy: number;
  validationAccuracy?: number;
  /** Epochs completed (less than training.epochs only with stopAfterEpochs). */
  epochsDone: number;
  ops: EngineOps;
}

/** The rule's settings after the engine defaults, the rule's recipe and the caller's overrides; validated. */
export function resolveTraining(decl: RuleDeclaration, overrides: Partial<TrainingDefaults> = {}): TrainingDefaults {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const t: TrainingDefaults = { ...ENGINE_DEFAULTS, ...decl.training, ...defined };
  const positive = (name: keyof TrainingDefaults, v: number, integer: boolean) => {
    if (!(v > 0) || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        name,
        `expected a positive ${integer ? 'integer' : 'number'}, received ${v}`,
      );
  };
  positive('lr', t.lr, false);
  positive('epochs', t.epochs, true);
  positive('batch', t.batch, true);
  if (t.hidden.length === 0 || t.hidden.some((h) => !Number.isInteger(h) || h < 1))
    throw new ParameterError(
      'ERR_LEARNING_HYPER',
      'hidden',
      `expected positive integer sizes, received ${t.hidden.join(',')}`,
    );
  if (!(t.labelSmoothing >= 0 && t.labelSmoothing < 1))
    throw new ParameterError(
      'ERR_LEARNING_HYPER',
      'labelSmoothing',
      `expected a number in [0, 1), received ${t.labelSmoothing}`,
    );
  if (!(t.weightDecay >= 0) || !(t.momentum >= 0 && t.momentum < 1))
    throw new ParameterError(
      'ERR_LEARNING_HYPER',
      'weightDecay/momentum',
      'expected weightDecay >= 0 and momentum in [0, 1)',
    );
  return t;
}

/** The rule's hyper-parameters: defaults with the given overrides, each checked against its spec. */
export function resolveHyper(decl: RuleDeclaration, given: Record<string, HyperValue> = {}): Hyper {
  const out: Record<string, HyperValue> = {};
  for (const [k, spec] of Object.entries(decl.hyperParameters)) out[k] = spec.default;
  for (const [k, v] of Object.entries(given)) {
    const spec = decl.hyperParameters[k];
    if (!spec)
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        k,
        `rule '${decl.name}' has no hyper-parameter '${k}'; it has: ${Object.keys(decl.hyperParameters).join(', ') || 'none'}`,
      );
    if (typeof v !== typeof spec.default)
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        k,
        `expected a ${typeof spec.default}, received ${JSON.stringify(v)}`,
      );
    if (spec.choices && !spec.choices.includes(String(v)))
      throw new ParameterError('ERR_LEARNING_HYPER', k, `expected one of ${spec.choices.join(', ')}, received '${v}'`);
    if (typeof v === 'number' && ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)))
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        k,
        `expected a value in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}], received ${v}`,
      );
    out[k] = v;
  }
  return out;
}

/** Check that the rule supports the architecture (the error lists what it supports). */
export function checkArchitecture(decl: RuleDeclaration, arch: string): void {
  if (arch !== 'mlp' && arch !== 'cnn')
    throw new ParameterError('ERR_LEARNING_UNKNOWN_ARCH', 'arch', `unknown architecture '${arch}'; valid: mlp, cnn`, {
      received: arch,
    });
  if (!decl.architectures.includes(arch))
    throw new ParameterError(
      'ERR_LEARNING_ARCH_UNSUPPORTED',
      'arch',
      `rule '${decl.name}' does not support '${arch}'; it supports: ${decl.architectures.join(', ')}`,
      { received: arch, expected: decl.architectures },
    );
}

/** Rows [start, end) of `order` gathered into a batch tensor of the network's dtype. */
function gatherBatch(
  set: ImageSet,
  order: ArrayLike<number>,
  start: number,
  end: number,
  network: Network,
): { x: Tensor; labels: Int32Array } {
  const d = set.images.length / Math.max(1, set.n);
  const n = end - start;
  const data = network.dtype === 'float32' ? new Float32Array(n * d) : new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = order[start + r];
    data.set(set.images.subarray(i * d, (i + 1) * d), r * d);
    labels[r] = set.labels[i];
  }
  return { x: { data, shape: [n, ...network.inputShape] }, labels };
}

function argmaxRow(data: FloatArray, row: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (data[row * k + j] > data[row * k + best]) best = j;
  return best;
}

function countCorrect(scores: Tensor, labels: Int32Array): number {
  const k = scores.data.length / Math.max(1, labels.length);
  let c = 0;
  for (let r = 0; r < labels.length; r++) if (argmaxRow(scores.data, r, k) === labels[r]) c++;
  return c;
}

/** Fraction of `set` (rows `indices`, default all) classified correctly by the rule's prediction. */
export function evaluateAccuracy(
  network: Network,
  instance: RuleInstance,
  ops: EngineOps,
  set: ImageSet,
  indices?: ArrayLike<number>,
  batch = 500,
): number {
  const order = indices ?? Uint32Array.from({ length: set.n }, (_, i) => i);
  let correct = 0;
  for (let s = 0; s < order.length; s += batch) {
    const b = gatherBatch(set, order, s, Math.min(order.length, s + batch), network);
    const scores = instance.predict ? instance.predict(network, b.x, ops) : logitsOf(ops.forward(network, b.x));
    correct += countCorrect(scores, b.labels);
  }
  return order.length === 0 ? 0 : correct / order.length;
}

export function limitSet(set: ImageSet, limit: number | undefined): ImageSet {
  if (limit === undefined || limit >= set.n) return set;
  if (!Number.isInteger(limit) || limit < 1)
    throw new ParameterError('ERR_LEARNING_HYPER', 'limit', `expected a positive integer, received ${limit}`);
  const d = set.images.length / Math.max(1, set.n);
  return { ...set, n: limit, images: set.images.subarray(0, limit * d), labels: set.labels.subarray(0, limit) };
}

export function trainNetwork(opts: TrainOptions): TrainResult {
  const rule = typeof opts.rule === 'string' ? getRule(opts.rule) : opts.rule;
  if (rule.kind !== 'update')
    throw new ParameterError(
      'ERR_LEARNING_HYPER',
      'rule',
      `rule '${rule.declaration.name}' runs its own loop (custom rule); use runTraining`,
    );
  return trainUpdateRule(rule, opts);
}

function trainUpdateRule(rule: UpdateRule, opts: TrainOptions): TrainResult {
  const decl = rule.declaration;
  checkArchitecture(decl, opts.arch);
  const training = resolveTraining(decl, opts.training);
  const hyper = resolveHyper(decl, opts.hyper);
  const seed = opts.seed ?? 0;
  const dtype = opts.dtype ?? 'float32';
  const kernels = trainingKernelsFor(opts.backend);
  const ops = createOps(kernels);
  const trainAll = limitSet(opts.dataset.train, opts.limitTrain);
  const test = limitSet(opts.dataset.test, opts.limitTest);
  const network = buildNetwork({
    arch: opts.arch,
    imageShape: trainAll.shape,
    nClasses: opts.dataset.nClasses,
    hidden: training.hidden,
    activation: training.activation,
    dtype,
    rng: streamRng(seed, STREAM.init),
  });
  const instance = rule.create({ network, hyper, training, rng: streamRng(seed, STREAM.rule), ops, dtype });
  const params: Param[] = [...networkParams(network), ...instance.auxParams];
  const optimizer = new Optimizer(
    { name: training.optimizer, lr: training.lr, momentum: training.momentum, weightDecay: training.weightDecay },
    kernels,
  );

  // Seeded train/validation split of the (limited) training set.
  let trainIdx = Uint32Array.from({ length: trainAll.n }, (_, i) => i);
  let validIdx: Uint32Array | undefined;
  if (opts.validation !== undefined && opts.validation > 0) {
    if (!(opts.validation < 1))
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        'validation',
        `expected a fraction in (0, 1), received ${opts.validation}`,
      );
    const perm = permutation(trainAll.n, streamRng(seed, STREAM.validation));
    const nv = Math.max(1, Math.round(opts.validation * trainAll.n));
    validIdx = perm.slice(0, nv);
    trainIdx = perm.slice(nv);
  }

  const fingerprint = {
    rule: decl.name,
    arch: opts.arch,
    dataset: opts.dataset.name,
    nTrain: trainIdx.length,
    seed,
    dtype,
    training,
    hyper,
  };
  const history = { trainLoss: [] as number[], trainAccuracy: [] as number[], secondsPerEpoch: [] as number[] };
  let startEpoch = 0;
  if (opts.resume) {
    const ck = readCheckpoint(opts.resume);
    const a = JSON.stringify(ck.header.fingerprint);
    const b = JSON.stringify(fingerprint);
    if (a !== b) {
      const diff = Object.keys(fingerprint).filter(
        (k) => JSON.stringify(ck.header.fingerprint[k]) !== JSON.stringify((fingerprint as Record<string, unknown>)[k]),
      );
      throw new ConcordRangeError(
        'ERR_LEARNING_CHECKPOINT',
        `${opts.resume}: the checkpoint belongs to a different run (differs in: ${diff.join(', ')}); resume with the same settings`,
        { file: opts.resume, field: diff.join(', ') },
      );
    }
    for (const p of params) {
      const v = ck.arrays.get(`param:${p.name}`);
      if (!v || v.length !== p.value.length)
        throw new ConcordRangeError(
          'ERR_LEARNING_CHECKPOINT',
          `${opts.resume}: parameter '${p.name}' is missing or has the wrong size`,
          {
            file: opts.resume,
            field: p.name,
          },
        );
      p.value.set(v);
      const m = ck.arrays.get(`m:${p.name}`);
      const v2 = ck.arrays.get(`v:${p.name}`);
      if (m) optimizer.m.set(p.name, m);
      if (v2) optimizer.v.set(p.name, v2);
    }
    for (const [k, t] of Object.entries(ck.header.steps)) optimizer.t.set(k, t);
    const state: Record<string, FloatArray> = {};
    for (const [k, v] of ck.arrays) if (k.startsWith('state:')) state[k.slice(6)] = v;
    instance.loadState?.(state);
    startEpoch = ck.header.epoch;
    history.trainLoss.push(...ck.header.history.trainLoss);
    history.trainAccuracy.push(...ck.header.history.trainAccuracy);
    history.secondsPerEpoch.push(...ck.header.history.secondsPerEpoch);
  }

  const nBatches = Math.ceil(trainIdx.length / training.batch);
  const totalBatches = nBatches * training.epochs;
  const endEpoch = Math.min(training.epochs, startEpoch + (opts.stopAfterEpochs ?? Infinity));
  let lastReport = -Infinity;
  for (let epoch = startEpoch; epoch < endEpoch; epoch++) {
    const t0 = performance.now();
    const lr = scheduledLr(training.lr, training.schedule, epoch, training.epochs);
    const perm = permutation(trainIdx.length, streamRng(seed, STREAM.shuffle, epoch));
    const order = perm.map((i) => trainIdx[i]);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < nBatches; b++) {
      const batch = gatherBatch(
        trainAll,
        order,
        b * training.batch,
        Math.min(order.length, (b + 1) * training.batch),
        network,
      );
      for (const p of params) p.grad.fill(0);
      const forward = ops.forward(network, batch.x);
      const r = instance.step({
        network,
        batch,
        forward,
        nClasses: network.nClasses,
        hyper,
        training,
        epoch,
        epochs: training.epochs,
        batchIndex: b,
        rng: streamRng(seed, STREAM.batch, epoch, b),
        ops,
      });
      if (!Number.isFinite(r.loss))
        throw new ConcordRangeError(
          'ERR_LEARNING_DIVERGED',
          `rule '${decl.name}' diverged: the loss became ${r.loss} at epoch ${epoch + 1}, batch ${b + 1} of ${nBatches} (lr ${lr}); lower the learning rate`,
          { field: 'loss', received: r.loss, rule: decl.name, epoch: epoch + 1, batch: b + 1 },
        );
      optimizer.step(params, lr);
      lossSum += r.loss * batch.labels.length;
      correct += countCorrect(r.scores ?? logitsOf(forward), batch.labels);
      seen += batch.labels.length;
      const now = performance.now();
      if (opts.onProgress && (now - lastReport > 200 || b === nBatches - 1)) {
        lastReport = now;
        const values = {
          epoch: epoch + 1,
          epochs: training.epochs,
          batch: b + 1,
          batches: nBatches,
          loss: lossSum / seen,
          accuracy: correct / seen,
        };
        opts.onProgress({
          stage: 'train',
          done: epoch * nBatches + b + 1,
          total: totalBatches,
          message: `epoch ${epoch + 1}/${training.epochs} batch ${b + 1}/${nBatches} loss ${values.loss.toFixed(4)} acc ${values.accuracy.toFixed(3)}`,
          values,
        });
      }
    }
    // A parameter may still go non-finite with a finite loss (e.g. a rule's own update blowing up): check every epoch.
    for (const p of params)
      for (let i = 0; i < p.value.length; i++)
        if (!Number.isFinite(p.value[i]))
          throw new ConcordRangeError(
            'ERR_LEARNING_DIVERGED',
            `rule '${decl.name}' diverged: parameter '${p.name}' became ${p.value[i]} in epoch ${epoch + 1}`,
            { field: p.name, rule: decl.name, epoch: epoch + 1 },
          );
    history.trainLoss.push(lossSum / Math.max(1, seen));
    history.trainAccuracy.push(correct / Math.max(1, seen));
    history.secondsPerEpoch.push((performance.now() - t0) / 1000);
    if (opts.checkpoint) {
      const arrays = new Map<string, FloatArray>();
      for (const p of params) {
        arrays.set(`param:${p.name}`, p.value);
        const m = optimizer.m.get(p.name);
        const v = optimizer.v.get(p.name);
        if (m) arrays.set(`m:${p.name}`, m);
        if (v) arrays.set(`v:${p.name}`, v);
      }
      for (const [k, v] of Object.entries(instance.saveState?.() ?? {})) arrays.set(`state:${k}`, v);
      const header: CheckpointHeader = {
        fingerprint,
        epoch: epoch + 1,
        history,
        steps: Object.fromEntries(optimizer.t),
      };
      writeCheckpoint(opts.checkpoint, header, arrays);
    }
  }
  const epochsDone = endEpoch;
  const testAccuracy = evaluateAccuracy(network, instance, ops, test);
  const validationAccuracy = validIdx ? evaluateAccuracy(network, instance, ops, trainAll, validIdx) : undefined;
  return {
    network,
    instance,
    declaration: decl,
    training,
    hyper,
    seed,
    ...history,
    trainSeconds: history.secondsPerEpoch.reduce((a, b) => a + b, 0),
    testAccuracy,
    ...(validationAccuracy !== undefined ? { validationAccuracy } : {}),
    epochsDone,
    ops,
  };
}
