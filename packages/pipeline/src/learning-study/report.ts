/** report.html of a learning-rule study: tables, figures (Vega-Lite → SVG through @concord/plot), methods, provenance. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@concord/io';
import { layerProfile, renderSvg } from '@concord/plot';
import { datasetHash, sha256File } from './items.ts';
import type { LearningStudy } from './load-study.ts';
import type { LearningNetworkSummary, LearningResultRow } from './run-learning-study.ts';
import type { StimulusTransform } from './schema.ts';
import type { BestLayer, PairwiseTest } from './statistics.ts';
import type { TimeBreakdown } from './time-breakdown.ts';

type Spec = Parameters<typeof renderSvg>[0];

export interface ReportInput {
  study: LearningStudy;
  rows: LearningResultRow[];
  best: BestLayer[];
  pairwise: PairwiseTest[];
  networks: LearningNetworkSummary[];
  notes: string[];
  sensitivity: { transform: Required<StimulusTransform>; values: Record<string, number | null> }[];
  ceiling: { lower: number; upper: number } | null;
  stimuli: { png: string; shape: number[]; sha256: string; training: unknown };
  subjects: string[];
  timings: Record<string, number>;
  /** Compute per stage, from the items' outputs. */
  time: TimeBreakdown;
  trainSeconds: Record<string, number>;
  backend: string;
  /** The runtime that computed the activations (onnxruntime-node version). */
  runtime: string;
}

const esc = (s: unknown) =>
  String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const fmt = (v: number | null | undefined, d = 3) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '—'
    : Math.abs(v) < 1e-3 && v !== 0
      ? v.toExponential(1)
      : v.toFixed(d);
const yes = (b: boolean | undefined) => (b ? '✓' : '✗');

