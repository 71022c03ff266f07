/**
 * A server killed (SIGKILL) in the middle of an upload leaves its temporary file behind; the next start removes
 * it, keeps the temporary files of processes that are still alive, and every completed upload stays readable.
 * Runs startServer in a child process (child-serve.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { encodeNpy } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from './test-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-api-orphans-'));
const servers: ChildServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const arraysDir = join(dir, 'arrays');
const temporaries = () => (existsSync(arraysDir) ? readdirSync(arraysDir).filter((f) => f.endsWith('.tmp')) : []);

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const t0 = performance.now();
  while (!check()) {
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('uploads interrupted by SIGKILL', () => {
  it('leave no orphan after a restart; completed uploads stay readable', async () => {
    const first = await startChildServer(dir, [], 60_000, { light: true });
    servers.push(first);
    const rng = new Rng(3);
    const completed: { id: string; bytes: Uint8Array }[] = [];
    for (let k = 0; k < 3; k++) {
      const data = new Float64Array(1000 * (k + 1));
      rng.fillNormal(data);
      const bytes = encodeNpy({ data, shape: [k + 1, 1000] });
      const res = await fetch(`${first.url}/v1/arrays`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-npy' },
        body: bytes,
      });
      expect(res.status).toBe(200);
      completed.push({ id: ((await res.json()) as { id: string }).id, bytes });
    }
    // An upload that never finishes: the header and part of the data, then the server is killed.
    const big = encodeNpy({ data: new Float64Array(1_000_000), shape: [1000, 1000] });
    const port = Number(new URL(first.url).port);
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      `POST /v1/arrays HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-npy\r\nContent-Length: ${big.length}\r\n\r\n`,
    );
    socket.write(big.subarray(0, 200_000));
    await until(() => temporaries().length === 1, 'the interrupted upload to reach the disk');
    first.child.kill('SIGKILL');
    await first.stop();
    socket.destroy();
    const orphan = temporaries();
    expect(orphan).toHaveLength(1);
    // A temporary file of a live process (this one) is another server's upload in flight: it must be kept.
    const live = `.upload-${process.pid}-0123456789abcdef.tmp`;
    writeFileSync(join(arraysDir, live), 'in flight');

    const second = await startChildServer(dir, [], 60_000, { light: true });
    servers.push(second);
    expect(temporaries()).toEqual([live]);
    for (const { id, bytes } of completed) {
      const res = await fetch(`${second.url}/v1/arrays/${id}`);
      expect(res.status).toBe(200);
      const stored = readFileSync(join(arraysDir, `${id}.npy`));
      expect(Buffer.compare(stored, Buffer.from(bytes))).toBe(0);
      expect(createHash('sha256').update(stored).digest('hex')).toBe(id);
    }
    await second.stop();
    rmSync(join(arraysDir, live));
  }, 90_000);
});
