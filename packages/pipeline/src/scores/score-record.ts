/**
 * The score record every route shares: the fields of a results.json row (comparison study and learning-rule study
 * alike) that identify and qualify one score. The API stores its scores under these names and shows the record's
 * fields at the top level of every stored score; its first label names (model = network, roi = region) stay as
 * aliases (API_LABEL_OF), in `labels`, in `save` and as query parameters.
 */
import type { Json } from '../plan/types.ts';

export interface ScoreRecord {
  network: string | null;
  layer: string | null;
  dataset: string | null;
  /** Region of interest ('all' for sensor-level EEG); null when the data has none. */
  region: string | null;
  /** Seconds, for time-resolved rows; null otherwise. */
  time: number | null;
  /** A name of the metric vocabulary (scores/metrics.ts). */
  metric: string;
  value: number | null;
  sem: number | null;
  ciLower: number | null;
  ciUpper: number | null;
  nSubjects: number | null;
  ceilingLower: number | null;
  ceilingUpper: number | null;
}

export const SCORE_FIELDS: readonly (keyof ScoreRecord)[] = [
  'network',
  'layer',
  'dataset',
  'region',
  'time',
  'metric',
  'value',
  'sem',
  'ciLower',
  'ciUpper',
  'nSubjects',
  'ceilingLower',
  'ceilingUpper',
];

/** The API's first names (aliases) for record fields that it named differently. */
export const API_LABEL_OF = { network: 'model', region: 'roi' } as const;

const str = (v: Json | undefined): string | null => (typeof v === 'string' ? v : v == null ? null : String(v));
const num = (v: Json | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A results.json row as a score record (the learning-rule study's `subjectCount` is `nSubjects`). */
export function scoreRecordOf(row: { [key: string]: Json }): ScoreRecord {
  return {
    network: str(row.network),
    layer: str(row.layer),
    dataset: str(row.dataset),
    region: str(row.region),
    time: num(row.time),
    metric: str(row.metric) ?? 'unknown',
    value: num(row.value),
    sem: num(row.sem),
    ciLower: num(row.ciLower),
    ciUpper: num(row.ciUpper),
    nSubjects: num(row.nSubjects ?? row.subjectCount),
    ceilingLower: num(row.ceilingLower),
    ceilingUpper: num(row.ceilingUpper),
  };
}
