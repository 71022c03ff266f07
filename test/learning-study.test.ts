/**
 * The learning-rule study (issue 17) end to end on a reduced study (2 rules, tiny training): every table and figure
 * present, every number finite or explained, trained networks above chance, noise ceiling lower < upper, the random
 * baseline from the same architecture and stimuli; a reported value recomputed from the exported ONNX file and
 * stimuli.npy with a plain RDM + Spearman (1e-6); bad study files refused before training (exit 2, nothing written);
 * the report in headless Chromium.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '@concord/activations';
import { CHROMIUM_PATH, HEADLESS_CHROMIUM, hasChromium, pearsonReference, repoPath } from '@concord/core/testing';
import { readMat, readNpy } from '@concord/io';
import {
  ArtifactStore,
  type LearningStudyOutcome,
  loadLearningStudy,
  planLearningStudy,
  planStudyFile,
  runLearningStudy,
  runPlan,
} from '@concord/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../packages/cli/src/testing.ts';

const data = repoPath('data/third-party');
const dir = mkdtempSync(join(tmpdir(), 'concord-learning-study-'));
const artefacts = repoPath('test-artifacts/learning-study');

function studyYaml(
  over: { rules?: string; seeds?: string; dataset?: string; arch?: string; out?: string; override?: string } = {},
): string {
  return `name: reduced
kind: learning-rules
output: ${over.out ?? join(dir, 'out')}
store: ${join(dir, 'store')}
stimuli: { file: ${data}/92imageData/Kriegeskorte_Neuron2008_supplementalData.mat }
brain:
  file: ${data}/92imageData/92_brainRDMs.mat
  models: ${data}/92imageData/92_modelRDMs.mat
  monkeyIt: monkeyIT
profiles:
  quick:
    rules: ${over.rules ?? '[bp, softhebb]'}
    seeds: ${over.seeds ?? '[0]'}
    defaults: { arch: ${over.arch ?? 'mlp'}, dataset: ${over.dataset ?? `${data}/fashion-mnist-subset`}, epochs: 2, limitTrain: 1000, limitTest: 300 }
    overrides:
      bp: { hidden: [64, 32] }
      softhebb: { hidden: [100], hyper: { hebbianEpochs: 1 } }${over.override ? `\n      ${over.override}` : ''}
    networks:
      - name: stdp
        train: { rule: stdp, seeds: [0], epochs: 1, limitTrain: 100, limitTest: 100, hyper: { neurons: 50 } }
    randomSeeds: [0, 1]
    bootstrapSamples: 50
    sensitivity: [{ background: keep }]
`;
}

let outcome: LearningStudyOutcome;
const studyFile = join(dir, 'study.yaml');

beforeAll(async () => {
  writeFileSync(studyFile, studyYaml());
  outcome = await runLearningStudy(studyFile, { profile: 'quick' });
}, 170_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('learning-rule study, reduced (bp + softhebb + stdp)', () => {
  it('writes results, report, stimuli.npy and one ONNX file per network', () => {
    for (const f of ['results.json', 'results.csv', 'report.html', 'stimuli.npy'])
      expect(existsSync(join(outcome.outputDir, f)), f).toBe(true);
    for (const n of outcome.networks)
      expect(existsSync(join(outcome.outputDir, n.onnx ?? n.spikingNetwork ?? 'missing')), n.name).toBe(true);
    const st = readNpy(join(outcome.outputDir, 'stimuli.npy'));
    expect(st.shape).toEqual([92, 1, 28, 28]);
    expect(st.data).toBeInstanceOf(Float32Array);
  });

  it('stimuli.npy and the pixel baseline are the normalised stimuli, though the spiking network trains first', () => {
    const plan = planLearningStudy(loadLearningStudy(studyFile, { profile: 'quick' }));
    // STDP's estimate is the largest here, so the plan starts it first (training-cost.ts) ...
    expect(plan.items.find((it) => it.kind === 'learning-train')?.id).toBe('train/stdp/seed-0');
    // ... but what is copied and scored as pixels is what the ONNX networks see: normalised to the training set
    expect(plan.ids.stimuli).toBe(plan.ids.networks['bp/seed-0'].stimuli);
    expect(plan.ids.stimuli).not.toBe(plan.ids.networks['stdp/seed-0'].stimuli);
    const st = readNpy(join(outcome.outputDir, 'stimuli.npy')).data as Float32Array;
    expect(Math.min(...st)).toBeLessThan(0); // STDP's stimuli stay in [0, 1]
  });

  it('results.json has exactly the contract fields; every number finite or null with the report explaining it', () => {
    const r = JSON.parse(readFileSync(outcome.results, 'utf8'));
    expect(Object.keys(r).sort()).toEqual(['pairwise', 'profile', 'rows', 'stimuli', 'study']);
    const fields = [
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
    ];
    expect(r.rows.length).toBeGreaterThan(10);
    for (const row of r.rows) {
      expect(Object.keys(row).sort()).toEqual([...fields].sort());
      expect(Number.isFinite(row.value), `${row.network} ${row.layer}`).toBe(true);
      for (const k of ['ciLower', 'ciUpper', 'p', 'pCorrected'])
        expect(Number.isFinite(row[k]), `${row.network} ${row.layer} ${k}`).toBe(true);
      if (row.dataset === 'hIT') expect(row.ceilingLower).toBeLessThan(row.ceilingUpper);
      else expect(row.ceilingLower).toBeNull(); // one monkey RDM: no ceiling (the report's table says so)
      if (row.rule === 'bp')
        expect(row.criteria).toEqual({ asymmetricWeights: false, localErrors: false, singlePhase: false });
    }
    for (const p of r.pairwise)
      for (const k of ['difference', 'p', 'pCorrected']) expect(Number.isFinite(p[k])).toBe(true);
    expect(r.pairwise.map((p: { a: string; b: string }) => `${p.a}|${p.b}`)).toContain('bp|random-mlp-64-32');
    expect(r.stimuli.transform.background).toBe('black');
  });

  it('the spiking network (STDP) is scored on its spike counts, from stimuli kept in [0, 1]', async () => {
    const rows = outcome.rows.filter((r) => r.rule === 'stdp');
    expect(rows.map((r) => `${r.layer} ${r.dataset}`).sort()).toEqual(['exc_spike_counts hIT', 'exc_spike_counts mIT']);
    for (const r of rows) expect(Number.isFinite(r.value)).toBe(true);
    expect(rows[0].criteria).toEqual({ asymmetricWeights: true, localErrors: true, singlePhase: true });
    const plan = planLearningStudy(loadLearningStudy(studyFile));
    const stdp = plan.ids.networks['stdp/seed-0'];
    const bp = plan.ids.networks['bp/seed-0'];
    expect(stdp.stimuli).not.toBe(bp.stimuli);
    expect(plan.items.find((i) => i.id === stdp.stimuli)?.params).toMatchObject({ transform: { normalise: 'none' } });
  });

  it('rdms.json holds the mean hIT RDM and each rule’s best-layer RDM, square with the 92 labels (page heatmaps)', () => {
    const doc = JSON.parse(readFileSync(join(outcome.outputDir, 'rdms.json'), 'utf8')) as {
      rdms: { title: string; labels: string[]; rdm: number[][]; dataset?: string }[];
    };
    expect(doc.rdms.map((r) => r.title.split(' ')[0])).toEqual(['hIT,', 'bp', 'softhebb', 'stdp']);
    for (const r of doc.rdms) {
      expect(r.labels.length).toBe(92);
      expect(r.rdm.length).toBe(92);
      for (let i = 0; i < 92; i++) {
        expect(r.rdm[i][i]).toBe(0);
        for (let j = 0; j < i; j++) expect(r.rdm[i][j]).toBe(r.rdm[j][i]);
      }
    }
    // The mean over subjects of their session-averaged RDMs, read here from the .mat file directly.
    const s = readMat(`${data}/92imageData/92_brainRDMs.mat`).RDMs as unknown as {
      structs: { RDM: { data: ArrayLike<number> } }[];
    };
    const at = (i: number, j: number) => s.structs.reduce((a, e) => a + Number(e.RDM.data[i * 92 + j]), 0) / 8;
    for (const [i, j] of [
      [0, 1],
      [10, 70],
      [45, 91],
    ])
      expect(doc.rdms[0].rdm[i][j]).toBeCloseTo(at(i, j), 4);
  });

  it('every trained network is above chance (10 classes)', () => {
    for (const n of outcome.networks) expect(n.testAccuracy, n.name).toBeGreaterThan(0.1);
  });

  it('the random baseline comes from the same architecture and the same stimuli item', () => {
    const plan = planLearningStudy(loadLearningStudy(studyFile));
    const stimuli = new Set(
      Object.entries(plan.ids.networks)
        .filter(([id]) => !id.startsWith('stdp/'))
        .map(([, n]) => n.stimuli),
    );
    expect(plan.ids.random.map((r) => r.name).sort()).toEqual([
      'random-mlp-100',
      'random-mlp-100',
      'random-mlp-64-32',
      'random-mlp-64-32',
    ]);
    for (const r of plan.ids.random) {
      expect(r.arch).toBe('mlp');
      expect(stimuli.has(r.stimuli)).toBe(true);
    }
    const randomRows = outcome.rows.filter((r) => r.network.startsWith('random-mlp-64-32/'));
    const bpLayers = new Set(outcome.rows.filter((r) => r.rule === 'bp').map((r) => r.layer));
    expect(randomRows.length).toBeGreaterThan(0);
    // Same architecture: the random network of BP's shape exposes the same scored layers.
    for (const l of bpLayers) expect(randomRows.some((r) => r.layer === l)).toBe(true);
  });

  it('the report has every table and figure', () => {
    const html = readFileSync(outcome.report, 'utf8');
    for (const id of [
      'table-criteria',
      'table-accuracy',
      'table-best',
      'table-layers',
      'table-baselines',
      'table-pairwise',
      'table-sensitivity',
      'table-provenance',
      'table-time',
      'methods',
      'notes',
    ])
      expect(html, id).toContain(`id="${id}"`);
    for (const id of [
      'fig-accuracy',
      'fig-brain-best',
      'fig-layers',
      'fig-baselines',
      'fig-pairwise',
      'fig-tradeoff',
      'fig-stimuli',
    ])
      expect(html, id).toMatch(new RegExp(`id="${id}"[^>]*>(<svg|<img)`));
  });

  // Its items come from the store the run above filled: what runs here is the job's own last item, `finish`, on a
  // pool worker. Every item computed afresh on every executor: the shipped studies test in packages/cli (jobs.test.ts).
  it('as a job (planStudyFile), the study finishes on a pool worker from the stored items: the same results.json', async () => {
    const out = join(dir, 'job-out');
    const plan = planStudyFile(studyFile, { outputDir: out, profile: 'quick' });
    expect(plan.final).toBe('finish');
    const finish = plan.items.find((i) => i.id === 'finish');
    expect(finish?.deps.length).toBe(plan.items.length - 1);
    const r = await runPlan(plan, new ArtifactStore(join(dir, 'store')), { engine: 'local', workers: 2 });
    expect(r.state).toBe('completed');
    expect(r.executed).toEqual(['finish']);
    expect(r.results).toBe(join(out, 'results.json'));
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(readFileSync(outcome.results, 'utf8'));
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).not.toContain(join(dir, 'store'));
  }, 120_000);

  it('a re-run recomputes nothing (training cached by content)', async () => {
    const again = await runLearningStudy(studyFile, { profile: 'quick' });
    expect(again.executed).toEqual([]);
  }, 60_000);

  it('where the time goes: per rule, extraction, scoring, statistics; a re-run reports the stored items’ times', async () => {
    const t = outcome.time;
    expect(t.training.map((r) => r.rule).sort()).toEqual(['bp', 'softhebb', 'stdp']);
    for (const r of t.training) {
      expect(r.networks, r.rule).toBe(1);
      expect(r.seconds, r.rule).toBeGreaterThan(0);
    }
    expect(t.trainingSeconds).toBeCloseTo(
      t.training.reduce((a, r) => a + r.seconds, 0),
      9,
    );
    // one extraction per trained network, random baseline and sensitivity transform of a network
    const plan = planLearningStudy(loadLearningStudy(studyFile));
    expect(t.extraction.items).toBe(plan.items.filter((i) => i.kind === 'learning-rdms').length);
    expect(t.extraction.unrecorded).toBe(0);
    expect(t.extraction.seconds).toBeGreaterThan(0);
    expect(t.scoring).toBe(outcome.timings.scoring);
    expect(t.computeSeconds).toBeCloseTo(t.trainingSeconds + t.extraction.seconds + t.scoring + t.statistics, 9);
    // Through the CLI, from the store: nothing is recomputed, and the times are the ones the items stored.
    const r = await runCliCaptured(['compare-models', '--config', studyFile, '--json'], dir);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    for (const k of ['study', 'profile', 'outputDir', 'rows', 'results', 'report', 'networks'])
      expect(json, k).toHaveProperty(k);
    expect(json.time.training).toEqual(t.training);
    expect(json.time.extraction).toEqual(t.extraction);
  }, 60_000);

  it('a reported value is recomputed from the ONNX file and stimuli.npy (plain RDM + Spearman) to 1e-6', async () => {
    const row = outcome.rows.find((r) => r.network === 'bp/seed-0' && r.layer === 'fc1_tanh' && r.dataset === 'hIT');
    expect(row).toBeDefined();
    const net = outcome.networks.find((n) => n.name === 'bp' && n.seed === 0);
    const st = readNpy(join(outcome.outputDir, 'stimuli.npy'));
    const model = await OnnxModel.load(join(outcome.outputDir, net?.onnx ?? ''));
    const acts = (await model.run({ data: st.data as Float32Array, shape: [92, 784] }, ['fc1_tanh'])).get('fc1_tanh');
    await model.dispose();
    if (!acts) throw new Error('no activations');
    const n = 92;
    const f = acts.data.length / n;
    const rdm: number[] = [];
    const centred = Array.from({ length: n }, (_, i) => {
      const row = Array.from(acts.data.subarray(i * f, (i + 1) * f));
      const m = row.reduce((a, b) => a + b, 0) / f;
      return row.map((v) => v - m);
    });
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        let ab = 0;
        let aa = 0;
        let bb = 0;
        for (let k = 0; k < f; k++) {
          ab += centred[i][k] * centred[j][k];
          aa += centred[i][k] ** 2;
          bb += centred[j][k] ** 2;
        }
        rdm.push(1 - ab / Math.sqrt(aa * bb));
      }
    // Subjects' hIT RDMs: the two sessions of each subject averaged.
    const s = readMat(`${data}/92imageData/92_brainRDMs.mat`).RDMs as unknown as {
      structs: { name: string; RDM: { data: ArrayLike<number> } }[];
    };
    const bySubject = new Map<string, number[][]>();
    for (const e of s.structs) {
      const subject = /\| (\w+) \| Session/.exec(e.name)?.[1] ?? '';
      const v: number[] = [];
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) v.push(Number(e.RDM.data[i * n + j]));
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), v]);
    }
    const ranks = (x: number[]) => {
      const idx = x.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
      const r = new Array<number>(x.length);
      for (let i = 0; i < idx.length; ) {
        let j = i;
        while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
        for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2 + 1;
        i = j + 1;
      }
      return r;
    };
    const pearson = pearsonReference;
    const values = [...bySubject.values()].map((sessions) => {
      const mean = sessions[0].map((_, k) => sessions.reduce((a, v) => a + v[k], 0) / sessions.length);
      return pearson(ranks(rdm), ranks(mean));
    });
    expect(values.length).toBe(4);
    const value = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(value - (row?.value ?? Number.NaN))).toBeLessThan(1e-6);
  });
});

describe('--seeds: one seed of a profile (e.g. to time `full` per network)', () => {
  it('keeps only the chosen seeds’ networks, the random baselines’ seeds, and writes beside the profile', () => {
    const file = join(dir, 'seeds.yaml');
    writeFileSync(file, studyYaml({ seeds: '[0, 1, 2]' }));
    const all = loadLearningStudy(file, { profile: 'quick' });
    const one = loadLearningStudy(file, { profile: 'quick', seeds: [2, 1] });
    expect(all.networks.map((n) => n.id)).toContain('stdp/seed-0');
    expect(one.networks.map((n) => n.id)).toEqual(['bp/seed-1', 'bp/seed-2', 'softhebb/seed-1', 'softhebb/seed-2']);
    expect(one.randomSeeds).toEqual(all.randomSeeds);
    expect(one.outputDir).toBe(`${all.outputDir}-seeds-1-2`);
    // the same networks as the whole profile's (the same store items: a later whole run reuses them)
    const key = (s: typeof all) => planLearningStudy(s).items.find((it) => it.id === 'train/bp/seed-1')?.params;
    expect(key(one)).toEqual(key(all));
  });
});

describe('bad study files are refused before training (exit 2, nothing written)', () => {
  const cases: [string, Parameters<typeof studyYaml>[0], RegExp, string[]?][] = [
    ['unknown rule', { rules: '[bp, no-such-rule]' }, /no-such-rule.*unknown learning rule/],
    [
      'rule not supporting the architecture',
      { rules: '[equilibrium-propagation]', arch: 'cnn' },
      /equilibrium-propagation.*does not support architecture 'cnn'/,
    ],
    ['missing dataset', { dataset: join(dir, 'no-such-folder') }, /dataset.*neither a dataset name/],
    ['non-integer seeds', { seeds: '[0, 1.5]' }, /seeds\[1\].*integer/],
    [
      'misspelt hyper-parameter',
      { rules: '[bp, forward-forward]', override: 'forward-forward: { hyper: { treshold: 5 } }' },
      /rules\[forward-forward\]\.hyper\.treshold: rule 'forward-forward' has no hyper-parameter 'treshold'/,
    ],
    [
      '--seeds naming a seed the profile lacks',
      {},
      /--seeds: seed 3 is not one of profile 'quick''s seeds \(0\)/,
      ['--seeds', '0,3'],
    ],
    [
      '--seeds that are not integers',
      {},
      /--seeds: expected integer seeds separated by commas, received '0,x'/,
      ['--seeds', '0,x'],
    ],
  ];
  for (const [what, over, message, extra = []] of cases)
    it(what, async () => {
      const out = join(dir, `bad-${what.replaceAll(' ', '-')}`);
      const file = join(dir, `bad-${what.replaceAll(' ', '-')}.yaml`);
      writeFileSync(file, studyYaml({ ...over, out }).replace(`store: ${join(dir, 'store')}`, `store: ${out}-store`));
      const r = await runCliCaptured(['compare-models', '--config', file, '--json', ...extra], dir);
      expect(r.status).toBe(2);
      const err = JSON.parse(r.stdout).error;
      expect(err.code).toBe('ERR_PIPELINE_STUDY_CONFIG');
      expect(err.message).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}-store`)).toBe(false);
    });
});

describe.skipIf(!hasChromium)(
  `the report in headless Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM_PATH} absent)`}`,
  () => {
    it('renders, every figure visible, no console errors; screenshot saved', async () => {
      const { chromium: pw } = await import('playwright-core');
      const browser = await pw.launch(HEADLESS_CHROMIUM);
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const errors: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`file://${outcome.report}`);
        const figures = await page.locator('figure.figure').all();
        expect(figures.length).toBe(7);
        for (const f of figures) {
          expect(await f.isVisible()).toBe(true);
          const box = await f.locator('svg, img').first().boundingBox();
          expect((box?.width ?? 0) * (box?.height ?? 0)).toBeGreaterThan(1000);
        }
        mkdirSync(artefacts, { recursive: true });
        await page.screenshot({ path: join(artefacts, 'report.png'), fullPage: true });
        expect(errors).toEqual([]);
        expect(existsSync(join(artefacts, 'report.png'))).toBe(true);
      } finally {
        await browser.close();
      }
    }, 60_000);
  },
);
