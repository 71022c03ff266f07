/**
 * Schema migrations, applied in order inside one transaction each. Never edit a shipped migration: append one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
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
];
