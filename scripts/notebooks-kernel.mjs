#!/usr/bin/env node
/**
 * The TypeScript kernel for notebooks/: tslab, registered into a project-local Jupyter data dir, so nothing global
 * is touched (CI and developers alike point JUPYTER_PATH at notebooks/.jupyter).
 *
 *   node scripts/notebooks-kernel.mjs install      writes notebooks/.jupyter/kernels/tslab/kernel.json
 *   node scripts/notebooks-kernel.mjs open         install, then `jupyter notebook` (or lab) in notebooks/
 *   node scripts/notebooks-kernel.mjs kernel --config-path FILE    what Jupyter runs (see kernel.json)
 *
 * Why a launcher instead of tslab's own binary: tslab type-checks cells with module resolution "node10", which
 * ignores package.json `exports` maps, so `import { calcRdm } from '@concord/rsa'` would not type-check. The
 * launcher switches tslab's compiler to "bundler" resolution (TypeScript 5.0+, reads exports with the "types"
 * and "default" conditions: the compiled dist/ of `pnpm build`); at run time Node's require() resolves the same
 * exports map to dist/*.js, loaded as ES modules through require(esm) (Node >= 20.19).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const notebooksDir = join(root, 'notebooks');
export const jupyterPath = join(notebooksDir, '.jupyter');
const self = fileURLToPath(import.meta.url);

function requireFromNotebooks() {
  return createRequire(join(notebooksDir, 'package.json'));
}

/** The Python the python3 kernel runs: Debian's (ipykernel is packaged for it), else the first python3 with it. */
export function pythonWithIpykernel() {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import ipykernel, numpy'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return py;
  }
  return null;
}

function writeSpec(name, spec) {
  const dir = join(jupyterPath, 'kernels', name);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `kernel.json.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(spec, null, 2)}\n`);
  renameSync(tmp, join(dir, 'kernel.json'));
  return dir;
}

/**
 * Writes the kernel specs atomically: tslab (TypeScript) and, when a Python with ipykernel exists, python3 pinned to
 * that interpreter (a PATH python3 without ipykernel, e.g. pyenv's, would otherwise be picked). Returns the dirs.
 */
export function installKernel() {
  const dirs = [
    writeSpec('tslab', {
      argv: [process.execPath, self, 'kernel', '--config-path', '{connection_file}'],
      display_name: 'TypeScript (Concord, tslab)',
      language: 'typescript',
    }),
  ];
  const py = pythonWithIpykernel();
  if (py)
    dirs.push(
      writeSpec('python3', {
        argv: [py, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
      }),
    );
  else console.warn('notebooks-kernel: no python3 with ipykernel and numpy; the Python notebook will not run');
  return dirs;
}

/**
 * Packages whose ES module graph has a top-level await (vega-canvas probes for the optional `canvas` package with
 * `await import`), which require(esm) refuses. The launcher imports them first and answers tslab's require() of
 * them with the loaded namespace.
 */
const PRELOAD = ['@concord/plot'];

async function preloadAsyncModules() {
  const req = requireFromNotebooks();
  const loaded = new Map();
  for (const name of PRELOAD) loaded.set(req.resolve(name), await import(pathToFileURL(req.resolve(name)).href));
  const load = Module._load;
  Module._load = function loadPreloaded(request, parent, isMain) {
    if (typeof request === 'string' && PRELOAD.includes(request)) {
      const hit = loaded.get(Module._resolveFilename(request, parent, isMain));
      if (hit) return hit;
    }
    return load.call(this, request, parent, isMain);
  };
}

async function startKernel(argv) {
  await preloadAsyncModules();
  const tslabRequire = createRequire(requireFromNotebooks().resolve('tslab/package.json'));
  // tslab's converter requires this module. Its exports are non-configurable getters, so the patched copy replaces
  // the module's exports in the require cache before tslab loads it.
  const tsPath = tslabRequire.resolve('@tslab/typescript-for-tslab');
  const ts = tslabRequire(tsPath);
  const patched = {};
  for (const key of Object.keys(ts)) {
    if (key !== 'createWatchCompilerHost')
      Object.defineProperty(patched, key, { enumerable: true, get: () => ts[key] });
  }
  Object.defineProperty(patched, 'createWatchCompilerHost', {
    enumerable: true,
    value: (rootFiles, options, ...rest) =>
      ts.createWatchCompilerHost(rootFiles, { ...options, moduleResolution: ts.ModuleResolutionKind.Bundler }, ...rest),
  });
  const cached = tslabRequire.cache[tsPath];
  if (!cached) throw new Error(`notebooks-kernel: ${tsPath} is not in the require cache`);
  cached.exports = patched;
  const i = argv.indexOf('--config-path');
  if (i < 0 || i + 1 >= argv.length) {
    console.error('notebooks-kernel: kernel needs --config-path FILE (Jupyter passes {connection_file})');
    process.exit(2);
  }
  const { startKernel: start } = tslabRequire('./dist/main.js');
  start({ configPath: argv[i + 1], enableFindLocal: false, jsKernel: false, globalVersion: '' });
}

function main(argv) {
  const [command, ...rest] = argv;
  if (command === 'kernel') return void startKernel(rest);
  if (command === 'install' || command === 'open') {
    if (!existsSync(join(root, 'packages', 'core', 'dist', 'index.js'))) {
      console.warn('notebooks-kernel: packages/*/dist is missing; run `pnpm build` before opening the notebooks');
    }
    for (const dir of installKernel()) console.log(`installed a kernel spec in ${dir}`);
    console.log(`use it with: JUPYTER_PATH=${jupyterPath} jupyter ...`);
    if (command === 'open') {
      const env = { ...process.env, JUPYTER_PATH: jupyterPath };
      const r = spawnSync('jupyter', [rest[0] ?? 'notebook', ...rest.slice(1)], {
        cwd: notebooksDir,
        env,
        stdio: 'inherit',
      });
      process.exit(r.status ?? 1);
    }
    return;
  }
  console.error('usage: notebooks-kernel.mjs install | open [notebook|lab] | kernel --config-path FILE');
  process.exit(2);
}

if (process.argv[1] && resolve(process.argv[1]) === self) main(process.argv.slice(2));
