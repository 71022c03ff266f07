#!/usr/bin/env node
/**
 * Build Concord's native backend (packages/core/native/*.cc -> build/concord_native.node) directly
 * with g++, linked against OpenBLAS and LAPACKE (Debian: libopenblas-dev liblapacke-dev). node-gyp is not used:
 * under pnpm 12 it tries to download Node headers. When something it needs is missing, it prints one line
 * "native backend skipped: <reason>" and exits 0 — the onnxruntime and TypeScript backends then serve.
 *
 * Environment: CONCORD_SKIP_NATIVE=1 skips the build; NODE_INCLUDE overrides the Node header directory;
 * CXX overrides the compiler.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const coreDir = join(root, 'packages/core');
const nativeDir = join(coreDir, 'native');
const source = join(nativeDir, 'concord_native.cc');
const outDir = join(coreDir, 'native/build');
const output = join(outDir, 'concord_native.node');

function skip(reason) {
  console.log(`native backend skipped: ${reason}`);
  process.exit(0);
}

if (process.env.CONCORD_SKIP_NATIVE === '1') skip('CONCORD_SKIP_NATIVE=1');
if (!existsSync(source)) skip(`source ${relative(root, source)} not found`);

const cxx = process.env.CXX || 'g++';
if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0)
  skip(`C++ compiler '${cxx}' not found (apt-get install g++)`);

const nodeIncludeCandidates = [
  process.env.NODE_INCLUDE,
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include/node'),
  join(dirname(dirname(process.execPath)), 'include/node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const nodeInclude = nodeIncludeCandidates.find((d) => existsSync(join(d, 'node_api.h')));
if (!nodeInclude) skip(`Node headers (node_api.h) not found in ${nodeIncludeCandidates.join(', ')}`);

let addonApiDir;
try {
  addonApiDir = dirname(createRequire(join(coreDir, 'package.json')).resolve('node-addon-api/package.json'));
} catch {
  skip('node-addon-api is not installed in packages/core (run pnpm install)');
}

const blasIncludeCandidates = [
  '/usr/include/x86_64-linux-gnu',
  '/usr/include/aarch64-linux-gnu',
  '/usr/include/openblas',
  '/usr/include',
];
const blasInclude = blasIncludeCandidates.find((d) => existsSync(join(d, 'cblas.h')));
if (!blasInclude) skip('cblas.h not found (apt-get install libopenblas-dev)');
const lapackeInclude = ['/usr/include', '/usr/include/openblas', blasInclude].find((d) =>
  existsSync(join(d, 'lapacke.h')),
);
if (!lapackeInclude) skip('lapacke.h not found (apt-get install liblapacke-dev)');

// Every .cc in native/ is one part of the addon; headers count as sources for the staleness check.
const sources = readdirSync(nativeDir)
  .filter((f) => f.endsWith('.cc'))
  .sort()
  .map((f) => join(nativeDir, f));
const newestSource = Math.max(
  ...readdirSync(nativeDir)
    .filter((f) => /\.(cc|h)$/.test(f))
    .map((f) => statSync(join(nativeDir, f)).mtimeMs),
);

// Rebuild only when a source is newer than the addon.
if (existsSync(output) && statSync(output).mtimeMs >= newestSource && process.argv[2] !== '--force') {
  console.log(`native backend up to date: ${relative(root, output)}`);
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
const tmp = `${output}.tmp-${process.pid}`;
const args = [
  '-O3',
  '-shared',
  '-fPIC',
  '-std=c++17',
  '-Wall',
  `-I${nodeInclude}`,
  `-I${addonApiDir}`,
  `-I${blasInclude}`,
  `-I${lapackeInclude}`,
  '-DNAPI_VERSION=8',
  '-DNODE_ADDON_API_DISABLE_CPP_EXCEPTIONS',
  ...sources,
  '-o',
  tmp,
  '-lopenblas',
  '-llapacke',
];
const t0 = Date.now();
const r = spawnSync(cxx, args, { encoding: 'utf8' });
if (r.status !== 0) {
  const firstError =
    (r.stderr || r.error?.message || '').split('\n').find((l) => /error|cannot find/i.test(l)) ?? `exit ${r.status}`;
  skip(`compilation failed: ${firstError.trim()}`);
}
renameSync(tmp, output);
console.log(`native backend built: ${relative(root, output)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