function table(headers: string[], rows: (string | number)[][], id: string): string {
  return `<table id="${id}"><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

async function figure(id: string, caption: string, spec: Spec | Promise<string>): Promise<string> {
  const svg =
    typeof (spec as Promise<string>).then === 'function'
      ? await (spec as Promise<string>)
      : await renderSvg(spec as Spec);
  return `<figure class="figure" id="${id}">${svg}<figcaption>${esc(caption)}</figcaption></figure>`;
}

export async function writeLearningReport(r: ReportInput): Promise<string> {
  const { study } = r;
  const rules = [...new Map(study.networks.map((n) => [n.name, n])).values()];
  const bestOf = new Map(r.best.map((b) => [b.group, b]));
  const acc = r.networks.map((n) => ({ network: n.name, seed: n.seed, accuracy: n.testAccuracy ?? 0 }));
  const criteriaCount = (n: (typeof rules)[number]) =>
    Number(n.criteria.asymmetricWeights) + Number(n.criteria.localErrors) + Number(n.criteria.singlePhase);
  const meanAcc = (name: string) => {
    const a = r.networks.filter((n) => n.name === name && n.testAccuracy !== null).map((n) => n.testAccuracy as number);
    return a.length ? a.reduce((x, y) => x + y, 0) / a.length : null;
  };
  const bestRows = [
    ...rules.map((n) => n.name),
    ...r.best.map((b) => b.group).filter((g) => !rules.some((n) => n.name === g)),
  ]
    .map((g) => bestOf.get(g))
    .filter((b): b is BestLayer => !!b);
  const ceil = r.ceiling;
  const hitRows = r.rows.filter((x) => x.dataset === 'hIT');

  const figures: string[] = [];
  figures.push(
    await figure('fig-accuracy', 'Test accuracy per rule (points: seeds; dashed: chance)', {
      width: 520,
      height: 220,
      layer: [
        {
          data: { values: acc },
          mark: { type: 'bar', opacity: 0.6 },
          encoding: {
            x: { field: 'network', type: 'nominal', sort: null, title: 'rule' },
            y: {
              aggregate: 'mean',
              field: 'accuracy',
              type: 'quantitative',
              title: 'test accuracy',
              scale: { domain: [0, 1] },
            },
          },
        },
        {
          data: { values: acc },
          mark: { type: 'point', color: 'black' },
          encoding: {
            x: { field: 'network', type: 'nominal', sort: null },
            y: { field: 'accuracy', type: 'quantitative' },
          },
        },
        {
          data: { values: [{ y: 0.1 }] },
          mark: { type: 'rule', strokeDash: [4, 4], color: 'grey' },
          encoding: { y: { field: 'y', type: 'quantitative' } },
        },
      ],
    } as Spec),
  );
  const bestData = bestRows.map((b) => ({ group: b.group, value: b.value, lo: b.ciLower, hi: b.ciUpper }));
  const ceilingLayer = ceil
    ? [
        {
          data: { values: [ceil] },
          mark: { type: 'rect', color: '#bbb', opacity: 0.4 },
          encoding: { y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
        },
      ]
    : [];
  figures.push(
    await figure(
      'fig-brain-best',
      `Brain similarity (hIT, ${study.metric}) per rule and baseline at the cross-validated best layer; bars: 95% CI over held-out subjects; grey band: noise ceiling`,
      {
        width: 560,
        height: 240,
        layer: [
          ...ceilingLayer,
          {
            data: { values: bestData },
            mark: 'bar',
            encoding: {
              x: { field: 'group', type: 'nominal', sort: null, title: 'rule / baseline' },
              y: { field: 'value', type: 'quantitative', title: `${study.metric} (hIT)` },
            },
          },
          {
            data: { values: bestData },
            mark: { type: 'errorbar' },
            encoding: {
              x: { field: 'group', type: 'nominal', sort: null },
              y: { field: 'lo', type: 'quantitative', title: `${study.metric} (hIT)` },
              y2: { field: 'hi' },
            },
          },
        ],
      } as Spec,
    ),
  );
  const layerPoints = hitRows
    .filter((x) => x.value !== null && x.seed === study.networks.find((n) => n.name === x.network.split('/')[0])?.seed)
    .map((x, i) => ({
      layer: x.layer,
      order: i,
      value: x.value as number,
      error: x.ciUpper !== null ? x.ciUpper - (x.value as number) : 0,
      series: x.network.split('/')[0],
    }));
  const layerIndex = new Map<string, number>();
  for (const p of layerPoints) if (!layerIndex.has(p.layer)) layerIndex.set(p.layer, layerIndex.size);
  figures.push(
    await figure(
      'fig-layers',
      'Brain similarity per layer (first seed of each rule; bars ±95% CI, dual bootstrap); grey band: noise ceiling',
      layerProfile(
        layerPoints.map((p) => ({ ...p, order: layerIndex.get(p.layer) ?? 0 })),
        { noiseCeiling: ceil ?? undefined, yTitle: `${study.metric} (hIT)`, width: 520, height: 240 },
      ),
    ),
  );
  const baselineData = hitRows
    .filter((x) => x.testAccuracy === null && x.value !== null)
    .map((x) => ({
      model: `${x.network}:${x.layer}`,
      value: x.value as number,
      lo: x.ciLower ?? x.value,
      hi: x.ciUpper ?? x.value,
    }));
  figures.push(
    await figure(
      'fig-baselines',
      'Baselines against hIT: random weights (same architecture, same stimuli), pixels, categorical models',
      {
        width: 560,
        height: 220,
        layer: [
          ...ceilingLayer,
          {
            data: { values: baselineData },
            mark: 'bar',
            encoding: {
              x: { field: 'model', type: 'nominal', sort: null, axis: { labelAngle: -40 } },
              y: { field: 'value', type: 'quantitative', title: `${study.metric} (hIT)` },
            },
          },
          {
            data: { values: baselineData },
            mark: 'errorbar',
            encoding: {
              x: { field: 'model', type: 'nominal', sort: null },
              y: { field: 'lo', type: 'quantitative', title: `${study.metric} (hIT)` },
              y2: { field: 'hi' },
            },
          },
        ],
      } as Spec,
    ),
  );
  const matrix = r.pairwise.flatMap((p) => [
    { a: p.a, b: p.b, difference: p.difference, p: p.pCorrected, label: p.pCorrected < 0.05 ? '*' : '' },
    { a: p.b, b: p.a, difference: -p.difference, p: p.pCorrected, label: p.pCorrected < 0.05 ? '*' : '' },
  ]);
  figures.push(
    await figure(
      'fig-pairwise',
      'Pairwise differences of cross-validated best-layer scores (row − column); * FDR-corrected p < 0.05',
      {
        width: 360,
        height: 360,
        data: { values: matrix.length ? matrix : [{ a: '-', b: '-', difference: 0, p: 1, label: '' }] },
        layer: [
          {
            mark: 'rect',
            encoding: {
              x: { field: 'b', type: 'nominal', title: null },
              y: { field: 'a', type: 'nominal', title: null },
              color: {
                field: 'difference',
                type: 'quantitative',
                scale: { scheme: 'redblue', domainMid: 0, reverse: true },
              },
            },
          },
          {
            mark: { type: 'text', fontSize: 14 },
            encoding: {
              x: { field: 'b', type: 'nominal' },
              y: { field: 'a', type: 'nominal' },
              text: { field: 'label' },
            },
          },
        ],
      } as Spec,
    ),
  );
  const scatter = rules
    .filter((n) => bestOf.has(n.name))
    .map((n) => ({
      rule: n.name,
      accuracy: meanAcc(n.name) ?? 0,
      brain: bestOf.get(n.name)?.value ?? 0,
      criteria: criteriaCount(n),
    }));
  figures.push(
    await figure(
      'fig-tradeoff',
      'Plausibility (criteria met, colour and size) vs accuracy vs brain similarity (cross-validated best layer; rules without a brain score are left out: see the notes)',
      {
        width: 420,
        height: 300,
        data: { values: scatter },
        layer: [
          {
            mark: { type: 'point', filled: true },
            encoding: {
              x: { field: 'accuracy', type: 'quantitative', title: 'test accuracy' },
              y: { field: 'brain', type: 'quantitative', title: `brain similarity (${study.metric}, hIT)` },
              color: { field: 'criteria', type: 'ordinal', title: 'criteria met' },
              size: { field: 'criteria', type: 'quantitative', scale: { range: [60, 300] }, legend: null },
            },
          },
          {
            mark: { type: 'text', dx: 8, align: 'left', fontSize: 10 },
            encoding: {
              x: { field: 'accuracy', type: 'quantitative' },
              y: { field: 'brain', type: 'quantitative' },
              text: { field: 'rule' },
            },
          },
        ],
      } as Spec,
    ),
  );
  const png = readFileSync(r.stimuli.png).toString('base64');
  figures.push(
    `<figure class="figure" id="fig-stimuli"><img alt="converted stimuli" src="data:image/png;base64,${png}" style="width:${Math.min(900, 4 * 12 * (r.stimuli.shape[2] + 2))}px;image-rendering:pixelated"><figcaption>The 92 stimuli as fed to the networks (${esc(r.stimuli.shape.join('×'))}, float32, stimuli.npy), brain-data order, values clipped to [0, 1] for display</figcaption></figure>`,
  );

  const t = study.stimuli.transform;
  const criteriaTable = table(
    ['rule', 'family', 'C1 asymmetric weights', 'C2 local errors', 'C3 single phase'],
    rules.map((n) => [
      n.name,
      n.family,
      yes(n.criteria.asymmetricWeights),
      yes(n.criteria.localErrors),
      yes(n.criteria.singlePhase),
    ]),
    'table-criteria',
  );
  const accuracyTable = table(
    ['network', 'rule', 'seed', 'test accuracy', 'training (s)', 'ONNX'],
    r.networks.map((n) => [
      n.name,
      n.rule,
      n.seed,
      fmt(n.testAccuracy),
      fmt(r.trainSeconds[`${n.name}/seed-${n.seed}`], 1),
      n.onnx ?? 'none (spiking network)',
    ]),
    'table-accuracy',
  );
  const bestTable = table(
    ['rule / baseline', 'best layer (CV)', 'value', '95% CI', 'seed SD', 'ceiling'],
    bestRows.map((b) => {
      const sd =
        b.perSeed.length > 1
          ? Math.sqrt(b.perSeed.reduce((a, v) => a + (v - b.value) ** 2, 0) / (b.perSeed.length - 1))
          : null;
      return [
        b.group,
        b.layer,
        fmt(b.value),
        `[${fmt(b.ciLower)}, ${fmt(b.ciUpper)}]`,
        sd === null ? '— (one seed)' : fmt(sd),
        ceil ? `[${fmt(ceil.lower)}, ${fmt(ceil.upper)}]` : '—',
      ];
    }),
    'table-best',
  );
  const layerTable = table(
    ['network', 'layer', 'dataset', 'value', '95% CI', 'p', 'p (FDR)', 'ceiling'],
    r.rows.map((x) => [
      x.network,
      x.layer,
      x.dataset,
      fmt(x.value),
      x.ciLower === null ? '—' : `[${fmt(x.ciLower)}, ${fmt(x.ciUpper)}]`,
      fmt(x.p),
      fmt(x.pCorrected),
      x.ceilingLower === null ? '— (one RDM)' : `[${fmt(x.ceilingLower)}, ${fmt(x.ceilingUpper)}]`,
    ]),
    'table-layers',
  );
  const baselineTable = table(
    ['baseline', 'layer', 'value (hIT)', '95% CI', 'p'],
    hitRows
      .filter((x) => x.testAccuracy === null)
      .map((x) => [x.network, x.layer, fmt(x.value), `[${fmt(x.ciLower)}, ${fmt(x.ciUpper)}]`, fmt(x.p)]),
    'table-baselines',
  );
  const pairTable = table(
    ['a', 'b', 'difference (a − b)', 'p', 'p (FDR)'],
    r.pairwise.map((p) => [p.a, p.b, fmt(p.difference), fmt(p.p), fmt(p.pCorrected)]),
    'table-pairwise',
  );
  const sensTable = table(
    ['transform', ...rules.map((n) => n.name)],
    [
      [`default: ${JSON.stringify(t)}`, ...rules.map((n) => fmt(bestOf.get(n.name)?.value))],
      ...r.sensitivity.map((s) => [JSON.stringify(s.transform), ...rules.map((n) => fmt(s.values[n.name]))]),
    ],
    'table-sensitivity',
  );
  const epochs = [...new Set(study.networks.map((n) => n.epochs ?? 'rule default'))].join(', ');
  const methods = `Networks (${rules.map((n) => n.name).join(', ')}) were trained on ${esc([...new Set(study.networks.map((n) => n.dataset.split('/').pop()))].join(', '))} with architecture ${esc([...new Set(study.networks.map((n) => n.arch))].join(', '))}, ${esc(epochs)} epoch(s), seeds ${esc([...new Set(study.networks.map((n) => n.seed))].join(', '))} (profile '${esc(study.profile)}'). The 92 object images of Kriegeskorte et al. (2008) were converted to ${t.size}×${t.size} ${t.channels === 1 ? `grey (${t.luminance} luminance)` : 'RGB'} with ${t.resize} resampling, background ${t.background === 'black' ? `set to black (border grey ± ${t.backgroundTolerance})` : 'kept grey'}, normalisation ${t.normalise === 'training' ? "to the training set's pixel mean and SD" : 'none'}. For every layer (post-activation outputs and logits) a correlation-distance RDM of the 92 stimuli was compared with each of ${r.subjects.length} subjects' hIT RDMs (sessions averaged; subjects are the unit of inference) by ${esc(study.metric)}; CIs and tests against zero from the dual bootstrap (${study.bootstrapSamples} samples, Schütt et al. 2023), noise ceiling from the subjects' RDMs (leave one subject out). Best layers per rule were chosen by leave-one-subject-out cross-validation and scored on the held-out subject; rules (and the random-weights baseline of the same architecture with ${study.randomSeeds.length} seeds) were compared pairwise by paired t-tests over subjects, FDR (Benjamini–Hochberg) over all pairs. Baselines: random weights, the pixel RDM of the converted stimuli, the categorical models ${esc(study.brain.categoricalModels.join(', '))}${study.brain.monkeyIt ? `; the monkey IT RDM (${esc(study.brain.monkeyIt)}) is a second brain dataset (one RDM: pattern bootstrap, no ceiling)` : ''}.`;
  const provenance = table(
    ['item', 'value'],
    [
      ['study file', study.file],
      ['configuration hash (SHA-256)', study.configHash],
      ['stimuli.npy SHA-256', r.stimuli.sha256],
      ['stimulus images SHA-256', `${study.stimuli.file}: ${sha256File(study.stimuli.file)}`],
      ['brain RDMs SHA-256', `${study.brain.file}: ${sha256File(study.brain.file)}`],
      ...(study.brain.models
        ? [['model RDMs SHA-256', `${study.brain.models}: ${sha256File(study.brain.models)}`]]
        : []),
      ...[...new Map(study.networks.map((n) => [`${n.dataset}|${n.dataDir ?? ''}`, n])).values()].map((n) => [
        'training data SHA-256',
        `${n.dataDir ?? n.dataset}: ${datasetHash(n.dataset, n.dataDir)}`,
      ]),
      ['onnxruntime', r.runtime],
      ['training pixel statistics', JSON.stringify(r.stimuli.training)],
      ['seeds', study.networks.map((n) => n.seed).join(', ')],
      ['backend', r.backend],
      ['node', process.version],
      [
        'timings (s)',
        Object.entries(r.timings)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(', '),
      ],
      ['generated', new Date().toISOString()],
    ],
    'table-provenance',
  );
  const tb = r.time;
  const share = (v: number) => (tb.computeSeconds > 0 ? `${((100 * v) / tb.computeSeconds).toFixed(1)} %` : '—');
  const timeTable = table(
    ['stage', 'items', 'compute (s)', 'share'],
    [
      ...tb.training.map((t) => [`training: ${t.rule}`, t.networks, fmt(t.seconds, 1), share(t.seconds)]),
      [
        'training, all rules',
        tb.training.reduce((a, t) => a + t.networks, 0),
        fmt(tb.trainingSeconds, 1),
        share(tb.trainingSeconds),
      ],
      [
        `extraction (stimuli through the networks, RDMs)${tb.extraction.unrecorded ? `; ${tb.extraction.unrecorded} items stored before their time was recorded` : ''}`,
        tb.extraction.items,
        fmt(tb.extraction.seconds, 1),
        share(tb.extraction.seconds),
      ],
      ['scoring (comparisons, bootstrap, noise ceiling)', 1, fmt(tb.scoring, 1), share(tb.scoring)],
      ['statistics (best layer by CV, pairwise tests, FDR)', 1, fmt(tb.statistics, 2), share(tb.statistics)],
      ['all stages', '', fmt(tb.computeSeconds, 1), '100 %'],
    ],
    'table-time',
  );
  const notes = r.notes.length
    ? `<ul id="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`
    : '<p id="notes">None.</p>';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(study.name)}: which learning rule is most brain-like?</title>
