#!/usr/bin/env node
/**
 * `pnpm build` (after the native addon): compiles every workspace package under packages/* and services/* from
 * `src/` to `dist/` (JavaScript, .d.ts and maps; tests and benchmarks excluded) in one TypeScript program, so
 * cross-package imports resolve to the sibling packages' sources through the `@concord/source` export condition
 * while the emitted files keep the bare `@concord/<pkg>` specifiers (resolved to `dist/` by plain Node). Relative
 * `.ts` specifiers become `.js` (rewriteRelativeImportExtensions). Files in `src/` that are not TypeScript (plain
 * `.mjs` workers) are copied beside the output. Type errors are `pnpm typecheck`'s job (noCheck here keeps the
 * build fast); problems that stop the emit are still reported and fail the build.
 *
 * Usage: node scripts/build.mjs [--quiet]
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (m) => {
  if (!quiet) console.log(m);
};

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
const rootNames = [];
const assets = [];
for (const pkg of packages) {
  for (const f of walk(join(pkg, 'src'))) {
    if (f.endsWith('.ts')) {
      if (!isTest(f)) rootNames.push(f);
    } else assets.push({ pkg, file: f });
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

/** packages/x/src/a/b.js -> packages/x/dist/a/b.js */
function distPath(file) {
  const abs = resolve(file);
  for (const pkg of packages) {
    const src = `${join(pkg, 'src')}/`;
    if (abs.startsWith(src)) return join(pkg, 'dist', abs.slice(src.length));
  }
  return undefined;
}

for (const pkg of packages) rmSync(join(pkg, 'dist'), { recursive: true, force: true });

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
if (stray.length > 0) process.stderr.write(`build: emitted outside any package src/: ${stray.join(', ')}\n`);
if (problems.length > 0 || stray.length > 0 || result.emitSkipped) {
  process.stderr.write('build: failed\n');
  process.exit(1);
}

for (const { pkg, file } of assets) {
  const target = join(pkg, 'dist', relative(join(pkg, 'src'), file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}

const seconds = ((performance.now() - t0) / 1000).toFixed(1);
log(
  `build: ${rootNames.length} modules of ${packages.length} packages -> ${written} files in */dist (+${assets.length} copied) in ${seconds} s`,
);

// A package whose exports map still points only at TypeScript cannot be imported from dist by plain Node.
const bad = [];
for (const pkg of packages) {
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  if (!JSON.stringify(manifest.exports ?? {}).includes('./dist/')) bad.push(relative(root, pkg));
}
if (bad.length > 0) {
  process.stderr.write(
    `build: these packages' exports maps have no dist/ entries, so compiled code cannot import them: ${bad.join(', ')} (see scripts/build.mjs)\n`,
  );
  process.exit(1);
}
