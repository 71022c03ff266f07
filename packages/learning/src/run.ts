/**
 * One training run as `concord train` performs it: load the dataset, train (update rules through the engine,
 * custom rules through their own loop), write `net.onnx` and the `net.json` sidecar atomically, and return the
 * summary the CLI prints (the JSON contract).
 */
import { accessSync, constants, existsSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type BackendName, ConcordError, type ProgressCallback, trainingKernelsFor } from '@concord/core';
import type { ImageDataset } from './dataset.ts';
import { loadDataset } from './datasets/load.ts';
import { checkArchitecture, limitSet, resolveHyper, resolveTraining, trainNetwork } from './engine/train.ts';
import { encodeOnnx, exportedLayerNames, writeFilesAtomic } from './export/onnx.ts';
import type { ArchitectureName } from './network.ts';
import type { HyperValue, RuleCriteria, TrainingDefaults } from './rule.ts';
import { getRule } from './rules/index.ts';

export interface RunOptions {
  rule: string;
  arch: string;
  /** A dataset name or a folder path (see datasets/load.ts). */
  dataset: string;
  dataDir?: string;
  /** Output ONNX path; the sidecar is the same path with .json. */
  out: string;
  seed?: number;
  training?: Partial<TrainingDefaults>;
  hyper?: Record<string, HyperValue>;
  limitTrain?: number;
  limitTest?: number;
  validation?: number;
  backend?: BackendName;
  /** BLAS threads for the native backend (default 1: fastest on these machines, see dependencies.md). */
  threads?: number;
  resume?: string;
  /** Write per-epoch checkpoints here (default: beside `out`, removed after success). */
  checkpoint?: string;
  onProgress?: ProgressCallback;
  /** Stop after this many epochs (tests simulate an interruption; the checkpoint is then kept). */
  stopAfterEpochs?: number;
  /** A dataset already in memory (tests). */
  loadedDataset?: ImageDataset;
}

/** The JSON `concord train` prints (field names are the contract). */
export interface RunSummary {
  rule: string;
  arch: string;
  dataset: string;
  epochs: number;
  seed: number;
  trainSeconds: number;
  secondsPerEpoch: number[];
  trainLoss: number[];
  testAccuracy: number;
  criteria: RuleCriteria;
  onnx: string;
  layers: string[];
  readout?: string;
  validationAccuracy?: number;
}

export function sidecarPath(out: string): string {
  return out.toLowerCase().endsWith('.onnx') ? `${out.slice(0, -5)}.json` : `${out}.json`;
}

export function defaultCheckpointPath(out: string): string {
  return out.toLowerCase().endsWith('.onnx') ? `${out.slice(0, -5)}.ckpt` : `${out}.ckpt`;
}

/** Fail before training when the output cannot be written (missing or read-only folder, a directory as file). */
export function checkWritable(out: string): void {
  const dir = dirname(resolve(out));
  try {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`folder ${dir} does not exist`);
    accessSync(dir, constants.W_OK);
    if (existsSync(out) && statSync(out).isDirectory()) throw new Error('is a directory');
    if (existsSync(out)) accessSync(out, constants.W_OK);
  } catch (e) {
    throw new ConcordError('ERR_LEARNING_OUTPUT', `${out}: cannot write the output (${(e as Error).message})`, {
      file: out,
    });
  }
}

/**
 * Train, export and write the sidecar. BLAS runs on `opts.threads` threads (default 1) while training and on as many
 * as before after it: the count is process-wide, and left at 1 it would change the last bits of every later product
 * in this process (a pool child or BullMQ worker that trained a network would score other studies differently).
 */
export async function runTraining(opts: RunOptions): Promise<RunSummary> {
  const kernels = trainingKernelsFor(opts.backend);
  const before = kernels.threads();
  kernels.setThreads(opts.threads ?? 1);
  try {
    return await train(opts);
  } finally {
    kernels.setThreads(before);
  }
}

