/**
 * The learning-rule study's item kinds (registered in plan/registry.ts). Each is a pure function of its params and
 * its dependencies' outputs; files go under the store's folder of the item (atomic writes).
 *   learning-stimuli  the 92 images converted to network inputs → stimuli.npy (+ a montage PNG)
 *   learning-train    one network trained by one rule and seed (or left at random initial weights) → net.onnx
 *   learning-rdms     the network run on the stimuli through onnxruntime → one correlation-distance RDM per layer
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConcordError, Dataset, Matrix, Rng } from '@concord/core';
import { readNpy, writeFileAtomic, writeNpy } from '@concord/io';
import {
  buildNetwork,
  defaultCheckpointPath,
  encodeOnnx,
  exportedLayerNames,
  getRule,
  loadDataset,
  type RunSummary,
  resolveTraining,
  runTraining,
  sidecarPath,
  stdpOutputPaths,
  stdpSpikeCounts,
} from '@concord/learning';
import { calcRdm } from '@concord/rsa';
import { PIPELINE_ERRORS } from '../errors.ts';
import type { ItemContext, ItemKind, Json } from '../plan/types.ts';
import { convertStimuli, pixelStats, readStimulusImages } from './convert-stimuli.ts';
import { montagePng } from './png.ts';
import type { StimulusTransform } from './schema.ts';

/** SHA-256 over a dataset folder's files (names and bytes), or over the name for built-in sets. */
export function datasetHash(dataset: string, dataDir?: string): string {
  const dir = dataDir ?? (existsSync(dataset) && statSync(dataset).isDirectory() ? dataset : undefined);
  const h = createHash('sha256');
  if (!dir) return h.update(`dataset:${dataset}`).digest('hex');
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (!statSync(p).isFile()) continue;
    h.update(f);
    h.update(readFileSync(p));
  }
  return h.digest('hex');
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface StimuliParams {
  file: string;
  variable: string;
  transform: Required<StimulusTransform>;
  dataset: string;
  dataDir?: string;
  dataHash: string;
}

export const stimuliItem: ItemKind = {
  kind: 'learning-stimuli',
  version: '1',
  async run(params, ctx) {
    const p = params as unknown as StimuliParams;
    const src = readStimulusImages(p.file, p.variable);
    const training =
      p.transform.normalise === 'training'
        ? pixelStats(loadDataset(p.dataset, { dataDir: p.dataDir }).train.images)
        : undefined;
    const conv = convertStimuli(src, p.transform, training);
    const dir = ctx.store.filesDir(ctx.key);
    const npy = join(dir, 'stimuli.npy');
    writeNpy(npy, { data: conv.data, shape: conv.shape });
    const png = join(dir, 'stimuli.png');
    writeFileAtomic(png, montagePng(conv.data, conv.shape[0], p.transform.channels, p.transform.size, 12));
    return {
      npy,
      png,
      shape: conv.shape,
      categories: src.categories,
      sourcePixels: pixelStats(conv.data) as unknown as Json,
      beforeNormalisation: conv.before as unknown as Json,
      training: (training ?? null) as unknown as Json,
      sha256: sha256File(npy),
    };
  },
};

export interface TrainParams {
  /** The training kernels' backend ('native', 'js'): part of the content key. */
  backend: string;
  rule: string;
  arch: string;
  dataset: string;
  dataDir?: string;
  dataHash: string;
  seed: number;
  epochs?: number;
  training: {
    lr?: number;
    optimizer?: 'adam' | 'sgd';
    schedule?: 'constant' | 'step' | 'cosine';
    batch?: number;
    hidden?: number[];
  };
  hyper: Record<string, number | string | boolean>;
  limitTrain?: number;
  limitTest?: number;
  /** Random initial weights of the architecture (the baseline): no training. */
  random?: boolean;
}

export interface TrainOutput {
  onnx: string | null;
  testAccuracy: number | null;
  layers: string[];
  trainSeconds: number;
  epochs: number;
  backend: string;
  note?: string;
  /** A spiking network (STDP): its saved weights and presentation timing, for its responses to the stimuli. */
  spiking?: { network: string; seed: number; presentationMs?: number; restMs?: number };
}

