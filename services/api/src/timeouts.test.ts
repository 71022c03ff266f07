/**
 * Slow and idle clients are cut off while normal clients keep being served (a real server on loopback; the
 * timeouts are shortened through buildApp's `timeouts` option so the test takes seconds, not minutes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';

const TIMEOUTS = { headersMs: 600, requestMs: 1_500, keepAliveMs: 400, checkIntervalMs: 100 };
/** Generous bound for "was cut off": the limit, plus check interval, plus a loaded 2-core machine's slack. */
const CUT_WITHIN_MS = 6_000;

let app: FastifyInstance;
let port: number;
const dir = mkdtempSync(join(tmpdir(), 'concord-api-timeouts-'));

beforeAll(async () => {
  app = await buildApp({ dataDir: dir, threads: 0, docs: false, timeouts: TIMEOUTS });
  // A handler that takes longer than requestMs: answering slowly is the service's right, not the client's fault.
  app.get('/test/slow-answer', { config: { public: true } }, async () => {
    await new Promise((r) => setTimeout(r, TIMEOUTS.requestMs + 1_000));
    return { status: 'late but fine' };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  // Load the libraries before the clock matters (the first compute request imports them).
  await app.inject({ method: 'POST', url: '/v1/compare', payload: { a: [[1, 2, 3]], b: [[1, 3, 2]], method: 'corr' } });
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Watched {
  socket: Socket;
  closedAfter: Promise<number>;
  received: () => string;
  stop: () => void;
}

/** Open a socket and feed it `drip()` every `everyMs` until the server closes it. */
function watch(first: string, drip: (() => string) | null, everyMs = 150): Watched {
  const socket = connect(port, '127.0.0.1');
  const t0 = performance.now();
  let got = '';
  socket.on('data', (d: Buffer) => {
    got += d.toString('latin1');
  });
  socket.on('error', () => undefined);
  const timer = drip
    ? setInterval(() => {
        if (!socket.destroyed) socket.write(drip());
      }, everyMs)
    : undefined;
  const closedAfter = new Promise<number>((resolve) =>
    socket.once('close', () => {
      if (timer) clearInterval(timer);
      resolve(performance.now() - t0);
    }),
  );
  if (first) socket.write(first);
  return { socket, closedAfter, received: () => got, stop: () => socket.destroy() };
}

function withinMs<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_r, reject) => setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms)),
  ]);
}

describe('connection timeouts', () => {
  it('slowloris headers, slow bodies and idle sockets are cut off while normal clients are served', async () => {
    let n = 0;
    const slowHeaders = Array.from({ length: 40 }, () =>
      watch('GET /health HTTP/1.1\r\nHost: x\r\n', () => `X-Slow-${n++}: y\r\n`),
    );
    const slowBodies = Array.from({ length: 20 }, () =>
      watch(
        'POST /v1/compare HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":',
        () => '1',
      ),
    );
    const idle = Array.from({ length: 40 }, () => watch('', null));
    const all = [...slowHeaders, ...slowBodies, ...idle];

    // Normal clients meanwhile: every request answered, as long as the slow ones are connected.
    const served: number[] = [];
    const body = JSON.stringify({ a: [[1, 2, 3, 4, 5, 6]], b: [[2, 1, 4, 3, 6, 5]], method: 'spearman' });
    const start = performance.now();
    while (performance.now() - start < TIMEOUTS.requestMs + 500) {
      const [h, c] = await Promise.all([
        fetch(`http://127.0.0.1:${port}/health`),
        fetch(`http://127.0.0.1:${port}/v1/compare`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }),
      ]);
      served.push(h.status, c.status);
      await h.arrayBuffer();
      await c.arrayBuffer();
    }
    expect(served.length).toBeGreaterThan(4);
    expect(served.every((s) => s === 200)).toBe(true);

    try {
      const headerTimes = await Promise.all(
        slowHeaders.map((w, i) => withinMs(w.closedAfter, CUT_WITHIN_MS, `slow-header client ${i}`)),
      );
      const bodyTimes = await Promise.all(
        slowBodies.map((w, i) => withinMs(w.closedAfter, CUT_WITHIN_MS, `slow-body client ${i}`)),
      );
      await Promise.all(idle.map((w, i) => withinMs(w.closedAfter, CUT_WITHIN_MS, `idle client ${i}`)));
      // Each kind was cut by its own limit, not by something earlier.
      expect(Math.min(...headerTimes)).toBeGreaterThanOrEqual(TIMEOUTS.headersMs - 50);
      expect(Math.min(...bodyTimes)).toBeGreaterThanOrEqual(TIMEOUTS.requestMs - 50);
      // A client that was cut off mid-request is told so (408) when it is still listening.
      expect(slowHeaders.some((w) => w.received().startsWith('HTTP/1.1 408'))).toBe(true);
      expect(slowBodies.some((w) => w.received().startsWith('HTTP/1.1 408'))).toBe(true);
    } finally {
      for (const w of all) w.stop();
    }
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  }, 30_000);

  it('an idle keep-alive connection is closed after keepAliveMs; a slow handler is not cut off', async () => {
    const kept = watch('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', null);
    const closedAfter = await withinMs(kept.closedAfter, CUT_WITHIN_MS, 'keep-alive connection');
    expect(kept.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(closedAfter).toBeGreaterThanOrEqual(TIMEOUTS.keepAliveMs - 50);
    const late = await fetch(`http://127.0.0.1:${port}/test/slow-answer`);
    expect(late.status).toBe(200);
    expect(await late.json()).toEqual({ status: 'late but fine' });
  }, 30_000);
});
