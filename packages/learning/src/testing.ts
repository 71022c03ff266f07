/**
 * Helpers for rule tests (not exported from the package index; import from '../testing.ts'): tiny float64 networks,
 * synthetic batches, a step runner that calls a rule on one batch and returns every parameter's update, and the
 * Fashion-MNIST subset used for above-chance training tests.
 */
import { spawnSync } from 'node:child_process';
import { Rng, trainingKernelsFor } from '@concord/core';
import { buildNetwork, conv2dLayer, denseLayer, poolLayer } from './architectures.ts';
import type { ImageDataset } from './dataset.ts';
import { debianFashionMnistDir, loadIdxFolder } from './datasets/load.ts';
import { createOps } from './engine/ops.ts';
import { ENGINE_DEFAULTS, resolveHyper } from './engine/train.ts';
import { type ActivationName, type ForwardState, type Layer, type Network, networkParams } from './network.ts';
import type { Batch, EngineOps, HyperValue, RuleInstance, TrainingDefaults, UpdateRule } from './rule.ts';

export const testOps: EngineOps = createOps(trainingKernelsFor('js'));

/** A float64 MLP with the given sizes (input first, classes last). */
export function tinyMlp(sizes: readonly number[], seed = 1, activation: ActivationName = 'tanh'): Network {
  return buildNetwork({
    arch: 'mlp',
    imageShape: [1, 1, sizes[0]],
    nClasses: sizes[sizes.length - 1],
    hidden: sizes.slice(1, -1),
    activation,
    dtype: 'float64',
    rng: new Rng(seed),
  });
}

/** A float64 LeNet-shaped CNN on 1×16×16 inputs. */
export function tinyCnn(seed = 1, classes = 3): Network {
  return buildNetwork({
    arch: 'cnn',
    imageShape: [1, 16, 16],
    nClasses: classes,
    dtype: 'float64',
    rng: new Rng(seed),
  });
}

/** A float64 network with every layer type: conv (padding 1) → relu → avgpool → conv → leaky → maxpool → flatten → dense → hard-sigmoid → dense → sigmoid → dense. */
export function everyLayerNetwork(seed = 1): Network {
  const rng = new Rng(seed);
  const c1 = conv2dLayer('c1', 2, 3, 3, [6, 6], 'float64', rng, 1, 1);
  const p1 = poolLayer('p1', 'avgpool', 3, 2, c1.outSize);
  const c2 = conv2dLayer('c2', 3, 4, 2, p1.outSize, 'float64', rng);
  const p2 = poolLayer('p2', 'maxpool', 4, 2, c2.outSize);
  const flat = 4 * p2.outSize[0] * p2.outSize[1];
  const layers: Layer[] = [
    c1,
    { kind: 'activation', name: 'a1', fn: 'relu' },
    p1,
    c2,
    { kind: 'activation', name: 'a2', fn: 'leaky-relu', slope: 0.1 },
    p2,
    { kind: 'flatten', name: 'flat' },
    denseLayer('d1', flat, 5, 'float64', rng),
    { kind: 'activation', name: 'a3', fn: 'hard-sigmoid' },
    denseLayer('d2', 5, 4, 'float64', rng),
    { kind: 'activation', name: 'a4', fn: 'sigmoid' },
    denseLayer('d3', 4, 3, 'float64', rng),
  ];
  return { arch: 'cnn', inputShape: [2, 6, 6], nClasses: 3, layers, dtype: 'float64' };
}

/** A random batch for `network` (inputs uniform in [0, 1], labels uniform). */
export function randomBatch(network: Network, n: number, seed = 2): Batch {
  const rng = new Rng(seed);
  let d = 1;
  for (const s of network.inputShape) d *= s;
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = rng.random();
  const labels = Int32Array.from({ length: n }, () => rng.int(network.nClasses));
  return { x: { data: x, shape: [n, ...network.inputShape] }, labels };
}

export interface StepOutput {
  loss: number;
  /** Every network parameter's update (its grad after the step), by parameter name. */
  grads: Map<string, Float64Array>;
  instance: RuleInstance;
  forward: ForwardState;
}

