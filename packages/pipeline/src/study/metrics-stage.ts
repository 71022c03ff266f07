/**
 * Scores every network layer against every brain dataset with every requested metric: one result row per network ×
 * layer × dataset × region/time × metric (mean over subjects, SEM, noise ceiling for RSA comparators).
 */
import { type Dataset, Matrix, type ProgressCallback } from '@concord/core';
import { calcRdm, compareRdms, noiseCeiling, Rdms } from '@concord/rsa';
import { cka, plsEncoding, ridgeEncoding } from '@concord/similarity';
import { metricName } from '../scores/metrics.ts';
import type { NetworkActivations } from './activations-stage.ts';
import type { BrainData } from './brain-stage.ts';
import type { MetricConfig } from './config.ts';
import { CV_PEAK_LABEL, meanAndSem, type ResultRow, windowLabel } from './results.ts';
import { principalScores } from './simulate-geometry.ts';
import { crossValidatedPeak, windowBins, windowSummary } from './time-summary.ts';

/** Metric names come from the one vocabulary (scores/metrics.ts). */
export { metricName } from '../scores/metrics.ts';

/** Layer patterns restricted to the brain's conditions, one row per condition in sorted label order (cached). */
const patternCache = new WeakMap<Dataset, Map<string, { raw: Matrix; scores: Matrix }>>();
function layerPatterns(layer: Dataset, conditions: string[]): { raw: Matrix; scores: Matrix } {
  let m = patternCache.get(layer);
  if (!m) {
    m = new Map();
    patternCache.set(layer, m);
  }
  const key = conditions.join('\u0000');
  let patterns = m.get(key);
  if (!patterns) {
    const raw = layer.subsetObs('conds', conditions).averageBy('conds').dataset.measurements.astype('float64');
    patterns = { raw, scores: principalScores(raw) };
    m.set(key, patterns);
  }
  return patterns;
}

/** Model RDM over the brain's conditions, cached per (layer dataset, method). */
const rdmCache = new WeakMap<Dataset, Map<string, Rdms>>();
export function modelRdm(layer: Dataset, conditions: string[], method: string): Rdms {
  let m = rdmCache.get(layer);
  if (!m) {
    m = new Map();
    rdmCache.set(layer, m);
  }
  const key = `${method}|${conditions.join('\u0000')}`;
  let rdm = m.get(key);
  if (!rdm) {
    rdm = calcRdm(layer.subsetObs('conds', conditions), { method, descriptor: 'conds' });
    m.set(key, rdm);
  }
  return rdm;
}

/** Noise ceiling per RDM index (time point) from the subjects' RDMs. */
function ceilings(brain: BrainData, method: string): ({ lower: number; upper: number } | null)[] {
  if (brain.subjects.length < 2) return Array(brain.subjects[0].rdms.nRdms).fill(null);
  const nT = brain.subjects[0].rdms.nRdms;
  const out: ({ lower: number; upper: number } | null)[] = [];
  for (let t = 0; t < nT; t++) {
    const stacked = Rdms.concat(brain.subjects.map((s) => s.rdms.selectRdms([t])));
    out.push(noiseCeiling(stacked, { method }));
  }
  return out;
}

function scoreSubjects(brain: BrainData, layer: Dataset, metric: MetricConfig): number[][] {
  // values[t][subject]
  const nT = Math.max(1, brain.times.length);
  const values: number[][] = Array.from({ length: nT }, () => []);
  if (metric.type === 'rsa') {
    const model = modelRdm(layer, brain.conditions, metric.modelRdmMethod ?? 'correlation');
    for (const s of brain.subjects) {
      const v = compareRdms(s.rdms, model, { method: metric.compare ?? 'spearman' });
      for (let t = 0; t < s.rdms.nRdms; t++) values[t].push(v.data[t]);
    }
    return values;
  }
  // Linear/RBF CKA and ridge see a layer only through its centred Gram matrix / distances: use the principal scores.
  const { raw, scores } = layerPatterns(layer, brain.conditions);
  for (const s of brain.subjects) {
    s.patterns.forEach((p, t) => {
      const y = p.measurements;
      if (metric.type === 'cka')
        values[t].push(cka(scores, y, { kernel: metric.kernel ?? 'linear', debiased: metric.debiased ?? false }).value);
      else if (metric.model === 'pls') values[t].push(plsEncoding(raw, y, { folds: metric.folds ?? 4 }).value);
      else values[t].push(ridgeEncoding(scores, y, { folds: metric.folds ?? 4 }).value);
    });
  }
  return values;
}

