#!/usr/bin/env node
/**
 * `pnpm build` (after the native addon and the type check): compiles every workspace package under packages/* and
 * services/* from `src/` to `dist/` (JavaScript, .d.ts and maps; tests and benchmarks excluded) in one TypeScript
 * program. Cross-package imports resolve to the sibling packages' sources through the `@concord/source` export
 * condition while the emitted files keep the bare `@concord/<pkg>` specifiers, which plain Node resolves to `dist/`
 * through each package's exports map. Relative `.ts` specifiers become `.js` (rewriteRelativeImportExtensions).
 * Files in `src/` that are not TypeScript (plain `.mjs` workers) are copied beside the output, except test fixtures
 * and source-only bootstraps that import tsx (e.g. the api's worker-entry.mjs): nothing in dist/ refers to tsx. Type errors are
 * `pnpm typecheck`'s job (noCheck keeps this step fast); problems that stop the emit still fail the build.
 *
 * The exports-map convention (every entry of every workspace package):
 *   ".": { "@concord/source": "./src/index.ts", "types": "./dist/index.d.ts", "default": "./dist/index.js" }
 * - plain Node (the `concord` bin, worker threads from dist/, consumers of the packages) matches only `types`/`default`
 *   and so runs dist/ — no TypeScript, no runtime transpiler;
 * - tsc (`pnpm typecheck`: customConditions in tsconfig.json) and vitest (resolve.conditions in vitest.config.ts, and
 *   NODE_OPTIONS=--conditions=@concord/source for the processes tests spawn) match `@concord/source` first and work
 *   on the sources whether or not dist/ exists or is stale;
 * - anything else run from the sources needs the flag too: `node --conditions=@concord/source --import tsx x.ts`
 *   (`pnpm concord:dev`); workers started from src/ get it from core's workerModule().
 * A project-specific condition name (not "development" or "source") keeps third-party packages that define those
 * conditions on their normal builds.
 *
 * Usage: node scripts/build.mjs [--quiet] [--out DIR]
 *   --out DIR  build into a separate tree instead of the packages' own dist/: DIR/<packages|services>/<name>/ gets
 *              package.json, dist/, links to the package's other files (e.g. core's native/) and a node_modules/
 *              whose @concord/* entries point into DIR and whose other entries point at the installed packages.
 *              It has no src/, no tsx and no root node_modules, so it runs only what the build emitted (tests use it
 *              to check the compiled paths without disturbing the repository's dist/).
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const outIndex = args.indexOf('--out');
const outRoot = outIndex >= 0 ? resolve(args[outIndex + 1] ?? '') : undefined;
if (outIndex >= 0 && !args[outIndex + 1]) fail('--out needs a directory');
const log = (m) => {
  if (!quiet) console.log(m);
};

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

/** Workspace packages that have a src/ folder and a package.json. */
function workspacePackages() {
  const out = [];
  for (const group of ['packages', 'services']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const pkg = join(dir, name);
      if (existsSync(join(pkg, 'package.json')) && existsSync(join(pkg, 'src'))) out.push(pkg);
    }
  }
  return out;
}

const isTest = (f) => /\.(test|bench)\.ts$/.test(f) || f.endsWith('.d.ts');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const packages = workspacePackages();
/** Where a package's build goes: the package itself, or its place in the --out tree. */
const stagedDir = (pkg) => (outRoot ? join(outRoot, relative(root, pkg)) : pkg);

// A package whose exports map points only at TypeScript cannot be imported from compiled code.
const bad = packages.filter(
  (pkg) =>
    !JSON.stringify(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).exports ?? {}).includes('./dist/'),
);
if (bad.length > 0)
  fail(
    `these packages' exports maps have no dist/ entries, so compiled code cannot import them: ${bad.map((p) => relative(root, p)).join(', ')}; give each entry {"@concord/source": "./src/x.ts", "types": "./dist/x.d.ts", "default": "./dist/x.js"}`,
  );