/** Create the rule on `network` and run one step on `batch`; returns the updates. */
export function runStep(
  rule: UpdateRule,
  network: Network,
  batch: Batch,
  opts: {
    hyper?: Record<string, HyperValue>;
    training?: Partial<TrainingDefaults>;
    instance?: RuleInstance;
    seed?: number;
  } = {},
): StepOutput {
  const training = { ...ENGINE_DEFAULTS, ...rule.declaration.training, ...opts.training };
  const hyper = resolveHyper(rule.declaration, opts.hyper);
  const instance =
    opts.instance ??
    rule.create({ network, hyper, training, rng: new Rng(opts.seed ?? 7), ops: testOps, dtype: network.dtype });
  const params = [...networkParams(network), ...instance.auxParams];
  for (const p of params) p.grad.fill(0);
  const forward = testOps.forward(network, batch.x);
  const r = instance.step({
    network,
    batch,
    forward,
    nClasses: network.nClasses,
    hyper,
    training,
    epoch: 0,
    epochs: 1,
    batchIndex: 0,
    rng: new Rng(opts.seed ?? 9),
    ops: testOps,
  });
  const grads = new Map<string, Float64Array>();
  for (const p of networkParams(network)) grads.set(p.name, Float64Array.from(p.grad));
  return { loss: r.loss, grads, instance, forward };
}

let fashionCache: ImageDataset | null | undefined;
/** Debian's Fashion-MNIST, or undefined when the package is not installed. */
export function fashionMnist(): ImageDataset | undefined {
  if (fashionCache === undefined) {
    const dir = debianFashionMnistDir();
    fashionCache = dir ? loadIdxFolder(dir, 'fashion-mnist') : null;
  }
  return fashionCache ?? undefined;
}

export const FASHION_SKIP_REASON =
  'skipped: Debian package dataset-fashion-mnist is not installed (/usr/share/datasets/fashion-mnist)';

/** A learnable synthetic dataset: each class has its own random mean image, plus noise; values clipped to [0, 1]. */
export function syntheticDataset(
  nTrain: number,
  nTest: number,
  shape: [number, number, number],
  classes: number,
  seed = 1,
): ImageDataset {
  const rng = new Rng(seed);
  const d = shape[0] * shape[1] * shape[2];
  const means = Array.from({ length: classes }, () => Float32Array.from({ length: d }, () => rng.random()));
  const make = (n: number) => {
    const images = new Float32Array(n * d);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = rng.int(classes);
      labels[i] = c;
      for (let j = 0; j < d; j++) images[i * d + j] = Math.min(1, Math.max(0, means[c][j] + 0.3 * rng.normal()));
    }
    return { images, labels, shape, n };
  };
  return { name: 'synthetic', nClasses: classes, train: make(nTrain), test: make(nTest) };
}

/** A python3 that can import torch (Debian's python3-torch lives in /usr/bin/python3), or undefined. */
export function pythonWithTorch(): string | undefined {
  for (const exe of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(exe, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (r.status === 0) return exe;
  }
  return undefined;
}

/** Run a python snippet with `data` (JSON from stdin) assigning `result` (JSON on stdout). */
export function runPython<T>(exe: string, snippet: string, input: unknown): T {
  const script = `import json, sys\ndata = json.loads(sys.stdin.read())\nresult = None\n${snippet}\nsys.stdout.write(json.dumps(result))\n`;
  const r = spawnSync(exe, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python reference failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * Subset-training settings for the unit suite, with each rule's floor (test accuracy on 1000 images; chance 0.10).
 * Native backend: the default MLP on 3000 images, 2 epochs, Adam 1e-3 (measured with seed 0: bp 0.78, fa 0.72,
 * dfa 0.72, sign-symmetry 0.76). Under the TypeScript backend (CONCORD_BACKEND=js, ~30× slower, and slower still
 * under vitest): a 784-32-10 MLP on 800 images, 2 epochs, lr 0.01 (measured: bp 0.67, fa 0.45, dfa 0.55,
 * sign-symmetry 0.66), so the suite still finishes in CI. Floors sit about 0.1 below the measured values.
 */
export function subsetPlan(): {
  jsBackend: boolean;
  hidden?: number[];
  lr?: number;
  limitTrain: number;
  label: string;
  floors: Record<string, number>;
} {
  return trainingKernelsFor().name === 'js'
    ? {
        jsBackend: true,
        hidden: [32],
        lr: 0.01,
        limitTrain: 800,
        label: 'MLP 784-32-10, 800',
        floors: { bp: 0.57, fa: 0.35, dfa: 0.45, 'sign-symmetry': 0.56 },
      }
    : {
        jsBackend: false,
        limitTrain: 3000,
        label: 'default MLP, 3000',
        floors: { bp: 0.72, fa: 0.65, dfa: 0.65, 'sign-symmetry': 0.68 },
      };
}
