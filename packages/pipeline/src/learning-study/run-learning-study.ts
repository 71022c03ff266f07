/**
 * load → plan → run (any executor) → finish: scores, statistics, results.csv/json, exported ONNX networks and
 * stimuli.npy in the study folder, and report.html.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ProgressCallback } from '@concord/core';
import { type MatValue, readMat, readNpy, toFloat64, writeFileAtomic } from '@concord/io';
import { ArtifactStore } from '../plan/artifact-store.ts';
import { type PlanRunResult, runPlanInProcess } from '../plan/run-in-process.ts';
import { readyRdmSubjects } from '../study/brain-stage.ts';
import type { RdmsOutput, TrainOutput } from './items.ts';
import { correlationRdm } from './items.ts';
import { type LearningStudy, loadLearningStudy } from './load-study.ts';
import { type PlannedStudyIds, planLearningStudy } from './plan-study.ts';
import { writeLearningReport } from './report.ts';
import {
  type BestLayer,
  crossValidatedBestLayer,
  type DatasetScores,
  fdrOverList,
  type ModelRdm,
  type PairwiseTest,
  pairwiseTests,
  scoreModels,
} from './statistics.ts';

export const LEARNING_RESULT_FIELDS = [
  'network',
  'rule',
  'family',
  'seed',
  'arch',
  'testAccuracy',
  'criteria',
  'layer',
  'dataset',
  'subjectCount',
  'metric',
  'value',
  'ciLower',
  'ciUpper',
  'p',
  'pCorrected',
  'ceilingLower',
  'ceilingUpper',
] as const;

export interface LearningResultRow {
  network: string;
  rule: string;
  family: string;
  seed: number | null;
  arch: string | null;
  testAccuracy: number | null;
  criteria: { asymmetricWeights: boolean; localErrors: boolean; singlePhase: boolean } | null;
  layer: string;
  dataset: string;
  subjectCount: number;
  metric: string;
  value: number | null;
  ciLower: number | null;
  ciUpper: number | null;
  p: number | null;
  pCorrected: number | null;
  ceilingLower: number | null;
  ceilingUpper: number | null;
}

export interface LearningNetworkSummary {
  name: string;
  rule: string;
  seed: number;
  testAccuracy: number | null;
  onnx: string | null;
}

export interface LearningStudyOutcome {
  study: string;
  profile: string;
  outputDir: string;
  rows: LearningResultRow[];
  results: string;
  csv: string;
  report: string;
  networks: LearningNetworkSummary[];
  pairwise: PairwiseTest[];
  best: BestLayer[];
  timings: Record<string, number>;
  executed: string[];
}

function brainSubjects(study: LearningStudy): { names: string[]; vectors: Float64Array[] } {
  const subjects = readyRdmSubjects(
    {
      name: 'hIT',
      type: 'rdms',
      file: study.brain.file,
      variable: study.brain.variable,
      subjects: { field: 'name', pattern: study.brain.subjectPattern },
    } as never,
    [],
  );
  return { names: subjects.map((s) => s.subject), vectors: subjects.map((s) => s.rdms.getVector(0)) };
}

/** Named model RDMs of the data's model file (struct array with fields RDM and name), as RDM vectors. */
function fileModels(file: string): Map<string, Float64Array> {
  const vars = readMat(file);
  const v = Object.values(vars)[0] as MatValue & { structs?: Record<string, MatValue>[] };
  const out = new Map<string, Float64Array>();
  for (const s of v.structs ?? []) {
    const rdm = s.RDM as { shape: number[]; data: ArrayLike<number> };
    const name = String(s.name);
    const n = rdm.shape[0];
    const m = toFloat64(rdm.data as never);
    const vec = new Float64Array((n * (n - 1)) / 2);
    let k = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) vec[k++] = m[i * n + j];
    out.set(name, vec);
  }
  return out;
}

function readRdmRows(out: RdmsOutput): Float64Array[] {
  if (!out.file) return [];
  const a = readNpy(out.file);
  const d = toFloat64(a.data);
  return Array.from({ length: a.shape[0] }, (_, i) => d.slice(i * a.shape[1], (i + 1) * a.shape[1]));
}

