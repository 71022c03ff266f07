/**
 * load → plan → run (any executor) → finish: scores, statistics, results.csv/json, exported ONNX networks and
 * stimuli.npy in the study folder, and report.html.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ProgressCallback } from '@concord/core';
import { writeFileAtomic } from '@concord/io';
import { compareRdms } from '@concord/rsa';
import { withOneBlasThread } from '../executors/blas-threads.ts';
import { ArtifactStore } from '../plan/artifact-store.ts';
import { type PlanRunResult, runPlanInProcess } from '../plan/run-in-process.ts';
import type { Plan } from '../plan/types.ts';
import { metricName } from '../scores/metrics.ts';
import { type RdmEntry, rdmsDocument } from '../study/rdms-json.ts';
import type { RdmsOutput, TrainOutput } from './items.ts';
import { type LearningStudy, loadLearningStudy } from './load-study.ts';
import { type PlannedStudyIds, planLearningStudy } from './plan-study.ts';
import { writeLearningReport } from './report.ts';
import { brainSubjects, readRdmRows, type ScoresOutput } from './scores-item.ts';
import {
  type BestLayer,
  crossValidatedBestLayer,
  type DatasetScores,
  fdrOverList,
  type PairwiseTest,
  pairwiseTests,
} from './statistics.ts';
import { type TimeBreakdown, timeBreakdown } from './time-breakdown.ts';

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
  /** A spiking network's saved weights and thresholds (`.stdp.npz`; it has no ONNX graph). */
  spikingNetwork?: string;
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
  /** Compute per stage read from the items' outputs (valid for a study resumed across invocations). */
  time: TimeBreakdown;
  executed: string[];
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
    let spikingNetwork: string | undefined;
    if (t.spiking) {
      spikingNetwork = join('networks', `${n.name}-seed-${n.seed}.stdp.npz`);
      copyFileSync(t.spiking.network, join(out, spikingNetwork));
    }
    networks.push({
      name: n.name,
      rule: n.rule,
      seed: n.seed,
      testAccuracy: t.testAccuracy,
      onnx,
      ...(spikingNetwork ? { spikingNetwork } : {}),
    });
  }
  const stim = get<{
    npy: string;
    png: string;
    shape: number[];
    sha256: string;
    training: unknown;
    categories?: string[];
  }>(plan.ids.stimuli);
  copyFileSync(stim.npy, join(out, 'stimuli.npy'));
  copyFileSync(stim.png, join(out, 'stimuli.png'));

  // Scores (the learning-scores item) → rows with each model's network, rule, criteria and accuracy.
  type RowMeta = Pick<LearningResultRow, 'network' | 'rule' | 'family' | 'seed' | 'arch' | 'testAccuracy' | 'criteria'>;
  const meta = new Map<string, RowMeta>();
  for (const n of study.networks)
    meta.set(n.id, {
      network: n.id,
      rule: n.rule,
      family: n.family,
      seed: n.seed,
      arch: n.arch,
      testAccuracy: get<TrainOutput>(plan.ids.networks[n.id].train).testAccuracy,
      criteria: n.criteria,
    });
  for (const rb of plan.ids.random) {
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
  }
  meta.set('pixels', {
    network: 'pixels',
    rule: 'pixels',
    family: 'baseline (pixels)',
    seed: null,
    arch: null,
    testAccuracy: null,
    criteria: null,
  });
  for (const name of study.brain.categoricalModels)
    meta.set(name, {
      network: name,
      rule: 'categorical',
      family: 'baseline (categorical model)',
      seed: null,
      arch: null,
      testAccuracy: null,
      criteria: null,
    });
  const scored = get<ScoresOutput>(plan.ids.scores);
  const notes = [...scored.notes];
  const models = scored.models;
  const datasets: DatasetScores[] = scored.datasets.map((d) => ({
    dataset: d.dataset,
    subjectCount: d.subjectCount,
    ceiling: d.ceiling,
    scores: new Map(d.scores.map((s) => [s.id, s])),
  }));
  timings.scoring = scored.seconds;
  const subjects = brainSubjects(study.brain);

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
        // the pipeline's one metric vocabulary: correlation-distance RDMs compared by the study's comparator
        metric: metricName({ type: 'rsa', modelRdmMethod: 'correlation', compare: study.metric }),
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
  const time = timeBreakdown(study, plan.ids, run, { scoring: timings.scoring, statistics: timings.statistics });

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

  // RDMs to look at (the web page's heatmaps): the subjects' mean hIT RDM and each rule's best layer (first seed).
  const labels = (stim.categories ?? []).map((c, i) => (c ? `${i + 1} ${c}` : `${i + 1}`));
  const meanHit = new Float64Array(subjects.vectors[0]?.length ?? 0);
  for (const v of subjects.vectors) for (let k = 0; k < v.length; k++) meanHit[k] += v[k] / subjects.vectors.length;
  const rdmEntries: RdmEntry[] = [
    { title: `hIT, mean of ${subjects.names.length} subjects`, vector: meanHit, dataset: 'hIT' },
  ];
  for (const b of best) {
    const n = study.networks.find((x) => x.name === b.group);
    if (!n) continue;
    const r = get<RdmsOutput>(plan.ids.networks[n.id].rdms);
    const row = readRdmRows(r)[r.layers.indexOf(b.layer)];
    if (row) rdmEntries.push({ title: `${n.name} (seed ${n.seed}), ${b.layer}`, vector: row });
  }
  writeFileAtomic(join(out, 'rdms.json'), `${JSON.stringify(rdmsDocument(labels, rdmEntries))}\n`);

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
    time,
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
    time,
    executed: run.executed,
  };
}

