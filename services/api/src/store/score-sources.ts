/**
 * Finished studies' results.json rows become stored scores (GET /v1/scores), each row at most once: a file is a
 * source known by its path; it is read again only when its size or modification time changed, and imported again
 * only when its SHA-256 changed — then its previous rows are replaced in the same IMMEDIATE transaction (so a
 * re-import, by this process or another sharing the database, never duplicates a row; a unique index on
 * (source, row index) guarantees it). Each row is stored verbatim beside its score record; rows without a metric
 * (not scores) are left out.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { scoreRecordOf } from '@concord/pipeline';
import { API_ERRORS, ApiError } from '../errors.ts';
import type { Db } from './database.ts';
import type { ScoreStore } from './scores.ts';

/** results.json larger than this is refused rather than parsed into the event loop (as the study pages do). */
export const MAX_RESULTS_BYTES = 64 * 1024 * 1024;

export interface ResultsSource {
  /** The results.json, by absolute path: its identity. */
  file: string;
  /** 'jobs' for a job's output folder, 'studies' for a folder of --studies DIR. */
  endpoint: 'jobs' | 'studies';
  /** Tags of every row (`study:<name>` is added from the file). */
  tags: string[];
  /** Provenance parameters of every row (never a server path). */
  parameters: Record<string, unknown>;
  /** The key that owns the rows (null: none; with `shared` false only admin keys see them). */
  owner: string | null;
  /** Every key sees the rows. */
  shared: boolean;
  /** Rows stored under this tag before sources were tracked (a job's `job:<id>`), replaced by this import. */
  legacyTag?: string;
}

export interface ImportOutcome {
  /** 'imported' when the rows were (re)written, 'unchanged' when the file is as last imported. */
  state: 'imported' | 'unchanged';
  /** Rows written (0 when unchanged). */
  rows: number;
}

interface SourceRow {
  id: number;
  size: number;
  mtime_ms: number;
  sha256: string;
}

export class ResultsImporter {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly scores: ScoreStore,
    private readonly version: string,
  ) {
    this.stmts = {
      get: db.prepare('SELECT id, size, mtime_ms, sha256 FROM score_sources WHERE path = ?'),
      touch: db.prepare('UPDATE score_sources SET size = ?, mtime_ms = ? WHERE id = ?'),
      update: db.prepare('UPDATE score_sources SET size = ?, mtime_ms = ?, sha256 = ?, imported_at = ? WHERE id = ?'),
      add: db.prepare(
        'INSERT INTO score_sources (path, size, mtime_ms, sha256, imported_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
      ),
      dropRows: db.prepare('DELETE FROM scores WHERE source_id = ?'),
      dropSource: db.prepare('DELETE FROM score_sources WHERE id = ?'),
      sourcesUnder: db.prepare('SELECT id, path FROM score_sources WHERE substr(path, 1, length(?)) = ?'),
      dropLegacy: db.prepare(
        'DELETE FROM scores WHERE source_id IS NULL AND id IN (SELECT score_id FROM score_tags WHERE tag = ?)',
      ),
    };
  }

  /**
   * Forget the results.json files below `dir` that are not in `present` (the files a listing of `dir` just found: a
   * study folder deleted or renamed is missing from it): their rows leave the stored scores, so a query never answers
   * with a study that no longer exists. Returns the rows dropped.
   */
  forgetAbsentUnder(dir: string, present: ReadonlySet<string>): number {
    const prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`;
    const gone = (this.stmts.sourcesUnder.all(prefix, prefix) as { id: number; path: string }[]).filter(
      (s) => !present.has(s.path),
    );
    if (gone.length === 0) return 0;
    return this.db
      .transaction(() => {
        let rows = 0;
        for (const s of gone) {
          rows += this.stmts.dropRows.run(s.id).changes;
          this.stmts.dropSource.run(s.id);
        }
        return rows;
      })
      .immediate();
  }

  /** Import `src` when it is new or changed since its last import. Throws (ApiError STORE) on an unreadable file. */
  import(src: ResultsSource): ImportOutcome {
    const st = statSync(src.file);
    const known = this.stmts.get.get(src.file) as SourceRow | undefined;
    if (known && known.size === st.size && known.mtime_ms === st.mtimeMs) return { state: 'unchanged', rows: 0 };
    if (st.size > MAX_RESULTS_BYTES)
      throw new ApiError(
        500,
        API_ERRORS.STORE,
        `${src.file}: results.json of ${st.size} bytes is over the limit of ${MAX_RESULTS_BYTES}`,
      );
    const bytes = readFileSync(src.file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (known && known.sha256 === sha256) {
      this.stmts.touch.run(st.size, st.mtimeMs, known.id);
      return { state: 'unchanged', rows: 0 };
    }
    const { rows, meta } = parseResults(bytes, src.file);
    const study = typeof meta.study === 'string' ? meta.study : undefined;
    const version = typeof meta.concord === 'string' ? meta.concord : this.version;
    return this.db
      .transaction((): ImportOutcome => {
        // Another process may have imported the same content meanwhile.
        const now = this.stmts.get.get(src.file) as SourceRow | undefined;
        if (now && now.sha256 === sha256) {
          this.stmts.touch.run(st.size, st.mtimeMs, now.id);
          return { state: 'unchanged', rows: 0 };
        }
        const importedAt = new Date().toISOString();
        let sourceId: number;
        if (now) {
          this.stmts.dropRows.run(now.id);
          this.stmts.update.run(st.size, st.mtimeMs, sha256, importedAt, now.id);
          sourceId = now.id;
        } else {
          sourceId = (this.stmts.add.get(src.file, st.size, st.mtimeMs, sha256, importedAt) as { id: number }).id;
        }
        if (src.legacyTag !== undefined) this.stmts.dropLegacy.run(src.legacyTag);
        const tags = [...src.tags, ...(study !== undefined ? [`study:${study}`] : [])];
        let n = 0;
        rows.forEach((row, index) => {
          if (typeof row.metric !== 'string') return;
          const r = scoreRecordOf(row as Parameters<typeof scoreRecordOf>[0]);
          this.scores.insertInTransaction(
            {
              endpoint: src.endpoint,
              metric: r.metric,
              value: r.value,
              ...(r.network !== null ? { network: r.network } : {}),
              ...(r.layer !== null ? { layer: r.layer } : {}),
              ...(r.dataset !== null ? { dataset: r.dataset } : {}),
              ...(r.region !== null ? { region: r.region } : {}),
              ...(r.time !== null ? { time: r.time } : {}),
              tags,
              // `result` stays the score record, as job scores always had it; the row itself is kept verbatim
              result: r,
              row,
              parameters: { ...src.parameters, ...(study !== undefined ? { study } : {}) },
              inputHashes: { 'results.json': sha256 },
              concordVersion: version,
              apiKeyId: src.owner,
              shared: src.shared,
            },
            { sourceId, index },
          );
          n++;
        });
        return { state: 'imported', rows: n };
      })
      .immediate();
  }
}

function parseResults(bytes: Buffer, file: string): { rows: Record<string, unknown>[]; meta: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new ApiError(500, API_ERRORS.STORE, `${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { rows?: unknown }).rows))
    throw new ApiError(500, API_ERRORS.STORE, `${file}: expected an object with a "rows" array`);
  const { rows, ...meta } = parsed as { rows: unknown[] } & Record<string, unknown>;
  // Index = position in the file, so a non-object entry still holds its place.
  return {
    rows: rows.map((r) =>
      typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as Record<string, unknown>) : {},
    ),
    meta,
  };
}
