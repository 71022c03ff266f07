/** Migrations, API keys, the rate limiter and the error-status table, without HTTP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcordRangeError, InternalError, NonFiniteError, ParameterError, ShapeError } from '@concord/core';
import { afterAll, describe, expect, it } from 'vitest';
import { API_ERRORS, ApiError, errorBody, statusFor } from '../errors.ts';
import { RateLimiter } from '../rate-limit.ts';
import { ApiKeyStore } from './api-keys.ts';
import { migrate, openDatabase } from './database.ts';
import { MIGRATIONS } from './migrations.ts';
import { ScoreStore } from './scores.ts';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'concord-api-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('migrations', () => {
  it('apply once, survive reopening, and a failing migration leaves the database unchanged', () => {
    const dir = temp();
    const db = openDatabase(dir);
    const version = () => (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v;
    expect(version()).toBe(MIGRATIONS.length);
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect((db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(
      MIGRATIONS.length,
    );
    const next = [
      ...MIGRATIONS,
      { version: 99, name: 'broken', sql: 'CREATE TABLE extra (x INTEGER); THIS IS NOT SQL;' },
    ];
    expect(() => migrate(db, next)).toThrow();
    expect(version()).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toBeUndefined();
    const next1 = MIGRATIONS.length + 1;
    const good = [...MIGRATIONS, { version: next1, name: 'notes', sql: 'ALTER TABLE scores ADD COLUMN note TEXT' }];
    expect(migrate(db, good)).toBe(next1);
    db.close();
    const reopened = openDatabase(dir, good);
    expect((reopened.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(next1);
    const columns = reopened.prepare('PRAGMA table_info(scores)').all() as { name: string }[];
    expect(columns.map((c) => c.name)).toContain('note');
    reopened.close();
  });

  it('two connections inserting interleaved lose no rows (WAL + busy timeout)', () => {
    const dir = temp();
    const a = new ScoreStore(openDatabase(dir));
    const b = new ScoreStore(openDatabase(dir));
    const base = {
      endpoint: '/v1/compare',
      metric: 'spearman',
      value: 0.5,
      result: {},
      parameters: {},
      inputHashes: {},
      concordVersion: '0',
    };
    for (let i = 0; i < 50; i++) {
      a.insert({ ...base, model: 'a', tags: ['x', 'x'] });
      b.insert({ ...base, model: 'b' });
    }
    expect(a.count()).toBe(100);
    expect(b.query({ model: 'a', limit: 1000 }).items).toHaveLength(50);
    expect(a.query({ tags: ['x'], limit: 1000 }).items.every((s) => s.tags.length === 1)).toBe(true);
  });
});

describe('API keys', () => {
  it('checks format, secret, and revocation; stores no secret', () => {
    const db = openDatabase(temp());
    const keys = new ApiKeyStore(db);
    expect(keys.anyKeys()).toBe(false);
    const k = keys.create('lab');
    expect(keys.anyKeys()).toBe(true);
    expect(keys.check(k.key)).toMatchObject({ ok: true, key: { id: k.id, name: 'lab' } });
    expect(keys.check('nonsense')).toEqual({ ok: false, reason: 'malformed' });
    expect(keys.check(k.key.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toEqual({ ok: false, reason: 'unknown' });
    expect(keys.revoke(k.key)).toBe(true);
    expect(keys.revoke(k.id)).toBe(false);
    expect(keys.check(k.key)).toEqual({ ok: false, reason: 'revoked' });
    // Revoking the last key must not open the service again.
    expect(keys.anyKeys()).toBe(true);
    expect(() => keys.create('')).toThrow(ParameterError);
    expect(() => keys.create('x', 0)).toThrow(ParameterError);
    db.close();
  });
});

describe('rate limiter', () => {
  it('allows the per-minute budget, refuses the next with a wait, refills over time, per key', () => {
    const r = new RateLimiter();
    for (let i = 0; i < 5; i++) expect(r.take('k', 5, 0)).toMatchObject({ ok: true, limit: 5, remaining: 4 - i });
    // 5 per minute: one token every 12 s; the bucket is full again 60 s after it was emptied.
    expect(r.take('k', 5, 0)).toEqual({ ok: false, limit: 5, remaining: 0, reset: 60, retryAfter: 12 });
    expect(r.peek('k', 5, 0).ok).toBe(false);
    expect(r.take('other', 5, 0).ok).toBe(true);
    expect(r.peek('k', 5, 12_000)).toMatchObject({ ok: true, remaining: 1 });
    expect(r.take('k', 5, 12_000).ok).toBe(true);
    expect(r.take('k', 5, 12_000)).toMatchObject({ ok: false, retryAfter: 12 });
    // peek never creates or drains a bucket.
    expect(r.peek('fresh', 5, 0)).toMatchObject({ ok: true, remaining: 5 });
    expect(r.size).toBe(2);
  });
});

describe('error status table', () => {
  it('maps our, library and Fastify codes; bad input is never a 500', () => {
    expect(statusFor(new ApiError(413, API_ERRORS.BODY_TOO_LARGE, 'x'))).toBe(413);
    expect(statusFor(new ShapeError('x'))).toBe(422);
    expect(statusFor(new NonFiniteError('x', 0, Number.NaN))).toBe(422);
    expect(statusFor(new ParameterError('ERR_RSA_UNKNOWN_METHOD', 'method', 'x'))).toBe(400);
    expect(statusFor(new ConcordRangeError('ERR_SOMETHING_NEW', 'x'))).toBe(422);
    expect(statusFor(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' }))).toBe(415);
    expect(statusFor(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }))).toBe(413);
    expect(statusFor(new InternalError('ERR_CORE_BACKEND', 'x'))).toBe(500);
    expect(statusFor(new TypeError('x'))).toBe(500);
    const internal = errorBody(new Error('secret path /etc/x at line 3'));
    expect(internal).toEqual({
      statusCode: 500,
      code: API_ERRORS.INTERNAL,
      message: 'internal error (details are in the service log)',
    });
    expect(errorBody(new ParameterError('ERR_X', 'method', 'bad'))).toEqual({
      statusCode: 400,
      code: 'ERR_X',
      message: 'method: bad',
      field: 'method',
    });
  });
});
