/**
 * `concord serve`'s timeout and failed-authentication flags: invalid values are usage errors (exit 2) before the
 * service loads; a real `concord serve` child started with a short headers timeout and an auth-failure limit of 2
 * cuts off a client that never finishes its headers long before the 10 s default, and answers the third bad-key
 * request with 429.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../run.ts';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'concord-serve-flags-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

class Capture {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

async function usage(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const status = await runCli(argv, { stdout: stdout as never, stderr: stderr as never, cwd: repoRoot });
  return { status, stderr: stderr.text };
}

describe('concord serve: timeout and auth-failure flags', () => {
  it('refuses non-positive timeouts, a request timeout below the headers timeout and a limit below 1', async () => {
    for (const [argv, message] of [
      [['serve', '--headers-timeout', '0'], /--headers-timeout: expected a number ≥ 0.001, received '0'/],
      [['serve', '--keep-alive-timeout', 'soon'], /--keep-alive-timeout: expected a number/],
      [
        ['serve', '--request-timeout', '5'],
        /--request-timeout \(5 s\) must be at least --headers-timeout \(10 s, the default\)/,
      ],
      [
        ['serve', '--request-timeout', '2', '--headers-timeout', '3'],
        /--request-timeout \(2 s\) must be at least --headers-timeout \(3 s\)/,
      ],
      [['serve', '--auth-failure-limit', '0'], /--auth-failure-limit: expected an integer ≥ 1, received '0'/],
    ] as const) {
      const r = await usage([...argv, '--data-dir', dir]);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('a real server: a slow-header client is cut off with 408 in ~0.5 s; the third bad key gets 429', async () => {
    const cli = ['--import', 'tsx', 'packages/cli/src/main.ts'];
    const key = spawnSync(
      process.execPath,
      [...cli, 'api-key', 'create', '--name', 'test', '--data-dir', dir, '--json'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(key.status, key.stderr).toBe(0);
    const serve = startServe([
      '--port',
      '0',
      '--threads',
      '0',
      '--data-dir',
      dir,
      '--headers-timeout',
      '0.5',
      '--auth-failure-limit',
      '2',
    ]);
    const proc = serve.proc;
    child = proc;
    const url = await serve.url;
    const port = Number(new URL(url).port);

    // A client that sends a request line and one header, then nothing: cut off by the headers timeout.
    const started = performance.now();
    const slow = await new Promise<{ received: string; ms: number }>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /v1/scores HTTP/1.1\r\nHost: x\r\n'));
      let received = '';
      socket.on('data', (d) => {
        received += d.toString('utf8');
      });
      socket.on('close', () => resolve({ received, ms: performance.now() - started }));
      socket.on('error', () => {});
    });
    expect(slow.received).toMatch(/^HTTP\/1\.1 408/);
    // Node checks every second: 0.5 s + up to one interval, far below the 10 s default the flag replaced.
    expect(slow.ms).toBeLessThan(6_000);

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${url}/v1/scores`, { headers: { authorization: 'Bearer ck_nope_nope' } });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([401, 401, 429]);

    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
  }, 120_000);
});

/** Starts `concord serve` (TypeScript sources) with these arguments; resolves its URL once it listens. */
function startServe(args: string[]): { proc: ChildProcess; url: Promise<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'serve', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = new Promise<string>((resolve, reject) => {
    let err = '';
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`concord serve exited ${code}: ${err}`)));
  });
  return { proc, url };
}

describe('concord serve --store', () => {
  it('is listed by --help with --redis', async () => {
    const stdout = new Capture();
    const status = await runCli(['serve', '--help'], {
      stdout: stdout as never,
      stderr: new Capture() as never,
      cwd: repoRoot,
    });
    expect(status).toBe(0);
    expect(stdout.text).toMatch(/--store DIR/);
    expect(stdout.text).toMatch(/--redis URL/);
  });

  it('a real server runs /v1/jobs with its artifacts in --store DIR, not under --data-dir', async () => {
    const dataDir = join(dir, 'store-data');
    const store = join(dir, 'shared-store');
    const { proc, url: listening } = startServe([
      '--port',
      '0',
      '--threads',
      '0',
      '--data-dir',
      dataDir,
      '--store',
      store,
    ]);
    child = proc;
    const url = await listening;
    const post = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'stored',
        final: 'collect',
        items: [
          { id: 'a', kind: 'pipeline.noop', params: { value: 1 }, deps: [] },
          { id: 'collect', kind: 'pipeline.collect', params: { study: 'stored' }, deps: ['a'] },
        ],
      }),
    });
    expect(post.status).toBe(202);
    const { id } = (await post.json()) as { id: string };
    await expect
      .poll(async () => ((await (await fetch(`${url}/v1/jobs/${id}`)).json()) as { state: string }).state, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe('completed');
    // the items' outputs went to the store given (content-addressed: <2 hex>/<hash>.json)
    const files = readdirSync(store, { recursive: true }).map(String);
    expect(files.some((f) => /^[0-9a-f]{2}[/\\][0-9a-f]+\.json$/.test(f))).toBe(true);
    expect(existsSync(join(dataDir, 'artifacts'))).toBe(false);
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
  }, 120_000);
});
