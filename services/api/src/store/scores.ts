/**
 * Stored scores: every score computed through the service can be saved with labels (network, layer, dataset,
 * subject, region, time, tags) and provenance (input hashes, parameters, Concord version), and finished studies'
 * results.json rows are imported (ResultsImporter); all are filtered and paged alike. Metric names are the
 * pipeline's vocabulary. Paging is by id (keyset), so pages stay stable while rows are added.
 */
import { metricSelects, type ScoreRecord, scoreRecordOf } from '@concord/pipeline';
import type { Db } from './database.ts';

/** The label columns, under the study's names (the API also calls network `model` and region `roi`). */
export const SCORE_LABELS = ['network', 'layer', 'dataset', 'subject', 'region'] as const;
export type ScoreLabel = (typeof SCORE_LABELS)[number];

export interface ScoreLabels {
  network?: string;
  layer?: string;
  dataset?: string;
  subject?: string;
  region?: string;
  /** Seconds, for a time-resolved score. */
  time?: number;
  tags?: string[];
}

export interface NewScore extends ScoreLabels {
  endpoint: string;
  /** A name of the metric vocabulary (@concord/pipeline scores/metrics.ts), e.g. 'rsa:correlation/spearman'. */
  metric: string;
  /** The name the compute route used before the vocabulary ('spearman', 'cka'); absent for study rows. */
  routeMetric?: string | null;
  /** The single number, when the result is one (else null; the full result is in `result`). */
  value: number | null;
  result: unknown;
  parameters: Record<string, unknown>;
  inputHashes: Record<string, string>;
  concordVersion: string;
  apiKeyId?: string | null;
  /** The results.json row this score is, verbatim (imported studies). */
  row?: Record<string, unknown>;
  /** Visible to every key (rows of the --studies folders). */
  shared?: boolean;
}

export interface StoredScore {
  id: string;
  createdAt: string;
  endpoint: string;
  metric: string;
  routeMetric: string | null;
  value: number | null;
  /** The labels under the API's first names (model = network, roi = region). */
  labels: {
    model: string | null;
    layer: string | null;
    dataset: string | null;
    subject: string | null;
    roi: string | null;
  };
  /** The shared score record (network, layer, dataset, region, time, metric, value, CI, ...). */
  record: ScoreRecord;
  /** The results.json row, verbatim, for a score imported from a study; null otherwise. */
  row: Record<string, unknown> | null;
  /** Visible to every key. */
  shared: boolean;
  tags: string[];
  result: unknown;
  provenance: { parameters: Record<string, unknown>; inputHashes: Record<string, string>; concordVersion: string };
}

export interface ScoreQuery {
  network?: string;
  layer?: string;
  dataset?: string;
  subject?: string;
  region?: string;
  /** A vocabulary name, or a bare alias into it (metricSelects: 'cka' → every cka:…, 'spearman' → rsa:…/spearman). */
  metric?: string;
  endpoint?: string;
  /** Every tag listed must be present. */
  tags?: string[];
  /** Return ids greater than this (the previous page's nextCursor). */
  after?: number;
  limit: number;
  /** Only scores stored with this API key, and shared ones (a non-admin key sees its own scores only). */
  owner?: string;
}

interface Row {
  id: number;
  created_at: string;
  endpoint: string;
  metric: string;
  route_metric: string | null;
  value: number | null;
  network: string | null;
  layer: string | null;
  dataset: string | null;
  subject: string | null;
  region: string | null;
  time: number | null;
  result_json: string;
  row_json: string | null;
  parameters_json: string;
  input_hashes_json: string;
  concord_version: string;
  api_key_id: string | null;
  shared: number;
}

/** Where an imported score came from: a row of a results.json (see ResultsImporter). */
export interface ScoreSourceRow {
  sourceId: number;
  index: number;
}

export class ScoreStore {
  private readonly db: Db;
  private readonly insertScore;
  private readonly insertTag;
  private readonly byId;
  private readonly tagsOf;
  private readonly deleteById;
  private readonly metrics;

  constructor(db: Db) {
    this.db = db;
    this.insertScore =
      db.prepare(`INSERT INTO scores (created_at, endpoint, metric, route_metric, value, network, layer, dataset, subject,
      region, time, result_json, row_json, parameters_json, input_hashes_json, concord_version, api_key_id, shared,
      source_id, source_row)
      VALUES (@createdAt, @endpoint, @metric, @routeMetric, @value, @network, @layer, @dataset, @subject, @region, @time,
      @result, @row, @parameters, @inputHashes, @version, @apiKeyId, @shared, @sourceId, @sourceRow)`);
    this.insertTag = db.prepare('INSERT OR IGNORE INTO score_tags (score_id, tag) VALUES (?, ?)');
    this.byId = db.prepare('SELECT * FROM scores WHERE id = ?');
    this.tagsOf = db.prepare('SELECT tag FROM score_tags WHERE score_id = ? ORDER BY tag');
    this.deleteById = db.prepare('DELETE FROM scores WHERE id = ?');
    this.metrics = db.prepare('SELECT DISTINCT metric FROM scores');
  }

  insert(s: NewScore): StoredScore {
    const id = this.db.transaction(() => this.insertInTransaction(s)).immediate();
    const stored = this.get(id);
    if (!stored) throw new Error(`score ${id} vanished right after its insert`);
    return stored;
  }

