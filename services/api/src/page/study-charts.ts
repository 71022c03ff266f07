/**
 * The study page's charts as Vega-Lite specs, made by @concord/plot (the same specs the reports render to SVG), so
 * the browser only embeds them. Both row shapes are understood: the simulated study's (layerIndex, region, time,
 * sem) and the learning-rule study's (rule, seed, ciLower/ciUpper).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix } from '@concord/core';
import { layerProfileSpec, type ProfilePoint, rdmHeatmapSpec, type TimePoint, timeCourseSpec } from '@concord/plot';
import type { StudyKind } from './study-catalog.ts';

export interface StudyChart {
  id: string;
  kind: 'profile' | 'time-course' | 'rdm';
  title: string;
  /** What the page's dataset/metric filters match (null: always shown). */
  dataset: string | null;
  metric: string | null;
  spec: object;
}

type Row = Record<string, unknown>;

/** The simulated study's label of a time-resolved dataset's peak row (see @concord/pipeline's results.ts). */
const CV_PEAK_SUFFIX = '(peak, cross-validated)';
const MAX_RDM_CONDITIONS = 200;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

function groupBy(rows: Row[], key: (r: Row) => string): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = key(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return groups;
}

/** Layer order per network: layerIndex when the rows carry it, else the order rows first name the layers. */
function layerOrder(rows: Row[]): (r: Row) => number {
  const seen = new Map<string, number>();
  for (const r of rows) {
    const k = `${str(r.network)}\u0000${str(r.layer)}`;
    if (!seen.has(k)) seen.set(k, [...seen.keys()].filter((x) => x.startsWith(`${str(r.network)}\u0000`)).length);
  }
  return (r) => num(r.layerIndex) ?? seen.get(`${str(r.network)}\u0000${str(r.layer)}`) ?? 0;
}

function ceilingOf(rows: Row[]): { lower: number; upper: number } | undefined {
  const best = rows.reduce((a, b) => ((num(b.value) ?? -Infinity) > (num(a.value) ?? -Infinity) ? b : a));
  const withCeiling = [best, ...rows].find((r) => num(r.ceilingLower) !== null && num(r.ceilingUpper) !== null);
  if (!withCeiling) return undefined;
  return { lower: num(withCeiling.ceilingLower) as number, upper: num(withCeiling.ceilingUpper) as number };
}

function isLayerSummary(r: Row): boolean {
  return r.time === null || r.time === undefined || str(r.region).endsWith(CV_PEAK_SUFFIX);
}

/** Networks with one "layer" (the pixel and categorical baselines) next to layered ones: left to the tables. */
function withoutSingleLayerBaselines(rows: Row[]): Row[] {
  const layers = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = layers.get(str(r.network)) ?? new Set<string>();
    set.add(str(r.layer));
    layers.set(str(r.network), set);
  }
  const layered = [...layers.values()].some((s) => s.size > 1);
  return layered ? rows.filter((r) => (layers.get(str(r.network))?.size ?? 0) > 1) : rows;
}

function profileCharts(kind: StudyKind, rows: Row[]): StudyChart[] {
  const summary = withoutSingleLayerBaselines(rows.filter((r) => isLayerSummary(r) && num(r.value) !== null));
  const order = layerOrder(summary);
  const key = (r: Row) =>
    kind === 'simulated' ? `${str(r.dataset)}|${str(r.region)}|${str(r.metric)}` : `${str(r.dataset)}|${str(r.metric)}`;
  const charts: StudyChart[] = [];
  for (const [k, group] of groupBy(summary, key)) {
    const parts = k.split('|');
    const points: ProfilePoint[] = group.map((r) => ({
      layer: str(r.layer),
      order: order(r),
      value: num(r.value) as number,
      error: num(r.sem) ?? 0,
      series: str(r.network),
    }));
    const ceiling = ceilingOf(group);
    const spec = layerProfileSpec(points, {
      title: parts.join(' · '),
      yTitle: parts[parts.length - 1],
      ...(ceiling ? { noiseCeiling: ceiling } : {}),
    }) as { data?: { values?: Record<string, unknown>[] } };
    // Bootstrap intervals are asymmetric: the error bars span [ciLower, ciUpper] where the rows give them.
    spec.data?.values?.forEach((d, i) => {
      const lo = num(group[i].ciLower);
      const hi = num(group[i].ciUpper);
      if (lo !== null && hi !== null) Object.assign(d, { lo, hi });
    });
    charts.push({
      id: `profile:${k}`,
      kind: 'profile',
      title: `Layer profile · ${parts.join(' · ')}`,
      dataset: str(group[0].dataset),
      metric: str(group[0].metric),
      spec,
    });
  }
  return charts;
}

