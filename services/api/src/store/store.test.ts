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

  it('migration 4 renames the scores stored before the vocabulary and keeps their labels under the API names', () => {
    const dir = temp();
    const db = openDatabase(dir, MIGRATIONS.slice(0, 3));
    const insert =
      db.prepare(`INSERT INTO scores (created_at, endpoint, metric, value, model, layer, dataset, subject, roi,
      result_json, parameters_json, input_hashes_json, concord_version, api_key_id)
      VALUES ('2026-01-01T00:00:00Z', ?, ?, 0.5, 'alexnet', 'conv1', 'kiani', 's1', 'IT', ?, ?, '{}', '0.1.0', NULL)`);
    // what each route stored before: its method as the metric, and the request's parameters
    const old: [string, string, Record<string, unknown>, unknown][] = [
      ['/v1/cka', 'cka', { kernel: 'rbf', debiased: true }, {}],
      ['/v1/cka', 'cka', { kernel: 'linear', debiased: false }, {}],
      ['/v1/compare', 'spearman', { method: 'spearman' }, {}],
      ['/v1/rdm', 'crossnobis', { method: 'crossnobis', conditions: ['a', 'b'] }, {}],
      ['/v1/noise-ceiling', 'noise-ceiling:corr', { method: 'corr' }, { lower: 0.25, upper: 0.75 }],
      ['/v1/similarity', 'procrustes', { metric: 'procrustes', options: {} }, {}],
      ['/v1/similarity', 'cka', { metric: 'cka', options: { kernel: 'rbf' } }, {}],
      ['/v1/similarity', 'ridge', { metric: 'ridge', options: {} }, {}],
      // a job's row stored before rows were kept: its score record as the result
      [
        'jobs',
        'rsa:correlation/spearman',
        { jobId: 'j' },
        {
          network: 'alexnet',
          layer: 'conv1',
          dataset: 'kiani',
          region: 'IT',
          metric: 'rsa:correlation/spearman',
          sem: 0.5,
        },
      ],
    ];
    for (const [endpoint, metric, parameters, result] of old)
      insert.run(endpoint, metric, JSON.stringify(result), JSON.stringify(parameters));
    expect(migrate(db)).toBe(MIGRATIONS.length);
    const scores = new ScoreStore(db);
    const items = scores.query({ limit: 100 }).items;
    expect(items.map((s) => [s.metric, s.routeMetric])).toEqual([
      ['cka:rbf:debiased', 'cka'],
      ['cka:linear', 'cka'],
      ['rsa:unspecified/spearman', 'spearman'],
      ['rdm:crossnobis', 'crossnobis'],
      ['noise-ceiling:corr', 'noise-ceiling:corr'],
      ['similarity:procrustes', 'procrustes'],
      ['cka:rbf', 'cka'],
      ['encoding:ridge', 'ridge'],
      ['rsa:correlation/spearman', null],
    ]);
    for (const s of items) {
      expect(s.labels).toEqual({ model: 'alexnet', layer: 'conv1', dataset: 'kiani', subject: 's1', roi: 'IT' });
      expect(s.record).toMatchObject({ network: 'alexnet', layer: 'conv1', dataset: 'kiani', region: 'IT' });
    }
    expect(items[4].record).toMatchObject({ ceilingLower: 0.25, ceilingUpper: 0.75 });
    expect(items[8].record.sem).toBe(0.5);
    // the old names still filter: as aliases into the vocabulary
    const ids = (metric: string) => scores.query({ metric, limit: 100 }).items.map((s) => Number(s.id));
    expect(ids('cka')).toEqual([1, 2, 7]);
    expect(ids('spearman')).toEqual([3, 9]);
    expect(ids('crossnobis')).toEqual([4]);
    expect(ids('procrustes')).toEqual([6]);
    expect(ids('cka:linear')).toEqual([2]);
    expect(scores.query({ network: 'alexnet', region: 'IT', limit: 100 }).items).toHaveLength(9);
    db.close();
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
      a.insert({ ...base, network: 'a', tags: ['x', 'x'] });
      b.insert({ ...base, network: 'b' });
    }
    expect(a.count()).toBe(100);
    expect(b.query({ network: 'a', limit: 1000 }).items).toHaveLength(50);
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
