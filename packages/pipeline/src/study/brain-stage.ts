/**
 * Brain datasets → per subject, the RDMs (and condition patterns) the metrics compare against: EEG recordings →
 * events → epochs → time-resolved RDMs; fMRI runs → GLM betas in the ROI → RDM; or ready RDMs from a file.
 * Simulated datasets are first written as real EDF / NIfTI files and then read back through the same readers.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, Matrix, type ProgressCallback, presentOrBug, Rng } from '@concord/core';
import { createEpochs, eventsFromAnnotations, readRaw, writeEdf } from '@concord/eeg';
import { glmBetas, NiftiMasker } from '@concord/fmri';
import { type MatValue, readMat, readNpy, toFloat64 } from '@concord/io';
import { calcRdm, type Rdms, Rdms as RdmsClass, timeResolvedRdms } from '@concord/rsa';
import type { NetworkActivations } from './activations-stage.ts';
import { type BrainConfig, StudyConfigError } from './config.ts';
import { simulateEeg } from './simulate-eeg-signal.ts';
import { simulateFmriSubject } from './simulate-fmri.ts';
import { embedGeometry } from './simulate-geometry.ts';

export interface SubjectBrainData {
  subject: string;
  /** How many RDMs (sessions) were averaged into this subject's (ready RDMs; absent otherwise). */
  sessions?: number;
  /** One RDM per time point (EEG) or one RDM (fMRI / ready RDMs), over the sorted condition labels. */
  rdms: Rdms;
  /** Condition-mean patterns per time point (EEG) or one (fMRI): conditions (sorted) × channels. */
  patterns: Dataset[];
}

export interface BrainData {
  name: string;
  modality: 'eeg' | 'fmri' | 'rdms';
  region: string;
  /** Seconds per RDM for EEG (bin centres); empty otherwise. */
  times: number[];
  /** EEG: the pre-specified window [from, to] (s) over which layers are compared (default: every bin ≥ 0 s). */
  window?: [number, number];
  /** Sorted condition labels shared by every subject. */
  conditions: string[];
  subjects: SubjectBrainData[];
  /** The layer whose geometry simulated data carry. */
  groundTruth?: { network: string; layer: string };
  files: string[];
}

function layerOf(nets: NetworkActivations[], network: string, layer: string) {
  const net = presentOrBug(
    nets.find((n) => n.name === network),
    `network ${network}`,
  );
  return presentOrBug(
    net.layers.find((l) => l.layer === layer),
    `layer ${layer} of ${network}`,
  ).dataset;
}

/** Write each simulated subject's recording as EDF+ (conditions as annotations); returns the files. */
function simulateEegFiles(b: Extract<BrainConfig, { type: 'eeg' }>, nets: NetworkActivations[], dir: string): string[] {
  const sim = presentOrBug(b.simulate, `brain ${b.name}: simulate`);
  const layer = layerOf(nets, sim.network, sim.layer);
  const labels = layer.obsDescriptors.conds.map(String);
  const files: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (let s = 0; s < (sim.subjects ?? 4); s++) {
    const seed = (sim.seed ?? 0) * 1000 + s;
    const patterns = embedGeometry(layer.measurements, sim.channels ?? 32, new Rng(seed));
    const eeg = simulateEeg(patterns, labels, {
      seed: seed + 1,
      ...(sim.sfreq ? { sfreq: sim.sfreq } : {}),
      ...(sim.repetitions ? { repetitions: sim.repetitions } : {}),
      ...(sim.noise ? { noise: sim.noise * 4e-6 } : {}),
    });
    const data = Matrix.zeros(eeg.chNames.length, eeg.data[0].length);
    eeg.data.forEach((ch, i) => {
      data.data.set(ch, i * data.cols);
    });
    const file = join(dir, `sub-${String(s + 1).padStart(2, '0')}_task-objects_eeg.edf`);
    writeEdf(file, {
      data,
      sfreq: eeg.sfreq,
      chNames: eeg.chNames,
      annotations: eeg.events.map((e) => ({ onset: e.onset, duration: 0, description: e.condition })),
    });
    files.push(file);
  }
  return files;
}

function eegSubject(
  file: string,
  b: Extract<BrainConfig, { type: 'eeg' }>,
  conditions: string[] | undefined,
): { subject: SubjectBrainData; times: number[]; conditions: string[] } {
  const raw = readRaw(file);
  const wanted = conditions ? new Set(conditions) : undefined;
  const descriptions = [...new Set(raw.annotations.map((a) => a.description))]
    .filter((d) => !wanted || wanted.has(d))
    .sort();
  if (descriptions.length < 2)
    throw new StudyConfigError(`brain ${b.name}`, `${file}: fewer than two conditions among its annotations`);
  const eventId = Object.fromEntries(descriptions.map((d, i) => [d, i + 1]));
  const { events } = eventsFromAnnotations(raw, { eventId });
  const epochs = createEpochs(raw, events, { eventId, tmin: b.tmin ?? -0.1, tmax: b.tmax ?? 0.5, baseline: [null, 0] });
  const sfreq = raw.info.sfreq;
  const binWidth = b.binWidth ?? 0.02;
  const per = Math.max(1, Math.round(binWidth * sfreq));
  const nT = epochs.nTimes;
  const bins: number[][] = [];
  for (let t = 0; t + per <= nT; t += per) bins.push(Array.from({ length: per }, (_, k) => t + k));
  const method = b.rdmMethod ?? 'crossnobis';
  const cv = method === 'crossnobis' || method === 'poisson_cv';
  const rdms = timeResolvedRdms(epochs, { method, bins, ...(cv ? { folds: 3 } : {}) });
  const tds = epochs.toTemporalDataset().binTime(bins);
  const patterns: Dataset[] = [];
  for (let t = 0; t < tds.nTimes; t++) patterns.push(tds.timeSlice(t).averageBy('condition').dataset);
  const times = tds.times.slice();
  return { subject: { subject: file, rdms, patterns }, times, conditions: descriptions };
}