export const trainItem: ItemKind = {
  kind: 'learning-train',
  version: '2',
  async run(params, ctx) {
    const p = params as unknown as TrainParams;
    const dir = ctx.store.filesDir(ctx.key);
    const out = join(dir, 'net.onnx');
    const training = {
      ...(p.epochs !== undefined ? { epochs: p.epochs } : {}),
      ...p.training,
    };
    if (p.random) {
      const dataset = loadDataset(p.dataset, { dataDir: p.dataDir });
      const t = resolveTraining(getRule(p.rule).declaration, training);
      const network = buildNetwork({
        arch: p.arch as 'mlp',
        imageShape: dataset.train.shape,
        nClasses: dataset.nClasses,
        hidden: t.hidden,
        activation: t.activation,
        dtype: 'float32',
        rng: new Rng(p.seed),
      });
      writeFileAtomic(out, encodeOnnx(network, { docString: `random weights, ${p.arch}, seed ${p.seed}` }));
      const result: TrainOutput = {
        onnx: out,
        testAccuracy: null,
        layers: exportedLayerNames(network),
        trainSeconds: 0,
        epochs: 0,
        backend: 'none',
        note: 'random initial weights (PyTorch default initialisation), not trained',
      };
      return result as unknown as Json;
    }
    const train = (resume?: string) =>
      runTraining({
        rule: p.rule,
        arch: p.arch,
        dataset: p.dataset,
        dataDir: p.dataDir,
        out,
        seed: p.seed,
        training,
        hyper: p.hyper,
        limitTrain: p.limitTrain,
        limitTest: p.limitTest,
        onProgress: ctx.onProgress,
        resume,
      });
    // runTraining leaves a per-epoch checkpoint beside `out` until it finishes, so an item killed mid-training (a
    // session's end, a lost worker) continues from its last epoch; resuming gives the bytes of an uninterrupted run.
    const checkpoint = defaultCheckpointPath(out);
    let summary: RunSummary;
    if (!existsSync(checkpoint)) summary = await train();
    else
      try {
        summary = await train(checkpoint);
      } catch (e) {
        // A checkpoint this item cannot use (unreadable, or from settings that changed) is a stale cache entry.
        if ((e as { code?: string }).code !== 'ERR_LEARNING_CHECKPOINT') throw e;
        rmSync(checkpoint, { force: true });
        summary = await train();
      }
    const sidecar = JSON.parse(readFileSync(sidecarPath(out), 'utf8')) as { backend?: string; output?: string };
    const hasOnnx = (sidecar.output ?? 'onnx') === 'onnx' && existsSync(out);
    const spikingNetwork = p.rule === 'stdp' ? stdpOutputPaths(out).network : undefined;
    const ms = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const result: TrainOutput = {
      onnx: hasOnnx ? out : null,
      testAccuracy: summary.testAccuracy,
      layers: hasOnnx ? summary.layers : [],
      trainSeconds: summary.trainSeconds,
      epochs: summary.epochs,
      backend: sidecar.backend ?? 'custom',
      ...(hasOnnx
        ? {}
        : spikingNetwork && existsSync(spikingNetwork)
          ? {
              note: 'a spiking network (no ONNX graph): its activations are excitatory spike counts per stimulus, simulated with learning off',
              spiking: {
                network: spikingNetwork,
                seed: p.seed,
                presentationMs: ms(p.hyper.presentationMs),
                restMs: ms(p.hyper.restMs),
              },
            }
          : { note: 'no ONNX graph: its responses to the stimuli are not computed in this study' }),
    };
    return result as unknown as Json;
  },
};

/** Layers scored: each layer's output after its activation, and the logits (pre-activations are skipped). */
export function scoredLayers(layers: readonly string[]): string[] {
  return layers.filter((l, i) => !(i + 1 < layers.length && layers[i + 1].startsWith(`${l}_`)));
}

