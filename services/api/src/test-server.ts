/**
 * Start the real `concord serve` in a child process on 127.0.0.1 with a free port (for the end-to-end tests and
 * the benchmarks: load comes from another process than the server's).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
}

/** `concord serve` itself, or (light) child-serve.ts: startServer without the CLI, much faster to start. */
export async function startChildServer(
  dataDir: string,
  extraArgs: string[] = [],
  timeoutMs = 120_000,
  { light = false }: { light?: boolean } = {},
): Promise<ChildServer> {
  const args = light
    ? [join(repoRoot, 'services/api/src/child-serve.ts'), dataDir, ...extraArgs]
    : [
        join(repoRoot, 'packages/cli/src/main.ts'),
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        ...extraArgs,
      ];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const { stderr, stdout } = child;
  stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  stdout.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`concord serve did not start within ${timeoutMs} ms; stderr: ${err}`)),
      timeoutMs,
    );
    const onData = () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        stderr.off('data', onData);
        resolveUrl(m[1]);
      }
    };
    stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`concord serve exited with ${code} before listening; stderr: ${err}`));
    });
  });
  return {
    url,
    child,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