function toCsv(rows: LearningResultRow[]): string {
  const cols = [
    ...LEARNING_RESULT_FIELDS.filter((c) => c !== 'criteria'),
    'asymmetricWeights',
    'localErrors',
    'singlePhase',
  ];
  const cell = (v: unknown) =>
    v === null || v === undefined
      ? ''
      : typeof v === 'string' && /[",\n]/.test(v)
        ? `"${v.replaceAll('"', '""')}"`
        : String(v);
  const lines = [cols.join(',')];
  for (const r of rows) {
    const rec = { ...r, ...(r.criteria ?? {}) } as Record<string, unknown>;
    lines.push(cols.map((c) => cell(rec[c])).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export async function finishLearningStudy(
  study: LearningStudy,
  plan: { ids: PlannedStudyIds },
  run: PlanRunResult,
  timings: Record<string, number> = {},
): Promise<LearningStudyOutcome> {
  const t0 = performance.now();
  const out = study.outputDir;
  mkdirSync(join(out, 'networks'), { recursive: true });
  const get = <T>(id: string) => run.outputs.get(id) as unknown as T;
  // Exported networks and the stimuli, copied into the study folder.
  const networks: LearningNetworkSummary[] = [];
  for (const n of study.networks) {
    const t = get<TrainOutput>(plan.ids.networks[n.id].train);
    let onnx: string | null = null;
    if (t.onnx) {
      onnx = join('networks', `${n.name}-seed-${n.seed}.onnx`);
      copyFileSync(t.onnx, join(out, onnx));
    }
    networks.push({ name: n.name, rule: n.rule, seed: n.seed, testAccuracy: t.testAccuracy, onnx });
  }
  const firstStimuli = Object.values(plan.ids.networks)[0]?.stimuli;
  const stim = get<{ npy: string; png: string; shape: number[]; sha256: string; training: unknown }>(firstStimuli);
  copyFileSync(stim.npy, join(out, 'stimuli.npy'));
  copyFileSync(stim.png, join(out, 'stimuli.png'));

  // Model RDMs: networks' layers, random baselines, pixels, categorical models.
  const models: ModelRdm[] = [];
  const meta = new Map<
    string,
    Omit<
      LearningResultRow,
      | 'layer'
      | 'dataset'
      | 'subjectCount'
      | 'metric'
      | 'value'
      | 'ciLower'
      | 'ciUpper'
      | 'p'
      | 'pCorrected'
      | 'ceilingLower'
      | 'ceilingUpper'
    >
  >();
  const notes: string[] = [];
  for (const n of study.networks) {
    const r = get<RdmsOutput>(plan.ids.networks[n.id].rdms);
    const t = get<TrainOutput>(plan.ids.networks[n.id].train);
    if (r.note) notes.push(`${n.id}: ${r.note}`);
    meta.set(n.id, {
      network: n.id,
      rule: n.rule,
      family: n.family,
      seed: n.seed,
      arch: n.arch,
      testAccuracy: t.testAccuracy,
      criteria: n.criteria,
    });
    readRdmRows(r).forEach((v, i) => {
      models.push({ id: `${n.id}:${r.layers[i]}`, group: n.name, layer: r.layers[i], vector: v });
      if (r.constantPatterns[i] > 0)
        notes.push(
          `${n.id} layer ${r.layers[i]}: ${r.constantPatterns[i]} stimuli give a constant activation pattern (correlation distance undefined → no score)`,
        );
    });
  }
  for (const rb of plan.ids.random) {
    const r = get<RdmsOutput>(rb.rdms);
    const id = `${rb.name}/seed-${rb.seed}`;
    meta.set(id, {
      network: id,
      rule: 'random',
      family: 'baseline (random weights)',
      seed: rb.seed,
      arch: rb.arch,
      testAccuracy: null,
      criteria: null,
    });
    readRdmRows(r).forEach((v, i) => {
      models.push({ id: `${id}:${r.layers[i]}`, group: rb.name, layer: r.layers[i], vector: v });
    });
  }
  const st = readNpy(stim.npy);
  models.push({
    id: 'pixels:pixels',
    group: 'pixels',
    layer: 'pixels',
    vector: correlationRdm(st.data as Float32Array, st.shape[0]),
  });
  meta.set('pixels', {
    network: 'pixels',
    rule: 'pixels',
    family: 'baseline (pixels)',
    seed: null,
    arch: null,
    testAccuracy: null,
    criteria: null,
  });
  const fm = study.brain.models ? fileModels(study.brain.models) : new Map<string, Float64Array>();
  for (const name of study.brain.categoricalModels) {
    const v = fm.get(name);
    if (!v) {
      notes.push(`categorical model '${name}' not found in ${study.brain.models}`);
      continue;
    }
    models.push({ id: `${name}:model`, group: name, layer: 'model', vector: v });
    meta.set(name, {
      network: name,
      rule: 'categorical',
      family: 'baseline (categorical model)',
      seed: null,
      arch: null,
      testAccuracy: null,
      criteria: null,
    });
  }

  // Scores against hIT (subjects) and monkey IT (one RDM).
  const tScore = performance.now();
  const subjects = brainSubjects(study);
  const datasets: DatasetScores[] = [
    scoreModels(models, subjects.vectors, 'hIT', {
      method: study.metric,
      nSamples: study.bootstrapSamples,
      seed: study.seed,
    }),
  ];
  const mit = study.brain.monkeyIt ? fm.get(study.brain.monkeyIt) : undefined;
  if (mit)
    datasets.push(
      scoreModels(models, [mit], 'mIT', { method: study.metric, nSamples: study.bootstrapSamples, seed: study.seed }),
    );
  timings.scoring = (performance.now() - tScore) / 1000;

  const rows: LearningResultRow[] = [];
  for (const ds of datasets) {
    const start = rows.length;
    for (const m of models) {
      const s = ds.scores.get(m.id);
      const base = meta.get(m.id.slice(0, m.id.lastIndexOf(':')));
      if (!s || !base) continue;
      rows.push({
        ...base,
        layer: m.layer,
        dataset: ds.dataset,
        subjectCount: ds.subjectCount,
        metric: study.metric,
        value: s.value,
        ciLower: s.ciLower,
        ciUpper: s.ciUpper,
        p: s.p,
        pCorrected: null,
        ceilingLower: ds.ceiling?.lower ?? null,
        ceilingUpper: ds.ceiling?.upper ?? null,
      });
    }
    const pc = fdrOverList(rows.slice(start).map((r) => r.p));
    pc.forEach((p, k) => {
      rows[start + k].pCorrected = p;
    });
  }

  // Best layer per rule (and per baseline group) by leave-one-subject-out CV on hIT; pairwise tests with FDR.
  const tStats = performance.now();
  const hit = datasets[0];
  const groups = [...new Set(models.map((m) => m.group))];
  const best: BestLayer[] = [];
  for (const g of groups) {
    const entries = models
      .filter((m) => m.group === g)
      .map((m) => ({
        seed: m.id.slice(0, m.id.lastIndexOf(':')),
        layer: m.layer,
        perSubject: hit.scores.get(m.id)?.perSubject ?? [],
      }));
    const b = crossValidatedBestLayer(g, entries);
    if (b) best.push(b);
  }
  const ruleGroups = new Set([...study.networks.map((n) => n.name), ...plan.ids.random.map((r) => r.name)]);
  const pairwise = pairwiseTests(best.filter((b) => ruleGroups.has(b.group)));
  timings.statistics = (performance.now() - tStats) / 1000;

  // Sensitivity: each alternative transform, cross-validated best layer per network (first seed).
  const sensitivity = study.sensitivity.map((transform, k) => {
    const values: Record<string, number | null> = {};
    for (const [nid, rid] of Object.entries(plan.ids.sensitivity[k].rdms)) {
      const r = get<RdmsOutput>(rid);
      const entries = readRdmRows(r).map((v, i) => ({
        seed: nid,
        layer: r.layers[i],
        perSubject: v.every(Number.isFinite) ? subjects.vectors.map((s) => compareRdmsValue(v, s, study.metric)) : [],
      }));
      const name = study.networks.find((n) => n.id === nid)?.name ?? nid;
      values[name] = crossValidatedBestLayer(name, entries)?.value ?? null;
    }
    return { transform, values };
  });

  const resultsJson = {
    study: study.name,
    profile: study.profile,
    rows,
    pairwise,
    stimuli: { transform: study.stimuli.transform },
  };
  const results = join(out, 'results.json');
  const csv = join(out, 'results.csv');
  writeFileAtomic(results, `${JSON.stringify(resultsJson, null, 2)}\n`);
  writeFileAtomic(csv, toCsv(rows));
  timings.finish = (performance.now() - t0) / 1000;
  const report = await writeLearningReport({
    study,
    rows,
    best,
    pairwise,
    networks,
    notes,
    sensitivity,
    ceiling: hit.ceiling,
    stimuli: stim,
    subjects: subjects.names,
    timings,
    trainSeconds: Object.fromEntries(
      study.networks.map((n) => [n.id, get<TrainOutput>(plan.ids.networks[n.id].train).trainSeconds]),
    ),
    backend: get<TrainOutput>(plan.ids.networks[study.networks[0].id].train).backend,
    runtime: (await import('@concord/activations')).ONNX_RUNTIME,
  });
  return {
    study: study.name,
    profile: study.profile,
    outputDir: out,
    rows,
    results,
    csv,
    report,
    networks: networks.map((n) => ({ ...n, onnx: n.onnx ? relative(out, join(out, n.onnx)) : null })),
    pairwise,
    best,
    timings,
    executed: run.executed,
  };
}

function compareRdmsValue(a: Float64Array, b: Float64Array, method: string): number {
  // Local import keeps statistics.ts the one place that wraps compareRdms for the scores.
  return compareRdmsFn(a, b, { method }).get(0, 0);
}

import { compareRdms as compareRdmsFn } from '@concord/rsa';

export interface RunLearningStudyOptions {
  profile?: string;
  /** Override of the study's output folder. */
  outputDir?: string;
  /** Override of the artifact store folder. */
  storeDir?: string;
  /** Progress per item (id, done, total). */
  onItem?: (id: string, done: number, total: number) => void;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export async function runLearningStudy(
  path: string,
  opts: RunLearningStudyOptions = {},
): Promise<LearningStudyOutcome> {
  const loaded = loadLearningStudy(path, { profile: opts.profile });
  const study: LearningStudy = {
    ...loaded,
    ...(opts.outputDir ? { outputDir: opts.outputDir } : {}),
    ...(opts.storeDir ? { storeDir: opts.storeDir } : {}),
  };
  const plan = planLearningStudy(study);
  const store = new ArtifactStore(study.storeDir);
  const t0 = performance.now();
  const run = await runPlanInProcess(plan, store, { signal: opts.signal, onItem: opts.onItem });
  const timings: Record<string, number> = { items: (performance.now() - t0) / 1000 };
  const outcome = await finishLearningStudy(study, plan, run, timings);
  outcome.timings.total = (performance.now() - t0) / 1000;
  return outcome;
}
