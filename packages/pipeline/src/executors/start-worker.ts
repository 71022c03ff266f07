/**
 * Starting a worker process: the ONE place that decides how. Compiled JavaScript (dist/) starts as is; a
 * TypeScript entry (development, tests) starts under tsx's loader. When core's `workerModule` helper lands, this
 * function switches to it and nothing else changes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function startWorkerProcess(entry: URL, args: string[] = [], env?: NodeJS.ProcessEnv): ChildProcess {
  const path = fileURLToPath(entry);
  const execArgv = path.endsWith('.ts')
    ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
    : [];
  return fork(path, args, { execArgv, env: env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** The entry of a sibling module: its .ts source in development, its compiled .js under dist/. */
export function siblingEntry(name: string, base: string = import.meta.url): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}