function fmriSubject(
  runs: { bold: string; events: string }[],
  mask: string,
  b: Extract<BrainConfig, { type: 'fmri' }>,
  label: string,
  onProgress?: ProgressCallback,
): SubjectBrainData {
  const masker = new NiftiMasker(mask);
  const ds = glmBetas(
    runs.map((r, i) => ({ data: r.bold, events: r.events, run: i + 1 })),
    { masker, method: 'lsa', noiseModel: 'ar1', ...(onProgress ? { onProgress } : {}) },
  );
  const method = b.rdmMethod ?? 'crossnobis';
  const rdms = calcRdm(ds, {
    method,
    descriptor: 'conds',
    ...(method === 'crossnobis' || method === 'poisson_cv' ? { cvDescriptor: 'run' } : {}),
  });
  return { subject: label, rdms, patterns: [ds.averageBy('conds').dataset] };
}

/**
 * Ready RDMs from .npy (RDMs × pairs, or RDMs × n × n) or a MAT variable (struct array field or numeric array),
 * grouped into subjects by the entry's `subjects` (a label per RDM, or a pattern over a struct text field): the
 * RDMs of one subject (its sessions) are averaged, so each subject counts once in means, standard errors and the
 * noise ceiling. Without `subjects` every RDM is a subject.
 */
export function readyRdmSubjects(b: Extract<BrainConfig, { type: 'rdms' }>, conditions: string[]): SubjectBrainData[] {
  const mats: Matrix[] = [];
  const vectors: Float64Array[] = [];
  /** Text fields of each RDM's struct (MAT struct arrays), for a subject pattern. */
  const texts: Record<string, string>[] = [];
  const push = (shape: number[], data: Float64Array) => {
    if (shape.length === 2 && shape[0] === shape[1]) mats.push(new Matrix(shape[0], shape[1], data));
    else vectors.push(data);
  };
  if (b.file.endsWith('.npy')) {
    const a = readNpy(b.file);
    const d = toFloat64(a.data);
    if (a.shape.length === 3)
      for (let s = 0; s < a.shape[0]; s++)
        push([a.shape[1], a.shape[2]], d.slice(s * a.shape[1] * a.shape[2], (s + 1) * a.shape[1] * a.shape[2]));
    else if (a.shape.length === 2)
      for (let s = 0; s < a.shape[0]; s++) vectors.push(d.slice(s * a.shape[1], (s + 1) * a.shape[1]));
    else vectors.push(d);
  } else {
    const vars = readMat(b.file);
    const name = b.variable ?? Object.keys(vars)[0];
    const v = vars[name] as MatValue & { structs?: Record<string, MatValue>[] };
    if (v === undefined)
      throw new StudyConfigError(
        `brain ${b.name}.variable`,
        `no variable '${name}' in ${b.file}; variables are ${Object.keys(vars).join(', ')}`,
      );
    const structs = Array.isArray(v.structs) ? v.structs : undefined;
    const items = structs ? structs.map((s) => s.RDM ?? s.rdm) : [v];
    for (const s of structs ?? [])
      texts.push(Object.fromEntries(Object.entries(s).filter((e): e is [string, string] => typeof e[1] === 'string')));
    for (const it of items) {
      const arr = it as { shape?: number[]; data?: ArrayLike<number> };
      if (!arr?.shape || !arr.data)
        throw new StudyConfigError(`brain ${b.name}`, `variable '${name}' of ${b.file} holds no numeric RDMs`);
      push(arr.shape, toFloat64(arr.data as never));
    }
  }
  const all = mats.length ? RdmsClass.fromMatrices(mats) : RdmsClass.fromVectors(vectors.map((v) => Array.from(v)));
  const labels = subjectLabels(b, all.nRdms, texts);
  const order = [...new Set(labels)];
  const conds =
    conditions.length === all.nCond
      ? conditions
      : Array.from({ length: all.nCond }, (_, k) => String(k).padStart(4, '0'));
  return order.map((subject) => {
    const members = labels.flatMap((l, i) => (l === subject ? [i] : []));
    const mean = new Float64Array(all.nPairs);
    for (const i of members) {
      const v = all.getVector(i);
      for (let k = 0; k < mean.length; k++) mean[k] += v[k] / members.length;
    }
    return {
      subject,
      sessions: members.length,
      rdms: new RdmsClass(Matrix.fromVector(mean, true), { patternDescriptors: { conds } }),
      patterns: [],
    };
  });
}

