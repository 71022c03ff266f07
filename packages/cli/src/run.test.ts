/**
 * The dispatcher's contracts: --json failures print {"error": {"code", "message"}} on stdout and the message on
 * stderr; unknown flags name the closest valid one; `concord --help` / `--version` load no analysis package.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { closestFlag } from './command.ts';
import { runCli } from './run.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

class Capture {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }
}

async function run(argv: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const status = await runCli(argv, { stdout: stdout as never, stderr: stderr as never, cwd: repoRoot });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

describe('--json failures', () => {
  for (const [what, argv, code, message] of [
    ['an unknown option', ['compare', '--json', '--methd', 'cosine'], 'ERR_CLI_USAGE', /unknown option '--methd'/],
    ['a missing required option', ['cka', '--json'], 'ERR_CLI_USAGE', /missing required option --x/],
    ['an unknown command', ['nope', '--json'], 'ERR_CLI_USAGE', /unknown command 'nope'/],
    [
      'a missing input file',
      ['eeg', 'info', 'no-such-file.edf', '--json'],
      expect.stringMatching(/^ERR_[A-Z]+_[A-Z_]+$/),
      /no-such-file\.edf/,
    ],
  ] as const) {
    it(`${what}: one JSON error document on stdout, the message on stderr, exit 2`, async () => {
      const r = await run([...argv]);
      expect(r.status).toBe(2);
      const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      expect(Object.keys(doc)).toEqual(['error']);
      expect(doc.error.code).toEqual(code);
      expect(doc.error.message).toMatch(message);
      expect(r.stderr).toContain(doc.error.message);
    });
  }
  it('without --json, stdout stays empty', async () => {
    const r = await run(['compare', '--methd', 'cosine']);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('unknown flags', () => {
  it('name the closest valid flag in one line', async () => {
    const r = await run(['compare', '--methd', 'cosine']);
    expect(r.stderr).toBe(
      "concord compare: unknown option '--methd'; did you mean --method? (see concord compare --help)\n",
    );
  });
  it('closestFlag: typos, swaps and nothing close', () => {
    expect(closestFlag('--metohd', ['method', 'json', 'help'])).toBe('method');
    expect(closestFlag('--jsn', ['method', 'json', 'help'])).toBe('json');
    expect(closestFlag('--zzzzzzzz', ['method', 'json', 'help'])).toBeUndefined();
  });
});

describe('start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'concord-startup-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A module hook (in its own thread) that appends every resolved URL to a file.
  const hook = `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      appendFileSync(process.env.CONCORD_TRACE, r.url + '\\n');
      return r;
    }`)}`;
  const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;

  for (const argv of [['--help'], ['--version']]) {
    it(`concord ${argv[0]} loads no analysis package (no rsa, eeg, fmri, io, activations, onnxruntime, TF.js, h5wasm)`, () => {
      const trace = join(dir, `${argv[0].slice(2)}.txt`);
      const r = spawnSync(
        process.execPath,
        ['--import', register, '--import', 'tsx', 'packages/cli/src/main.ts', ...argv],
        { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CONCORD_TRACE: trace } },
      );
      expect(r.status).toBe(0);
      const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
      // the trace works: the entry (and, for --help, the dispatcher) were seen; --version answers from main.ts alone
      const seen = argv[0] === '--version' ? 'packages/cli/src/main.ts' : 'packages/cli/src/run.ts';
      expect(loaded.some((u) => u.includes(seen))).toBe(true);
      const heavy = loaded.filter((u) =>
        /packages\/(rsa|similarity|eeg|fmri|io|activations|plot|learning|stats)\/|services\/api|onnxruntime|@tensorflow|h5wasm|packages\/core\/src\/index/.test(
          u,
        ),
      );
      expect(heavy).toEqual([]);
    }, 60_000);
  }
});
