/**
 * The main job end to end on a reduced study: a real trained network (MobileNetV2 shipped in nsfwjs) over generated
 * stimuli; simulated EEG and fMRI written as EDF / NIfTI and read back through the real readers; RSA and CKA; results
 * table and report. Expected values come from the simulation itself: data built from layer k's geometry must score
 * highest at layer k.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defined, pearsonReference, repoPath } from '@concord/core/testing';
import { CV_PEAK_LABEL, isLayerSummary, loadStudyConfig, type ResultRow, runStudy } from '@concord/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const LAYERS = ['Conv1_relu', 'block_5_add', 'block_15_add'];

function study(dir: string, overrides: Record<string, unknown> = {}) {
  return {
    name: 'e2e',
    output: join(dir, 'out'),
    cache: join(dir, 'cache'),
    stimuli: { generate: { perCategory: 2, size: 96, seed: 7 } },
    networks: [
      { name: 'mnv2', model: 'builtin:mobilenet_v2', layers: LAYERS, preprocess: { size: 224, layout: 'nhwc' } },
    ],
    brain: [
      {
        name: 'eeg',
        type: 'eeg',
        simulate: { network: 'mnv2', layer: 'Conv1_relu', subjects: 3, channels: 24, repetitions: 6, seed: 3 },
        tmin: -0.1,
        tmax: 0.4,
        binWidth: 0.04,
      },
      {
        name: 'fmri',
        type: 'fmri',
        simulate: { network: 'mnv2', layer: 'block_15_add', subjects: 3, runs: 3, seed: 4 },
      },
    ],
    metrics: [
      { type: 'rsa', modelRdmMethod: 'euclidean', compare: 'spearman' },
      { type: 'cka', kernel: 'linear' },
    ],
    ...overrides,
  };
}

function writeStudy(dir: string, s: object): string {
  const file = join(dir, 'study.json');
  writeFileSync(file, JSON.stringify(s));
  return file;
}

describe('compare-models on a reduced study', () => {
  let dir: string;
  let rows: ResultRow[];
  let report: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-study-'));
    const { config } = loadStudyConfig(writeStudy(dir, study(dir)));
    const outcome = await runStudy(config);
    rows = outcome.rows;
    report = outcome.report;
  }, 240_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const profile = (dataset: string, metric: string) =>
    LAYERS.map((layer) =>
      defined(
        rows.find(
          (r) =>
            r.dataset === dataset &&
            r.layer === layer &&
            r.metric === metric &&
            // static data: the layer's row; EEG: the peak chosen by cross-validation
            ((r.time === null && !r.region.includes('(window')) || r.region.endsWith(CV_PEAK_LABEL)),
        ),
        `the ${dataset} ${metric} row of layer ${layer}`,
      ),
    );

  it('writes real EDF and NIfTI files and reads them back', () => {
    const eegFiles = readdirSync(join(dir, 'out', 'data', 'eeg'));
    expect(eegFiles.filter((f) => f.endsWith('.edf'))).toHaveLength(3);
    const fmriFiles = readdirSync(join(dir, 'out', 'data', 'fmri', 'sub-01'));
    expect(fmriFiles.filter((f) => f.endsWith('_bold.nii.gz'))).toHaveLength(3);
    expect(fmriFiles.filter((f) => f.endsWith('_events.tsv'))).toHaveLength(3);
  });

  it('recovers the layer each simulated dataset was built from (RSA and CKA)', () => {
    for (const metric of ['rsa:euclidean/spearman', 'cka:linear']) {
      const eeg = profile('eeg', metric);
      expect(eeg.reduce((a, b) => (b.value > a.value ? b : a)).layer).toBe('Conv1_relu');
      const fmri = profile('fmri', metric);
      expect(fmri.reduce((a, b) => (b.value > a.value ? b : a)).layer).toBe('block_15_add');
    }
  });

  it('finds the EEG effect at the simulated latency (a bump peaking at 200 ms)', () => {
    const peak = profile('eeg', 'rsa:euclidean/spearman')[0];
    expect(peak.time).toBeGreaterThanOrEqual(0.12);
    expect(peak.time).toBeLessThanOrEqual(0.28);
    // before stimulus onset there is no representational structure
    const pre = rows.filter(
      (r) =>
        r.dataset === 'eeg' &&
        r.layer === 'Conv1_relu' &&
        r.metric.startsWith('rsa') &&
        r.time !== null &&
        r.time < 0 &&
        !isLayerSummary(r),
    );
    expect(pre.length).toBeGreaterThan(0);
    for (const r of pre) expect(Math.abs(r.value)).toBeLessThan(peak.value / 2);
  });

  it('gives one row per network × layer × dataset × region/time × metric, with noise ceilings for RSA', () => {
    const eegTimes = new Set(rows.filter((r) => r.dataset === 'eeg' && !isLayerSummary(r)).map((r) => r.time));
    // tmin −0.1 .. tmax 0.4 at 250 Hz is 126 samples; 40 ms bins of 10 samples → 12 bins
    expect(eegTimes.size).toBe(12);
    // EEG: 12 time points, the pre-specified window and the cross-validated peak per layer and metric
    expect(rows).toHaveLength(LAYERS.length * 2 * (12 + 2) + LAYERS.length * 2);
    const eegSummaries = rows.filter((r) => r.dataset === 'eeg' && isLayerSummary(r));
    expect(eegSummaries.filter((r) => /\(window 0–\d+ ms\)$/.test(r.region))).toHaveLength(LAYERS.length * 2);
    expect(eegSummaries.filter((r) => r.region.endsWith(CV_PEAK_LABEL))).toHaveLength(LAYERS.length * 2);
    for (const r of rows.filter((q) => q.metric.startsWith('rsa'))) {
      expect(r.ceilingLower).not.toBeNull();
      expect(defined(r.ceilingUpper)).toBeGreaterThanOrEqual(defined(r.ceilingLower));
    }
    for (const r of rows) expect(r.nSubjects).toBe(3);
  });

  it('writes the CSV, JSON and an HTML report with its figures', () => {
    const csv = readFileSync(join(dir, 'out', 'results.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv).toHaveLength(rows.length + 1);
    const json = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
    expect(json.rows).toHaveLength(rows.length);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/peak chosen by leave-one-subject-out cross-validation/);
    const imgs = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(imgs.length).toBeGreaterThanOrEqual(6);
    for (const src of imgs) expect(existsSync(join(dir, 'out', src))).toBe(true);
  });

  it('writes rdms.json for the page: per brain dataset its mean RDM and its best and true layers, square and labelled', () => {
    const doc = JSON.parse(readFileSync(join(dir, 'out', 'rdms.json'), 'utf8')) as {
      rdms: { title: string; labels: string[]; rdm: number[][]; dataset: string }[];
    };
    for (const dataset of ['eeg', 'fmri']) {
      const entries = doc.rdms.filter((e) => e.dataset === dataset);
      expect(entries[0].title).toMatch(new RegExp(`^${dataset}: brain RDM \\(mean of 3`));
      expect(entries.length).toBeGreaterThanOrEqual(2);
      for (const e of entries) {
        const n = e.labels.length;
        expect(e.rdm).toHaveLength(n);
        for (let i = 0; i < n; i++) {
          expect(e.rdm[i]).toHaveLength(n);
          expect(e.rdm[i][i]).toBe(0);
          for (let j = 0; j < n; j++) {
            expect(Number.isFinite(e.rdm[i][j])).toBe(true);
            expect(e.rdm[i][j]).toBe(e.rdm[j][i]);
          }
        }
      }
    }
    // The fMRI data were simulated from block_15_add's geometry: its heatmap and the brain's must agree in order
    // (Pearson of the upper triangles, computed here), which a transposed or relabelled matrix would not.
    const fmri = doc.rdms.filter((e) => e.dataset === 'fmri');
    const layer = defined(
      fmri.find((e) => e.title.startsWith('mnv2 block_15_add')),
      'the block_15_add heatmap',
    );
    const upper = (m: number[][]) => m.flatMap((row, i) => row.slice(i + 1));
    expect(pearsonReference(upper(fmri[0].rdm), upper(layer.rdm))).toBeGreaterThan(0.5);
  });

  it('reuses cached activations on a re-run', async () => {
    const { config } = loadStudyConfig(
      writeStudy(dir, study(dir, { brain: [study(dir).brain[1]], metrics: [{ type: 'cka' }] })),
    );
    const again = await runStudy(config);
    expect(again.cachedActivations).toBe(true);
  }, 120_000);
});

describe('compare-models refuses a broken study file before heavy work', () => {
  const cases: [string, (dir: string) => object, RegExp][] = [
    [
      'a missing file',
      (d) => study(d, { networks: [{ name: 'x', model: join(d, 'nope.onnx'), layers: ['a'] }] }),
      /networks\[0\] \(x\)\.model: file not found/,
    ],
    [
      'an unknown layer',
      (d) =>
        study(d, {
          networks: [{ name: 'mnv2', model: 'builtin:mobilenet_v2', layers: ['Conv1_relu', 'no_such_layer'] }],
          brain: [{ name: 'r', type: 'rdms', file: 'study.json' }],
        }),
      /networks\[0\] \(mnv2\).*no_such_layer/,
    ],
    [
      'an unknown metric',
      (d) => study(d, { metrics: [{ type: 'rsa' }, { type: 'magic' }] }),
      /metrics\[1\]\.type: unknown metric "magic"/,
    ],
    [
      'an unknown comparator',
      (d) => study(d, { metrics: [{ type: 'rsa', compare: 'pearsonish' }] }),
      /metrics\[0\]\.compare: unknown comparator 'pearsonish'/,
    ],
  ];
  for (const [what, make, message] of cases) {
    it(`names the entry for ${what}, exits 2 and leaves no output`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'concord-bad-study-'));
      try {
        const file = writeStudy(dir, make(dir));
        const r = spawnSync(
          process.execPath,
          ['--import', 'tsx', repoPath('packages/cli/src/main.ts'), 'compare-models', '--config', file],
          { encoding: 'utf8', cwd: repoPath() },
        );
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(existsSync(join(dir, 'out', 'stimuli'))).toBe(false);
        expect(existsSync(join(dir, 'out', 'results.csv'))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
