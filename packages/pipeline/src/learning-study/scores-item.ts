/**
 * The item `learning-scores`: every model RDM of the study (network layers, random-weights layers, the pixel RDM of
 * the stimuli, the categorical models) against the hIT subjects (dual bootstrap, noise ceiling) and the monkey IT
 * RDM (pattern bootstrap). An item, so a worker computes it once and a re-run reads it from the store.
 */
import { type MatValue, readMat, readNpy, toFloat64 } from '@concord/io';
import type { ItemKind, Json } from '../plan/types.ts';
import { readyRdmSubjects } from '../study/brain-stage.ts';
import { correlationRdm, type RdmsOutput } from './items.ts';
import type { LearningStudy } from './load-study.ts';
import { type DatasetScores, type ModelRdm, type ModelScore, scoreModels } from './statistics.ts';

export interface ScoresParams {
  /** Trained and random networks: model id prefix, group (rule name or random baseline), rdms item id. */
  networks: { id: string; group: string; rdms: string }[];
  stimuli: string;
  brain: LearningStudy['brain'];
  metric: string;
  nSamples: number;
  seed: number;
}

export interface ScoresOutput {
  models: { id: string; group: string; layer: string }[];
  subjects: string[];
  notes: string[];
  datasets: {
    dataset: string;
    subjectCount: number;
    ceiling: { lower: number; upper: number } | null;
    scores: ({ id: string } & ModelScore)[];
  }[];
  seconds: number;
}

/** Each subject's RDM (sessions averaged): names and vectors. */
export function brainSubjects(brain: LearningStudy['brain']): { names: string[]; vectors: Float64Array[] } {
  const subjects = readyRdmSubjects(
    {
      name: 'hIT',
      type: 'rdms',
      file: brain.file,
      variable: brain.variable,
      subjects: { field: 'name', pattern: brain.subjectPattern },
    },
    [],
  );
  return { names: subjects.map((s) => s.subject), vectors: subjects.map((s) => s.rdms.getVector(0)) };
}

/** Named model RDMs of the data's model file (struct array with fields RDM and name), as RDM vectors. */
export function fileModels(file: string): Map<string, Float64Array> {
  const vars = readMat(file);
  const v = Object.values(vars)[0] as MatValue & { structs?: Record<string, MatValue>[] };
  const out = new Map<string, Float64Array>();
  for (const s of v.structs ?? []) {
    const rdm = s.RDM as { shape: number[]; data: ArrayLike<number> };
    const n = rdm.shape[0];
    const m = toFloat64(rdm.data as never);
    const vec = new Float64Array((n * (n - 1)) / 2);
    let k = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) vec[k++] = m[i * n + j];
    out.set(String(s.name), vec);
  }
  return out;
}

export function readRdmRows(out: RdmsOutput): Float64Array[] {
  if (!out.file) return [];
  const a = readNpy(out.file);
  const d = toFloat64(a.data);
  return Array.from({ length: a.shape[0] }, (_, i) => d.slice(i * a.shape[1], (i + 1) * a.shape[1]));
}

export const scoresItem: ItemKind = {
  kind: 'learning-scores',
  version: '1',
  async run(params, ctx) {
    const t0 = performance.now();
    const p = params as unknown as ScoresParams;
    const models: ModelRdm[] = [];
    const notes: string[] = [];
    for (const n of p.networks) {
      const r = ctx.deps[n.rdms] as unknown as RdmsOutput;
      if (r.note) notes.push(`${n.id}: ${r.note}`);
      readRdmRows(r).forEach((v, i) => {
        models.push({ id: `${n.id}:${r.layers[i]}`, group: n.group, layer: r.layers[i], vector: v });
        if (r.constantPatterns[i] > 0)
          notes.push(
            `${n.id} layer ${r.layers[i]}: ${r.constantPatterns[i]} stimuli give a constant activation pattern (correlation distance undefined → no score)`,
          );
      });
    }
    const st = readNpy((ctx.deps[p.stimuli] as { npy: string }).npy);
    models.push({
      id: 'pixels:pixels',
      group: 'pixels',
      layer: 'pixels',
      vector: correlationRdm(st.data as Float32Array, st.shape[0]),
    });
    const fm = p.brain.models ? fileModels(p.brain.models) : new Map<string, Float64Array>();
    for (const name of p.brain.categoricalModels) {
      const v = fm.get(name);
      if (v) models.push({ id: `${name}:model`, group: name, layer: 'model', vector: v });
      else notes.push(`categorical model '${name}' not found in ${p.brain.models}`);
    }
    const subjects = brainSubjects(p.brain);
    const opts = { method: p.metric, nSamples: p.nSamples, seed: p.seed };
    const datasets: DatasetScores[] = [scoreModels(models, subjects.vectors, 'hIT', opts)];
    const mit = p.brain.monkeyIt ? fm.get(p.brain.monkeyIt) : undefined;
    if (mit) datasets.push(scoreModels(models, [mit], 'mIT', opts));
    else if (p.brain.monkeyIt) notes.push(`monkey IT RDM '${p.brain.monkeyIt}' not found in ${p.brain.models}`);
    const out: ScoresOutput = {
      models: models.map((m) => ({ id: m.id, group: m.group, layer: m.layer })),
      subjects: subjects.names,
      notes,
      datasets: datasets.map((d) => ({
        dataset: d.dataset,
        subjectCount: d.subjectCount,
        ceiling: d.ceiling,
        scores: models.map((m) => ({ id: m.id, ...(d.scores.get(m.id) as ModelScore) })),
      })),
      seconds: (performance.now() - t0) / 1000,
    };
    return out as unknown as Json;
  },
};
