/**
 * `pnpm bench [filter]`: runs every *.bench.ts under packages/ and services/ (each in its own process, one after
 * another, so timings do not disturb each other) and prints their tables. Ratios are numpy/scipy time divided by
 * Concord's time where python3 with numpy is present. Reported, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const filter = process.argv[2];

function find(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.bench.ts')) out.push(p);
  }
  return out;
}

const files = [...find(join(root, 'packages'), []), ...find(join(root, 'services'), [])]
  .filter((f) => !filter || f.includes(filter))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n# ${relative(root, f)}\n`);
  // benchmarks time the TypeScript sources (the @concord/source export condition), never a stale dist/
  const r = spawnSync(process.execPath, ['--conditions=@concord/source', '--import', 'tsx', f], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) failed++;
}
process.stdout.write(`\n${files.length} benchmark file(s) run, ${failed} failed\n`);
process.exitCode = failed ? 1 : 0;
