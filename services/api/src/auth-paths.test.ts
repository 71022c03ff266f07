/**
 * Authentication cannot be bypassed by how a path is written. The routes come from the app's own route table
 * (`app.concord.routes`, filled as routes are registered), so every route added later is covered without editing
 * this file; a route parameter whose pattern has no sample value here fails the suite (add one below).
 * Requests are written byte for byte over a raw socket to a real server on loopback: percent-encoding of every
 * character (upper and lower hex), all characters encoded, double slashes, dot segments (plain and encoded),
 * absolute-form request targets, case variants, trailing slashes, query/fragment/semicolon tails, backslashes.
 * Every variant of every protected route must answer 401 without a key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type RouteEntry } from './app.ts';
import { STUDY_ID_PATTERN } from './page/study-catalog.ts';
import { rawRequest, requestText } from './raw-http.ts';
import { ApiKeyStore } from './store/api-keys.ts';

/** A value for each route-parameter pattern in use (the schemas in schemas.ts). */
const PARAM_SAMPLES: Record<string, string> = {
  '^[0-9a-f]{64}$': 'ab'.repeat(32),
  '^[0-9]{1,15}$': '1',
  // a job id (UUID): the /v1/jobs routes
  '^[0-9a-f-]{36}$': '0f0e0d0c-0b0a-4908-8706-050403020100',
  // a study id: GET /v1/studies/:id and the web page's other study routes
  [STUDY_ID_PATTERN]: 'some-study',
};

function concretePath(route: RouteEntry): string {
  return route.url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const pattern = route.params[name]?.pattern;
    const sample = pattern === undefined ? undefined : PARAM_SAMPLES[pattern];
    if (sample === undefined)
      throw new Error(
        `${route.method} ${route.url}: no sample value for parameter ${name} (pattern ${pattern}); add one to PARAM_SAMPLES`,
      );
    return sample;
  });
}

const enc = (c: string, lower = false) => {
  const h = `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  return lower ? h.toLowerCase() : h;
};

/** Request targets that a lenient router could map onto `path`. */
export function pathVariants(path: string, authority: string): string[] {
  const out = new Set<string>();
  const segments = path.split('/').slice(1);
  // Percent-encoding of every single character after the leading '/' (upper and lower hex), and of all of them.
  for (let i = 1; i < path.length; i++) {
    out.add(path.slice(0, i) + enc(path[i]) + path.slice(i + 1));
    out.add(path.slice(0, i) + enc(path[i], true) + path.slice(i + 1));
  }
  out.add(`/${[...path.slice(1)].map((c) => (c === '/' ? c : enc(c))).join('')}`);
  out.add(`/${[...path.slice(1)].map((c) => enc(c)).join('')}`);
  // Double slashes at every separator, and at the end.
  for (let i = 0; i < path.length; i++) if (path[i] === '/') out.add(`${path.slice(0, i)}/${path.slice(i)}`);
  out.add(`${path}//`);
  // Dot segments, plain and encoded.
  for (let k = 0; k <= segments.length; k++) {
    const before = `/${segments.slice(0, k).join('/')}`.replace(/\/$/, '');
    const after = segments.slice(k).join('/');
    for (const dot of ['.', '%2e', '%2E']) out.add(`${before}/${dot}/${after}`);
    for (const up of ['..', '%2e%2e', '%2E%2E', '.%2e']) out.add(`${before}/x/${up}/${after}`);
  }
  out.add(`${path}/.`);
  out.add(`${path}/x/..`);
  out.add(`/v1/..${path}`);
  // Case variants.
  out.add(path.toUpperCase());
  for (let k = 0; k < segments.length; k++) {
    const s = [...segments];
    s[k] = s[k].charAt(0).toUpperCase() + s[k].slice(1);
    out.add(`/${s.join('/')}`);
  }
  // Trailing slash and tails a router might strip.
  for (const tail of ['/', '?', '?x=1', '#x', ';', ';x=1', '%00', '%20', '%2F', '\\']) out.add(path + tail);
  out.add(path.replaceAll('/', '\\').replace(/^\\/, '/'));
  out.add(path.replaceAll('/', '%2F').replace(/^%2F/, '/'));
  // Absolute form (RFC 9112 §3.2.2): a proxy-style request target.
  const plain = [...out].slice(0, 0);
  for (const p of [path, ...plain]) {
    out.add(`http://${authority}${p}`);
    out.add(`HTTP://${authority.toUpperCase()}${p}`);
    out.add(`http://other.example${p}`);
    out.add(`https://${authority}${p}`);
    out.add(`http://user:pw@${authority}${p}`);
  }
  for (const p of [path.toUpperCase(), `/${enc(path[1])}${path.slice(2)}`, `/${path}`])
    out.add(`http://${authority}${p}`);
  out.delete(path);
  return [...out];
}

