/** The results table: one row per network × layer × brain dataset × region/time × metric, written as CSV and JSON. */
import { writeFileAtomic } from '@concord/io';

export interface ResultRow {
  network: string;
  layer: string;
  /** Depth order of the layer within its network (0 = first listed). */
  layerIndex: number;
  dataset: string;
  modality: 'eeg' | 'fmri' | 'rdms';
  /** Region of interest, or 'all' for sensor-level EEG. */
  region: string;
  /**
   * Seconds, for time-resolved EEG rows (the cross-validated peak row carries the time chosen most often across
   * folds); null otherwise (window rows too: their region names the window).
   */
  time: number | null;
  /** e.g. 'rsa:correlation/spearman', 'cka:linear', 'encoding:ridge'. */
  metric: string;
  /** Mean over subjects. */
  value: number;
  /** Standard error of the mean over subjects (null with one subject). */
  sem: number | null;
  nSubjects: number;
  ceilingLower: number | null;
  ceilingUpper: number | null;
}

export const RESULT_COLUMNS: (keyof ResultRow)[] = [
  'network',
  'layer',
  'layerIndex',
  'dataset',
  'modality',
  'region',
  'time',
  'metric',
  'value',
  'sem',
  'nSubjects',
  'ceilingLower',
  'ceilingUpper',
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'NaN';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsToCsv(rows: ResultRow[]): string {
  return `${RESULT_COLUMNS.join(',')}\n${rows.map((r) => RESULT_COLUMNS.map((c) => csvCell(r[c])).join(',')).join('\n')}\n`;
}

export function writeResults(
  dir: string,
  rows: ResultRow[],
  meta: Record<string, unknown>,
): { csv: string; json: string } {
  const csv = `${dir}/results.csv`;
  const json = `${dir}/results.json`;
  writeFileAtomic(csv, resultsToCsv(rows));
  writeFileAtomic(
    json,
    `${JSON.stringify({ ...meta, columns: RESULT_COLUMNS, rows }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
  );
  return { csv, json };
}

export function meanAndSem(values: number[]): { mean: number; sem: number | null } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, sem: null };
  const v = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, sem: Math.sqrt(v / n) };
}

/** Region suffix of the peak row of time-resolved data: chosen by leave-one-subject-out cross-validation. */
export const CV_PEAK_LABEL = '(peak, cross-validated)';

/** Region suffix of the pre-specified window row, e.g. "(window 0–400 ms)". */
export function windowLabel(window: readonly [number, number]): string {
  return `(window ${Math.round(window[0] * 1000)}–${Math.round(window[1] * 1000)} ms)`;
}

/** A row that summarises a layer (one value per layer: static data, a window or the cross-validated peak). */
export function isLayerSummary(r: ResultRow): boolean {
  return r.time === null || r.region.endsWith(CV_PEAK_LABEL);
}
