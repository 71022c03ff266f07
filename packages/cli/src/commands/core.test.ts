/** `concord info` and `concord bench gemm`, run as the real command (a child process) and through runCli. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableBackends } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run.ts';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

function concord(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CONCORD_BACKEND: '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

class Capture {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

async function runCaptured(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const status = await runCli(argv, { stdout: stdout as never, stderr: stderr as never, cwd: repoRoot });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

describe('concord info', () => {
  it('--json lists every backend and reports the automatic choice', () => {
    const r = concord(['info', '--json']);
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.backends.map((b: { name: string }) => b.name)).toEqual(['native', 'onnx', 'js']);
    const loaded = availableBackends().map((b) => b.name);
    for (const b of info.backends) expect(b.available).toBe(loaded.includes(b.name));
    for (const b of info.backends.filter((x: { available: boolean }) => !x.available)) expect(b.reason).toBeTruthy();
    // The automatic choice for products is the first loaded of native, onnx, js.
    expect(info.backend).toBe(loaded[0]);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.forcedBackend).toBeNull();
    expect(typeof info.version).toBe('string');
  });

  it('CONCORD_BACKEND=js forces js and says so', () => {
    const info = JSON.parse(concord(['info', '--json'], { CONCORD_BACKEND: 'js' }).stdout);
    expect(info.backend).toBe('js');
    expect(info.forcedBackend).toBe('js');
  });

  it('an invalid CONCORD_BACKEND exits 2 with a one-line message naming the variable', () => {
    const r = concord(['info'], { CONCORD_BACKEND: 'gpu' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('CONCORD_BACKEND');
    expect(r.stderr).toContain("'gpu'");
  });
});

describe('concord bench gemm', () => {
  it('--n 50 --p 100 --json prints exactly {backend, n, p, dtype, seconds, gflops}', () => {
    const r = concord(['bench', 'gemm', '--n', '50', '--p', '100', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['backend', 'dtype', 'gflops', 'n', 'p', 'seconds']);
    expect(out).toMatchObject({ n: 50, p: 100, dtype: 'f64' });
    expect(['native', 'onnx', 'js']).toContain(out.backend);
    expect(out.seconds).toBeGreaterThan(0);
    expect(out.gflops).toBeCloseTo((2 * 50 * 50 * 100) / out.seconds / 1e9, 6);
  });

  it('--backend and --dtype f32 are honoured', async () => {
    const r = await runCaptured([
      'bench',
      'gemm',
      '--n',
      '20',
      '--p',
      '30',
      '--dtype',
      'f32',
      '--backend',
      'js',
      '--json',
      '--quiet',
    ]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.backend).toBe('js');
    expect(out.dtype).toBe('f32');
  });

  for (const args of [
    ['--n', '0'],
    ['--n', 'ten'],
    ['--p', '-5'],
    ['--dtype', 'f16'],
    ['--backend', 'gpu'],
    ['--bogus'],
  ]) {
    it(`bad flags ${args.join(' ')} exit 2 with a one-line message and (--json) an error document on stdout`, async () => {
      const r = await runCaptured(['bench', 'gemm', ...args, '--json']);
      expect(r.status).toBe(2);
      expect(JSON.parse(r.stdout).error.code).toMatch(/^ERR_/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('--help describes the flags and exits 0', async () => {
    const r = await runCaptured(['bench', 'gemm', '--help']);
    expect(r.status).toBe(0);
    for (const flag of ['--n', '--p', '--dtype', '--backend']) expect(r.stdout).toContain(flag);
  });
});
