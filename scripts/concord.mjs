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
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiledMain = join(root, 'packages/cli/dist/main.js');

/** Modification time of the compiled bin, or -1 when there is none. */
function builtAt() {
  try {
    return statSync(compiledMain).mtimeMs;
  } catch {
    return -1;
  }
}

/** True when some .ts file (tests and benchmarks aside) under `dir` was modified after `since`. */
function newerSource(dir, since) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && newerSource(p, since)) return true;
    } else if (/(?<!\.test|\.bench|\.d)\.(ts|mjs|json)$/.test(e.name) && statSync(p).mtimeMs > since) return true;
  }
  return false;
}

function compiledIsCurrent() {
  const t = builtAt();
  if (t < 0) return false;
  for (const group of ['packages', 'services']) {
    let names;
    try {
      names = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const name of names) {
      const pkg = join(root, group, name);
      if (newerSource(join(pkg, 'src'), t)) return false;
      try {
        if (statSync(join(pkg, 'package.json')).mtimeMs > t) return false;
      } catch {
        // not a package
      }
    }
  }
  return true;
}

if (compiledIsCurrent()) {
  await import(pathToFileURL(compiledMain).href);
} else {
  if (builtAt() >= 0)
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
