/**
 * Starting a worker process: the ONE place in the pipeline that decides how. Compiled JavaScript (dist/) starts as
 * is; a TypeScript entry (development, tests) starts under tsx's loader with the sources' export condition, so its
 * `@concord/*` imports reach the sources too (core's worker-module decides the flags for every package).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { workerModule, workerProcessArgv } from '@concord/core';

/** Fork `entry` (a URL from siblingEntry) with `args`; the IPC channel is open for the pool's messages. */
export function startWorkerProcess(entry: URL, args: string[] = [], env?: NodeJS.ProcessEnv): ChildProcess {
  const href = entry.href;
  const stem = href.slice(href.lastIndexOf('/') + 1).replace(/\.(ts|js)$/, '');
  const argv = workerProcessArgv(href, stem);
  // workerProcessArgv ends with the module's path; fork takes it apart from the Node flags
  const execArgv = argv.slice(0, -1);
  return fork(fileURLToPath(entry), args, {
    execArgv,
    env: env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The entry of a module beside `base` (a path relative to it, without extension): .ts in the sources, .js in dist/. */
export function siblingEntry(name: string, base: string = import.meta.url): URL {
  return workerModule(base, name).url;
}
