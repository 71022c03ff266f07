/**
 * Extraction with provenance and an on-disk cache. The cache key is the SHA-256 of the model file(s), the stimuli
 * (content and order), the preprocessing, the layers and the reductions, so a changed input never returns stale
 * activations; entries are ordinary `.npz` files with their provenance JSON.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, VERSION } from '@concord/core';
import {
  type LayerEntry,
  type Provenance,
  provenancePath,
  readActivations,
  writeActivations,
} from './activation-files.ts';
import { type ExtractOptions, extractActivations } from './extract.ts';
import type { ActivationModel } from './model.ts';
import type { Stimuli } from './stimuli.ts';

export interface ExtractToOptions extends ExtractOptions {
  /** Reuse and store results here (keyed by model hash + stimuli hash + preprocessing + layers + reductions). */
  cacheDir?: string;
}

export interface ExtractOutcome {
  datasets: Map<string, Dataset>;
  provenance: Provenance;
  /** True when the results came from the cache. */
  cached: boolean;
}

async function provenanceBase(model: ActivationModel, stimuli: Stimuli, options: ExtractOptions) {
  return {
    concord: VERSION,
    created: new Date().toISOString(),
    model: { file: model.file, format: model.format, sha256: await model.hash(), runtime: model.runtime },
    stimuli: {
      source: stimuli.source,
      count: stimuli.count,
      sha256: await stimuli.hash(),
      preprocessing: stimuli.preprocessing,
      descriptors: stimuli.descriptors,
    },
    batchSize: options.batchSize ?? 32,
  };
}

export async function cacheKey(model: ActivationModel, stimuli: Stimuli, options: ExtractOptions): Promise<string> {
  const key = {
    concord: VERSION,
    model: await model.hash(),
    runtime: model.runtime,
    stimuli: await stimuli.hash(),
    preprocessing: stimuli.preprocessing,
    layers: [...new Set(options.layers)],
    reduce: options.reduce ?? [],
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 32);
}

/** Run (or fetch from the cache) and return datasets with their provenance. */
export async function extractWithProvenance(
  model: ActivationModel,
  stimuli: Stimuli,
  options: ExtractToOptions,
): Promise<ExtractOutcome> {
  let cacheFile: string | undefined;
  if (options.cacheDir) {
    mkdirSync(options.cacheDir, { recursive: true });
    cacheFile = join(options.cacheDir, `${await cacheKey(model, stimuli, options)}.npz`);
    if (existsSync(cacheFile) && existsSync(provenancePath(cacheFile))) {
      const provenance = JSON.parse(readFileSync(provenancePath(cacheFile), 'utf8')) as Provenance;
      const read = readActivations(cacheFile);
      const datasets = new Map<string, Dataset>();
      for (const name of new Set(options.layers)) {
        const ds = read.get(name);
        if (!ds) break;
        const rec = provenance.layers[name];
        datasets.set(
          name,
          ds.withDescriptors({
            layer: name,
            model: model.file,
            unitShape: rec.unitShape,
            ...(rec.reductions.length ? { reductions: rec.reductions } : {}),
          }),
        );
      }
      if (datasets.size === new Set(options.layers).size) {
        options.onProgress?.({ stage: 'extract', done: stimuli.count, total: stimuli.count, message: 'from cache' });
        return { datasets, provenance, cached: true };
      }
    }
  }
  const { datasets, records } = await extractActivations(model, stimuli, options);
  const base = await provenanceBase(model, stimuli, options);
  const layerProv = Object.fromEntries(
    [...records].map(([n, r]) => [n, { unitShape: r.unitShape, reductions: r.reductions }]),
  );
  let entries: Record<string, LayerEntry> = {};
  if (cacheFile) entries = writeActivations(cacheFile, datasets, { ...base, layers: layerProv });
  const provenance: Provenance = {
    ...base,
    layers: Object.fromEntries(
      [...datasets].map(([n, ds]) => [
        n,
        { key: entries[n]?.key ?? n, shape: [ds.nObs, ds.nChannels], ...layerProv[n] },
      ]),
    ),
  };
  return { datasets, provenance, cached: false };
}

/** Extract and write `out` (.npz, one float32 entry per layer) with `<out>.provenance.json`; returns the layer map. */
export async function extractToFile(
  model: ActivationModel,
  stimuli: Stimuli,
  out: string,
  options: ExtractToOptions,
): Promise<{ out: string; layers: Record<string, LayerEntry>; cached: boolean; provenance: Provenance }> {
  const { datasets, provenance, cached } = await extractWithProvenance(model, stimuli, options);
  const layerProv = Object.fromEntries(
    Object.entries(provenance.layers).map(([n, r]) => [n, { unitShape: r.unitShape, reductions: r.reductions }]),
  );
  const layers = writeActivations(out, datasets, { ...provenance, layers: layerProv });
  return { out, layers, cached, provenance };
}