  /** Insert inside a transaction the caller holds (ResultsImporter); returns the id. */
  insertInTransaction(s: NewScore, source?: ScoreSourceRow): number {
    const finite = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const r = this.insertScore.run({
      createdAt: new Date().toISOString(),
      endpoint: s.endpoint,
      metric: s.metric,
      routeMetric: s.routeMetric ?? null,
      value: finite(s.value),
      network: s.network ?? null,
      layer: s.layer ?? null,
      dataset: s.dataset ?? null,
      subject: s.subject ?? null,
      region: s.region ?? null,
      time: finite(s.time),
      result: JSON.stringify(s.result, finiteOrNull),
      row: s.row === undefined ? null : JSON.stringify(s.row, finiteOrNull),
      parameters: JSON.stringify(s.parameters, finiteOrNull),
      inputHashes: JSON.stringify(s.inputHashes),
      version: s.concordVersion,
      apiKeyId: s.apiKeyId ?? null,
      shared: s.shared ? 1 : 0,
      sourceId: source?.sourceId ?? null,
      sourceRow: source?.index ?? null,
    });
    for (const t of new Set(s.tags ?? [])) this.insertTag.run(r.lastInsertRowid, t);
    return Number(r.lastInsertRowid);
  }

  /** One score; with `owner`, only when that key stored it or it is shared (others' scores look absent). */
  get(id: number, owner?: string): StoredScore | undefined {
    const row = this.byId.get(id) as Row | undefined;
    if (!row || !visibleTo(row, owner)) return undefined;
    return this.toScore(row);
  }

  /**
   * Delete one score (its tags go with it); with `owner`, only that key's: 'absent' when the key cannot see it,
   * 'shared' when it can see it but it is a shared score (only an admin deletes those).
   */
  delete(id: number, owner?: string): 'deleted' | 'absent' | 'shared' {
    return this.db
      .transaction(() => {
        const row = this.byId.get(id) as Row | undefined;
        if (!row || !visibleTo(row, owner)) return 'absent' as const;
        if (owner !== undefined && row.api_key_id !== owner) return 'shared' as const;
        return this.deleteById.run(id).changes === 1 ? ('deleted' as const) : ('absent' as const);
      })
      .immediate();
  }

  query(q: ScoreQuery): { items: StoredScore[]; nextCursor: string | null } {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const k of [...SCORE_LABELS, 'endpoint'] as const) {
      const v = q[k];
      if (v !== undefined) {
        where.push(`${k} = ?`);
        params.push(v);
      }
    }
    if (q.metric !== undefined) {
      // The names stored (few; read from the metric index) that the filter selects.
      const filter = q.metric;
      const names = (this.metrics.all() as { metric: string }[])
        .map((r) => r.metric)
        .filter((m) => metricSelects(filter, m));
      if (names.length === 0) return { items: [], nextCursor: null };
      where.push(`metric IN (${names.map(() => '?').join(', ')})`);
      params.push(...names);
    }
    for (const t of new Set(q.tags ?? [])) {
      where.push('EXISTS (SELECT 1 FROM score_tags t WHERE t.score_id = scores.id AND t.tag = ?)');
      params.push(t);
    }
    if (q.owner !== undefined) {
      where.push('(api_key_id = ? OR shared = 1)');
      params.push(q.owner);
    }
    if (q.after !== undefined) {
      where.push('id > ?');
      params.push(q.after);
    }
    const sql = `SELECT * FROM scores ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, q.limit + 1) as Row[];
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map((r) => this.toScore(r));
    return { items, nextCursor: more ? items[items.length - 1].id : null };
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM scores').get() as { n: number }).n;
  }

  private toScore(r: Row): StoredScore {
    const result = JSON.parse(r.result_json) as unknown;
    const row = r.row_json === null ? null : (JSON.parse(r.row_json) as Record<string, unknown>);
    return {
      id: String(r.id),
      createdAt: r.created_at,
      endpoint: r.endpoint,
      metric: r.metric,
      routeMetric: r.route_metric,
      value: r.value,
      labels: { model: r.network, layer: r.layer, dataset: r.dataset, subject: r.subject, roi: r.region },
      record: recordOf(r, result, row),
      row,
      shared: r.shared === 1,
      tags: (this.tagsOf.all(r.id) as { tag: string }[]).map((t) => t.tag),
      result,
      provenance: {
        parameters: JSON.parse(r.parameters_json),
        inputHashes: JSON.parse(r.input_hashes_json),
        concordVersion: r.concord_version,
      },
    };
  }
}

function visibleTo(row: Row, owner: string | undefined): boolean {
  return owner === undefined || row.api_key_id === owner || row.shared === 1;
}

/**
 * The score record of a stored score: its results.json row read as one (imported studies; jobs stored before
 * rows were kept stored the record itself as `result`), else built from the labels and the value (a noise
 * ceiling's bounds are its ceiling fields).
 */
function recordOf(r: Row, result: unknown, row: Record<string, unknown> | null): ScoreRecord {
  if (row !== null) return scoreRecordOf(row as Parameters<typeof scoreRecordOf>[0]);
  if (r.endpoint === 'jobs' && typeof result === 'object' && result !== null)
    return scoreRecordOf(result as Parameters<typeof scoreRecordOf>[0]);
  const bounds = (r.metric.startsWith('noise-ceiling:') ? result : null) as { lower?: unknown; upper?: unknown } | null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    network: r.network,
    layer: r.layer,
    dataset: r.dataset,
    region: r.region,
    time: r.time,
    metric: r.metric,
    value: r.value,
    sem: null,
    ciLower: null,
    ciUpper: null,
    nSubjects: null,
    ceilingLower: num(bounds?.lower),
    ceilingUpper: num(bounds?.upper),
  };
}

function finiteOrNull(_k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  return v;
}
