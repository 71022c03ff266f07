/**
 * report.html plus figures (SVG and PNG): per-layer score profiles with the noise-ceiling band and error bars,
 * EEG score time courses, RDM heatmaps, and the results table. Self-contained: figures are files beside it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Matrix, presentOrBug } from '@concord/core';
import { writeFileAtomic } from '@concord/io';
import { layerProfile, rdmHeatmap, svgToPng, timeCourse } from '@concord/plot';
import { CV_PEAK_LABEL, isLayerSummary, type ResultRow } from './results.ts';

export interface ReportRdm {
  title: string;
  rdm: Matrix;
  labels: string[];
  /** The brain dataset it belongs to (the page filters heatmaps by it). */
  dataset?: string;
}

export interface ReportInput {
  title: string;
  /** Lines shown under the title (what ran, where the data came from). */
  summary: string[];
  rows: ResultRow[];
  rdms: ReportRdm[];
  /** Per dataset: the layer whose geometry the simulated data carry, when simulated (shown as "ground truth"). */
  groundTruth?: Record<string, { network: string; layer: string }>;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function slug(s: string): string {
  return s
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}

async function writeFigure(dir: string, name: string, svg: string): Promise<string> {
  writeFileAtomic(join(dir, `${name}.svg`), svg);
  writeFileAtomic(join(dir, `${name}.png`), svgToPng(svg));
  return `figures/${name}.png`;
}

function fmt(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '–' : v.toFixed(4);
}

export async function writeReport(outDir: string, input: ReportInput): Promise<string> {
  const figDir = join(outDir, 'figures');
  mkdirSync(figDir, { recursive: true });
  const sections: string[] = [];

  // Per-layer profiles: one figure per dataset × region × metric over the rows that summarise a layer (static data;
  // for EEG the pre-specified window and the cross-validated peak).
  const profileRows = input.rows.filter(isLayerSummary);
  const groups = new Map<string, ResultRow[]>();
  for (const r of profileRows) {
    const k = `${r.dataset}|${r.region}|${r.metric}`;
    const group = groups.get(k);
    if (group) group.push(r);
    else groups.set(k, [r]);
  }
  const profileHtml: string[] = [];
  for (const [k, rows] of groups) {
    const [dataset, region, metric] = k.split('|');
    const bestRow = rows.reduce((a, b) => (b.value > a.value ? b : a));
    // The band shows the ceiling where the best layer peaks (for EEG it varies with time).
    const withCeiling = [bestRow, ...rows].find((r) => r.ceilingLower !== null && r.ceilingUpper !== null);
    const ceiling =
      withCeiling?.ceilingLower != null && withCeiling.ceilingUpper != null
        ? { lower: withCeiling.ceilingLower, upper: withCeiling.ceilingUpper }
        : undefined;
    const svg = await layerProfile(
      rows.map((r) => ({ layer: r.layer, order: r.layerIndex, value: r.value, error: r.sem ?? 0, series: r.network })),
      {
        title: `${dataset} · ${region} · ${metric}`,
        yTitle: metric,
        ...(ceiling ? { noiseCeiling: ceiling } : {}),
      },
    );
    const src = await writeFigure(figDir, `profile-${slug(k)}`, svg);
    const gt = input.groundTruth?.[dataset];
    const best = bestRow;
    profileHtml.push(
      `<figure><img src="${src}" alt="${esc(k)}"><figcaption>Best: <b>${esc(best.network)} / ${esc(best.layer)}</b> (${fmt(best.value)})${gt ? `; the simulated data carry the geometry of <b>${esc(gt.network)} / ${esc(gt.layer)}</b>` : ''}${ceiling ? `; grey band: noise ceiling [${fmt(ceiling.lower)}, ${fmt(ceiling.upper)}]` : ''}.</figcaption></figure>`,
    );
  }
  if (profileHtml.length)
    sections.push(
      `<h2>Scores by layer</h2><p>Mean over subjects ± standard error of the mean.${
        input.rows.some((r) => r.region.endsWith(CV_PEAK_LABEL))
          ? ` Time-resolved (EEG) data compare layers in two ways, named in the region: the mean score over a window fixed before the analysis ("window"), and the peak chosen by leave-one-subject-out cross-validation ("peak, cross-validated": each subject's score at the time where the other subjects' mean peaks; its time is the one chosen most often). Each layer's own best time point is not shown: picking it on the same subjects biases the comparison between layers.`
          : ''
      }</p>${profileHtml.join('\n')}`,
    );

  // Time courses: time-resolved rows per dataset × metric, one line per network/layer.
  const timeRows = input.rows.filter((r) => !isLayerSummary(r));
  const tGroups = new Map<string, ResultRow[]>();
  for (const r of timeRows) {
    const k = `${r.dataset}|${r.metric}`;
    const group = tGroups.get(k);
    if (group) group.push(r);
    else tGroups.set(k, [r]);
  }
  const tcHtml: string[] = [];
  for (const [k, rows] of tGroups) {
    const svg = await timeCourse(
      rows.map((r) => ({
        time: presentOrBug(r.time, `time of a time-resolved row (${r.network}/${r.layer})`),
        value: r.value,
        series: new Set(rows.map((q) => q.network)).size > 1 ? `${r.network}/${r.layer}` : r.layer,
      })),
      { title: `${k.replace('|', ' · ')} over time`, yTitle: k.split('|')[1] },
    );
    tcHtml.push(
      `<figure><img src="${await writeFigure(figDir, `timecourse-${slug(k)}`, svg)}" alt="${esc(k)}"></figure>`,
    );
  }
  if (tcHtml.length) sections.push(`<h2>Time courses (EEG)</h2>${tcHtml.join('\n')}`);

  const rdmHtml: string[] = [];
  for (const r of input.rdms) {
    const svg = await rdmHeatmap(r.rdm, { title: r.title, labels: r.labels });
    rdmHtml.push(
      `<figure><img src="${await writeFigure(figDir, `rdm-${slug(r.title)}`, svg)}" alt="${esc(r.title)}"></figure>`,
    );
  }
  if (rdmHtml.length) sections.push(`<h2>RDMs</h2><div class="grid">${rdmHtml.join('\n')}</div>`);

  const tableRows = input.rows
    .filter(isLayerSummary)
    .map(
      (r) =>
        `<tr><td>${esc(r.network)}</td><td>${esc(r.layer)}</td><td>${esc(r.dataset)}</td><td>${esc(r.region)}</td><td>${r.time === null ? '' : (r.time * 1000).toFixed(0)}</td><td>${esc(r.metric)}</td><td>${fmt(r.value)}</td><td>${fmt(r.sem)}</td><td>${r.nSubjects}</td><td>${fmt(r.ceilingLower)}</td><td>${fmt(r.ceilingUpper)}</td></tr>`,
    )
    .join('\n');
  sections.push(
    `<h2>Results</h2><p>The full table (every time point too) is in <a href="results.csv">results.csv</a> and <a href="results.json">results.json</a>.</p><table><thead><tr><th>network</th><th>layer</th><th>dataset</th><th>region</th><th>time (ms)</th><th>metric</th><th>value</th><th>sem</th><th>n</th><th>ceiling low</th><th>ceiling high</th></tr></thead><tbody>${tableRows}</tbody></table>`,
  );

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
figure{display:inline-block;margin:0.5em;vertical-align:top}figure img{max-width:520px}
figcaption{max-width:520px;font-size:0.9em;color:#444}
table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
td:nth-child(-n+4),th:nth-child(-n+4){text-align:left}.summary li{margin:0.2em 0}
</style></head><body>
<h1>${esc(input.title)}</h1>
<ul class="summary">${input.summary.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
${sections.join('\n')}
</body></html>
`;
  const path = join(outDir, 'report.html');
  writeFileAtomic(path, html);
  return path;
}