function compareRdmsValue(a: Float64Array, b: Float64Array, method: string): number {
  return compareRdms(a, b, { method }).get(0, 0);
}

export interface RunLearningStudyOptions {
  profile?: string;
  /** Train only these of the profile's seeds (see ResolveLearningStudyOptions.seeds). */
  seeds?: number[];
  /** Override of the study's output folder. */
  outputDir?: string;
  /** Override of the artifact store folder. */
  storeDir?: string;
  /** Progress per item (id, done, total). */
  onItem?: (id: string, done: number, total: number) => void;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /**
   * The executor (default runPlanInProcess). Pass the pipeline's `runPlan` with an engine (local pool, BullMQ) to
   * run the items elsewhere; it must resolve with every item's output (a failed run should throw).
   */
  execute?: (
    plan: Plan,
    store: ArtifactStore,
    onItem: (id: string, done: number, total: number) => void,
  ) => Promise<PlanRunResult>;
}

export async function runLearningStudy(
  path: string,
  opts: RunLearningStudyOptions = {},
): Promise<LearningStudyOutcome> {
  const loaded = loadLearningStudy(path, { profile: opts.profile, seeds: opts.seeds });
  const study: LearningStudy = {
    ...loaded,
    ...(opts.outputDir ? { outputDir: opts.outputDir } : {}),
    ...(opts.storeDir ? { storeDir: opts.storeDir } : {}),
  };
  const plan = planLearningStudy(study);
  const store = new ArtifactStore(study.storeDir);
  const t0 = performance.now();
  const onItem = (id: string, done: number, total: number) => {
    opts.onItem?.(id, done, total);
    opts.onProgress?.({ stage: 'learning-study', done, total, message: id });
  };
  const run = opts.execute
    ? await opts.execute(plan, store, onItem)
    : await runPlanInProcess(plan, store, { signal: opts.signal, onItem });
  const timings: Record<string, number> = { items: (performance.now() - t0) / 1000 };
  // One BLAS thread, as the `finish` item of the same study run as a job computes it (the same bytes either way).
  const outcome = await withOneBlasThread(() => finishLearningStudy(study, plan, run, timings));
  outcome.timings.total = (performance.now() - t0) / 1000;
  return outcome;
}
