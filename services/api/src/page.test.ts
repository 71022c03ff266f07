/**
 * The web page's server side through `app.inject`: static files (public), the study routes (protected like every
 * /v1 route), both row shapes' charts, and file downloads that never leave the study folder. The studies are real
 * runs (page/test-study.ts): the simulated study reduced, and a tiny learning-rule study; expected chart contents
 * are recomputed here from their rows.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { makeLearningTestStudy, makeTestStudy, TEST_LAYERS } from './page/test-study.ts';
import { ApiKeyStore } from './store/api-keys.ts';

type Row = Record<string, unknown>;
const SECRET = 'not-for-the-page-7f3a';
interface Chart {
  id: string;
  kind: string;
  dataset: string | null;
  metric: string | null;
  spec: { data?: { values?: Row[] }; layer?: { data?: { values?: Row[] } }[] };
}

let app: FastifyInstance;
let studiesDir: string;
let studyDir: string;
let learningDir: string;
const dataDir = mkdtempSync(join(tmpdir(), 'concord-page-data-'));

beforeAll(async () => {
  studiesDir = mkdtempSync(join(tmpdir(), 'concord-page-studies-'));
  studyDir = await makeTestStudy(studiesDir);
  learningDir = await makeLearningTestStudy(studiesDir);
  // A secret beside the studies folder, and a link inside the study pointing at it: neither may be served.
  writeFileSync(join(studiesDir, 'secret.txt'), SECRET);
  symlinkSync(join(studiesDir, 'secret.txt'), join(studyDir, 'escape.txt'));
  mkdirSync(join(studiesDir, 'no-results'));
  app = await buildApp({ dataDir, threads: 0, studies: studiesDir });
}, 120_000);

afterAll(async () => {
  await app?.close();
  for (const d of [dataDir, studiesDir]) if (d) rmSync(d, { recursive: true, force: true });
});

async function getJson(url: string, headers: Record<string, string> = {}) {
  const r = await app.inject({ method: 'GET', url, headers });
  return { status: r.statusCode, body: JSON.parse(r.body), headers: r.headers };
}

describe('the page itself', () => {
  it('serves index.html at / with a content security policy, and its modules and the vega builds', async () => {
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(String(index.headers['content-security-policy'])).toContain("script-src 'self'");
    const scripts = [...index.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(expect.arrayContaining(['/vendor/vega-embed.min.js', '/app/js/main.js']));
    for (const src of [...scripts, '/app/style.css', '/vendor/yaml/index.js']) {
      const r = await app.inject({ method: 'GET', url: src });
      expect(r.statusCode, src).toBe(200);
      expect(r.body.length, src).toBeGreaterThan(100);
    }
    expect((await app.inject({ method: 'GET', url: '/vendor/vega-embed.min.js' })).body).toContain('vegaEmbed');
  });

  it('refuses page paths outside its folder', async () => {
    for (const url of [
      '/app/../app.ts',
      '/app/%2e%2e/study-routes.ts',
      '/app/..%2fplugin.ts',
      '/vendor/package.json',
      '/vendor/yaml/../../package.json',
    ])
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
  });
});

describe('GET /v1/studies', () => {
  it('lists the study folders that hold a results.json (one level deeper as folder.sub)', async () => {
    const { status, body } = await getJson('/v1/studies');
    expect(status).toBe(200);
    const byId = Object.fromEntries(body.studies.map((s: { id: string }) => [s.id, s]));
    expect(Object.keys(byId).sort()).toEqual(['page-test', 'tiny-rules.quick']);
    expect(byId['page-test']).toMatchObject({ name: 'page-test', kind: 'simulated', origin: 'folder', profile: null });
    expect(byId['tiny-rules.quick']).toMatchObject({ name: 'tiny-rules', kind: 'learning-rules', profile: 'quick' });
    const learningRows = JSON.parse(readFileSync(join(learningDir, 'results.json'), 'utf8')).rows;
    expect(byId['tiny-rules.quick'].rowCount).toBe(learningRows.length);
  });

  it("draws the learning-rule study's layer profiles with its bootstrap intervals and exports its networks", async () => {
    const { body: study } = await getJson('/v1/studies/tiny-rules.quick');
    const rows = study.rows as Row[];
    expect(study.pairwise.length).toBeGreaterThan(0);
    const { body } = await getJson('/v1/studies/tiny-rules.quick/charts');
    const charts = body.charts as Chart[];
    const targets = new Set(rows.map((r) => `${r.dataset}|${r.metric}`));
    expect(
      charts
        .filter((c) => c.kind === 'profile')
        .map((c) => c.id)
        .sort(),
    ).toEqual([...targets].map((t) => `profile:${t}`).sort());
    for (const c of charts.filter((k) => k.kind === 'profile')) {
      for (const p of c.spec.data?.values ?? []) {
        const row = rows.find(
          (r) => r.network === p.series && r.layer === p.layer && r.dataset === c.dataset && r.metric === c.metric,
        );
        expect(row, `${c.id} ${p.series} ${p.layer}`).toBeDefined();
        expect(p.value).toBe(row?.value);
        expect(p.lo).toBe(row?.ciLower);
        expect(p.hi).toBe(row?.ciUpper);
      }
    }
    // rdms.json (the mean hIT RDM and each rule's best layer) becomes one heatmap per RDM
    const rdms = JSON.parse(readFileSync(join(learningDir, 'rdms.json'), 'utf8')).rdms as { title: string }[];
    expect(charts.filter((c) => c.kind === 'rdm').map((c) => c.id)).toEqual(rdms.map((_, i) => `rdm:${i}`));
    const onnx = (study.files as { path: string; kind: string }[]).filter((f) => f.kind === 'network');
    expect(onnx.length).toBeGreaterThanOrEqual(2);
    const r = await app.inject({ method: 'GET', url: `/v1/studies/tiny-rules.quick/files/${onnx[0].path}` });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(String(r.headers['content-disposition'])).toMatch(/^attachment/);
    expect(Buffer.compare(r.rawPayload, readFileSync(join(learningDir, onnx[0].path)))).toBe(0);
  });

  it('returns the rows and the files of a study; an unknown id is 404', async () => {
    const { body } = await getJson('/v1/studies/page-test');
    expect(body.rows.length).toBe(body.rowCount);
    expect(new Set(body.rows.map((r: Row) => r.layer))).toEqual(new Set(TEST_LAYERS));
    const paths = body.files.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['results.json', 'results.csv', 'report.html', 'rdms.json']));
    expect(paths.some((p: string) => p.startsWith('figures/') && p.endsWith('.svg'))).toBe(true);
    // the simulated recordings under data/ are not listed
    expect(paths.some((p: string) => p.startsWith('data/'))).toBe(false);
    expect((await getJson('/v1/studies/nope')).status).toBe(404);
    expect([400, 404]).toContain((await getJson('/v1/studies/..')).status);
    expect((await getJson('/v1/studies/a%20b')).status).toBe(400);
  });

  it('makes one layer profile per dataset × region × metric, one time course per time-resolved dataset × metric, one heatmap per RDM', async () => {
    const { body: study } = await getJson('/v1/studies/page-test');
    const { body } = await getJson('/v1/studies/page-test/charts');
    const charts = body.charts as Chart[];
    const rows = study.rows as Row[];
    const summary = rows.filter((r) => r.time === null || String(r.region).endsWith('(peak, cross-validated)'));
    const profileKeys = new Set(summary.map((r) => `${r.dataset}|${r.region}|${r.metric}`));
    const timeKeys = new Set(
      rows.filter((r) => r.time !== null && !summary.includes(r)).map((r) => `${r.dataset}|${r.region}|${r.metric}`),
    );
    expect(charts.filter((c) => c.kind === 'profile')).toHaveLength(profileKeys.size);
    expect(charts.filter((c) => c.kind === 'time-course')).toHaveLength(timeKeys.size);
    expect(charts.filter((c) => c.kind === 'rdm')).toHaveLength(TEST_LAYERS.length);
    // Error bars are value ± standard error, exactly as the rows give them.
    const fmriRsa = charts.find(
      (c) => c.id === `profile:fmri|${summary.find((r) => r.dataset === 'fmri')?.region}|rsa:euclidean/spearman`,
    );
    const points = fmriRsa?.spec.data?.values ?? [];
    expect(points).toHaveLength(TEST_LAYERS.length);
    for (const p of points) {
      const row = summary.find(
        (r) => r.dataset === 'fmri' && r.layer === p.layer && r.metric === 'rsa:euclidean/spearman',
      );
      expect(p.value).toBe(row?.value);
      expect(p.lo).toBeCloseTo((row?.value as number) - ((row?.sem as number) ?? 0), 12);
      expect(p.hi).toBeCloseTo((row?.value as number) + ((row?.sem as number) ?? 0), 12);
    }
    // The ceiling band is the rows' noise ceiling.
    const band = fmriRsa?.spec.layer?.[0]?.data?.values?.[0];
    const withCeiling = summary.filter(
      (r) => r.dataset === 'fmri' && r.metric === 'rsa:euclidean/spearman' && r.ceilingLower !== null,
    );
    if (withCeiling.length > 0)
      expect(band?.lower).toBe(
        withCeiling.reduce((a, b) => ((b.value as number) > (a.value as number) ? b : a)).ceilingLower,
      );
  });
});

describe('GET /v1/studies/:id/files/*', () => {
  it('serves a file with its type, never as active content', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/studies/page-test/files/results.json' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['content-security-policy']).toBe('sandbox');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(r.body).rows.length).toBeGreaterThan(0);
  });

  it('refuses every path that leaves the study folder (dot segments plain or encoded, absolute, backslash, symlink)', async () => {
    const attempts = [
      '../secret.txt',
      '..%2fsecret.txt',
      '%2e%2e/secret.txt',
      '%2e%2e%2fsecret.txt',
      'figures/../../secret.txt',
      'figures/..%2F..%2Fsecret.txt',
      '%2Fetc%2Fpasswd',
      '..%5csecret.txt',
      'escape.txt',
      '.%2e/secret.txt',
      'results.json%00.png',
      'figures',
      '',
    ];
    for (const a of attempts) {
      const r = await app.inject({ method: 'GET', url: `/v1/studies/page-test/files/${a}` });
      expect(r.statusCode, a).toBe(404);
      expect(r.body).not.toContain(SECRET);
    }
  });

  it('needs a key like every /v1 route once keys exist', async () => {
    const keyed = await buildApp({
      dataDir: mkdtempSync(join(tmpdir(), 'concord-page-keyed-')),
      threads: 0,
      studies: studiesDir,
    });
    try {
      const key = new ApiKeyStore(keyed.concord.db).create('page').key;
      for (const url of [
        '/v1/studies',
        '/v1/studies/page-test',
        '/v1/studies/page-test/charts',
        '/v1/studies/page-test/files/results.json',
      ])
        expect((await keyed.inject({ method: 'GET', url })).statusCode, url).toBe(401);
      expect(
        (await keyed.inject({ method: 'GET', url: '/v1/studies', headers: { authorization: `Bearer ${key}` } }))
          .statusCode,
      ).toBe(200);
      // the page itself stays public: it holds no data
      expect((await keyed.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
      expect((await keyed.inject({ method: 'GET', url: '/app/js/main.js' })).statusCode).toBe(200);
    } finally {
      await keyed.close();
    }
  });
});