const rootNames = [];
const assets = [];
/** A plain-JavaScript bootstrap that loads TypeScript through tsx: used from src/ only, never shipped in dist/. */
const isSourceOnly = (f) => /\.[cm]?js$/.test(f) && /from ['"]tsx(\/|['"])/.test(readFileSync(f, 'utf8'));
for (const pkg of packages) {
  for (const f of walk(join(pkg, 'src'))) {
    if (f.endsWith('.ts')) {
      if (!isTest(f)) rootNames.push(f);
    } else if (!isSourceOnly(f) && !/\/fixtures\//.test(f)) assets.push({ pkg, file: f });
  }
}

const configPath = join(root, 'tsconfig.json');
const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, ts.sys.readFile).config, ts.sys, root);
const options = {
  ...parsed.options,
  noEmit: false,
  noCheck: true,
  declaration: true,
  declarationMap: true,
  sourceMap: true,
  rewriteRelativeImportExtensions: true,
  // Sources of sibling packages (not their possibly stale dist/) are what this build compiles.
  customConditions: ['@concord/source', ...(parsed.options.customConditions ?? [])],
};
delete options.outDir;
delete options.rootDir;

/** packages/x/src/a/b.js -> <staged packages/x>/dist/a/b.js */
function distPath(file) {
  const abs = resolve(file);
  for (const pkg of packages) {
    const src = `${join(pkg, 'src')}/`;
    if (abs.startsWith(src)) return join(stagedDir(pkg), 'dist', abs.slice(src.length));
  }
  return undefined;
}

if (outRoot) rmSync(outRoot, { recursive: true, force: true });
else for (const pkg of packages) rmSync(join(pkg, 'dist'), { recursive: true, force: true });

const t0 = performance.now();
const program = ts.createProgram({ rootNames, options });
let written = 0;
const stray = [];
const result = program.emit(undefined, (fileName, text) => {
  const target = distPath(fileName);
  if (!target) {
    stray.push(relative(root, fileName));
    return;
  }
  let out = text;
  // Source maps name their sources relative to the map's own folder, which moved from src/ to dist/.
  if (fileName.endsWith('.map')) {
    const map = JSON.parse(text);
    map.sources = map.sources.map((s) => relative(dirname(target), resolve(dirname(fileName), s)));
    out = JSON.stringify(map);
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, out);
  written++;
});

const problems = [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics(), ...result.diagnostics];
if (problems.length > 0) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(problems, host));
}
if (stray.length > 0) fail(`emitted outside any package src/: ${stray.join(', ')}`);
if (problems.length > 0 || result.emitSkipped) fail('failed');

for (const { pkg, file } of assets) {
  const target = join(stagedDir(pkg), 'dist', relative(join(pkg, 'src'), file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}

if (outRoot) for (const pkg of packages) stage(pkg);

/** Fill DIR/<pkg> around its dist/: package.json, links to its other files, and its node_modules. */
function stage(pkg) {
  const dir = stagedDir(pkg);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(pkg)) {
    if (name === 'src' || name === 'dist' || name === 'node_modules') continue;
    // (its own time, so the staged tree's dist/ stays newer than it, as after a build in place)
    if (name === 'package.json') cpSync(join(pkg, name), join(dir, name), { preserveTimestamps: true });
    else symlinkSync(join(pkg, name), join(dir, name));
  }
  const modules = join(pkg, 'node_modules');
  if (!existsSync(modules)) return;
  const link = (name) => {
    const real = realpathSync(join(modules, name));
    const workspace = packages.find((p) => realpathSync(p) === real);
    const target = join(dir, 'node_modules', name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(workspace ? stagedDir(workspace) : real, target);
  };
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) for (const sub of readdirSync(join(modules, name))) link(`${name}/${sub}`);
    else link(name);
  }
}

const seconds = ((performance.now() - t0) / 1000).toFixed(1);
log(
  `build: ${rootNames.length} modules of ${packages.length} packages -> ${written} files in ${outRoot ? `${outRoot}/*/*/dist` : '*/dist'} (+${assets.length} copied) in ${seconds} s`,
);
