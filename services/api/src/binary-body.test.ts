/**
 * Binary bodies on every compute route give exactly the JSON route's reply: application/x-npy (.npy files back
 * to back, other fields in the query string) and multipart/form-data (.npy parts; encoded here by undici's own
 * FormData, independent of our parser). Bad binary bodies get the documented 4xx.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, Rng } from '@concord/core';
import { encodeNpy } from '@concord/io';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';

let app: FastifyInstance;
const dir = mkdtempSync(join(tmpdir(), 'concord-api-binary-'));
beforeAll(async () => {
  app = await buildApp({ dataDir: dir, threads: 1, inlineBelow: 200 });
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const rng = new Rng(5);
function rows(n: number, p: number): number[][] {
  const m = Matrix.zeros(n, p);
  rng.fillNormal(m.data);
  return Array.from({ length: n }, (_, i) => Array.from(m.data.subarray(i * p, (i + 1) * p)));
}
const npy = (r: number[][] | number[], dtype?: 'float32' | 'int32'): Buffer => {
  const flat = (r as (number | number[])[]).flat() as number[];
  const shape = Array.isArray(r[0]) ? [r.length, (r[0] as number[]).length] : [r.length];
  const data =
    dtype === 'float32' ? Float32Array.from(flat) : dtype === 'int32' ? Int32Array.from(flat) : Float64Array.from(flat);
  return Buffer.from(encodeNpy({ data, shape }));
};

interface Case {
  url: string;
  arrays: [string, number[][] | number[]][];
  fields: Record<string, unknown>;
}
const data = rows(12, 9);
const cases: Case[] = [
  {
    url: '/v1/rdm',
    arrays: [['data', data]],
    fields: { conditions: Array.from({ length: 12 }, (_, i) => `c${i % 6}`), method: 'correlation', removeMean: false },
  },
  {
    url: '/v1/compare',
    arrays: [
      ['a', rows(2, 15)],
      ['b', rows(3, 15)],
    ],
    fields: { method: 'spearman' },
  },
  {
    url: '/v1/compare',
    arrays: [
      ['a', rows(1, 15)[0]],
      ['b', rows(1, 15)[0]],
      ['sigmaK', [1, 2, 1, 2, 1, 2]],
    ],
    fields: { method: 'cosine_cov' },
  },
  { url: '/v1/noise-ceiling', arrays: [['rdms', rows(4, 10).map((r) => r.map(Math.abs))]], fields: { method: 'corr' } },
  {
    url: '/v1/cka',
    arrays: [
      ['x', rows(10, 4)],
      ['y', rows(10, 3)],
    ],
    fields: { kernel: 'rbf', debiased: true, threshold: 0.8 },
  },
  {
    url: '/v1/similarity',
    arrays: [
      ['x', rows(20, 4)],
      ['y', rows(20, 3)],
    ],
    fields: { metric: 'procrustes', options: { scale: true }, save: { model: 'm', tags: ['binary'] } },
  },
];

const asQuery = (fields: Record<string, unknown>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');

async function multipart(parts: [string, Buffer | string][]): Promise<{ payload: Buffer; type: string }> {
  const form = new FormData();
  for (const [name, value] of parts) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([value], { type: 'application/x-npy' }), `${name}.npy`);
  }
  const req = new Request('http://localhost/', { method: 'POST', body: form });
  return { payload: Buffer.from(await req.arrayBuffer()), type: req.headers.get('content-type') ?? '' };
}

const withoutScoreId = (b: Record<string, unknown>) => {
  const { scoreId, ...rest } = b;
  return { rest, scoreId };
};

describe('binary bodies on every compute route', () => {
  it('application/x-npy and multipart/form-data give the JSON reply exactly', async () => {
    const covered = new Set<string>();
    for (const c of cases) {
      const json = await app.inject({
        method: 'POST',
        url: c.url,
        payload: { ...Object.fromEntries(c.arrays), ...c.fields },
      });
      expect(json.statusCode, `${c.url} JSON: ${json.body}`).toBe(200);
      const npyRes = await app.inject({
        method: 'POST',
        url: `${c.url}?${asQuery(c.fields)}`,
        payload: Buffer.concat(c.arrays.map(([, v]) => npy(v))),
        headers: { 'content-type': 'application/x-npy' },
      });
      expect(npyRes.statusCode, `${c.url} x-npy: ${npyRes.body}`).toBe(200);
      const form = await multipart([
        ...c.arrays.map(([k, v]) => [k, npy(v)] as [string, Buffer]),
        ...Object.entries(c.fields).map(
          ([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as [string, string],
        ),
      ]);
      const formRes = await app.inject({
        method: 'POST',
        url: c.url,
        payload: form.payload,
        headers: { 'content-type': form.type },
      });
      expect(formRes.statusCode, `${c.url} multipart: ${formRes.body}`).toBe(200);
      const j = withoutScoreId(json.json());
      expect(withoutScoreId(npyRes.json()).rest).toEqual(j.rest);
      expect(withoutScoreId(formRes.json()).rest).toEqual(j.rest);
      if (j.scoreId !== undefined) {
        // Provenance is the same whichever body carried the arrays (inline hashes are of the float64 values).
        const stored = await Promise.all(
          [json, npyRes, formRes].map(async (r) =>
            (await app.inject({ url: `/v1/scores/${r.json().scoreId}` })).json(),
          ),
        );
        expect(stored[1].provenance).toEqual(stored[0].provenance);
        expect(stored[2].provenance).toEqual(stored[0].provenance);
      }
      covered.add(c.url);
    }
    // Every POST route that computes from arrays (uploads and study jobs take no arrays).
    const computeRoutes = app.concord.routes.filter(
      (r) => r.method === 'POST' && r.url !== '/v1/arrays' && r.url !== '/v1/jobs',
    );
    expect([...covered].sort()).toEqual(computeRoutes.map((r) => r.url).sort());
  });

  it('float32 and integer arrays are read as float64; NaN in RDM vectors is a missing entry as null is in JSON', async () => {
    const a = rows(1, 10)[0].map((v) => Math.round(v * 100));
    const b = rows(1, 10)[0].map((v) => Math.fround(v));
    const json = await app.inject({ method: 'POST', url: '/v1/compare', payload: { a, b, method: 'corr' } });
    const bin = await app.inject({
      method: 'POST',
      url: '/v1/compare?method=corr',
      payload: Buffer.concat([npy(a, 'int32'), npy(b, 'float32')]),
      headers: { 'content-type': 'application/x-npy' },
    });
    expect(bin.json()).toEqual(json.json());
    const withNull = [...a] as (number | null)[];
    withNull[2] = null;
    const bNull = b.map((v, i) => (i === 2 ? null : v));
    const jsonNull = await app.inject({
      method: 'POST',
      url: '/v1/compare',
      payload: { a: withNull, b: bNull, method: 'corr' },
    });
    const binNaN = await app.inject({
      method: 'POST',
      url: '/v1/compare?method=corr',
      payload: Buffer.concat([
        npy(withNull.map((v) => (v === null ? Number.NaN : v))),
        npy(bNull.map((v) => (v === null ? Number.NaN : v))),
      ]),
      headers: { 'content-type': 'application/x-npy' },
    });
    expect(jsonNull.statusCode).toBe(200);
    expect(binNaN.json()).toEqual(jsonNull.json());
  });

  const bad: [
    string,
    () => Promise<{ statusCode: number; json: () => Record<string, unknown> }>,
    number,
    string,
    string?,
  ][] = [
    [
      'NaN in data',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/cka',
          payload: Buffer.concat([
            npy([
              [1, 2],
              [3, Number.NaN],
              [0, 1],
            ]),
            npy([[1], [2], [3]]),
          ]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_API_VALIDATION',
      'body.x[1][1]',
    ],
    [
      'infinity in an RDM vector',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/compare?method=corr',
          payload: Buffer.concat([npy([1, 2, Number.POSITIVE_INFINITY]), npy([1, 2, 3])]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_API_VALIDATION',
      'body.a[2]',
    ],
    [
      'a 1-D array where rows are needed',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/cka',
          payload: Buffer.concat([npy([1, 2, 3]), npy([[1], [2], [3]])]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      422,
      'ERR_API_SHAPE',
      'body.x',
    ],
    [
      'more arrays than the route takes',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/cka',
          payload: Buffer.concat([npy([[1]]), npy([[1]]), npy([[1]])]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_API_VALIDATION',
      'body',
    ],
    [
      'a missing array',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/compare?method=corr',
          payload: npy([1, 2, 3]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_API_VALIDATION',
      'body.b',
    ],
    [
      'a truncated array',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/compare?method=corr',
          payload: Buffer.concat([npy([1, 2, 3]), npy([1, 2, 3]).subarray(0, 140)]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_IO_NPY_TRUNCATED',
    ],
    [
      'not .npy at all',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/cka',
          payload: 'hello',
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_API_UPLOAD_HEADER',
    ],
    [
      'an unknown query parameter',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/compare?method=corr&evil=1',
          payload: Buffer.concat([npy([1, 2, 3]), npy([1, 3, 2])]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_API_VALIDATION',
      'body.evil',
    ],
    [
      'a number that is not one',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/cka?threshold=abc',
          payload: Buffer.concat([npy([[1], [2], [4]]), npy([[1], [3], [2]])]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_API_VALIDATION',
      'body.threshold',
    ],
    [
      'a query parameter given twice',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/compare?method=corr&method=cosine',
          payload: Buffer.concat([npy([1, 2, 3]), npy([1, 3, 2])]),
          headers: { 'content-type': 'application/x-npy' },
        }),
      400,
      'ERR_API_VALIDATION',
      'query.method',
    ],
    [
      'multipart without a boundary',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/cka',
          payload: 'x',
          headers: { 'content-type': 'multipart/form-data' },
        }),
      400,
      'ERR_API_VALIDATION',
      'content-type',
    ],
    [
      'multipart cut short',
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/cka',
          payload: '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n[[1]]',
          headers: { 'content-type': 'multipart/form-data; boundary=b' },
        }),
      400,
      'ERR_API_VALIDATION',
      'body',
    ],
    [
      'a malformed JSON form field',
      () =>
        multipart([
          ['x', npy([[1], [2], [3]])],
          ['y', npy([[1], [2], [3]])],
          ['options', '{oops'],
          ['metric', 'procrustes'],
        ]).then((f) =>
          app.inject({
            method: 'POST',
            url: '/v1/similarity',
            payload: f.payload,
            headers: { 'content-type': f.type },
          }),
        ),
      400,
      'ERR_API_VALIDATION',
      'body.options',
    ],
  ];
  for (const [name, send, status, code, field] of bad) {
    it(`${name} → ${status}`, async () => {
      const r = await send();
      const body = r.json();
      expect(r.statusCode, JSON.stringify(body)).toBe(status);
      expect(body.code).toBe(code);
      if (field) expect(body.field).toBe(field);
    });
  }

  it('the OpenAPI document lists the three body types with examples, query parameters and operationIds', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { operationId?: string }>>)) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-zA-Z]+$/);
        ids.add(op.operationId as string);
      }
    }
    expect(ids.size).toBeGreaterThanOrEqual(12);
    for (const url of ['/v1/rdm', '/v1/compare', '/v1/noise-ceiling', '/v1/cka', '/v1/similarity']) {
      const op = doc.paths[url].post;
      const content = op.requestBody.content;
      expect(Object.keys(content).sort()).toEqual(['application/json', 'application/x-npy', 'multipart/form-data']);
      expect(content['application/json'].example).toBeTypeOf('object');
      expect(content['application/x-npy'].schema.format).toBe('binary');
      expect(content['application/x-npy'].example).toMatch(/np\.save/);
      expect(content['multipart/form-data'].schema.properties).toBeTypeOf('object');
      expect(op.parameters.some((p: { in: string }) => p.in === 'query')).toBe(true);
    }
  });
});
