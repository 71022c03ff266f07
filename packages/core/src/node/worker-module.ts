/**
 * Worker threads (and worker processes) start from compiled JavaScript in production and from TypeScript under tsx/vitest. A launcher
 * finds out which from its own module URL: beside `dist/launcher.js` sits the compiled `dist/worker.js`, which plain
 * Node runs without any loader; beside `src/launcher.ts` sits `src/worker.ts`, which needs tsx and the
 * `@concord/source` export condition (so the worker's `@concord/*` imports reach the sources too, not a possibly
 * stale or absent dist/; a worker's explicit execArgv does not inherit the parent's command-line conditions).
 */

import { fileURLToPath } from 'node:url';

/** The export condition under which workspace packages resolve to their TypeScript sources (see scripts/build.mjs). */
export const SOURCE_CONDITION = '@concord/source';

export interface WorkerModule {
  /** `<stem>.js` beside a compiled launcher, `<stem>.ts` beside a TypeScript one. */
  url: URL;
  /** True when the launcher runs as compiled JavaScript (then the worker needs no loader). */
  compiled: boolean;
  /** Node flags selecting the sources' export condition; none when compiled. */
  conditionArgv: string[];
  /** The worker's Node flags: conditionArgv plus tsx's loader when the worker is TypeScript; none when compiled. */
  execArgv: string[];
}

/** The worker module `stem` that sits beside the launching module (pass the launcher's `import.meta.url`). */
export function workerModule(launcherUrl: string, stem: string): WorkerModule {
  if (!new URL(launcherUrl).pathname.endsWith('.ts'))
    return { url: new URL(`./${stem}.js`, launcherUrl), compiled: true, conditionArgv: [], execArgv: [] };
  const conditionArgv = [`--conditions=${SOURCE_CONDITION}`];
  return {
    url: new URL(`./${stem}.ts`, launcherUrl),
    compiled: false,
    conditionArgv,
    execArgv: [...conditionArgv, '--import', 'tsx'],
  };
}

/** What `new Worker(code, { eval, execArgv })` needs to start a worker_threads Worker on a worker module. */
export interface WorkerThreadStart {
  /** The compiled module's URL, or (from the sources) the source text of a bootstrap to evaluate. */
  code: URL | string;
  eval: boolean;
  execArgv: string[];
  /** True when the worker runs compiled JavaScript without any loader. */
  compiled: boolean;
}

/**
 * How to start the worker module `stem` beside the launcher in a worker_threads Worker. Compiled: the `.js` file as
 * is, no flags. From the sources: an evaluated bootstrap that registers tsx's loader in the worker thread itself and
 * then imports the `.ts` module (a Worker's `--import` flag is not honoured by every runner, e.g. vitest), with the
 * source condition. Null from the sources when tsx cannot be resolved (a caller then works on its own thread or
 * reports it). `resolveTsx` is for tests.
 */
export function workerThreadStart(
  launcherUrl: string,
  stem: string,
  resolveTsx: () => string = () => import.meta.resolve('tsx/esm/api'),
): WorkerThreadStart | null {
  const worker = workerModule(launcherUrl, stem);
  if (worker.compiled) return { code: worker.url, eval: false, execArgv: [], compiled: true };
  let api: string;
  try {
    api = resolveTsx();
  } catch {
    return null;
  }
  return {
    code: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(worker.url.href)}); })`,
    eval: true,
    // the source condition only: the bootstrap registers the loader itself
    execArgv: worker.conditionArgv,
    compiled: false,
  };
}

/**
 * Node's argv (after the executable) to run the module `stem` beside the launcher in a child process
 * (`spawn(process.execPath, [...workerProcessArgv(import.meta.url, 'x'), ...args])`): the compiled `.js` file alone,
 * or the `.ts` file with the source condition and tsx's loader (a child process honours `--import`; tsx is named by
 * its resolved URL, so the child's working directory does not matter).
 */
export function workerProcessArgv(
  launcherUrl: string,
  stem: string,
  resolveTsx: () => string = () => import.meta.resolve('tsx'),
): string[] {
  const worker = workerModule(launcherUrl, stem);
  if (worker.compiled) return [fileURLToPath(worker.url)];
  let tsx = 'tsx';
  try {
    tsx = resolveTsx();
  } catch {
    // left to Node's resolution from the working directory
  }
  return [...worker.conditionArgv, '--import', tsx, fileURLToPath(worker.url)];
}
