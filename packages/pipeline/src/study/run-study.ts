/**
 * `concord compare-models`: the whole comparison study, in this process. Order: validate the study file and open
 * every model (cheap; a broken entry fails here, before any heavy work), then the study's items (plan-comparison.ts:
 * stimuli → activations (cached) → brain data (simulated recordings are written as EDF/NIfTI and read back) →
 * scores → results table and report) through the artifact store beside the activation cache, so a re-run with the
 * same configuration recomputes nothing; the outputs are then copied to the study's output folder.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProgressCallback } from '@concord/core';
import { materializeOutputs } from '../executors/materialize.ts';
import { preparePlan } from '../executors/prepared-plan.ts';
import { ArtifactStore } from '../plan/artifact-store.ts';
import { runPlanInProcess } from '../plan/run-in-process.ts';
import type { PlanItem } from '../plan/types.ts';
import { openNetworks } from './activations-stage.ts';
import { loadHdf5IfNamed, type StudyConfig, studyCacheDir } from './config.ts';
import { checkMetricOptions, planComparisonStudy } from './plan-comparison.ts';
import type { ResultRow } from './results.ts';
import type { ActivationsFile } from './stage-files.ts';

export interface StudyOutcome {
  rows: ResultRow[];
  report: string;
  csv: string;
  json: string;
  /** Seconds per stage. */
  timings: Record<string, number>;
  cachedActivations: boolean;
}

export interface RunStudyOptions {
  /** Progress bar factory (one per item). */
  progress?: (label: string) => ProgressCallback;
  log?: (message: string) => void;
  /** The artifact store (default: <cache>/pipeline beside the activation cache). */
  storeDir?: string;
}

/** Per item kind: the stage its time counts towards, and the word its progress bar starts with. */
const STAGES: Record<string, { stage: string; bar: string }> = {
  'study-stimuli': { stage: 'stimuli', bar: 'stimuli' },
  'study-activations': { stage: 'activations', bar: 'activations' },
  'study-brain': { stage: 'brain data', bar: 'brain' },
  'study-scores': { stage: 'metrics', bar: 'metrics' },
  'study-report': { stage: 'results and report', bar: 'results and report' },
};

/** 'activations/mnv2' → 'activations mnv2'; items without a sub-name keep their id. */
function progressLabel(item: PlanItem): string {
  const [, ...rest] = item.id.split('/');
  return rest.length ? `${STAGES[item.kind]?.bar ?? item.kind} ${rest.join('/')}` : item.id;
}

/**
 * The checks every route runs before a comparison study's heavy work (the CLI on any engine, runStudy): metric and
 * RDM method names, and every model opened with its layer names checked. A problem is a StudyConfigError naming
 * the entry.
 */
export async function checkComparisonStudy(config: StudyConfig): Promise<void> {
  checkMetricOptions(config);
  await loadHdf5IfNamed(config);
  const models = await openNetworks(config.networks, studyCacheDir(config));
  for (const m of models.values()) await m.dispose();
}

export async function runStudy(config: StudyConfig, opts: RunStudyOptions = {}): Promise<StudyOutcome> {
  const log = opts.log ?? (() => {});
  const progress = opts.progress;
  const outDir = resolve(config.output);
  const timings: Record<string, number> = {};
  let t0 = performance.now();

  await checkComparisonStudy(config);
  timings['open models'] = (performance.now() - t0) / 1000;

  const plan = planComparisonStudy(config);
  const store = new ArtifactStore(opts.storeDir ?? join(studyCacheDir(config), 'pipeline'));
  const kindOf = new Map(plan.items.map((it) => [it.id, it.kind]));
  t0 = performance.now();
  const run = await runPlanInProcess(plan, store, {
    itemProgress: progress ? (item) => progress(progressLabel(item)) : undefined,
    onItem: (id) => {
      const stage = STAGES[kindOf.get(id) ?? '']?.stage ?? id;
      timings[stage] = (timings[stage] ?? 0) + (performance.now() - t0) / 1000;
      t0 = performance.now();
    },
  });
  const activations = plan.items.filter((i) => i.kind === 'study-activations');
  // From the activation cache, or the whole item from the store.
  const fromCache = (id: string) =>
    (run.outputs.get(id) as unknown as ActivationsFile).cached || !run.executed.includes(id);
  for (const it of activations) {
    const a = run.outputs.get(it.id) as unknown as ActivationsFile;
    log(
      `activations ${a.name}: ${a.layers.length} layers × ${a.labels.length} stimuli${fromCache(it.id) ? ' (from cache)' : ''}`,
    );
  }
  const results = materializeOutputs(await preparePlan(plan), store);
  const json = results ?? join(outDir, 'results.json');
  const rows = (JSON.parse(readFileSync(json, 'utf8')) as { rows: ResultRow[] }).rows;
  const cachedActivations = activations.every((i) => fromCache(i.id));
  return {
    rows,
    report: join(outDir, 'report.html'),
    csv: join(outDir, 'results.csv'),
    json,
    timings,
    cachedActivations,
  };
}
