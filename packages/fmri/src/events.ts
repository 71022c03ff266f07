/**
 * BIDS `*_events.tsv`: tab-separated, a header row, required columns onset and duration (seconds), optional
 * trial_type, modulation and any extra columns; 'n/a' marks a missing value (NaN in numeric columns, null in
 * text columns). Parsed locally (a small TSV reader; @concord/io had no table reader when this was written).
 */

import { readFileSync, statSync } from 'node:fs';
import { FileFormatError } from '@concord/core';
import { FMRI_ERRORS } from './errors.ts';

export type EventValue = string | number | null;

export interface EventsTable {
  file: string;
  /** Column names in file order. */
  columnNames: string[];
  onset: Float64Array;
  duration: Float64Array;
  /** trial_type per row ('n/a' or missing column → null). */
  trialType: (string | null)[];
  /** modulation per row (1 when the column is absent), as nilearn. */
  modulation: Float64Array;
  /** Every column; numeric columns as numbers (NaN for n/a), others as strings (null for n/a). */
  columns: Record<string, EventValue[]>;
  length: number;
}

/** Split TSV text into rows of cells (tabs; CRLF tolerated; trailing empty lines dropped). */
export function parseTsv(text: string): string[][] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((l) => l.split('\t'));
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Events from rows (header + data), as read from `file`. */
export function eventsFromRows(rows: string[][], file: string): EventsTable {
  if (rows.length === 0)
    throw new FileFormatError(
      FMRI_ERRORS.BAD_EVENTS,
      file,
      'empty file; expected a header row with onset and duration',
      { field: 'header' },
    );
  const header = rows[0].map((h) => h.trim());
  for (const required of ['onset', 'duration']) {
    if (!header.includes(required))
      throw new FileFormatError(
        FMRI_ERRORS.BAD_EVENTS,
        file,
        `missing required column '${required}' (header: ${header.join(', ')})`,
        { field: required },
      );
  }
  const data = rows.slice(1);
  const columns: Record<string, EventValue[]> = {};
  header.forEach((name, c) => {
    const cells = data.map((r, i) => {
      if (r.length !== header.length) {
        throw new FileFormatError(
          FMRI_ERRORS.BAD_EVENTS,
          file,
          `row ${i + 2} has ${r.length} cells, the header has ${header.length}`,
          { field: `row ${i + 2}` },
        );
      }
      return r[c].trim();
    });
    const numeric = cells.every((v) => v === 'n/a' || NUMERIC.test(v));
    columns[name] =
      numeric && cells.some((v) => v !== 'n/a')
        ? cells.map((v) => (v === 'n/a' ? Number.NaN : Number(v)))
        : cells.map((v) => (v === 'n/a' ? null : v));
    if ((name === 'onset' || name === 'duration' || name === 'modulation') && !numeric) {
      const bad = cells.findIndex((v) => v !== 'n/a' && !NUMERIC.test(v));
      throw new FileFormatError(
        FMRI_ERRORS.BAD_EVENTS,
        file,
        `row ${bad + 2}, column ${name}: expected a number (seconds) or n/a, received ${JSON.stringify(cells[bad])}`,
        { field: name, received: cells[bad] },
      );
    }
  });
  const n = data.length;
  const num = (name: string) => Float64Array.from(columns[name] as number[]);
  const onset = n ? num('onset') : new Float64Array(0);
  const duration = n ? num('duration') : new Float64Array(0);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(onset[i]))
      throw new FileFormatError(FMRI_ERRORS.BAD_EVENTS, file, `row ${i + 2}, column onset: n/a or non-finite onset`, {
        field: 'onset',
      });
    if (Number.isNaN(duration[i])) duration[i] = 0; // BIDS allows n/a durations; nilearn treats them as 0 after a warning
    if (duration[i] < 0)
      throw new FileFormatError(
        FMRI_ERRORS.BAD_EVENTS,
        file,
        `row ${i + 2}, column duration: negative duration ${duration[i]}`,
        { field: 'duration', received: duration[i] },
      );
  }
  const trialType = header.includes('trial_type')
    ? (columns.trial_type as EventValue[]).map((v) => (v === null ? null : String(v)))
    : new Array<string | null>(n).fill(null);
  const modulation = header.includes('modulation')
    ? Float64Array.from(columns.modulation as number[], (v) => (Number.isNaN(v) ? 1 : v))
    : new Float64Array(n).fill(1);
  return { file, columnNames: header, onset, duration, trialType, modulation, columns, length: n };
}

/**
 * Read a BIDS events file (`*_events.tsv`: onset, duration, trial_type, ...). Named apart from @concord/eeg's
 * `readEvents`, which reads MNE event files (.eve / FIF) as MNE's `read_events` does.
 */
export function readBidsEvents(path: string): EventsTable {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch {
    throw new FileFormatError(FMRI_ERRORS.FILE_NOT_FOUND, path, 'no such file');
  }
  return eventsFromRows(parseTsv(readFileSync(path, 'utf8')), path);
}

/** Events from plain objects (onset, duration, trial_type / trialType, modulation). */
export function eventsFromObjects(
  events: { onset: number; duration: number; trialType?: string; trial_type?: string; modulation?: number }[],
  file = '<events>',
): EventsTable {
  const rows = [
    ['onset', 'duration', 'trial_type', 'modulation'],
    ...events.map((e) => [
      String(e.onset),
      String(e.duration),
      e.trialType ?? e.trial_type ?? 'n/a',
      String(e.modulation ?? 1),
    ]),
  ];
  return eventsFromRows(rows, file);
}

/**
 * Check that events lie inside a run of `nScans` volumes (frame times 0..(nScans−1)·tr, the run lasting nScans·tr):
 * an onset at or after the end is an error naming the file and row; events running past the end are returned as warnings.
 */
export function checkEventsInRun(events: EventsTable, nScans: number, tr: number): string[] {
  const end = nScans * tr;
  const warnings: string[] = [];
  for (let i = 0; i < events.length; i++) {
    if (events.onset[i] >= end) {
      throw new FileFormatError(
        FMRI_ERRORS.EVENTS_PAST_END,
        events.file,
        `row ${i + 2}: onset ${events.onset[i]} s is at or past the end of the run (${nScans} volumes × TR ${tr} s = ${end} s)`,
        {
          field: 'onset',
          received: events.onset[i],
          expected: `< ${end}`,
        },
      );
    }
    if (events.onset[i] + events.duration[i] > end)
      warnings.push(
        `${events.file} row ${i + 2}: event ends at ${events.onset[i] + events.duration[i]} s, after the run ends (${end} s)`,
      );
  }
  return warnings;
}
