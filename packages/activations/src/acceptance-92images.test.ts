/**
 * Acceptance: a real trained network (the MobileNetV2 backbone of nsfwjs, a TF.js layers model) over the 92 stimulus
 * images of Kriegeskorte et al. (2008), read from the MAT file. Layer RDMs (correlation distance) are compared with
 * the human-IT RDMs of 92_brainRDMs.mat, and the per-layer profile is printed. RDMs and their comparisons are
 * computed independently in this file (plain arithmetic), not by the package under test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '@concord/core';
import { defined, describeWithSharedData, sharedData } from '@concord/core/testing';
import { type MatArray, type MatStructArray, readMat } from '@concord/io';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadModel } from './load-model.ts';
import { loadStimuli, sliceStimuli } from './stimuli.ts';
import { writeNsfwjsModel } from './test-models.ts';

const PARTS = ['rsa', 'rsatoolbox', '92imageData'];
const LAYERS = [
  'Conv1_relu',
  'block_2_add',
  'block_5_add',
  'block_9_add',
  'block_12_add',
  'block_15_add',
  'out_relu',
  'dense_1',
  'dense_2',
  'dense_3',
];

/** Upper triangle (i < j, row-major) of the correlation-distance RDM of the rows. */
function correlationRdm(rows: ArrayLike<number>, n: number, p: number): Float64Array {
  const z = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < p; j++) mean += rows[i * p + j];
    mean /= p;
    let ss = 0;
    for (let j = 0; j < p; j++) {
      const v = rows[i * p + j] - mean;
      z[i * p + j] = v;
      ss += v * v;
    }
    const norm = Math.sqrt(ss);
    for (let j = 0; j < p; j++) z[i * p + j] /= norm;
  }
  const out = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      let dot = 0;
      for (let j = 0; j < p; j++) dot += z[a * p + j] * z[b * p + j];
      out[k++] = 1 - dot;
    }
  }
  return out;
}

function rank(v: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const spearman = (x: ArrayLike<number>, y: ArrayLike<number>) => pearson(rank(x), rank(y));

describeWithSharedData(PARTS, 'MobileNetV2 (nsfwjs) over the 92 Kriegeskorte images vs human IT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-92-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let datasets: Map<string, Dataset>;
  const rdms = new Map<string, Float64Array>();
  let pixels: Float64Array;
  let hitRdm: Float64Array;
  let animacyModel: Float64Array;
  let modelFile: string;
  const n = 92;

  beforeAll(async () => {
    modelFile = writeNsfwjsModel('mobilenet_v2', join(dir, 'mnv2'));
    const mat = sharedData(...PARTS, 'Kriegeskorte_Neuron2008_supplementalData.mat');
    // Animacy from the file's own labels: categoryVectors column 'animate'.
    const vars = readMat(mat);
    const labels = (vars.categoryLabels as { cell: string[] }).cell;
    const cv = vars.categoryVectors as MatArray;
    const col = labels.indexOf('animate');
    const animate = Array.from({ length: n }, (_, i) => Number(cv.data[i * cv.shape[1] + col]));
    expect(animate.slice(0, 48).every((a) => a === 1) && animate.slice(48).every((a) => a === 0)).toBe(true);
    animacyModel = new Float64Array((n * (n - 1)) / 2);
    let k = 0;
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) animacyModel[k++] = animate[a] === animate[b] ? 0 : 1;
    // Human IT: the mean of the 8 subject/session RDMs (4 subjects × 2 sessions).
    const brain = readMat(sharedData(...PARTS, '92_brainRDMs.mat')).RDMs as MatStructArray;
    hitRdm = new Float64Array((n * (n - 1)) / 2);
    for (const s of brain.structs) {
      const r = s.RDM as MatArray;
      let m = 0;
      for (let a = 0; a < n; a++)
        for (let b = a + 1; b < n; b++) hitRdm[m++] += Number(r.data[a * n + b]) / brain.structs.length;
    }
    const stimuli = await loadStimuli(mat, { size: 224, layout: 'nhwc' });
    expect(stimuli.count).toBe(n);
    expect(stimuli.descriptors.category?.[0]).toBe('human bodypart');
    const raw = await loadStimuli(mat, { layout: 'nhwc' });
    const all = await raw.batch(0, n);
    pixels = correlationRdm(all.data, n, all.data.length / n);
    const model = await loadModel(modelFile);
    datasets = await model.extract(stimuli, { layers: LAYERS, batchSize: 8, reduce: [] });
    await model.dispose();
    for (const name of LAYERS) {
      const ds = defined(datasets.get(name));
      rdms.set(name, correlationRdm(ds.measurements.data, n, ds.nChannels));
    }
  }, 300_000);

  it('gives valid RDMs for every layer', () => {
    for (const name of LAYERS) {
      const ds = defined(datasets.get(name));
      expect(ds.nObs).toBe(n);
      const rdm = defined(rdms.get(name));
      expect(rdm.every((v) => Number.isFinite(v) && v >= -1e-9 && v <= 2 + 1e-9)).toBe(true);
      // Distinct images give distinct patterns.
      expect(Math.min(...rdm)).toBeGreaterThan(0);
    }
  });

  it('is deterministic: a second run over some stimuli gives identical numbers', async () => {
    const mat = sharedData(...PARTS, 'Kriegeskorte_Neuron2008_supplementalData.mat');
    const stimuli = await loadStimuli(mat, { size: 224, layout: 'nhwc' });
    const model = await loadModel(modelFile);
    const again = await model.extract(sliceStimuli(stimuli, 0, 8), {
      layers: ['block_9_add', 'dense_3'],
      batchSize: 8,
    });
    expect(defined(again.get('dense_3')).obsDescriptor('category')).toEqual(stimuli.descriptors.category.slice(0, 8));
    for (const name of ['block_9_add', 'dense_3']) {
      const first = defined(datasets.get(name)).measurements;
      const second = defined(again.get(name)).measurements;
      expect(Array.from(second.data)).toEqual(Array.from(first.data.subarray(0, 8 * first.cols)));
    }
    await model.dispose();
  });

  it('prints the per-layer profile; the deepest layers separate animate from inanimate better than pixels', () => {
    const rows = [
      { layer: 'pixels', units: 175 * 175 * 3, hIT: spearman(pixels, hitRdm), animacy: spearman(pixels, animacyModel) },
    ];
    for (const name of LAYERS) {
      const ds = defined(datasets.get(name));
      const rdm = defined(rdms.get(name));
      rows.push({ layer: name, units: ds.nChannels, hIT: spearman(rdm, hitRdm), animacy: spearman(rdm, animacyModel) });
    }
    process.stdout.write(
      `\nMobileNetV2 (nsfwjs) layer RDMs (1 - Pearson r) vs human IT (mean of 8 RDMs), Spearman:\n${rows
        .map(
          (r) =>
            `  ${r.layer.padEnd(14)} units ${String(r.units).padStart(7)}  hIT ${r.hIT.toFixed(3)}  animacy ${r.animacy.toFixed(3)}`,
        )
        .join('\n')}\n`,
    );
    const pixelAnimacy = rows[0].animacy;
    const deepest = rows.filter((r) => ['out_relu', 'dense_1', 'dense_2'].includes(r.layer));
    for (const r of deepest) expect(r.animacy, r.layer).toBeGreaterThan(pixelAnimacy);
    // And the deep representation relates to human IT more than pixels do.
    expect(Math.max(...deepest.map((r) => r.hIT))).toBeGreaterThan(rows[0].hIT);
  });
});
