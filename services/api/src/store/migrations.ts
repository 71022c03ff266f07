/**
 * Schema migrations, applied in order inside one transaction each. Never edit a shipped migration: append one.
 */
import { vocabularyMetric } from '../metric-names.ts';
import type { Db } from './database.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Data changes SQL cannot express, run after `sql` in the same transaction. */
  run?: (db: Db) => void;
}

/** Migration 4's data step: scores stored by compute routes get their vocabulary name; the old one is kept. */
function renameComputeMetrics(db: Db): void {
  const rows = db
    .prepare("SELECT id, endpoint, metric, parameters_json FROM scores WHERE endpoint LIKE '/v1/%'")
    .all() as { id: number; endpoint: string; metric: string; parameters_json: string }[];
  const update = db.prepare('UPDATE scores SET metric = ?, route_metric = ? WHERE id = ?');
  for (const r of rows) {
    let parameters: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(r.parameters_json) as unknown;
      if (typeof parsed === 'object' && parsed !== null) parameters = parsed as Record<string, unknown>;
    } catch {
      // unreadable parameters: the bare name is kept below
    }
    update.run(vocabularyMetric(r.endpoint, parameters) ?? r.metric, r.metric, r.id);
  }
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'scores and api keys',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        rate_limit INTEGER,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE TABLE scores (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        metric TEXT NOT NULL,
        value REAL,
        model TEXT,
        layer TEXT,
        dataset TEXT,
        subject TEXT,
        roi TEXT,
        result_json TEXT NOT NULL,
        parameters_json TEXT NOT NULL,
        input_hashes_json TEXT NOT NULL,
        concord_version TEXT NOT NULL,
        api_key_id TEXT
      );
      CREATE INDEX scores_model_layer ON scores (model, layer);
      CREATE INDEX scores_metric ON scores (metric);
      CREATE INDEX scores_roi ON scores (roi);
      CREATE TABLE score_tags (
        score_id INTEGER NOT NULL REFERENCES scores (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (score_id, tag)
      );
      CREATE INDEX score_tags_tag ON score_tags (tag);
    `,
  },
  {
    version: 2,
    name: 'admin keys, data owned by keys',
    sql: `
      ALTER TABLE api_keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX scores_api_key ON scores (api_key_id);
      -- Arrays are stored once per content (the id is the sha256); each key that uploaded one holds a claim on it.
      -- owner '' = uploaded while the service had no keys.
      CREATE TABLE array_claims (
        array_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (array_id, owner)
      );
    `,
  },
  {
    version: 3,
    name: 'jobs owned by the key that submitted them',
    sql: `
      -- owner '' = submitted while the service had no keys. Jobs submitted elsewhere (concord jobs submit to the
      -- same Redis) have no row: only admin keys see them.
      CREATE TABLE job_owners (
        job_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX job_owners_owner ON job_owners (owner);
    `,
  },
  {
    version: 4,
    name: 'one score record: the study labels, vocabulary metric names, results.json rows, imported studies',
    sql: `
      -- The labels under the study's names (network, region; the API's model and roi are their aliases), and time.
      ALTER TABLE scores RENAME COLUMN model TO network;
      ALTER TABLE scores RENAME COLUMN roi TO region;
      ALTER TABLE scores ADD COLUMN time REAL;
      -- The name a compute route stored before the vocabulary ('spearman', 'cka'); null for study rows.
      ALTER TABLE scores ADD COLUMN route_metric TEXT;
      -- An imported results.json row, verbatim.
      ALTER TABLE scores ADD COLUMN row_json TEXT;
      -- Visible to every key (the rows of the --studies folders, which every key can list).
      ALTER TABLE scores ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
      -- Each results.json imported, by path, with what it was when imported (a changed file is imported again).
      CREATE TABLE score_sources (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        sha256 TEXT NOT NULL,
        imported_at TEXT NOT NULL
      );
      ALTER TABLE scores ADD COLUMN source_id INTEGER REFERENCES score_sources (id) ON DELETE CASCADE;
      ALTER TABLE scores ADD COLUMN source_row INTEGER;
      -- A row of a results.json is stored at most once.
      CREATE UNIQUE INDEX scores_source_row ON scores (source_id, source_row) WHERE source_id IS NOT NULL;
      CREATE INDEX scores_dataset ON scores (dataset);
    `,
    run: renameComputeMetrics,
  },
];