async function train(opts: RunOptions): Promise<RunSummary> {
  const rule = getRule(opts.rule);
  const decl = rule.declaration;
  checkArchitecture(decl, opts.arch);
  const arch = opts.arch as ArchitectureName;
  // Validate settings and output before reading data or training.
  const training = resolveTraining(decl, opts.training);
  resolveHyper(decl, opts.hyper);
  checkWritable(opts.out);
  const dataset = opts.loadedDataset ?? loadDataset(opts.dataset, { dataDir: opts.dataDir });
  const seed = opts.seed ?? 0;

  if (rule.kind === 'custom') {
    // Custom loops (STDP) see the limited splits like the engine does.
    const limited: ImageDataset = {
      ...dataset,
      train: limitSet(dataset.train, opts.limitTrain),
      test: limitSet(dataset.test, opts.limitTest),
    };
    const hyper = resolveHyper(decl, opts.hyper);
    const r = await rule.train({
      dataset: limited,
      hyper,
      training,
      seed,
      out: opts.out,
      onProgress: opts.onProgress,
    });
    const customSummary: RunSummary = {
      rule: decl.name,
      arch,
      dataset: dataset.name,
      epochs: training.epochs,
      seed,
      trainSeconds: r.secondsPerEpoch.reduce((a, b) => a + b, 0),
      secondsPerEpoch: [...r.secondsPerEpoch],
      trainLoss: [...r.trainLoss],
      testAccuracy: r.testAccuracy,
      criteria: decl.criteria,
      onnx: r.files[0] ?? opts.out,
      layers: [...r.layers],
      ...(decl.readout ? { readout: decl.readout } : {}),
    };
    // The sidecar says what was written instead of ONNX (issue 16: a spiking network is not an ONNX graph).
    const customSidecar = {
      format: 'concord-trained-network/1',
      ...customSummary,
      output: decl.output ?? 'onnx',
      note:
        decl.output === 'activations'
          ? `no ONNX graph: a spiking network is not one; '${customSummary.onnx}' holds activations computed by Concord in the activation-file format (readable by @concord/activations), files: ${r.files.join(', ')}`
          : undefined,
      files: [...r.files],
      family: decl.family,
      variant: decl.variant,
      reference: decl.reference,
      hyperParameters: hyper,
      training,
      limitTrain: opts.limitTrain ?? null,
      limitTest: opts.limitTest ?? null,
    };
    writeFilesAtomic([{ path: sidecarPath(opts.out), data: `${JSON.stringify(customSidecar, null, 2)}\n` }]);
    return customSummary;
  }

  const checkpoint = opts.checkpoint ?? defaultCheckpointPath(opts.out);
  const r = trainNetwork({
    rule,
    arch,
    dataset,
    seed,
    training: opts.training,
    hyper: opts.hyper,
    backend: opts.backend,
    limitTrain: opts.limitTrain,
    limitTest: opts.limitTest,
    validation: opts.validation,
    onProgress: opts.onProgress,
    checkpoint,
    resume: opts.resume,
    stopAfterEpochs: opts.stopAfterEpochs,
  });
  const layers = exportedLayerNames(r.network);
  const summary: RunSummary = {
    rule: decl.name,
    arch,
    dataset: dataset.name,
    epochs: r.epochsDone,
    seed,
    trainSeconds: r.trainSeconds,
    secondsPerEpoch: r.secondsPerEpoch,
    trainLoss: r.trainLoss,
    testAccuracy: r.testAccuracy,
    criteria: decl.criteria,
    onnx: opts.out,
    layers,
    ...(decl.readout ? { readout: decl.readout } : {}),
    ...(r.validationAccuracy !== undefined ? { validationAccuracy: r.validationAccuracy } : {}),
  };
  if (r.epochsDone < r.training.epochs) return summary;
  const sidecar = {
    format: 'concord-trained-network/1',
    ...summary,
    family: decl.family,
    variant: decl.variant,
    reference: decl.reference,
    hyperParameters: r.hyper,
    training: r.training,
    backend: trainingKernelsFor(opts.backend).name,
    limitTrain: opts.limitTrain ?? null,
    limitTest: opts.limitTest ?? null,
    trainAccuracy: r.trainAccuracy,
    ...(r.instance.diagnostics ? { diagnostics: r.instance.diagnostics() } : {}),
    input: {
      name: 'input',
      shape: ['N', ...r.network.inputShape],
      dtype: 'float32',
      scale: 'pixel values divided by 255, in [0, 1]; no further normalisation',
    },
  };
  const normalizeInputs = r.instance.inputNormalization?.(r.network);
  writeFilesAtomic([
    {
      path: opts.out,
      data: encodeOnnx(r.network, {
        docString: `${decl.name} on ${dataset.name}, seed ${seed}`,
        ...(normalizeInputs ? { normalizeInputs } : {}),
      }),
    },
    { path: sidecarPath(opts.out), data: `${JSON.stringify(sidecar, null, 2)}\n` },
  ]);
  if (!opts.checkpoint) rmSync(checkpoint, { force: true });
  return summary;
}
