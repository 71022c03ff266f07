/**
 * Networks → one Dataset per layer (stimuli × units) with the condition label of each stimulus in obs descriptor
 * `conds`. Models are opened (and layer names checked) before any extraction runs; results go through the
 * activation cache, so a re-run reuses them.
 */
import { mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import {
  checkLayerNames,
  extractWithProvenance,
  loadModel,
  loadStimuli,
  type Model,
  type ReduceSpec,
  readActivations,
  type Stimuli,
  writeBundledModel,
} from '@concord/activations';
import { Dataset, type ProgressCallback, presentOrBug } from '@concord/core';
import { type NetworkConfig, type StimuliConfig, StudyConfigError } from './config.ts';
import { generateStimuli } from './stimuli.ts';

export interface LayerActivations {
  layer: string;
  index: number;
  dataset: Dataset;
}

export interface NetworkActivations {
  name: string;
  layers: LayerActivations[];
  cached: boolean;
  /** Where the activations came from (model file or activations file). */
  source: string;
}

export interface StimulusSet {
  /** A folder of images or an .npy/.mat file. */
  path: string;
  /** Condition label per stimulus, in stimulus order. */
  labels: string[];
  /** The MAT variable holding the images, for a .mat file. */
  variable?: string;
  /** Category per stimulus when known (generated sets). */
  categories?: string[];
}

/** Resolve the stimuli: generate them into the output folder, or use the given folder/file. */
export function prepareStimuli(config: StimuliConfig, outDir: string): StimulusSet {
  if ('generate' in config) {
    const g = config.generate;
    const dir = join(outDir, 'stimuli');
    const stimuli = generateStimuli(dir, {
      ...(g as object),
      ...(g.categories ? { categories: g.categories as never } : {}),
    });
    return { path: dir, labels: stimuli.map((s) => s.name), categories: stimuli.map((s) => s.category) };
  }
  if ('dir' in config) return { path: config.list ?? config.dir, labels: [] };
  if ('file' in config && config.variable)
    return { path: config.file, labels: config.labels ?? [], variable: config.variable };
  return { path: config.file, labels: config.labels ?? [] };
}

function resolveModelPath(net: NetworkConfig, cacheDir: string): string {
  const m = presentOrBug(net.model, `network ${net.name}: model`);
  if (m.startsWith('builtin:'))
    return writeBundledModel(m.slice('builtin:'.length), join(cacheDir, 'models', m.slice('builtin:'.length)));
  return m;
}

/** Open every model and check its layers: the cheap part, done before any heavy work. */
export async function openNetworks(networks: NetworkConfig[], cacheDir: string): Promise<Map<string, Model>> {
  const out = new Map<string, Model>();
  for (const [i, net] of networks.entries()) {
    if (!net.model) continue;
    const entry = `networks[${i}] (${net.name})`;
    let model: Model;
    try {
      model = await loadModel(resolveModelPath(net, cacheDir));
      checkLayerNames(model.file, model.layers, net.layers);
    } catch (e) {
      throw new StudyConfigError(entry, (e as Error).message);
    }
    out.set(net.name, model);
  }
  return out;
}

/**
 * Condition label per stimulus, in stimulus order. RDMs order conditions by sorted label (as rsatoolbox does), so
 * labels that would sort differently from the stimulus order get a zero-padded position prefix.
 */
function labelsFor(stimuli: Stimuli, set: StimulusSet): string[] {
  if (set.labels.length === stimuli.count) return set.labels;
  const col = stimuli.descriptors.condition ?? stimuli.descriptors.stimulus ?? stimuli.descriptors.index;
  const labels = col.map((v) => String(v).replace(/\.(png|jpe?g)$/i, ''));
  const sorted = labels.every((l, i) => i === 0 || labels[i - 1] < l);
  return sorted ? labels : labels.map((l, i) => `${String(i + 1).padStart(4, '0')}_${l}`);
}

export async function extractNetwork(
  net: NetworkConfig,
  model: Model | undefined,
  set: StimulusSet,
  cacheDir: string,
  onProgress?: ProgressCallback,
): Promise<NetworkActivations> {
  if (net.activations) {
    const all = readActivations(net.activations);
    const layers = net.layers.map((layer, index) => {
      const ds = all.get(layer);
      if (!ds)
        throw new StudyConfigError(
          `network ${net.name}`,
          `no layer '${layer}' in ${net.activations}; it holds ${[...all.keys()].join(', ')}`,
        );
      const labels =
        set.labels.length === ds.nObs
          ? set.labels
          : Array.from({ length: ds.nObs }, (_, k) => String(k).padStart(4, '0'));
      return { layer, index, dataset: new Dataset(ds.measurements, { obsDescriptors: { conds: labels } }) };
    });
    return { name: net.name, layers, cached: true, source: net.activations };
  }
  const p = net.preprocess ?? {};
  const stimuli = await loadStimuli(set.path, {
    ...(p.size ? { size: p.size } : {}),
    ...(p.mean ? { mean: p.mean } : {}),
    ...(p.std ? { std: p.std } : {}),
    ...(p.layout ? { layout: p.layout } : {}),
    ...(set.variable ? { variable: set.variable } : {}),
  });
  const labels = labelsFor(stimuli, set);
  mkdirSync(cacheDir, { recursive: true });
  const reduce = (
    net.reduce === undefined || net.reduce === 'none'
      ? []
      : net.reduce === 'gap'
        ? [{ kind: 'globalAveragePool' }]
        : [net.reduce]
  ) as ReduceSpec[];
  const opened = presentOrBug(model, `network ${net.name}: opened model`);
  const { datasets, cached } = await extractWithProvenance(opened, stimuli, {
    layers: net.layers,
    batchSize: net.batchSize ?? 8,
    reduce,
    cacheDir: join(cacheDir, 'activations'),
    ...(onProgress ? { onProgress } : {}),
  });
  const layers = net.layers.map((layer, index) => ({
    layer,
    index,
    dataset: new Dataset(presentOrBug(datasets.get(layer), `activations of layer ${layer}`).measurements, {
      descriptors: { network: net.name, layer },
      obsDescriptors: { conds: labels },
    }),
  }));
  return { name: net.name, layers, cached, source: basename(opened.file, extname(opened.file)) };
}