<style>body{font-family:DejaVu Sans,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}th{background:#f2f2f2}figure{margin:1.5em 0}figcaption{font-size:13px;color:#555}.scroll{max-height:420px;overflow:auto}</style></head><body>
<h1>${esc(study.name)} (${esc(study.profile)}): learning rules vs human IT</h1>
<h2>Plausibility criteria</h2>${criteriaTable}
<h2>Accuracy</h2>${accuracyTable}${figures[0]}
<h2>Brain similarity per rule (best layer)</h2>${bestTable}${figures[1]}
<h2>Per layer</h2>${figures[2]}<div class="scroll">${layerTable}</div>
<h2>Baselines</h2>${baselineTable}${figures[3]}
<h2>Pairwise comparisons</h2>${pairTable}${figures[4]}
<h2>Plausibility vs accuracy vs brain similarity</h2>${figures[5]}
<h2>Stimuli</h2>${figures[6]}
<h3>Sensitivity to the stimulus conversion (cross-validated best-layer value, hIT)</h3>${sensTable}
<h2>Notes (numbers not computed and why)</h2>${notes}
<h2>Methods</h2><p id="methods">${methods}</p>
<h2>Where the time goes</h2><p>Compute per stage as each item measured it when it ran (a study resumed across several runs counts every run's items); the provenance's timings are this run's wall times.</p>${timeTable}
<h2>Provenance</h2>${provenance}
</body></html>
`;
  const path = join(study.outputDir, 'report.html');
  writeFileAtomic(path, html);
  return path;
}