function timeCourseCharts(rows: Row[]): StudyChart[] {
  const timed = rows.filter((r) => !isLayerSummary(r) && num(r.time) !== null && num(r.value) !== null);
  const charts: StudyChart[] = [];
  for (const [k, group] of groupBy(timed, (r) => `${str(r.dataset)}|${str(r.region)}|${str(r.metric)}`)) {
    const points: TimePoint[] = group.map((r) => {
      const value = num(r.value) as number;
      const sem = num(r.sem);
      const p: TimePoint = { time: num(r.time) as number, value, series: `${str(r.network)} ${str(r.layer)}` };
      if (sem !== null) Object.assign(p, { lower: value - sem, upper: value + sem });
      return p;
    });
    const title = k.split('|').join(' · ');
    charts.push({
      id: `time:${k}`,
      kind: 'time-course',
      title: `Time course · ${title}`,
      dataset: str(group[0].dataset),
      metric: str(group[0].metric),
      spec: timeCourseSpec(points, { title, yTitle: str(group[0].metric), width: 460 }),
    });
  }
  return charts;
}

/**
 * RDMs saved beside the results as rdms.json: `{"rdms": [{"title", "labels": [..n], "rdm": [[..n] ..n]}]}` (the
 * brain RDMs and the model RDMs the report shows). Entries that are not square or do not match their labels are
 * skipped, not drawn wrong.
 */
function rdmCharts(dir: string): StudyChart[] {
  const file = join(dir, 'rdms.json');
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const list = (parsed as { rdms?: unknown }).rdms;
  if (!Array.isArray(list)) return [];
  const charts: StudyChart[] = [];
  list.forEach((entry: { title?: unknown; labels?: unknown; rdm?: unknown; dataset?: unknown }, i) => {
    const rdm = entry.rdm;
    if (!Array.isArray(rdm) || rdm.length === 0 || rdm.length > MAX_RDM_CONDITIONS) return;
    const n = rdm.length;
    const flat = new Float64Array(n * n);
    for (let r = 0; r < n; r++) {
      const row = rdm[r];
      if (!Array.isArray(row) || row.length !== n) return;
      for (let c = 0; c < n; c++) {
        const v = num(row[c]);
        if (v === null) return;
        flat[r * n + c] = v;
      }
    }
    const labels = Array.isArray(entry.labels) && entry.labels.length === n ? entry.labels.map(str) : undefined;
    const title = str(entry.title) || `RDM ${i + 1}`;
    charts.push({
      id: `rdm:${i}`,
      kind: 'rdm',
      title,
      dataset: typeof entry.dataset === 'string' ? entry.dataset : null,
      metric: null,
      spec: rdmHeatmapSpec(new Matrix(n, n, flat), { title, ...(labels ? { labels } : {}), maxLabels: 100 }),
    });
  });
  return charts;
}

export function studyCharts(kind: StudyKind, rows: Row[], dir: string): StudyChart[] {
  return [...profileCharts(kind, rows), ...timeCourseCharts(rows), ...rdmCharts(dir)];
}