/** Correlation-distance RDM vector of an n × f activation matrix (rsatoolbox 'correlation'). */
export function correlationRdm(acts: Float32Array, n: number): Float64Array {
  const f = acts.length / n;
  const data = new Float64Array(acts.length);
  for (let i = 0; i < acts.length; i++) data[i] = acts[i];
  return calcRdm(new Dataset(new Matrix(n, f, data)), { method: 'correlation' }).getVector(0);
}

export interface RdmsOutput {
  layers: string[];
  /** layers × pairs float64 (.npy); null when the network has no ONNX graph. */
  file: string | null;
  /** Per layer, stimuli whose activation pattern is constant (their correlation distances are undefined). */
  constantPatterns: number[];
  note?: string;
  /** Seconds the extraction took (absent in outputs stored before it was recorded). */
  seconds?: number;
}

export const rdmsItem: ItemKind = {
  kind: 'learning-rdms',
  version: '2',
  async run(params, ctx) {
    const { train, stimuli } = params as { train: string; stimuli: string };
    const t = ctx.deps[train] as unknown as TrainOutput;
    const s = ctx.deps[stimuli] as unknown as { npy: string };
    const t0 = performance.now();
    if (!t.onnx && !t.spiking) {
      const none: RdmsOutput = { layers: [], file: null, constantPatterns: [], note: t.note, seconds: 0 };
      return none as unknown as Json;
    }
    const st = readNpy(s.npy);
    const n = st.shape[0];
    const activations = await layerActivations(t, st.data as Float32Array, st.shape, ctx);
    const layers = [...activations.keys()];
    const vectors: Float64Array[] = [];
    const constantPatterns: number[] = [];
    for (const acts of activations.values()) {
      vectors.push(correlationRdm(acts, n));
      let constant = 0;
      const f = acts.length / n;
      for (let i = 0; i < n; i++) {
        const row = acts.subarray(i * f, (i + 1) * f);
        if (row.every((v) => v === row[0])) constant++;
      }
      constantPatterns.push(constant);
    }
    const pairs = vectors[0]?.length ?? 0;
    const all = new Float64Array(vectors.length * pairs);
    for (const [i, v] of vectors.entries()) all.set(v, i * pairs);
    const file = join(ctx.store.filesDir(ctx.key), 'rdms.npy');
    writeNpy(file, { data: all, shape: [vectors.length, pairs] });
    const result: RdmsOutput = { layers, file, constantPatterns, seconds: (performance.now() - t0) / 1000 };
    return result as unknown as Json;
  },
};

/**
 * Each scored layer's activations (stimuli × features) of a trained network: through onnxruntime for an ONNX graph,
 * by simulation (spike counts, learning off) for a spiking network.
 */
async function layerActivations(
  t: TrainOutput,
  data: Float32Array,
  shape: number[],
  ctx: ItemContext,
): Promise<Map<string, Float32Array>> {
  const n = shape[0];
  const out = new Map<string, Float32Array>();
  if (t.spiking) {
    const { counts } = stdpSpikeCounts(t.spiking.network, data, n, {
      seed: t.spiking.seed,
      presentationMs: t.spiking.presentationMs,
      restMs: t.spiking.restMs,
      onProgress: ctx.onProgress,
    });
    out.set('exc_spike_counts', counts);
    return out;
  }
  if (!t.onnx) return out;
  const { OnnxModel } = await import('@concord/activations');
  const model = await OnnxModel.load(t.onnx, { threads: 1 });
  try {
    const inputShape = model.inputs[0]?.shape ?? [];
    const layers = scoredLayers(t.layers);
    const outs = await model.run({ data, shape: inputShape.length === 2 ? [n, data.length / n] : [...shape] }, layers);
    for (const l of layers) {
      const o = outs.get(l);
      if (!o) throw new ConcordError(PIPELINE_ERRORS.ITEM_FAILED, `${t.onnx}: layer '${l}' was not returned`);
      out.set(l, o.data as Float32Array);
    }
    return out;
  } finally {
    await model.dispose();
  }
}
