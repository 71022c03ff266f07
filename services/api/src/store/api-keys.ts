/**
 * API keys: `ck_<id>_<secret>`. Only a SHA-256 of the secret is stored (the secret is 32 random bytes, so a slow
 * password hash adds nothing); the full key is shown once, at creation. When any key exists, every /v1 route
 * needs `Authorization: Bearer <key>`. A key owns the scores and arrays it stored; an admin key sees and deletes all.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ParameterError } from '@concord/core';
import type { Db } from './database.ts';

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** Requests per minute for this key; null = the service default. */
  rateLimit: number | null;
  createdAt: string;
  revokedAt: string | null;
  /** Sees and deletes every key's scores and arrays. */
  admin: boolean;
}

export interface CreatedApiKey extends ApiKeyInfo {
  /** The full key; shown once, never stored. */
  key: string;
}

export type KeyCheck = { ok: true; key: ApiKeyInfo } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' };

const KEY_PATTERN = /^ck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

interface Row {
  id: string;
  name: string;
  secret_hash: string;
  rate_limit: number | null;
  created_at: string;
  revoked_at: string | null;
  admin: number;
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function info(r: Row): ApiKeyInfo {
  return {
    id: r.id,
    name: r.name,
    rateLimit: r.rate_limit,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    admin: r.admin === 1,
  };
}

export class ApiKeyStore {
  private readonly stmts;
  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO api_keys (id, name, secret_hash, rate_limit, created_at, admin) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      byId: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
      list: db.prepare('SELECT * FROM api_keys ORDER BY rowid'),
      revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      any: db.prepare('SELECT 1 FROM api_keys LIMIT 1'),
    };
  }

  create(name: string, rateLimit: number | null = null, { admin = false }: { admin?: boolean } = {}): CreatedApiKey {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
      throw new ParameterError(
        'ERR_API_VALIDATION',
        'name',
        `expected a non-empty name of at most 200 characters, received ${JSON.stringify(name)}`,
      );
    }
    if (rateLimit !== null && (!Number.isInteger(rateLimit) || rateLimit < 1)) {
      throw new ParameterError(
        'ERR_API_VALIDATION',
        'rateLimit',
        `expected a positive integer (requests per minute), received ${rateLimit}`,
      );
    }
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const createdAt = new Date().toISOString();
    this.stmts.insert.run(id, name, hashSecret(secret).toString('hex'), rateLimit, createdAt, admin ? 1 : 0);
    return { id, name, rateLimit, createdAt, revokedAt: null, admin, key: `ck_${id}_${secret}` };
  }

  list(): ApiKeyInfo[] {
    return (this.stmts.list.all() as Row[]).map(info);
  }

  /** Revoke by id (or by the full key). Returns false when no active key has that id. */
  revoke(idOrKey: string): boolean {
    const id = KEY_PATTERN.exec(idOrKey)?.[1] ?? idOrKey;
    return this.stmts.revoke.run(new Date().toISOString(), id).changes === 1;
  }

  /** True when at least one key was ever created (revoked keys count: revoking the last key must not open the service). */
  anyKeys(): boolean {
    return this.stmts.any.get() !== undefined;
  }

  check(key: string): KeyCheck {
    const m = KEY_PATTERN.exec(key);
    if (!m) return { ok: false, reason: 'malformed' };
    const row = this.stmts.byId.get(m[1]) as Row | undefined;
    if (!row) return { ok: false, reason: 'unknown' };
    const stored = Buffer.from(row.secret_hash, 'hex');
    if (!timingSafeEqual(stored, hashSecret(m[2]))) return { ok: false, reason: 'unknown' };
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
    return { ok: true, key: info(row) };
  }
}
