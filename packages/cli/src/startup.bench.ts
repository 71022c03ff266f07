/**
 * Start-up of the `concord` command (issue #13: `--help` and `--version` within 2× of a bare `node -e 0` measured in
 * the same run). Times the compiled bin (packages/cli/dist/main.js; run `pnpm build` first), `pnpm concord`'s launcher
 * (scripts/concord.mjs: the bin after a freshness check of the sources) and, for comparison, the sources under tsx.
 * Best of 5 wall times, interleaved so load changes hit every case alike.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type BenchRow, printRows } from '@concord/core/bench';
import { repoPath } from '@concord/core/testing';

const bin = repoPath('packages/cli/dist/main.js');
const env = { ...process.env };
delete env.NODE_OPTIONS;

const cases: { name: string; args: string[] }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'concord --version (compiled)', args: [bin, '--version'] },
  { name: 'concord --help (compiled)', args: [bin, '--help'] },
  { name: 'concord info --json (compiled)', args: [bin, 'info', '--json'] },
  // what `pnpm concord --help` runs after pnpm itself: the launcher's freshness check, then the compiled bin
  { name: 'scripts/concord.mjs --help (launcher)', args: [repoPath('scripts/concord.mjs'), '--help'] },
  {
    name: 'concord --help (sources under tsx)',
    args: ['--conditions=@concord/source', '--import', 'tsx', repoPath('packages/cli/src/main.ts'), '--help'],
  },
];

if (!existsSync(bin)) {
  process.stdout.write(`\n## concord start-up\nskipped: ${bin} is absent (run pnpm build first)\n`);
} else {
  const best = cases.map(() => Infinity);
  for (let round = 0; round < 5; round++) {
    cases.forEach((c, i) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, c.args, { cwd: repoPath(), env, stdio: 'ignore' });
      const s = (performance.now() - t0) / 1000;
      if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}`);
      best[i] = Math.min(best[i], s);
    });
  }
  const rows: BenchRow[] = cases.slice(1).map((c, k) => ({
    name: c.name,
    seconds: best[k + 1],
    reference: best[0],
    referenceName: 'node -e 0',
    target: c.name.includes('(compiled)') && /--help|--version/.test(c.name) ? 0.5 : undefined,
    note: `${(best[k + 1] / best[0]).toFixed(1)}× a bare node start`,
  }));
  printRows('concord start-up (ratio = node -e 0 time / concord time; ≥ 0.5 means within 2×)', rows);
}
