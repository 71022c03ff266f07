/**
 * A learning-rule study → plan items: converted stimuli (one per training dataset and transform), one train item
 * per network (content key = rule, settings, seed and the training data's hash, so a re-run trains nothing already
 * trained), random-weights baselines of every architecture, and one RDM item per network and stimulus set.
 */
import { trainingKernelsFor } from '@concord/core';
import { DEFAULT_MLP_HIDDEN, getRule } from '@concord/learning';
import type { Json, Plan, PlanItem } from '../plan/types.ts';
import { datasetHash, type TrainParams } from './items.ts';
import type { LearningStudy, PlannedNetwork } from './load-study.ts';
import type { StimulusTransform } from './schema.ts';
import type { ScoresParams } from './scores-item.ts';
import { costliestFirst } from './training-cost.ts';

export interface PlannedStudyIds {
  /** Per network id: its train and default-stimuli RDM item ids. */
  networks: Record<string, { train: string; rdms: string; stimuli: string }>;
  /** Per architecture: random baselines (seed → train / rdms ids). */
  random: { name: string; arch: string; dataset: string; seed: number; train: string; rdms: string; stimuli: string }[];
  /** The scoring item (every model RDM against the brain data). */
  scores: string;
  /**
   * The stimuli copied to stimuli.npy: as the study's first network that is not spiking sees them (the study's
   * order, not the plan's cost order; a spiking network's unnormalised stimuli only in a study of spiking networks).
   */
  stimuli: string;
  /** Per sensitivity transform index: network id → rdms item id, and its stimuli item. */
  sensitivity: { stimuli: string; rdms: Record<string, string> }[];
}

function trainParams(n: PlannedNetwork, dataHash: string): TrainParams {
  return {
    // The kernel backend is part of the key: native and TypeScript weights agree only to float32 rounding.
    backend: trainingKernelsFor().name,
    rule: n.rule,
    arch: n.arch,
    dataset: n.dataset,
    ...(n.dataDir ? { dataDir: n.dataDir } : {}),
    dataHash,
    seed: n.seed,
    ...(n.epochs !== undefined ? { epochs: n.epochs } : {}),
    training: n.training,
    hyper: n.hyper,
    ...(n.limitTrain !== undefined ? { limitTrain: n.limitTrain } : {}),
    ...(n.limitTest !== undefined ? { limitTest: n.limitTest } : {}),
  };
}

/**
 * The stimulus transform a network sees: a spiking network (STDP) turns pixels into Poisson rates, which need
 * intensities in [0, 1] as in its training data, so its stimuli are never normalised to other statistics.
 */
function transformFor(n: PlannedNetwork, t: Required<StimulusTransform>): Required<StimulusTransform> {
  return isSpiking(n) ? { ...t, normalise: 'none' } : t;
}

/** A spiking network (STDP): Poisson-rate inputs in [0, 1], no ONNX graph, no random-weights baseline of its own. */
function isSpiking(n: PlannedNetwork): boolean {
  return n.rule === 'stdp';
}

