/**
 * The comparison study's stage data as files in an item's store folder, so its stages can run as separate items
 * (on other processes or machines) and hand their results on: a network's layer activations (one .npy per layer,
 * float32 kept bit for bit) and a brain dataset's per-subject RDMs (nRdms × pairs float64 .npy) and condition
 * patterns (time × conditions × channels float64 .npy). The JSON descriptions are small: they travel in the job
 * records; the arrays stay in the store.
 */
import { join } from 'node:path';
import { Dataset, type Descriptors, Matrix } from '@concord/core';
import { ndarrayToMatrix, readNpy, writeNpy } from '@concord/io';
import { Rdms } from '@concord/rsa';
import type { Json } from '../plan/types.ts';
import type { NetworkActivations } from './activations-stage.ts';
import type { BrainData, SubjectBrainData } from './brain-stage.ts';

export interface ActivationsFile {
  name: string;
  source: string;
  cached: boolean;
  /** Condition label per stimulus (obs descriptor `conds`). */
  labels: string[];
  layers: { layer: string; index: number; file: string }[];
}

export function saveActivations(dir: string, net: NetworkActivations): ActivationsFile {
  const labels = net.layers[0]?.dataset.obsDescriptors.conds.map(String) ?? [];
  const layers = net.layers.map(({ layer, index, dataset }) => {
    const file = join(dir, `layer-${index}.npy`);
    const m = dataset.measurements;
    writeNpy(file, { data: m.data, shape: [m.rows, m.cols] });
    return { layer, index, file };
  });
  return { name: net.name, source: net.source, cached: net.cached, labels, layers };
}

export function loadActivations(f: ActivationsFile): NetworkActivations {
  return {
    name: f.name,
    source: f.source,
    cached: f.cached,
    layers: f.layers.map(({ layer, index, file }) => ({
      layer,
      index,
      dataset: new Dataset(ndarrayToMatrix(readNpy(file), { file }), {
        descriptors: { network: f.name, layer },
        obsDescriptors: { conds: f.labels },
      }),
    })),
  };
}

interface RdmsDescription {
  file: string;
  dissimilarityMeasure: string;
  descriptors: Record<string, unknown>;
  rdmDescriptors: Descriptors;
  patternDescriptors: Descriptors;
}

interface SubjectFile {
  subject: string;
  sessions?: number;
  rdms: RdmsDescription;
  /** time × conditions × channels; null when the dataset has no patterns (ready RDMs). */
  patterns: string | null;
}

export interface BrainFile extends Omit<BrainData, 'subjects'> {
  subjects: SubjectFile[];
  /** The folder of the item that wrote it (simulated recordings lie under <folder>/data/<name>). */
  folder: string;
}

/** Descriptor columns as plain arrays (typed arrays would not survive JSON). */
function plainDescriptors(d: Descriptors): Descriptors {
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Array.from(v)]));
}

function saveSubject(dir: string, s: SubjectBrainData, i: number): SubjectFile {
  const rdmsFile = join(dir, `subject-${i}-rdms.npy`);
  writeNpy(rdmsFile, { data: s.rdms.dissimilarities.data, shape: [s.rdms.nRdms, s.rdms.dissimilarities.cols] });
  let patterns: string | null = null;
  if (s.patterns.length > 0) {
    const { rows, cols } = s.patterns[0].measurements;
    const all = new Float64Array(s.patterns.length * rows * cols);
    s.patterns.forEach((p, t) => {
      all.set(p.measurements.astype('float64').data, t * rows * cols);
    });
    patterns = join(dir, `subject-${i}-patterns.npy`);
    writeNpy(patterns, { data: all, shape: [s.patterns.length, rows, cols] });
  }
  return {
    subject: s.subject,
    ...(s.sessions !== undefined ? { sessions: s.sessions } : {}),
    rdms: {
      file: rdmsFile,
      dissimilarityMeasure: s.rdms.dissimilarityMeasure,
      descriptors: s.rdms.descriptors,
      rdmDescriptors: plainDescriptors(s.rdms.rdmDescriptors),
      patternDescriptors: plainDescriptors(s.rdms.patternDescriptors),
    },
    patterns,
  };
}

export function saveBrain(dir: string, b: BrainData): BrainFile {
  const { subjects, ...rest } = b;
  return { ...rest, subjects: subjects.map((s, i) => saveSubject(dir, s, i)), folder: dir };
}

function loadSubject(f: SubjectFile, conditions: string[]): SubjectBrainData {
  const r = f.rdms;
  const rdms = new Rdms(ndarrayToMatrix(readNpy(r.file), { file: r.file, dtype: 'float64' }), {
    dissimilarityMeasure: r.dissimilarityMeasure,
    descriptors: r.descriptors,
    rdmDescriptors: r.rdmDescriptors,
    patternDescriptors: r.patternDescriptors,
  });
  const patterns: Dataset[] = [];
  if (f.patterns) {
    const a = readNpy(f.patterns);
    const [nT, rows, cols] = a.shape;
    const data = a.data as Float64Array;
    for (let t = 0; t < nT; t++)
      patterns.push(
        new Dataset(new Matrix(rows, cols, data.slice(t * rows * cols, (t + 1) * rows * cols)), {
          obsDescriptors: { conds: conditions },
        }),
      );
  }
  return { subject: f.subject, ...(f.sessions !== undefined ? { sessions: f.sessions } : {}), rdms, patterns };
}

export function loadBrain(f: BrainFile): BrainData {
  const { subjects, folder: _folder, ...rest } = f;
  return { ...rest, subjects: subjects.map((s) => loadSubject(s, f.conditions)) };
}

export const asJson = (v: object): Json => JSON.parse(JSON.stringify(v)) as Json;
