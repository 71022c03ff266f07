/**
 * Test support: a small study folder made by a real run of the simulated study (@concord/pipeline runStudy) —
 * generated stimuli, activations of three "layers" drawn from a seeded RNG (category structure growing with depth),
 * simulated EEG and fMRI written as EDF/NIfTI and read back, RSA and CKA, results.json, report.html and figures.
 * Beside it, rdms.json with each layer's RDM computed by @concord/rsa from the same activations and stimulus labels.
 * And a tiny real run of the learning-rule study (two rules, one seed, one epoch on 300 images of the shipped
 * Fashion-MNIST subset, scored against the shipped 92-image hIT/mIT RDMs).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset, Matrix, Rng } from '@concord/core';
import { writeNpz } from '@concord/io';
import { loadStudyConfig, runLearningStudy, runStudy } from '@concord/pipeline';
import { calcRdm } from '@concord/rsa';

export const TEST_LAYERS = ['early', 'middle', 'late'];
const CATEGORIES = 6;
const PER_CATEGORY = 2;
const FEATURES = 24;

/** Layer k mixes a category prototype (weight growing with depth) with stimulus-specific noise. */
function layerActivations(seed: number): Record<string, Float64Array> {
  const rng = new Rng(seed);
  const n = CATEGORIES * PER_CATEGORY;
  const prototypes = Array.from({ length: CATEGORIES }, () =>
    Float64Array.from({ length: FEATURES }, () => rng.normal()),
  );
  const out: Record<string, Float64Array> = {};
  TEST_LAYERS.forEach((layer, depth) => {
    const w = (depth + 1) / TEST_LAYERS.length;
    const x = new Float64Array(n * FEATURES);
    for (let i = 0; i < n; i++) {
      const proto = prototypes[Math.floor(i / PER_CATEGORY)];
      for (let f = 0; f < FEATURES; f++) x[i * FEATURES + f] = w * proto[f] + (1 - w) * rng.normal();
    }
    out[layer] = x;
  });
  return out;
}

/** The activations file of the test network (written by makeTestStudy). */
function activationsFile(dir: string): string {
  return join(dir, 'toy-activations.npz');
}

/** The study file (JSON form) of the test study; its activations are written by makeTestStudy into `dir`. */
export function testStudyConfig(dir: string, name: string) {
  return {
    name,
    output: join(dir, name),
    cache: join(dir, '.cache'),
    stimuli: { generate: { perCategory: PER_CATEGORY, size: 32, seed: 7 } },
    networks: [{ name: 'toy', activations: activationsFile(dir), layers: TEST_LAYERS }],
    brain: [
      {
        name: 'eeg',
        type: 'eeg',
        simulate: { network: 'toy', layer: 'early', subjects: 2, channels: 8, repetitions: 4, seed: 3 },
        tmin: -0.1,
        tmax: 0.3,
        binWidth: 0.05,
      },
      { name: 'fmri', type: 'fmri', simulate: { network: 'toy', layer: 'late', subjects: 2, runs: 2, seed: 4 } },
    ],
    metrics: [
      { type: 'rsa', modelRdmMethod: 'euclidean', compare: 'spearman' },
      { type: 'cka', kernel: 'linear' },
    ],
  };
}

/** Runs the study into `dir/<name>`; returns that folder. */
export async function makeTestStudy(dir: string, name = 'page-test'): Promise<string> {
  const acts = layerActivations(11);
  const n = CATEGORIES * PER_CATEGORY;
  writeNpz(
    activationsFile(dir),
    Object.fromEntries(TEST_LAYERS.map((l) => [l, { data: acts[l], shape: [n, FEATURES] }])),
  );
  const study = testStudyConfig(dir, name);
  const output = study.output;
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(study));
  const { config } = loadStudyConfig(file);
  await runStudy(config);

  const labels = readFileSync(join(output, 'stimuli', 'stimuli.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t')[1]);
  const rdms = TEST_LAYERS.map((layer) => {
    const rdm = calcRdm(new Dataset(new Matrix(n, FEATURES, acts[layer])), { method: 'euclidean' }).getMatrix(0);
    return {
      title: `toy ${layer} (euclidean)`,
      labels,
      rdm: Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => rdm.get(i, j))),
    };
  });
  writeFileSync(join(output, 'rdms.json'), JSON.stringify({ rdms }));
  return output;
}

const repoData = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../data/third-party');

/** Runs a tiny learning-rule study into `dir/tiny-rules/quick` (id `tiny-rules.quick`); returns that folder. */
export async function makeLearningTestStudy(dir: string): Promise<string> {
  const images = join(repoData, '92imageData');
  const study = {
    name: 'tiny-rules',
    kind: 'learning-rules',
    output: join(dir, 'tiny-rules'),
    store: join(dir, '.store'),
    stimuli: {
      file: join(images, 'Kriegeskorte_Neuron2008_supplementalData.mat'),
      variable: 'stimuli_92objs',
      transform: {
        size: 28,
        channels: 1,
        resize: 'area',
        luminance: 'rec601',
        background: 'black',
        backgroundTolerance: 2,
        normalise: 'training',
      },
    },
    brain: {
      file: join(images, '92_brainRDMs.mat'),
      variable: 'RDMs',
      subjectPattern: '\\| (?<subject>\\w+) \\| Session: (?<session>\\d+)',
      models: join(images, '92_modelRDMs.mat'),
      categoricalModels: ['animacy'],
      monkeyIt: 'monkeyIT',
    },
    metric: 'spearman',
    seed: 0,
    profiles: {
      quick: {
        rules: ['bp', 'fa'],
        seeds: [0],
        defaults: {
          arch: 'mlp',
          dataset: join(repoData, 'fashion-mnist-subset'),
          epochs: 1,
          limitTrain: 300,
          limitTest: 100,
          hidden: [32, 16],
        },
        randomSeeds: [0],
        bootstrapSamples: 20,
      },
    },
  };
  const file = join(dir, 'tiny-rules.json');
  writeFileSync(file, JSON.stringify(study));
  return (await runLearningStudy(file, { profile: 'quick' })).outputDir;
}