let app: FastifyInstance;
let port: number;
let key: string;
const dir = mkdtempSync(join(tmpdir(), 'concord-api-auth-'));

beforeAll(async () => {
  // No failed-authentication limit here: this suite sends thousands of keyless requests on purpose.
  app = await buildApp({ dataDir: dir, threads: 0, authFailureLimit: 1e9 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  key = new ApiKeyStore(app.concord.db).create('auth-paths').key;
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

function protectedRoutes(): RouteEntry[] {
  return app.concord.routes.filter((r) => !r.public);
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('authentication is decided on the matched route', () => {
  it('the route table lists every /v1 route as protected and only health, readiness, docs and the page as public', () => {
    const routes = app.concord.routes;
    expect(routes.length).toBeGreaterThan(10);
    const publicUrls = [...new Set(routes.filter((r) => r.public).map((r) => r.url))];
    // The web page's own files hold no data (the /v1 routes it calls are protected).
    const pageUrls = ['/', '/app/*', '/vendor/:file', '/vendor/yaml/*'];
    expect(
      publicUrls.every(
        (u) => u === '/health' || u === '/ready' || u === '/docs' || u.startsWith('/docs/') || pageUrls.includes(u),
      ),
    ).toBe(true);
    expect(publicUrls).toEqual(expect.arrayContaining(pageUrls));
    expect(publicUrls).toEqual(expect.arrayContaining(['/health', '/ready', '/docs/json']));
    const v1 = routes.filter((r) => r.url.startsWith('/v1'));
    expect(v1.length).toBeGreaterThanOrEqual(10);
    expect(v1.every((r) => !r.public)).toBe(true);
    // Each protected route is reachable as written with a key (so the variants below test a live route).
    expect(protectedRoutes().map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'POST /v1/compare',
        'GET /v1/scores',
        'DELETE /v1/scores/:id',
        'HEAD /v1/scores',
        'GET /v1/studies',
        'GET /v1/studies/:id/files/*',
      ]),
    );
  });

  it('every protected route answers 401 without a key and is reached with one', async () => {
    for (const route of protectedRoutes()) {
      const path = concretePath(route);
      const headers: Record<string, string> = route.method === 'POST' ? { 'content-type': 'application/json' } : {};
      const without = await rawRequest(port, requestText(route.method, path, headers));
      expect(without.status, `${route.method} ${path}`).toBe(401);
      const withKey = await rawRequest(
        port,
        requestText(route.method, path, { ...headers, authorization: `Bearer ${key}` }),
      );
      expect([401, 403, 429], `${route.method} ${path} with a key`).not.toContain(withKey.status);
    }
  });

  it('every encoding, slash, dot-segment, case, trailing and absolute-form variant of every protected route gets 401', async () => {
    const authority = `127.0.0.1:${port}`;
    const failures: string[] = [];
    let sent = 0;
    for (const route of protectedRoutes()) {
      const path = concretePath(route);
      const headers: Record<string, string> = route.method === 'POST' ? { 'content-type': 'application/json' } : {};
      await inBatches(pathVariants(path, authority), 16, async (target) => {
        const r = await rawRequest(port, requestText(route.method, target, headers));
        sent++;
        if (r.status !== 401) failures.push(`${route.method} ${target} → ${r.status}`);
      });
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
  }, 120_000);

  it('public routes stay public; an unmatched path needs a key like any protected one', async () => {
    expect((await rawRequest(port, requestText('GET', '/health'))).status).toBe(200);
    expect((await rawRequest(port, requestText('GET', '/docs/json'))).status).toBe(200);
    expect((await rawRequest(port, requestText('GET', '/no/such/route'))).status).toBe(401);
    expect(
      (await rawRequest(port, requestText('GET', '/no/such/route', { authorization: `Bearer ${key}` }))).status,
    ).toBe(404);
  });
});
