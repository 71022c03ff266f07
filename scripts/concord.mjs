#!/usr/bin/env node
/**
 * `pnpm concord …`: the compiled `concord` bin (packages/cli/dist/main.js, from `pnpm build`) when it is there and
 * no TypeScript source of any workspace package is newer than it; otherwise the sources under tsx with the
 * `@concord/source` export condition (what `pnpm concord:dev` always runs), so a fresh clone and an edited tree both
 * work and a stale build is never run. The check is a walk over the src/ folders' modification times (a few ms).
 * The compiled bin runs in this process (no second Node start); the sources run in a child process, since export
 * conditions and tsx's loader are start-up flags, with signals forwarded (e.g. SIGTERM to `concord jobs worker`) and
 * its exit code or signal passed on.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtAt, compiledIsCurrent } from './build-state.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiledMain = join(root, 'packages/cli/dist/main.js');

if (compiledIsCurrent(root)) {
  await import(pathToFileURL(compiledMain).href);
} else {
  if (builtAt(root) >= 0)
    process.stderr.write('concord: the build is older than the sources; running the sources (pnpm build to update)\n');
  const child = spawn(
    process.execPath,
    [
      '--conditions=@concord/source',
      '--import',
      'tsx',
      join(root, 'packages/cli/src/main.ts'),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', cwd: process.cwd() },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