/**
 * The rows that compare layers on time-resolved data: the score over the brain dataset's pre-specified window, and
 * the peak chosen by leave-one-subject-out cross-validation (needs 2 subjects). Each layer's own best time point is
 * not reported: selecting it on the same subjects biases the comparison between layers (see time-summary.ts).
 */
function timeSummaryRows(
  brain: BrainData,
  values: number[][],
  nc: ({ lower: number; upper: number } | null)[],
  base: Omit<ResultRow, 'region' | 'time' | 'value' | 'sem' | 'ceilingLower' | 'ceilingUpper'>,
): ResultRow[] {
  const rows: ResultRow[] = [];
  const window = brain.window ?? [0, brain.times[brain.times.length - 1]];
  const bins = windowBins(brain.times, window);
  if (bins.length > 0) {
    const w = windowSummary(values, bins, nc);
    rows.push({
      ...base,
      region: `${brain.region} ${windowLabel(window)}`,
      time: null,
      value: w.mean,
      sem: w.sem,
      ceilingLower: w.ceiling?.lower ?? null,
      ceilingUpper: w.ceiling?.upper ?? null,
    });
  }
  if (brain.subjects.length >= 2) {
    const p = crossValidatedPeak(values, nc);
    rows.push({
      ...base,
      region: `${brain.region} ${CV_PEAK_LABEL}`,
      time: brain.times[p.modalBin],
      value: p.mean,
      sem: p.sem,
      ceilingLower: p.ceiling?.lower ?? null,
      ceilingUpper: p.ceiling?.upper ?? null,
    });
  }
  return rows;
}

export function scoreAll(
  nets: NetworkActivations[],
  brains: BrainData[],
  metrics: MetricConfig[],
  onProgress?: ProgressCallback,
): ResultRow[] {
  const rows: ResultRow[] = [];
  const total = nets.reduce((a, n) => a + n.layers.length, 0) * brains.length * metrics.length;
  let done = 0;
  for (const brain of brains) {
    for (const metric of metrics) {
      if (metric.type !== 'rsa' && brain.modality === 'rdms') {
        done += nets.reduce((a, n) => a + n.layers.length, 0);
        continue; // CKA and encoding need patterns; ready RDMs have none
      }
      const name = metricName(metric);
      const nc = metric.type === 'rsa' ? ceilings(brain, metric.compare ?? 'spearman') : [];
      for (const net of nets) {
        for (const { layer, index, dataset } of net.layers) {
          const values = scoreSubjects(brain, dataset, metric);
          const base: Omit<ResultRow, 'region' | 'time' | 'value' | 'sem' | 'ceilingLower' | 'ceilingUpper'> = {
            network: net.name,
            layer,
            layerIndex: index,
            dataset: brain.name,
            modality: brain.modality,
            metric: name,
            nSubjects: brain.subjects.length,
          };
          const stats = values.map((v) => meanAndSem(v));
          stats.forEach((st, t) => {
            rows.push({
              ...base,
              region: brain.region,
              time: brain.times.length ? brain.times[t] : null,
              value: st.mean,
              sem: st.sem,
              ceilingLower: nc[t]?.lower ?? null,
              ceilingUpper: nc[t]?.upper ?? null,
            });
          });
          if (brain.times.length) rows.push(...timeSummaryRows(brain, values, nc, base));
          onProgress?.({ stage: 'metrics', done: ++done, total });
        }
      }
    }
  }
  return rows;
}

/** The mean over subjects of the brain RDMs (at the given RDM index), as a square matrix for figures. */
export function meanBrainRdm(brain: BrainData, index = 0): Matrix {
  const n = brain.subjects[0].rdms.nCond;
  const acc = Matrix.zeros(n, n);
  for (const s of brain.subjects) {
    const m = s.rdms.getMatrix(index);
    for (let i = 0; i < acc.data.length; i++) acc.data[i] += m.data[i] / brain.subjects.length;
  }
  return acc;
}
