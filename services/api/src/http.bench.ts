/**
 * HTTP load: autocannon in this process against `concord serve` in a child process, on loopback.
 * - POST /v1/compare, two 92-condition RDMs (4,186 pairs each), spearman. Binary bodies (application/x-npy, and
 *   multipart/form-data with .npy parts): target ≥ 2,000 req/s with p99 < 50 ms; RDM vectors inline in the JSON
 *   body: target ≥ 1,000 req/s; by reference to uploaded arrays ({"arrayId"}) for comparison.
 * - POST /v1/rdm with 92 × 1,000 data (euclidean), with /health polled alongside: /health p99 target < 50 ms.
 * Reported, never asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix, Rng } from '@concord/core';
import { encodeNpy } from '@concord/io';
import autocannon from 'autocannon';
import { startChildServer } from './test-server.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

function randomRdm(rng: Rng, n: number, p: number): number[] {
  const x = Matrix.zeros(n, p);
  rng.fillNormal(x.data);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += (x.data[i * p + k] - x.data[j * p + k]) ** 2;
      out.push(s / p);
    }
  }
  return out;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  body: string | Buffer | undefined,
  connections: number,
  method: 'GET' | 'POST' = 'POST',
  contentType = 'application/json',
): Promise<Load> {
  const r = await autocannon({
    url,
    method,
    connections,
    duration: DURATION,
    ...(body ? { body, headers: { 'content-type': contentType } } : {}),
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

function row(name: string, l: Load, target: string): string {
  return `| ${name} | ${l.rps.toFixed(0)} | ${l.p50} | ${l.p99} | ${l.errors + l.non2xx} | ${target} |`;
}

const dataDir = mkdtempSync(join(tmpdir(), 'concord-api-bench-'));
const server = await startChildServer(
  dataDir,
  process.env.BENCH_SERVE_ARGS ? process.env.BENCH_SERVE_ARGS.split(' ') : [],
);
try {
  const rng = new Rng(1);
  const a = randomRdm(rng, 92, 50);
  const b = randomRdm(rng, 92, 50);
  const compareBody = JSON.stringify({ a: [a], b: [b], method: 'spearman' });
  const upload = async (v: number[]) => {
    const res = await fetch(`${server.url}/v1/arrays`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: encodeNpy({ data: Float64Array.from(v), shape: [1, v.length] }),
    });
    return ((await res.json()) as { id: string }).id;
  };
  const upload2d = async (m: Matrix) => {
    const res = await fetch(`${server.url}/v1/arrays`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: encodeNpy({ data: m.data, shape: [m.rows, m.cols] }),
    });
    return ((await res.json()) as { id: string }).id;
  };
  const refBody = JSON.stringify({
    a: { arrayId: await upload(a) },
    b: { arrayId: await upload(b) },
    method: 'spearman',
  });
  const x = Matrix.zeros(92, 1000);
  rng.fillNormal(x.data);
  const rows: number[][] = [];
  for (let i = 0; i < 92; i++) rows.push(Array.from(x.data.subarray(i * 1000, (i + 1) * 1000)));
  const rdmBody = JSON.stringify({
    data: rows,
    conditions: Array.from({ length: 92 }, (_, i) => i),
    method: 'euclidean',
  });

  // Binary bodies: the two RDM vectors as .npy files back to back, or as two .npy form parts.
  const npyOf = (v: number[]) => Buffer.from(encodeNpy({ data: Float64Array.from(v), shape: [1, v.length] }));
  const npyBody = Buffer.concat([npyOf(a), npyOf(b)]);
  const form = new FormData();
  form.append('a', new Blob([npyOf(a)], { type: 'application/x-npy' }), 'a.npy');
  form.append('b', new Blob([npyOf(b)], { type: 'application/x-npy' }), 'b.npy');
  form.append('method', 'spearman');
  const formRequest = new Request('http://localhost/', { method: 'POST', body: form });
  const formBody = Buffer.from(await formRequest.arrayBuffer());
  const formType = formRequest.headers.get('content-type') ?? '';
  // Warm up the JIT and the workers.
  await load(`${server.url}/v1/compare`, compareBody, 4).catch(() => undefined);

  const lines = [
    `\n## HTTP service (autocannon, ${DURATION} s per case, loopback, server in a child process; ${process.env.BENCH_SECONDS ? '' : 'set BENCH_SECONDS to change'})`,
    `compare body: ${(compareBody.length / 1024).toFixed(0)} KiB JSON, ${(npyBody.length / 1024).toFixed(0)} KiB .npy; rdm body: ${(rdmBody.length / 1024).toFixed(0)} KiB JSON`,
    '| case | req/s | p50 ms | p99 ms | errors+non-2xx | target |',
    '|---|---|---|---|---|---|',
  ];
  lines.push(
    row(
      'POST /v1/compare 92 cond spearman, application/x-npy (10 conn)',
      await load(`${server.url}/v1/compare?method=spearman`, npyBody, 10, 'POST', 'application/x-npy'),
      '≥ 2000 req/s, p99 < 50',
    ),
  );
  lines.push(
    row(
      'POST /v1/compare 92 cond spearman, multipart .npy parts (10 conn)',
      await load(`${server.url}/v1/compare`, formBody, 10, 'POST', formType),
      '≥ 2000 req/s, p99 < 50',
    ),
  );
  lines.push(
    row(
      'POST /v1/compare 92 cond spearman, inline JSON (10 conn)',
      await load(`${server.url}/v1/compare`, compareBody, 10),
      '≥ 1000 req/s',
    ),
  );
  lines.push(
    row(
      'POST /v1/compare 92 cond spearman, {arrayId} (10 conn)',
      await load(`${server.url}/v1/compare`, refBody, 10),
      '≥ 2000 req/s, p99 < 50',
    ),
  );
  // The same request with a nearly free method separates the service's own cost from the library's.
  const cosineBody = compareBody.replace('"spearman"', '"cosine"');
  lines.push(
    row(
      'POST /v1/compare 92 cond cosine, inline JSON (10 conn; service overhead)',
      await load(`${server.url}/v1/compare`, cosineBody, 10),
      'reference',
    ),
  );
  const { compareRdms } = await import('@concord/rsa');
  const va = Matrix.fromVector(a, true);
  const vb = Matrix.fromVector(b, true);
  compareRdms(va, vb, { method: 'spearman' });
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) compareRdms(va, vb, { method: 'spearman' });
  const libMs = (performance.now() - t0) / 200;
  const [rdm, health] = await Promise.all([
    load(`${server.url}/v1/rdm`, rdmBody, 4),
    load(`${server.url}/health`, undefined, 1, 'GET'),
  ]);
  lines.push(row('POST /v1/rdm 92 × 1000 euclidean (4 conn)', rdm, 'report'));
  lines.push(row('GET /health during the /v1/rdm load (1 conn)', health, 'p99 < 50'));
  // The same RDM from an upload: no JSON to parse on the event loop.
  const dataId = await upload2d(x);
  const rdmRefBody = JSON.stringify({
    data: { arrayId: dataId },
    conditions: Array.from({ length: 92 }, (_, i) => i),
    method: 'euclidean',
  });
  const [rdmRef, healthRef] = await Promise.all([
    load(`${server.url}/v1/rdm`, rdmRefBody, 4),
    load(`${server.url}/health`, undefined, 1, 'GET'),
  ]);
  lines.push(row('POST /v1/rdm 92 × 1000 euclidean, {arrayId} (4 conn)', rdmRef, 'report'));
  lines.push(row('GET /health during the {arrayId} /v1/rdm load (1 conn)', healthRef, 'p99 < 50'));
  lines.push(
    `\nlibrary alone: compareRdms(92-cond, spearman) ${libMs.toFixed(3)} ms/call in this process (an upper bound of ${(1000 / libMs).toFixed(0)} req/s per core); load average at the end: ${(
      await import('node:os')
    )
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
