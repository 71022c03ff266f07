/**
 * Against the real `concord serve` listening on 127.0.0.1 (a child process started and stopped here): the event
 * loop stays free while workers compute, SIGTERM lets in-flight requests finish, stored scores survive a restart,
 * two processes writing to the same store lose no rows, and API keys made by `concord api-key` take effect live.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, Rng } from '@concord/core';
import { encodeNpy } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from './test-server.ts';

/** A parsed JSON response, navigated freely by the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes; each assertion checks the fields it reads
type JsonBody = Record<string, any>;

const repoRoot = join(import.meta.dirname, '../../..');
const dirs: string[] = [];
const servers: ChildServer[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'concord-api-server-'));
  dirs.push(d);
  return d;
}
async function serve(dataDir: string, args: string[] = []): Promise<ChildServer> {
  const s = await startChildServer(dataDir, args);
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as JsonBody };
}

async function upload(base: string, m: Matrix): Promise<string> {
  const res = await fetch(`${base}/v1/arrays`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: encodeNpy({ data: m.data, shape: [m.rows, m.cols] }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Run the CLI without blocking the event loop: a blocked loop keeps fetch from retiring keep-alive sockets the
 * server has closed meanwhile (keepAliveMs), and the next request would be written into a closed socket.
 */
function cli(args: string[]): Promise<{ status: number | null; json: JsonBody }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'packages/cli/src/main.ts'), ...args, '--json'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (status) => resolve({ status, json: out.trim() ? JSON.parse(out) : {} }));
  });
}

const rng = new Rng(11);
function random(r: number, c: number): Matrix {
  const m = Matrix.zeros(r, c);
  rng.fillNormal(m.data);
  return m;
}
const rdmA = Array.from(random(1, 66).data, Math.abs);
const rdmB = Array.from(random(1, 66).data, Math.abs);

