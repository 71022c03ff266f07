/**
 * Stored scores: every score computed through the service can be saved with labels (model, layer, dataset,
 * subject, roi, metric, tags) and provenance (input hashes, parameters, Concord version), then filtered and paged.
 * Paging is by id (keyset), so pages stay stable while rows are added.
 */
import type { Db } from './database.ts';

export const SCORE_LABELS = ['model', 'layer', 'dataset', 'subject', 'roi'] as const;
export type ScoreLabel = (typeof SCORE_LABELS)[number];

export interface ScoreLabels {
  model?: string;
  layer?: string;
  dataset?: string;
  subject?: string;
  roi?: string;
  tags?: string[];
}

export interface NewScore extends ScoreLabels {
  endpoint: string;
  /** The metric or method string, e.g. 'spearman', 'cka'. */
  metric: string;
  /** The single number, when the result is one (else null; the full result is in `result`). */
  value: number | null;
  result: unknown;
  parameters: Record<string, unknown>;
  inputHashes: Record<string, string>;
  concordVersion: string;
  apiKeyId?: string | null;
}

export interface StoredScore {
  id: string;
  createdAt: string;
  endpoint: string;
  metric: string;
  value: number | null;
  labels: {
    model: string | null;
    layer: string | null;
    dataset: string | null;
    subject: string | null;
    roi: string | null;
  };
  tags: string[];
  result: unknown;
  provenance: { parameters: Record<string, unknown>; inputHashes: Record<string, string>; concordVersion: string };
}

export interface ScoreQuery {
  model?: string;
  layer?: string;
  dataset?: string;
  subject?: string;
  roi?: string;
  metric?: string;
  endpoint?: string;
  /** Every tag listed must be present. */
  tags?: string[];
  /** Return ids greater than this (the previous page's nextCursor). */
  after?: number;
  limit: number;
  /** Only scores stored with this API key (a non-admin key sees its own scores only). */
  owner?: string;
}

interface Row {
  id: number;
  created_at: string;
  endpoint: string;
  metric: string;
  value: number | null;
  model: string | null;
  layer: string | null;
  dataset: string | null;
  subject: string | null;
  roi: string | null;
  result_json: string;
  parameters_json: string;
  input_hashes_json: string;
  concord_version: string;
  api_key_id: string | null;
}

export class ScoreStore {
  private readonly db: Db;
  private readonly insertScore;
  private readonly insertTag;
  private readonly byId;
  private readonly tagsOf;
  private readonly deleteById;

  constructor(db: Db) {
    this.db = db;
    this.insertScore =
      db.prepare(`INSERT INTO scores (created_at, endpoint, metric, value, model, layer, dataset, subject, roi,
      result_json, parameters_json, input_hashes_json, concord_version, api_key_id)
      VALUES (@createdAt, @endpoint, @metric, @value, @model, @layer, @dataset, @subject, @roi, @result, @parameters, @inputHashes, @version, @apiKeyId)`);
    this.insertTag = db.prepare('INSERT OR IGNORE INTO score_tags (score_id, tag) VALUES (?, ?)');
    this.byId = db.prepare('SELECT * FROM scores WHERE id = ?');
    this.tagsOf = db.prepare('SELECT tag FROM score_tags WHERE score_id = ? ORDER BY tag');
    this.deleteById = db.prepare('DELETE FROM scores WHERE id = ?');
  }

  insert(s: NewScore): StoredScore {
    const createdAt = new Date().toISOString();
    const id = this.db
      .transaction(() => {
        const r = this.insertScore.run({
          createdAt,
          endpoint: s.endpoint,
          metric: s.metric,
          value: s.value !== null && Number.isFinite(s.value) ? s.value : null,
          model: s.model ?? null,
          layer: s.layer ?? null,
          dataset: s.dataset ?? null,
          subject: s.subject ?? null,
          roi: s.roi ?? null,
          result: JSON.stringify(s.result, finiteOrNull),
          parameters: JSON.stringify(s.parameters, finiteOrNull),
          inputHashes: JSON.stringify(s.inputHashes),
          version: s.concordVersion,
          apiKeyId: s.apiKeyId ?? null,
        });
        for (const t of new Set(s.tags ?? [])) this.insertTag.run(r.lastInsertRowid, t);
        return Number(r.lastInsertRowid);
      })
      .immediate();
    const stored = this.get(id);
    if (!stored) throw new Error(`score ${id} vanished right after its insert`);
    return stored;
  }

  /** One score; with `owner`, only when that key stored it (others' scores look absent). */
  get(id: number, owner?: string): StoredScore | undefined {
    const row = this.byId.get(id) as Row | undefined;
    if (!row || (owner !== undefined && row.api_key_id !== owner)) return undefined;
    return this.toScore(row);
  }

  /** Delete one score (its tags go with it); with `owner`, only that key's. True when a row was deleted. */
  delete(id: number, owner?: string): boolean {
    return this.db
      .transaction(() => {
        const row = this.byId.get(id) as Row | undefined;
        if (!row || (owner !== undefined && row.api_key_id !== owner)) return false;
        return this.deleteById.run(id).changes === 1;
      })
      .immediate();
  }

  query(q: ScoreQuery): { items: StoredScore[]; nextCursor: string | null } {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const k of [...SCORE_LABELS, 'metric', 'endpoint'] as const) {
      const v = q[k];
      if (v !== undefined) {
        where.push(`${k} = ?`);
        params.push(v);
      }
    }
    for (const t of new Set(q.tags ?? [])) {
      where.push('EXISTS (SELECT 1 FROM score_tags t WHERE t.score_id = scores.id AND t.tag = ?)');
      params.push(t);
    }
    if (q.owner !== undefined) {
      where.push('api_key_id = ?');
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
    return {
      id: String(r.id),
      createdAt: r.created_at,
      endpoint: r.endpoint,
      metric: r.metric,
      value: r.value,
      labels: { model: r.model, layer: r.layer, dataset: r.dataset, subject: r.subject, roi: r.roi },
      tags: (this.tagsOf.all(r.id) as { tag: string }[]).map((t) => t.tag),
      result: JSON.parse(r.result_json),
      provenance: {
        parameters: JSON.parse(r.parameters_json),
        inputHashes: JSON.parse(r.input_hashes_json),
        concordVersion: r.concord_version,
      },
    };
  }
}

function finiteOrNull(_k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  return v;
}