export function planLearningStudy(study: LearningStudy): Plan & { ids: PlannedStudyIds } {
  const items: PlanItem[] = [];
  const hashes = new Map<string, string>();
  const hashOf = (dataset: string, dataDir?: string) => {
    const k = `${dataset}|${dataDir ?? ''}`;
    let h = hashes.get(k);
    if (!h) {
      h = datasetHash(dataset, dataDir);
      hashes.set(k, h);
    }
    return h;
  };
  const stimuliIds = new Map<string, string>();
  const stimuliFor = (
    n: { dataset: string; dataDir?: string },
    transform: Required<StimulusTransform>,
    tag: string,
  ) => {
    const k = `${n.dataset}|${n.dataDir ?? ''}|${JSON.stringify(transform)}`;
    let id = stimuliIds.get(k);
    if (!id) {
      id = `stimuli/${tag}/${stimuliIds.size}`;
      stimuliIds.set(k, id);
      items.push({
        id,
        kind: 'learning-stimuli',
        params: {
          file: study.stimuli.file,
          variable: study.stimuli.variable,
          transform,
          dataset: n.dataset,
          ...(n.dataDir ? { dataDir: n.dataDir } : {}),
          dataHash: hashOf(n.dataset, n.dataDir),
        } as unknown as Json,
        deps: [],
      });
    }
    return id;
  };
  const ids: PlannedStudyIds = { networks: {}, random: [], sensitivity: [], scores: 'scores', stimuli: '' };
  // Executors take ready items in plan order: the longest training goes first (training-cost.ts).
  for (const n of costliestFirst(study.networks)) {
    const train = `train/${n.id}`;
    items.push({
      id: train,
      kind: 'learning-train',
      params: trainParams(n, hashOf(n.dataset, n.dataDir)) as unknown as Json,
      deps: [],
    });
    const stimuli = stimuliFor(n, transformFor(n, study.stimuli.transform), 'default');
    const rdms = `rdms/${n.id}`;
    items.push({ id: rdms, kind: 'learning-rdms', params: { train, stimuli }, deps: [train, stimuli] });
    ids.networks[n.id] = { train, rdms, stimuli };
  }
  const reference = study.networks.find((n) => !isSpiking(n)) ?? study.networks[0];
  ids.stimuli = reference ? (ids.networks[reference.id]?.stimuli ?? '') : '';
  // Random-weights baselines: every (architecture, hidden sizes, dataset) of the study, untrained (BP's recipe).
  const archs = new Map<string, { n: PlannedNetwork; hidden: number[]; name: string }>();
  for (const n of study.networks) {
    if (isSpiking(n)) continue;
    const hidden = n.training.hidden ?? getRule(n.rule).declaration.training?.hidden ?? DEFAULT_MLP_HIDDEN;
    const name = `random-${n.arch}-${hidden.join('-')}`;
    archs.set(`${name}|${n.dataset}`, { n, hidden: [...hidden], name });
  }
  for (const { n, hidden, name } of archs.values())
    for (const seed of study.randomSeeds) {
      const train = `train/${name}/seed-${seed}`;
      // Nothing is trained: the key holds what builds the network, not the epochs or limits of whichever network
      // of this architecture happens to come last in the study.
      const { epochs: _epochs, limitTrain: _limitTrain, limitTest: _limitTest, ...untrained } = n;
      const p: TrainParams = {
        ...trainParams(
          { ...untrained, rule: 'bp', seed, hyper: {}, training: { hidden } },
          hashOf(n.dataset, n.dataDir),
        ),
        random: true,
      };
      items.push({ id: train, kind: 'learning-train', params: p as unknown as Json, deps: [] });
      const stimuli = stimuliFor(n, study.stimuli.transform, 'default');
      const rdms = `rdms/${name}/seed-${seed}`;
      items.push({ id: rdms, kind: 'learning-rdms', params: { train, stimuli }, deps: [train, stimuli] });
      ids.random.push({ name, arch: n.arch, dataset: n.dataset, seed, train, rdms, stimuli });
    }
  // Sensitivity: the first seed of every network with each alternative transform.
  for (const [k, transform] of study.sensitivity.entries()) {
    const entry: { stimuli: string; rdms: Record<string, string> } = { stimuli: '', rdms: {} };
    const firstSeed = new Set<string>();
    for (const n of study.networks) {
      if (firstSeed.has(n.name)) continue;
      firstSeed.add(n.name);
      const stimuli = stimuliFor(n, transformFor(n, transform), `sensitivity-${k}`);
      entry.stimuli = stimuli;
      const train = ids.networks[n.id].train;
      const rdms = `rdms-sensitivity-${k}/${n.id}`;
      items.push({ id: rdms, kind: 'learning-rdms', params: { train, stimuli }, deps: [train, stimuli] });
      entry.rdms[n.id] = rdms;
    }
    ids.sensitivity.push(entry);
  }
  const scored = [
    ...study.networks.map((n) => ({ id: n.id, group: n.name, rdms: ids.networks[n.id].rdms })),
    ...ids.random.map((r) => ({ id: `${r.name}/seed-${r.seed}`, group: r.name, rdms: r.rdms })),
  ];
  const scores: ScoresParams = {
    networks: scored,
    stimuli: ids.stimuli, // the pixel-RDM baseline
    brain: study.brain,
    metric: study.metric,
    nSamples: study.bootstrapSamples,
    seed: study.seed,
  };
  items.push({
    id: ids.scores,
    kind: 'learning-scores',
    params: scores as unknown as Json,
    deps: [...scored.map((n) => n.rdms), ids.stimuli],
  });
  return { study: study.name, outputDir: study.outputDir, items, ids };
}