describe('concord serve on loopback', () => {
  it('binds 127.0.0.1 by default, prints the URL, answers /health and /ready', async () => {
    const s = await serve(tempDir());
    expect(s.stderr()).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(await (await fetch(`${s.url}/health`)).json()).toEqual({ status: 'ok' });
    expect(((await (await fetch(`${s.url}/ready`)).json()) as { status: string }).status).toBe('ready');
  });

  it('/health keeps answering while heavy requests occupy every worker; SIGTERM lets them finish', async () => {
    const s = await serve(tempDir(), ['--threads', '2']);
    const x = await upload(s.url, random(800, 200));
    const y = await upload(s.url, random(800, 200));
    const heavyBody = { x: { arrayId: x }, y: { arrayId: y }, kernel: 'rbf' };
    let heavyDone = 0;
    const t0 = performance.now();
    const heavy = Array.from({ length: 3 }, () =>
      postJson(`${s.url}/v1/cka`, heavyBody).then((r) => {
        heavyDone++;
        return r;
      }),
    );
    // Poll /health while the three RBF CKAs (two running, one queued) are in flight.
    const healthLatencies: number[] = [];
    let answeredWhileBusy = 0;
    while (heavyDone === 0) {
      const h0 = performance.now();
      const res = await fetch(`${s.url}/health`);
      expect(res.status).toBe(200);
      await res.json();
      healthLatencies.push(performance.now() - h0);
      if (heavyDone === 0) answeredWhileBusy++;
      await new Promise((r) => setTimeout(r, 20));
    }
    const firstHeavyMs = performance.now() - t0;
    // Terminate while the remaining heavy requests are still running or queued: they must complete.
    const stillRunning = 3 - heavyDone;
    const exitCode = s.stop();
    const results = await Promise.all(heavy);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(results.map((r) => r.body.value)).size).toBe(1);
    expect(await exitCode).toBe(0);
    expect(s.stderr()).toMatch(/closed/);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
    healthLatencies.sort((a, b) => a - b);
    const p99 = healthLatencies[Math.floor(healthLatencies.length * 0.99)] ?? Number.NaN;
    process.stderr.write(
      `[api] /health answered ${answeredWhileBusy} times while the first heavy request took ${firstHeavyMs.toFixed(0)} ms; /health max ${healthLatencies.at(-1)?.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ${stillRunning} request(s) in flight at SIGTERM\n`,
    );
    // The event loop is not blocked by the computations: /health got answers all along the heavy work.
    expect(answeredWhileBusy).toBeGreaterThanOrEqual(3);
    expect(stillRunning).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it('stored scores survive a restart, and two processes writing to one store lose no rows', async () => {
    const dataDir = tempDir();
    const first = await serve(dataDir);
    const second = await serve(dataDir);
    const perServer = 40;
    const send = (base: string, i: number) =>
      postJson(`${base}/v1/compare`, {
        a: rdmA,
        b: rdmB,
        method: 'spearman',
        save: {
          model: 'net',
          layer: `l${i % 4}`,
          roi: 'V1',
          tags: [base.endsWith(first.url.slice(-5)) ? 'first' : 'second'],
        },
      });
    const results = await Promise.all([
      ...Array.from({ length: perServer }, (_, i) => send(first.url, i)),
      ...Array.from({ length: perServer }, (_, i) => send(second.url, i)),
    ]);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const ids = new Set(results.map((r) => r.body.scoreId));
    expect(ids.size).toBe(2 * perServer);
    const value = results[0].body.values[0][0];
    expect(await first.stop()).toBe(0);
    expect(await second.stop()).toBe(0);

    const again = await serve(dataDir);
    const all: { id: string; value: number; labels: { layer: string } }[] = [];
    let cursor: string | null = null;
    do {
      const res = await fetch(`${again.url}/v1/scores?model=net&roi=V1&limit=25${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as { items: typeof all; nextCursor: string | null };
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(all.map((s) => s.id))).toEqual(ids);
    expect(all.every((s) => s.value === value)).toBe(true);
    const l1 = (await (await fetch(`${again.url}/v1/scores?model=net&layer=l1&limit=1000`)).json()) as {
      items: unknown[];
    };
    expect(l1.items).toHaveLength(2 * (perServer / 4));
  }, 300_000);

  it('keys created and revoked with `concord api-key` apply to the running service', async () => {
    const dataDir = tempDir();
    const s = await serve(dataDir);
    const body = { a: rdmA, b: rdmB, method: 'cosine' };
    expect((await postJson(`${s.url}/v1/compare`, body)).status).toBe(200);
    const created = await cli(['api-key', 'create', '--name', 'notebook', '--data-dir', dataDir]);
    expect(created.status).toBe(0);
    expect(created.json.key).toMatch(/^ck_[0-9a-f]{16}_/);
    const denied = await postJson(`${s.url}/v1/compare`, body);
    expect(denied.status).toBe(401);
    expect(denied.body.code).toBe('ERR_API_UNAUTHORIZED');
    const auth = { authorization: `Bearer ${created.json.key}` };
    const saved = await postJson(`${s.url}/v1/compare`, { ...body, save: { model: 'm' } }, auth);
    expect(saved.status).toBe(200);
    // An admin key (--admin) sees the other key's score; the other key is not an admin.
    const root = await cli(['api-key', 'create', '--name', 'root', '--admin', '--data-dir', dataDir]);
    expect(root.json.admin).toBe(true);
    expect(created.json.admin).toBe(false);
    const seen = await fetch(`${s.url}/v1/scores/${saved.body.scoreId}`, {
      headers: { authorization: `Bearer ${root.json.key}` },
    });
    expect(seen.status).toBe(200);
    const listed = await cli(['api-key', 'list', '--data-dir', dataDir]);
    expect(listed.json.keys.map((k: { id: string; admin: boolean }) => [k.id, k.admin])).toEqual([
      [created.json.id, false],
      [root.json.id, true],
    ]);
    expect(JSON.stringify(listed.json)).not.toContain(created.json.key);
    expect((await cli(['api-key', 'revoke', created.json.id, '--data-dir', dataDir])).status).toBe(0);
    const revoked = await postJson(`${s.url}/v1/compare`, body, auth);
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('ERR_API_KEY_REVOKED');
    expect((await cli(['api-key', 'revoke', 'nope', '--data-dir', dataDir])).status).toBe(2);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  }, 300_000);
});
