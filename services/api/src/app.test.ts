/**
 * Every route and error path through `app.inject` (no socket). Hostile-client inputs each get the right 4xx and
 * the service keeps answering. Expected numbers come from the libraries called directly (the service must add
 * nothing) or from math; the rsatoolbox reference values are checked in conformance.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset, Matrix, Rng } from '@concord/core';
import { encodeNpy } from '@concord/io';
import { calcRdm, compareRdms, Rdms } from '@concord/rsa';
import { cka } from '@concord/similarity';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { ApiKeyStore } from './store/api-keys.ts';

/** A parsed JSON response, navigated freely by the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes; each assertion checks the fields it reads
type JsonBody = Record<string, any>;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'concord-api-test-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function randomRows(rng: Rng, n: number, p: number): number[][] {
  const m = Matrix.zeros(n, p);
  rng.fillNormal(m.data);
  return Array.from({ length: n }, (_, i) => Array.from(m.data.subarray(i * p, (i + 1) * p)));
}

function npy(rows: number[][]): Buffer {
  const m = Matrix.from(rows);
  return Buffer.from(encodeNpy({ data: m.data, shape: [m.rows, m.cols] }));
}

const rng = new Rng(7);
const data = randomRows(rng, 8, 20);
const conditions = ['h', 'b', 'c', 'd', 'e', 'f', 'g', 'a'];
const rdmA = randomRows(rng, 2, 28);
const rdmB = randomRows(rng, 3, 28);
const x = randomRows(rng, 12, 5);
const y = randomRows(rng, 12, 7);
const longRow = (n: number): (number | null)[] => randomRows(rng, 1, n)[0];

let app: FastifyInstance;

async function post(url: string, payload: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method: 'POST',
    url,
    payload: payload as string,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.statusCode, body: res.json() as JsonBody, headers: res.headers };
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, body: res.json() as JsonBody };
}

/** Every error body has exactly the documented fields and no stack trace. */
function expectErrorBody(body: JsonBody, status: number, code?: string) {
  expect(body.statusCode).toBe(status);
  expect(typeof body.code).toBe('string');
  expect(typeof body.message).toBe('string');
  if (code) expect(body.code).toBe(code);
  expect(Object.keys(body).every((k) => ['statusCode', 'code', 'message', 'field'].includes(k))).toBe(true);
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at |\.ts:\d+/);
}

beforeAll(async () => {
  // One worker thread and inline work only for tiny tasks: exercises both paths.
  app = await buildApp({
    dataDir: tempDir(),
    threads: 1,
    inlineBelow: 100,
    bodyLimit: 2 * 1024 * 1024,
    uploadLimit: 4 * 1024 * 1024,
  });
});
afterAll(async () => {
  await app?.close();
});