/** The subject of every RDM (file order) from the entry's `subjects`; `rdm <i>` each when it has none. */
function subjectLabels(
  b: Extract<BrainConfig, { type: 'rdms' }>,
  nRdms: number,
  texts: Record<string, string>[],
): string[] {
  const spec = b.subjects;
  if (spec === undefined) return Array.from({ length: nRdms }, (_, i) => `rdm ${i + 1}`);
  if (Array.isArray(spec)) {
    if (spec.length !== nRdms)
      throw new StudyConfigError(
        `brain ${b.name}.subjects`,
        `lists ${spec.length} subjects but ${b.file} holds ${nRdms} RDMs (one label per RDM, in file order)`,
      );
    return spec;
  }
  const field = spec.field ?? 'name';
  const re = new RegExp(spec.pattern);
  return Array.from({ length: nRdms }, (_, i) => {
    const text = texts[i]?.[field];
    if (text === undefined)
      throw new StudyConfigError(
        `brain ${b.name}.subjects.field`,
        `RDM ${i + 1} of ${b.file} has no text field '${field}' (a subject pattern needs a MAT struct array)`,
      );
    const subject = re.exec(text)?.groups?.subject;
    if (!subject)
      throw new StudyConfigError(
        `brain ${b.name}.subjects.pattern`,
        `'${text}' (RDM ${i + 1}, field ${field}) does not match ${spec.pattern} with a subject group`,
      );
    return subject;
  });
}

export function loadBrainData(
  b: BrainConfig,
  nets: NetworkActivations[],
  outDir: string,
  onProgress?: ProgressCallback,
): BrainData {
  const sim = 'simulate' in b ? b.simulate : undefined;
  const groundTruth = sim ? { network: sim.network, layer: sim.layer } : undefined;
  const conditionsFromNets = nets[0].layers[0].dataset.obsDescriptors.conds.map(String);
  if (b.type === 'eeg') {
    const files = b.files ?? simulateEegFiles(b, nets, join(outDir, 'data', b.name));
    const subjects: SubjectBrainData[] = [];
    let times: number[] = [];
    let conditions: string[] = [];
    files.forEach((f, i) => {
      const r = eegSubject(f, b, conditionsFromNets);
      subjects.push({ ...r.subject, subject: `sub-${String(i + 1).padStart(2, '0')}` });
      times = r.times;
      conditions = r.conditions;
      onProgress?.({ stage: `${b.name}: epochs and RDMs`, done: i + 1, total: files.length });
    });
    return {
      name: b.name,
      modality: 'eeg',
      region: 'all channels',
      times,
      ...(b.window ? { window: b.window } : {}),
      conditions,
      subjects,
      files,
      ...(groundTruth ? { groundTruth } : {}),
    };
  }
  if (b.type === 'fmri') {
    const fsim = b.simulate;
    const simulated = () => presentOrBug(sim, `brain ${b.name}: simulate (no subjects given)`);
    const subjectsCfg =
      b.subjects ??
      Array.from({ length: simulated().subjects ?? 4 }, (_, s) => {
        const sim = simulated();
        const layer = layerOf(nets, sim.network, sim.layer);
        return simulateFmriSubject(
          join(outDir, 'data', b.name, `sub-${String(s + 1).padStart(2, '0')}`),
          `sub-${String(s + 1).padStart(2, '0')}`,
          layer.measurements,
          layer.obsDescriptors.conds.map(String),
          {
            seed: (sim.seed ?? 0) * 1000 + s,
            ...(fsim?.runs ? { runs: fsim.runs } : {}),
            ...(fsim?.tr ? { tr: fsim.tr } : {}),
            ...(sim.noise ? { noise: sim.noise * 0.3 } : {}),
          },
        );
      });
    const subjects = subjectsCfg.map((s, i) => {
      const d = fmriSubject(s.runs, s.mask, b, `sub-${String(i + 1).padStart(2, '0')}`);
      onProgress?.({ stage: `${b.name}: GLM and RDMs`, done: i + 1, total: subjectsCfg.length });
      return d;
    });
    const conditions = subjects[0].rdms.patternDescriptors.conds.map(String);
    return {
      name: b.name,
      modality: 'fmri',
      region: 'roi',
      times: [],
      conditions,
      subjects,
      files: subjectsCfg.flatMap((s) => [s.mask, ...s.runs.flatMap((r) => [r.bold, r.events])]),
      ...(groundTruth ? { groundTruth } : {}),
    };
  }
  const subjects = readyRdmSubjects(b, conditionsFromNets);
  return {
    name: b.name,
    modality: 'rdms',
    region: 'given',
    times: [],
    conditions: subjects[0].rdms.patternDescriptors.conds.map(String),
    subjects,
    files: [b.file],
  };
}
