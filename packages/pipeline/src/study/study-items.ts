/**
 * The comparison study's item kinds (planned by plan-comparison.ts): stimuli → activations per network → brain data
 * per dataset (simulations read the network they copy) → scores per brain dataset × network → the report. Each is
 * a pure function of its params and its dependencies' outputs; arrays pass between them as files in the store
 * (stage-files.ts).
 */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ItemKind, Json } from '../plan/types.ts';
import { extractNetwork, openNetworks, prepareStimuli, type StimulusSet } from './activations-stage.ts';
import { loadBrainData } from './brain-stage.ts';
import {
  type BrainConfig,
  loadHdf5IfNamed,
  type MetricConfig,
  type NetworkConfig,
  type StimuliConfig,
  type StudyConfig,
} from './config.ts';
import { scoreAll } from './metrics-stage.ts';
import type { ResultRow } from './results.ts';
import {
  type ActivationsFile,
  asJson,
  type BrainFile,
  loadActivations,
  loadBrain,
  saveActivations,
  saveBrain,
} from './stage-files.ts';
import { writeStudyOutputs } from './study-outputs.ts';

export const stimuliItem: ItemKind = {
  kind: 'study-stimuli',
  version: '1',
  async run(params, ctx) {
    const { stimuli } = params as unknown as { stimuli: StimuliConfig };
    // Generated stimuli are drawn into this item's folder; given ones are used where they are.
    return asJson(prepareStimuli(stimuli, ctx.store.filesDir(ctx.key)));
  },
};

export const activationsItem: ItemKind = {
  kind: 'study-activations',
  version: '1',
  async run(params, ctx) {
    const p = params as unknown as { network: NetworkConfig; cache: string; stimuli: string };
    await loadHdf5IfNamed(params);
    const stimuli = ctx.deps[p.stimuli] as unknown as StimulusSet;
    const models = await openNetworks([p.network], p.cache);
    const model = models.get(p.network.name);
    try {
      const net = await extractNetwork(p.network, model, stimuli, p.cache, ctx.onProgress);
      return asJson(saveActivations(ctx.store.filesDir(ctx.key), net));
    } finally {
      // a worker runs many items: release the session's native memory now
      await model?.dispose();
    }
  },
};

export const brainItem: ItemKind = {
  kind: 'study-brain',
  version: '1',
  async run(params, ctx) {
    // `networks`: the items of the networks this dataset needs (the first network's labels order the conditions;
    // a simulation copies its network's layer), first network first.
    const p = params as unknown as { brain: BrainConfig; networks: string[] };
    await loadHdf5IfNamed(params);
    const nets = p.networks.map((id) => loadActivations(ctx.deps[id] as unknown as ActivationsFile));
    const dir = ctx.store.filesDir(ctx.key);
    // Simulated recordings are written under <dir>/data/<name> (the report item copies them to the output).
    const data = loadBrainData(p.brain, nets, dir, ctx.onProgress);
    return asJson(saveBrain(dir, data));
  },
};

export const scoresItem: ItemKind = {
  kind: 'study-scores',
  version: '1',
  async run(params, ctx) {
    const p = params as unknown as { brain: string; network: string; metrics: MetricConfig[] };
    const brain = loadBrain(ctx.deps[p.brain] as unknown as BrainFile);
    const net = loadActivations(ctx.deps[p.network] as unknown as ActivationsFile);
    return asJson({ rows: scoreAll([net], [brain], p.metrics, ctx.onProgress) });
  },
};

export interface ReportParams {
  config: Omit<StudyConfig, 'output'>;
  stimuli: string;
  networks: string[];
  brains: string[];
  /** scores[brain index][network index]: item ids. */
  scores: string[][];
}

/**
 * The rows in the order of a single pass (brain → metric → network → layer), whatever order the score items ran
 * in: each score item's rows come grouped by metric, in the study's metric order.
 */
function orderedRows(p: ReportParams, deps: Record<string, Json>): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const ids of p.scores) {
    const perNet = ids.map((id) => (deps[id] as unknown as { rows: ResultRow[] }).rows);
    const metrics: string[] = [];
    for (const r of perNet.flat()) if (!metrics.includes(r.metric)) metrics.push(r.metric);
    for (const name of metrics) for (const netRows of perNet) rows.push(...netRows.filter((r) => r.metric === name));
  }
  return rows;
}

export const reportItem: ItemKind = {
  kind: 'study-report',
  version: '1',
  async run(params, ctx) {
    const p = params as unknown as ReportParams;
    const outDir = ctx.store.filesDir(ctx.key);
    const stimuli = ctx.deps[p.stimuli] as unknown as StimulusSet;
    const nets = p.networks.map((id) => loadActivations(ctx.deps[id] as unknown as ActivationsFile));
    const brains = p.brains.map((id) => {
      const f = ctx.deps[id] as unknown as BrainFile;
      // Simulated recordings were written in the brain item's folder: the output gets a copy, named from there.
      const simulated = join(f.folder, 'data', f.name);
      if (existsSync(simulated)) cpSync(simulated, join(outDir, 'data', f.name), { recursive: true });
      const b = loadBrain(f);
      b.files = b.files.map((file) => (file.startsWith(f.folder) ? join(outDir, file.slice(f.folder.length)) : file));
      return b;
    });
    if ('generate' in p.config.stimuli) cpSync(stimuli.path, join(outDir, 'stimuli'), { recursive: true });
    const rows = orderedRows(p, ctx.deps);
    await writeStudyOutputs(outDir, p.config, nets, brains, rows);
    return asJson({ study: p.config.name, rows: rows.length, cachedActivations: nets.every((n) => n.cached) });
  },
};