describe('health and docs', () => {
  it('GET /health and /ready answer', async () => {
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.workers).toBe(1);
  });

  it('serves an OpenAPI 3 document generated from the route schemas', async () => {
    const doc = (await get('/docs/json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of [
      '/v1/rdm',
      '/v1/compare',
      '/v1/noise-ceiling',
      '/v1/cka',
      '/v1/similarity',
      '/v1/arrays',
      '/v1/scores',
      '/v1/scores/{id}',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const rdmSchema = doc.paths['/v1/rdm'].post.requestBody.content['application/json'].schema;
    expect(rdmSchema.required).toEqual(expect.arrayContaining(['data', 'conditions', 'method']));
    const ui = await app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('compute routes give the library numbers', () => {
  it('POST /v1/rdm = calcRdm (crossnobis with runs and noise, in a worker)', async () => {
    const runsData = randomRows(rng, 16, 10);
    const conds = Array.from({ length: 16 }, (_, i) => `c${i % 4}`);
    const runs = Array.from({ length: 16 }, (_, i) => Math.floor(i / 4));
    const noise = Matrix.identity(10);
    for (let i = 0; i < 10; i++) noise.data[i * 10 + i] = 1 + i / 10;
    const r = await post('/v1/rdm', {
      data: runsData,
      conditions: conds,
      runs,
      method: 'crossnobis',
      noise: Array.from({ length: 10 }, (_, i) => Array.from(noise.data.subarray(i * 10, i * 10 + 10))),
    });
    expect(r.status).toBe(200);
    const ds = new Dataset(Matrix.from(runsData), { obsDescriptors: { conds, runs } });
    const lib = calcRdm(ds, { method: 'crossnobis', descriptor: 'conds', cvDescriptor: 'runs', noise });
    expect(r.body.method).toBe('crossnobis');
    expect(r.body.conditions).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect(r.body.dissimilarities).toEqual(Array.from(lib.dissimilarities.data));
  });

  it('POST /v1/rdm sorts conditions as rsatoolbox does and keeps the pairs in scipy order', async () => {
    const r = await post('/v1/rdm', { data, conditions, method: 'euclidean' });
    expect(r.status).toBe(200);
    expect(r.body.conditions).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    // Independent: squared euclidean / P between the patterns of 'a' (row 7) and 'b' (row 1).
    const d01 = data[7].reduce((s, v, k) => s + (v - data[1][k]) ** 2, 0) / 20;
    expect(r.body.dissimilarities[0]).toBeCloseTo(d01, 12);
    expect(r.body.dissimilarities).toHaveLength(28);
  });

  it('POST /v1/compare = compareRdms, nA × nB', async () => {
    for (const method of ['spearman', 'cosine', 'corr', 'kendall', 'tau-a', 'rho-a']) {
      const r = await post('/v1/compare', { a: rdmA, b: rdmB, method });
      expect(r.status, method).toBe(200);
      const lib = compareRdms(Rdms.fromVectors(rdmA), Rdms.fromVectors(rdmB), { method });
      expect(r.body.values).toEqual([Array.from(lib.data.subarray(0, 3)), Array.from(lib.data.subarray(3, 6))]);
    }
  });

  it('POST /v1/compare takes one flat RDM vector, null entries as missing, and a sigmaK vector', async () => {
    const a = [...rdmA[0]];
    const b = [...rdmB[0]];
    const flat = await post('/v1/compare', { a, b, method: 'corr' });
    expect(flat.body.values).toHaveLength(1);
    const same = await post('/v1/compare', { a, b: a, method: 'corr' });
    expect(same.body.values[0][0]).toBeCloseTo(1, 12);
    const withNull = await post('/v1/compare', {
      a: a.map((v, i) => (i === 3 ? null : v)),
      b: b.map((v, i) => (i === 3 ? null : v)),
      method: 'corr',
    });
    expect(withNull.status).toBe(200);
    const keep = a.map((_, i) => i).filter((i) => i !== 3);
    const lib = compareRdms(
      Matrix.fromVector(
        a.map((v, i) => (i === 3 ? Number.NaN : v)),
        true,
      ),
      Matrix.fromVector(
        b.map((v, i) => (i === 3 ? Number.NaN : v)),
        true,
      ),
      { method: 'corr' },
    );
    expect(withNull.body.values[0][0]).toBe(lib.data[0]);
    expect(keep).toHaveLength(27);
    const cov = await post('/v1/compare', { a, b, method: 'cosine_cov', sigmaK: [1, 2, 1, 2, 1, 2, 1, 2] });
    expect(cov.status).toBe(200);
    expect(cov.body.values[0][0]).toBe(
      compareRdms(Matrix.fromVector(a, true), Matrix.fromVector(b, true), {
        method: 'cosine_cov',
        sigmaK: [1, 2, 1, 2, 1, 2, 1, 2],
      }).data[0],
    );
  });

  it('POST /v1/cka = cka(), and 1 for identical inputs; POST /v1/similarity dispatches other metrics', async () => {
    const r = await post('/v1/cka', { x, y });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ metric: 'cka', kernel: 'linear', debiased: false });
    expect(r.body.value).toBe(cka(Matrix.from(x), Matrix.from(y)).value);
    const self = await post('/v1/cka', { x, y: x, kernel: 'rbf', debiased: false, threshold: 0.5 });
    expect(self.body.value).toBeCloseTo(1, 12);
    expect(self.body.kernel).toBe('rbf');
    const s = await post('/v1/similarity', { x, y, metric: 'procrustes', options: {} });
    expect(s.status).toBe(200);
    expect(s.body.metric).toBe('procrustes');
    expect(typeof s.body.value).toBe('number');
  });
});

describe('every similarity metric', () => {
  it('answers each metric of SIMILARITY_METRICS with the library value and plain-JSON details', async () => {
    const { SIMILARITY_METRICS, similarity } = await import('@concord/similarity');
    const sx = randomRows(rng, 40, 6);
    const sy = randomRows(rng, 40, 4);
    for (const metric of SIMILARITY_METRICS) {
      const r = await post('/v1/similarity', { x: sx, y: sy, metric });
      expect(r.status, `${metric}: ${JSON.stringify(r.body)}`).toBe(200);
      const lib = similarity(Matrix.from(sx), Matrix.from(sy), { metric: metric as never });
      expect(r.body.metric).toBe(metric);
      expect(r.body.value).toBe(Number.isFinite(lib.value) ? lib.value : null);
      expect(JSON.stringify(r.body.details)).not.toMatch(/"0":/);
    }
  });
});

describe('arrays: .npy uploads stored by hash, usable as {arrayId}', () => {
  it('uploads, describes, and computes from uploads exactly as from JSON', async () => {
    const up = await app.inject({
      method: 'POST',
      url: '/v1/arrays',
      payload: npy(data),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(up.statusCode).toBe(200);
    const info = up.json();
    expect(info).toMatchObject({ shape: [8, 20], dtype: 'float64' });
    expect(info.id).toMatch(/^[0-9a-f]{64}$/);
    expect(info.sha256).toBe(info.id);
    const again = await app.inject({
      method: 'POST',
      url: '/v1/arrays',
      payload: npy(data),
      headers: { 'content-type': 'application/x-npy' },
    });
    expect(again.json().id).toBe(info.id);
    expect((await get(`/v1/arrays/${info.id}`)).body).toEqual(info);
    const fromJson = await post('/v1/rdm', { data, conditions, method: 'correlation' });
    const fromUpload = await post('/v1/rdm', { data: { arrayId: info.id }, conditions, method: 'correlation' });
    expect(fromUpload.status).toBe(200);
    expect(fromUpload.body).toEqual(fromJson.body);
  });

  it('refuses bad uploads with 400/413/415 and leaves nothing behind', async () => {
    const bad = async (payload: Buffer | string, type = 'application/octet-stream') =>
      app.inject({ method: 'POST', url: '/v1/arrays', payload, headers: { 'content-type': type } });
    const notNpy = await bad(Buffer.from('definitely not numpy'));
    expectErrorBody(notNpy.json(), 400, 'ERR_API_UPLOAD_HEADER');
    // A header claiming 4 GiB: refused from the first 12 bytes.
    const huge = Buffer.alloc(64);
    huge.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    huge.writeUInt32LE(0xffff_fff0, 8);
    const hugeRes = await bad(huge);
    expectErrorBody(hugeRes.json(), 400, 'ERR_API_UPLOAD_HEADER');
    expect(hugeRes.json().message).toMatch(/header length \d+ exceeds/);
    const truncated = npy(data).subarray(0, 300);
    expectErrorBody((await bad(truncated)).json(), 400, 'ERR_IO_NPY_TRUNCATED');
    const tooBig = Buffer.concat([npy([[1]]).subarray(0, 0), Buffer.alloc(5 * 1024 * 1024)]);
    expect((await bad(tooBig)).statusCode).toBe(413);
    const json = await bad('{"a":1}', 'application/json');
    expectErrorBody(json.json(), 415, 'ERR_API_UNSUPPORTED_MEDIA_TYPE');
    const threeD = Buffer.from(encodeNpy({ data: new Float64Array(8), shape: [2, 2, 2] }));
    expectErrorBody((await bad(threeD)).json(), 400, 'ERR_API_UPLOAD_HEADER');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(app.concord.arrays.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('ids are validated before they touch a path', async () => {
    expect((await get('/v1/arrays/%2E%2E%2F%2E%2E')).status).toBeGreaterThanOrEqual(400);
    for (const id of ['..%2F..%2Fetc%2Fpasswd', 'ABCDEF', 'x'.repeat(64)]) {
      const r = await get(`/v1/arrays/${id}`);
      expectErrorBody(r.body, 400, 'ERR_API_VALIDATION');
    }
    const missing = await get(`/v1/arrays/${'0'.repeat(64)}`);
    expectErrorBody(missing.body, 404, 'ERR_API_ARRAY_NOT_FOUND');
    const inBody = await post('/v1/rdm', { data: { arrayId: '../../../etc/passwd' }, conditions, method: 'euclidean' });
    expectErrorBody(inBody.body, 400, 'ERR_API_VALIDATION');
    expect(inBody.body.field).toBe('body.data.arrayId');
    const unknown = await post('/v1/rdm', { data: { arrayId: 'f'.repeat(64) }, conditions, method: 'euclidean' });
    expectErrorBody(unknown.body, 422, 'ERR_API_ARRAY_NOT_FOUND');
  });
});

describe('hostile clients get the right 4xx and the service stays up', () => {
  const cases: [string, () => Promise<{ status: number; body: JsonBody }>, number, string | undefined, string?][] = [
    ['malformed JSON', () => post('/v1/compare', '{"a": [[1, 2]', {}), 400, 'ERR_API_MALFORMED_JSON'],
    ['empty JSON body', () => post('/v1/compare', '', {}), 400, 'ERR_API_MALFORMED_JSON'],
    [
      '__proto__ pollution',
      () => post('/v1/compare', '{"__proto__": {"x": 1}, "a": [[1]], "b": [[1]], "method": "corr"}'),
      400,
      'ERR_API_MALFORMED_JSON',
    ],
    [
      'wrong type',
      () => post('/v1/compare', { a: 'lots', b: rdmB, method: 'spearman' }),
      400,
      'ERR_API_VALIDATION',
      'body.a',
    ],
    [
      '"NaN" string',
      () => post('/v1/compare', { a: [[1, 'NaN', 3]], b: [[1, 2, 3]], method: 'corr' }),
      400,
      'ERR_API_VALIDATION',
      'body.a[0][1]',
    ],
    [
      '"Infinity" string',
      () =>
        post('/v1/cka', {
          x: [
            [1, 2],
            ['Infinity', 2],
          ],
          y,
        }),
      400,
      'ERR_API_VALIDATION',
      'body.x[1][0]',
    ],
    [
      'null in data',
      () => post('/v1/rdm', { data: [[1, null]], conditions: ['a'], method: 'euclidean' }),
      400,
      'ERR_API_VALIDATION',
      'body.data[0][1]',
    ],
    [
      'ragged array',
      () =>
        post('/v1/rdm', {
          data: [
            [1, 2, 3],
            [4, 5],
          ],
          conditions: ['a', 'b'],
          method: 'euclidean',
        }),
      422,
      'ERR_API_SHAPE',
      'body.data[1]',
    ],
    // Rows of 16 or more numbers arrive as Float64Arrays from the native JSON scanner: the same refusals there.
    [
      'ragged long rows',
      () => post('/v1/cka', { x: [longRow(40), longRow(39)], y: [longRow(40), longRow(40)] }),
      422,
      'ERR_API_SHAPE',
      'body.x[1]',
    ],
    [
      'number beyond double range in a long row',
      () =>
        post(
          '/v1/cka',
          `{"x": [[${longRow(30).join(',')}], [1e999, ${longRow(29).join(',')}]], "y": [[1, 2], [3, 4]]}`,
        ),
      400,
      'ERR_API_VALIDATION',
      'body.x[1][0]',
    ],
    [
      'null inside a long data row',
      () =>
        post('/v1/rdm', { data: [longRow(30), [...longRow(29), null]], conditions: ['a', 'b'], method: 'euclidean' }),
      400,
      'ERR_API_VALIDATION',
      'body.data[1][29]',
    ],
    [
      'an {arrayId} with another property',
      () => post('/v1/compare', { a: { arrayId: 'f'.repeat(64), path: '/etc/passwd' }, b: rdmB, method: 'corr' }),
      400,
      'ERR_API_VALIDATION',
      'body.a.path',
    ],
    [
      'a long numeric list where strings are expected',
      () => post('/v1/rdm', { data, conditions, method: 'euclidean', save: { tags: longRow(20) } }),
      400,
      'ERR_API_VALIDATION',
      'body.save.tags[0]',
    ],
    ['missing key', () => post('/v1/rdm', { data, method: 'euclidean' }), 400, 'ERR_API_VALIDATION', 'body.conditions'],
    [
      'unknown key',
      () => post('/v1/rdm', { data, conditions, method: 'euclidean', evil: true }),
      400,
      'ERR_API_VALIDATION',
      'body.evil',
    ],
    [
      'unknown rdm method',
      () => post('/v1/rdm', { data, conditions, method: 'manhattan' }),
      400,
      'ERR_RSA_UNKNOWN_METHOD',
      'body.method',
    ],
    [
      'unknown compare method',
      () => post('/v1/compare', { a: rdmA, b: rdmB, method: 'pearsonish' }),
      400,
      undefined,
      'body.method',
    ],
    [
      'unknown similarity metric',
      () => post('/v1/similarity', { x, y, metric: 'magic' }),
      400,
      'ERR_SIMILARITY_UNKNOWN_METRIC',
      'body.metric',
    ],
    ['unknown cka kernel', () => post('/v1/cka', { x, y, kernel: 'poly' }), 400, undefined],
    [
      'conditions/rows mismatch',
      () => post('/v1/rdm', { data, conditions: ['a'], method: 'euclidean' }),
      422,
      'ERR_API_SHAPE',
      'body.conditions',
    ],
    [
      'RDM vector of impossible length',
      () => post('/v1/compare', { a: [[1, 2, 3, 4]], b: [[1, 2, 3, 4]], method: 'corr' }),
      422,
      undefined,
    ],
    ['x/y rows differ', () => post('/v1/cka', { x, y: y.slice(1) }), 422, 'ERR_CORE_SHAPE'],
    ['body is an array', () => post('/v1/cka', [1, 2, 3]), 400, 'ERR_API_VALIDATION'],
    [
      'wrong content type',
      () => post('/v1/cka', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'ERR_API_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'text/plain',
      () => post('/v1/cka', JSON.stringify({ x, y }), { 'content-type': 'text/plain' }),
      415,
      'ERR_API_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['bad score id', () => get('/v1/scores/..%2F..%2Fetc%2Fpasswd'), 400, 'ERR_API_VALIDATION', 'params.id'],
    ['missing score', () => get('/v1/scores/999999'), 404, 'ERR_API_NOT_FOUND'],
    ['bad limit', () => get('/v1/scores?limit=100000'), 400, 'ERR_API_VALIDATION', 'querystring.limit'],
    ['unknown query key', () => get('/v1/scores?drop=table'), 400, 'ERR_API_VALIDATION'],
    ['unknown route', () => get('/v1/nothing-here'), 404, 'ERR_API_NOT_FOUND'],
  ];
  for (const [name, send, status, code, field] of cases) {
    it(`${name} → ${status}`, async () => {
      const r = await send();
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expectErrorBody(r.body, status, code);
      if (field) expect(r.body.field).toBe(field);
      expect((await get('/health')).status).toBe(200);
    });
  }

  it('a 10^7-element array is refused with 413 (body limit) without being parsed', async () => {
    const big = `{"x": [[${'0,'.repeat(1e7 - 1)}0]], "y": [[0]]}`;
    const r = await post('/v1/cka', big);
    expectErrorBody(r.body, 413, 'ERR_API_BODY_TOO_LARGE');
    expect((await get('/health')).status).toBe(200);
  });

  it('an element limit per field gives 413 naming the field', async () => {
    const small = await buildApp({ dataDir: tempDir(), threads: 0, maxElements: 50, docs: false });
    try {
      const r = await small.inject({
        method: 'POST',
        url: '/v1/cka',
        payload: { x: randomRows(rng, 10, 6), y: randomRows(rng, 10, 2) },
      });
      expectErrorBody(r.json(), 413, 'ERR_API_TOO_MANY_ELEMENTS');
      expect(r.json().field).toBe('body.x');
    } finally {
      await small.close();
    }
  });
});

describe('stored scores', () => {
  it('saves with labels and provenance, filters by labels and tags, pages by cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await post('/v1/compare', {
        a: [rdmA[0]],
        b: [rdmB[i % 3]],
        method: 'spearman',
        save: {
          model: 'alexnet',
          layer: `conv${i % 2}`,
          dataset: 'kiani',
          subject: 's1',
          roi: 'IT',
          tags: i === 4 ? ['final', 'x'] : ['x'],
        },
      });
      expect(r.status).toBe(200);
      expect(r.body.scoreId).toMatch(/^\d+$/);
      ids.push(r.body.scoreId);
    }
    const one = (await get(`/v1/scores/${ids[4]}`)).body;
    // the vocabulary's name (the request did not say how the RDMs in `a` were computed); the route's own name kept
    expect(one.metric).toBe('rsa:unspecified/spearman');
    expect(one.routeMetric).toBe('spearman');
    expect(one.endpoint).toBe('/v1/compare');
    expect(one.labels).toEqual({ model: 'alexnet', layer: 'conv0', dataset: 'kiani', subject: 's1', roi: 'IT' });
    expect(one.tags).toEqual(['final', 'x']);
    expect(one.value).toBe(
      compareRdms(Matrix.fromVector(rdmA[0], true), Matrix.fromVector(rdmB[1], true), { method: 'spearman' }).data[0],
    );
    expect(one.provenance.parameters).toEqual({ method: 'spearman' });
    expect(Object.keys(one.provenance.inputHashes).sort()).toEqual(['a', 'b']);
    expect(one.provenance.inputHashes.a).toMatch(/^[0-9a-f]{64}$/);
    expect(one.provenance.concordVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(one.result.values[0][0]).toBe(one.value);
    // the score record's fields at the top level, under the study's names
    expect(one).toMatchObject({ network: 'alexnet', layer: 'conv0', dataset: 'kiani', region: 'IT', time: null });
    expect(one.record).toMatchObject({ network: 'alexnet', region: 'IT', metric: 'rsa:unspecified/spearman' });
    expect(one.record.value).toBe(one.value);

    const conv0 = (await get('/v1/scores?model=alexnet&layer=conv0&roi=IT&metric=spearman')).body;
    expect(conv0.items.map((s: { id: string }) => s.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect((await get('/v1/scores?tag=final&tag=x')).body.items.map((s: { id: string }) => s.id)).toEqual([ids[4]]);
    expect((await get('/v1/scores?model=vgg')).body.items).toEqual([]);
    const page1 = (await get('/v1/scores?model=alexnet&limit=2')).body;
    expect(page1.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2));
    const page2 = (await get(`/v1/scores?model=alexnet&limit=2&cursor=${page1.nextCursor}`)).body;
    expect(page2.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(2, 4));
    const page3 = (await get(`/v1/scores?model=alexnet&limit=2&cursor=${page2.nextCursor}`)).body;
    expect(page3.items.map((s: { id: string }) => s.id)).toEqual(ids.slice(4));
    expect(page3.nextCursor).toBeNull();
  });

  it("every compute route can save, under the metric vocabulary's names", async () => {
    const r = await post('/v1/cka', { x, y, save: { model: 'm', layer: 'l' } });
    const s = (await get(`/v1/scores/${r.body.scoreId}`)).body;
    expect(s.metric).toBe('cka:linear');
    expect(s.routeMetric).toBe('cka');
    expect(s.value).toBe(r.body.value);
    expect(s.provenance.parameters).toEqual({ kernel: 'linear', debiased: false });
    const rd = await post('/v1/rdm', { data, conditions, method: 'euclidean', save: { model: 'm' } });
    const srd = (await get(`/v1/scores/${rd.body.scoreId}`)).body;
    // Stored value of an RDM: its mean dissimilarity (computed here from calcRdm directly).
    const lib = calcRdm(new Dataset(Matrix.from(data), { obsDescriptors: { conditions } }), {
      method: 'euclidean',
      descriptor: 'conditions',
    }).dissimilarities.data;
    expect(srd.value).toBeCloseTo(Array.from(lib).reduce((a, v) => a + v, 0) / lib.length, 14);
    expect(srd.result.dissimilarities).toEqual(rd.body.dissimilarities);
    expect(srd.provenance.parameters.conditions).toEqual(conditions);
    expect([srd.metric, srd.routeMetric]).toEqual(['rdm:euclidean', 'euclidean']);

    // the kernel and debiasing are part of the name; /v1/similarity's cka and ridge get the study's names too
    const names: [string, Record<string, unknown>, string, string][] = [
      ['/v1/cka', { x, y, kernel: 'rbf', debiased: true }, 'cka:rbf:debiased', 'cka'],
      ['/v1/similarity', { x, y, metric: 'cka', options: { kernel: 'rbf' } }, 'cka:rbf', 'cka'],
      ['/v1/similarity', { x, y, metric: 'ridge' }, 'encoding:ridge', 'ridge'],
      ['/v1/similarity', { x, y, metric: 'procrustes' }, 'similarity:procrustes', 'procrustes'],
      [
        '/v1/compare',
        { a: rdmA, b: rdmB, method: 'corr', modelRdmMethod: 'correlation' },
        'rsa:correlation/corr',
        'corr',
      ],
      ['/v1/noise-ceiling', { rdms: rdmB, method: 'spearman' }, 'noise-ceiling:spearman', 'noise-ceiling:spearman'],
    ];
    for (const [url, body, metric, routeMetric] of names) {
      const saved = await post(url, { ...body, save: { tags: ['names'] } });
      expect(saved.status, `${url} ${JSON.stringify(saved.body)}`).toBe(200);
      const stored = (await get(`/v1/scores/${saved.body.scoreId}`)).body;
      expect([stored.metric, stored.routeMetric], url).toEqual([metric, routeMetric]);
    }
    // a noise ceiling's bounds fill the record's ceiling fields
    const nc = await post('/v1/noise-ceiling', { rdms: rdmB, method: 'spearman', save: { tags: ['nc'] } });
    const snc = (await get(`/v1/scores/${nc.body.scoreId}`)).body;
    expect([snc.ceilingLower, snc.ceilingUpper]).toEqual([nc.body.lower, nc.body.upper]);
    // the old names filter as aliases into the vocabulary; full names filter exactly
    const metricsOf = async (q: string) =>
      ((await get(`/v1/scores?tag=names&${q}`)).body.items as { metric: string }[]).map((i) => i.metric);
    expect(await metricsOf('metric=cka')).toEqual(['cka:rbf:debiased', 'cka:rbf']);
    expect(await metricsOf('metric=ridge')).toEqual(['encoding:ridge']);
    expect(await metricsOf('metric=corr')).toEqual(['rsa:correlation/corr']);
    expect(await metricsOf('metric=cka:rbf')).toEqual(['cka:rbf']);
    expect(await metricsOf('metric=rsa:unspecified/corr')).toEqual([]);
  });

  it("saves with the study's label names (network, region, time) as well as model and roi", async () => {
    const r = await post('/v1/compare', {
      a: [rdmA[0]],
      b: [rdmB[0]],
      method: 'spearman',
      modelRdmMethod: 'euclidean',
      save: { network: 'resnet', layer: 'block1', dataset: 'things', region: 'V1', time: 0.12, tags: ['study-names'] },
    });
    expect(r.status).toBe(200);
    const s = (await get(`/v1/scores/${r.body.scoreId}`)).body;
    expect(s.labels).toEqual({ model: 'resnet', layer: 'block1', dataset: 'things', subject: null, roi: 'V1' });
    expect(s).toMatchObject({ network: 'resnet', region: 'V1', time: 0.12, metric: 'rsa:euclidean/spearman' });
    // either name filters
    for (const q of ['network=resnet&region=V1', 'model=resnet&roi=V1'])
      expect((await get(`/v1/scores?${q}`)).body.items.map((i: { id: string }) => i.id)).toEqual([r.body.scoreId]);
    // giving both names of one label with different values is refused before any work
    const before = app.concord.scores.count();
    const clash = await post('/v1/cka', { x, y, save: { model: 'a', network: 'b' } });
    expectErrorBody(clash.body, 400, 'ERR_API_VALIDATION');
    expect(clash.body.field).toBe('body.save.network');
    const same = await post('/v1/cka', { x, y, save: { roi: 'IT', region: 'IT' } });
    expect(same.status).toBe(200);
    expect(app.concord.scores.count()).toBe(before + 1);
    // an RDM method the library does not have is refused, naming the field
    const bad = await post('/v1/compare', { a: [rdmA[0]], b: [rdmB[0]], method: 'spearman', modelRdmMethod: 'magic' });
    expectErrorBody(bad.body, 400, 'ERR_API_VALIDATION');
    expect(bad.body.field).toBe('body.modelRdmMethod');
  });

  it('a stored comparison of nA × nB RDMs has the mean of its values', async () => {
    const r = await post('/v1/compare', { a: rdmA, b: rdmB, method: 'spearman', save: { model: 'summary' } });
    const s = (await get(`/v1/scores/${r.body.scoreId}`)).body;
    const lib = compareRdms(Rdms.fromVectors(rdmA), Rdms.fromVectors(rdmB), { method: 'spearman' }).data;
    expect(lib).toHaveLength(6);
    expect(s.value).toBeCloseTo(Array.from(lib).reduce((a, v) => a + v, 0) / 6, 14);
  });

  it('parallel writers lose no rows', async () => {
    const before = app.concord.scores.count();
    const n = 60;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        post('/v1/compare', {
          a: [rdmA[i % 2]],
          b: [rdmB[i % 3]],
          method: 'cosine',
          save: { model: 'parallel', tags: [`t${i}`] },
        }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.scoreId)).size).toBe(n);
    expect(app.concord.scores.count()).toBe(before + n);
    let seen = 0;
    let cursor: string | null = null;
    do {
      const page: { items: unknown[]; nextCursor: string | null } = (
        await get(`/v1/scores?model=parallel&limit=7${cursor ? `&cursor=${cursor}` : ''}`)
      ).body as never;
      seen += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toBe(n);
  });

  it('invalid labels are refused', async () => {
    const r = await post('/v1/cka', { x, y, save: { model: '', owner: 'me' } });
    expectErrorBody(r.body, 400, 'ERR_API_VALIDATION');
  });
});

describe('API keys and rate limits', () => {
  it('open without keys; once a key exists every /v1 route needs it; revoked keys get 401; limits give 429', async () => {
    const dir = tempDir();
    const keyed = await buildApp({ dataDir: dir, threads: 0, docs: false });
    try {
      const send = (headers: Record<string, string> = {}) =>
        keyed.inject({ method: 'POST', url: '/v1/compare', payload: { a: rdmA, b: rdmB, method: 'cosine' }, headers });
      expect((await send()).statusCode).toBe(200);
      const keys = new ApiKeyStore(keyed.concord.db);
      const k = keys.create('lab', 3);
      const other = keys.create('other');
      const none = await send();
      expectErrorBody(none.json(), 401, 'ERR_API_UNAUTHORIZED');
      expect(none.headers['www-authenticate']).toMatch(/Bearer/);
      expectErrorBody(
        (
          await send({ authorization: 'Bearer ck_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })
        ).json(),
        401,
        'ERR_API_UNAUTHORIZED',
      );
      expectErrorBody(
        (await send({ authorization: `Bearer ${k.key.slice(0, -1)}x` })).json(),
        401,
        'ERR_API_UNAUTHORIZED',
      );
      expectErrorBody((await send({ authorization: 'Basic dXNlcjpwYXNz' })).json(), 401, 'ERR_API_UNAUTHORIZED');
      expect((await keyed.inject({ method: 'GET', url: '/v1/scores' })).statusCode).toBe(401);
      expect((await keyed.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      // 3 per minute for this key.
      for (let i = 0; i < 3; i++) expect((await send({ authorization: `Bearer ${k.key}` })).statusCode).toBe(200);
      const limited = await send({ authorization: `Bearer ${k.key}` });
      expectErrorBody(limited.json(), 429, 'ERR_API_RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Limits are per key.
      expect((await send({ authorization: `Bearer ${other.key}` })).statusCode).toBe(200);
      expect(keys.revoke(other.id)).toBe(true);
      expectErrorBody((await send({ authorization: `Bearer ${other.key}` })).json(), 401, 'ERR_API_KEY_REVOKED');
      expect(keys.list().map((i) => [i.name, i.revokedAt !== null])).toEqual([
        ['lab', false],
        ['other', true],
      ]);
      // The stored form is a hash: the secret appears nowhere in the database.
      const rows = keyed.concord.db.prepare('SELECT * FROM api_keys').all();
      // (the secret is base64url and may itself hold '_': everything after the id is the secret)
      expect(JSON.stringify(rows)).not.toContain(other.key.split('_').slice(2).join('_'));
    } finally {
      await keyed.close();
    }
  });
});

describe('failed authentication is rate-limited per client address', () => {
  it('bad keys from one address get 401 until the budget is spent, then 429 with RateLimit-* and Retry-After', async () => {
    const keyed = await buildApp({ dataDir: tempDir(), threads: 0, docs: false, authFailureLimit: 5 });
    try {
      const good = new ApiKeyStore(keyed.concord.db).create('lab');
      const send = (authorization: string | undefined, remoteAddress = '203.0.113.7') =>
        keyed.inject({
          method: 'GET',
          url: '/v1/scores',
          remoteAddress,
          headers: authorization ? { authorization } : {},
        });
      const bad = 'Bearer ck_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      for (let i = 0; i < 5; i++) {
        const r = await send(i % 2 ? bad : undefined);
        expectErrorBody(r.json(), 401, 'ERR_API_UNAUTHORIZED');
        expect(r.headers['ratelimit-limit']).toBe('5');
        expect(r.headers['ratelimit-remaining']).toBe(String(4 - i));
      }
      const limited = await send(bad);
      expectErrorBody(limited.json(), 429, 'ERR_API_RATE_LIMITED');
      expect(limited.headers['ratelimit-remaining']).toBe('0');
      expect(Number(limited.headers['retry-after'])).toBe(12);
      expect(Number(limited.headers['ratelimit-reset'])).toBeGreaterThan(0);
      // While the address is over its budget, no key is even looked at (no oracle for guessing).
      expectErrorBody((await send(`Bearer ${good.key}`)).json(), 429, 'ERR_API_RATE_LIMITED');
      // Other addresses are not affected; public routes never count.
      expect((await send(`Bearer ${good.key}`, '198.51.100.1')).statusCode).toBe(200);
      expectErrorBody((await send(bad, '198.51.100.2')).json(), 401, 'ERR_API_UNAUTHORIZED');
      expect((await keyed.inject({ method: 'GET', url: '/health', remoteAddress: '203.0.113.7' })).statusCode).toBe(
        200,
      );
    } finally {
      await keyed.close();
    }
  });

  it('answers that went through a per-key budget carry RateLimit-* headers', async () => {
    const keyed = await buildApp({ dataDir: tempDir(), threads: 0, docs: false });
    try {
      const k = new ApiKeyStore(keyed.concord.db).create('lab', 4);
      const first = await keyed.inject({
        method: 'GET',
        url: '/v1/scores',
        headers: { authorization: `Bearer ${k.key}` },
      });
      expect(first.statusCode).toBe(200);
      expect(first.headers['ratelimit-limit']).toBe('4');
      expect(first.headers['ratelimit-remaining']).toBe('3');
      expect(first.headers['ratelimit-policy']).toBe('4;w=60');
      expect(first.headers['retry-after']).toBeUndefined();
    } finally {
      await keyed.close();
    }
  });
});

describe('keys own their data; DELETE for scores and arrays', () => {
  it('a key sees and deletes its own scores; an admin key sees and deletes all', async () => {
    const keyed = await buildApp({ dataDir: tempDir(), threads: 0, docs: false });
    try {
      const keys = new ApiKeyStore(keyed.concord.db);
      const a = keys.create('a');
      const b = keys.create('b');
      const admin = keys.create('root', null, { admin: true });
      const as = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });
      const save = async (k: { key: string }, model: string) =>
        (
          await keyed.inject({
            method: 'POST',
            url: '/v1/compare',
            payload: { a: rdmA, b: rdmB, method: 'cosine', save: { model } },
            headers: as(k),
          })
        ).json().scoreId as string;
      const sa = await save(a, 'shared-name');
      const sb = await save(b, 'shared-name');
      const list = async (k: { key: string }) =>
        (await keyed.inject({ method: 'GET', url: '/v1/scores?model=shared-name', headers: as(k) }))
          .json()
          .items.map((s: { id: string }) => s.id);
      expect(await list(a)).toEqual([sa]);
      expect(await list(b)).toEqual([sb]);
      expect(await list(admin)).toEqual([sa, sb]);
      const getAs = (k: { key: string }, id: string) =>
        keyed.inject({ method: 'GET', url: `/v1/scores/${id}`, headers: as(k) });
      const delAs = (k: { key: string }, id: string) =>
        keyed.inject({ method: 'DELETE', url: `/v1/scores/${id}`, headers: as(k) });
      expectErrorBody((await getAs(b, sa)).json(), 404, 'ERR_API_NOT_FOUND');
      expect((await getAs(admin, sa)).statusCode).toBe(200);
      expectErrorBody((await delAs(b, sa)).json(), 404, 'ERR_API_NOT_FOUND');
      expect((await getAs(a, sa)).statusCode).toBe(200);
      const del = await delAs(a, sa);
      expect(del.statusCode).toBe(204);
      expect(del.body).toBe('');
      expectErrorBody((await getAs(a, sa)).json(), 404, 'ERR_API_NOT_FOUND');
      expectErrorBody((await delAs(a, sa)).json(), 404, 'ERR_API_NOT_FOUND');
      expect((await delAs(admin, sb)).statusCode).toBe(204);
      expect(await list(admin)).toEqual([]);
      expect(keyed.concord.db.prepare('SELECT COUNT(*) AS n FROM score_tags').get()).toEqual({ n: 0 });
      expectErrorBody((await delAs(admin, 'abc')).json(), 400, 'ERR_API_VALIDATION');
    } finally {
      await keyed.close();
    }
  });

  it('a key uses only arrays it uploaded; deleting drops its claim, the bytes go with the last claim', async () => {
    const keyed = await buildApp({ dataDir: tempDir(), threads: 0, docs: false });
    try {
      const { existsSync } = await import('node:fs');
      const keys = new ApiKeyStore(keyed.concord.db);
      const a = keys.create('a');
      const b = keys.create('b');
      const admin = keys.create('root', null, { admin: true });
      const as = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });
      const up = async (k: { key: string }, rows: number[][]) =>
        (
          await keyed.inject({
            method: 'POST',
            url: '/v1/arrays',
            payload: npy(rows),
            headers: { ...as(k), 'content-type': 'application/x-npy' },
          })
        ).json().id as string;
      const info = (k: { key: string }, id: string) =>
        keyed.inject({ method: 'GET', url: `/v1/arrays/${id}`, headers: as(k) });
      const del = (k: { key: string }, id: string) =>
        keyed.inject({ method: 'DELETE', url: `/v1/arrays/${id}`, headers: as(k) });
      const use = (k: { key: string }, id: string) =>
        keyed.inject({
          method: 'POST',
          url: '/v1/rdm',
          payload: { data: { arrayId: id }, conditions, method: 'euclidean' },
          headers: as(k),
        });
      const id = await up(a, data);
      const file = join(keyed.concord.arrays.dir, `${id}.npy`);
      expect((await info(a, id)).statusCode).toBe(200);
      expectErrorBody((await info(b, id)).json(), 404, 'ERR_API_ARRAY_NOT_FOUND');
      expectErrorBody((await use(b, id)).json(), 422, 'ERR_API_ARRAY_NOT_FOUND');
      expectErrorBody((await del(b, id)).json(), 404, 'ERR_API_ARRAY_NOT_FOUND');
      expect((await info(admin, id)).statusCode).toBe(200);
      // b uploads the same bytes: one file, two claims.
      expect(await up(b, data)).toBe(id);
      expect((await use(b, id)).statusCode).toBe(200);
      expect((await del(a, id)).statusCode).toBe(204);
      expectErrorBody((await info(a, id)).json(), 404, 'ERR_API_ARRAY_NOT_FOUND');
      expect(existsSync(file)).toBe(true);
      expect((await use(b, id)).statusCode).toBe(200);
      expect((await del(b, id)).statusCode).toBe(204);
      expect(existsSync(file)).toBe(false);
      expectErrorBody((await info(admin, id)).json(), 404, 'ERR_API_ARRAY_NOT_FOUND');
      // An admin key removes an array whatever its claims.
      const id2 = await up(a, x);
      expect(await up(b, x)).toBe(id2);
      expect((await del(admin, id2)).statusCode).toBe(204);
      expectErrorBody((await info(a, id2)).json(), 404, 'ERR_API_ARRAY_NOT_FOUND');
      expectErrorBody((await info(b, id2)).json(), 404, 'ERR_API_ARRAY_NOT_FOUND');
      expect(await up(b, x)).toBe(id2);
      expect((await info(b, id2)).statusCode).toBe(200);
    } finally {
      await keyed.close();
    }
  });

  it('without keys the service is open: DELETE removes scores and arrays', async () => {
    const r = await post('/v1/cka', { x, y, save: { model: 'to-delete' } });
    expect((await app.inject({ method: 'DELETE', url: `/v1/scores/${r.body.scoreId}` })).statusCode).toBe(204);
    expect((await get(`/v1/scores/${r.body.scoreId}`)).status).toBe(404);
    const up = await app.inject({
      method: 'POST',
      url: '/v1/arrays',
      payload: npy([[1, 2, 3]]),
      headers: { 'content-type': 'application/x-npy' },
    });
    const id = up.json().id;
    expect((await app.inject({ method: 'DELETE', url: `/v1/arrays/${id}` })).statusCode).toBe(204);
    expect((await get(`/v1/arrays/${id}`)).status).toBe(404);
  });
});
