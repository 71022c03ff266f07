/**
 * Every notebook in notebooks/ executes through its real Jupyter kernel (`jupyter nbconvert --execute`: tslab for the
 * TypeScript ones, ipykernel for the Python one) and its stored outputs are current. The work is done by
 * scripts/notebooks-run.mjs (also `pnpm --filter @concord/notebooks check|update`); this suite runs it per notebook
 * and shows its report — the erroring cells, or a line diff of the outputs that changed — when it fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { repoPath } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';

const script = repoPath('scripts', 'notebooks-run.mjs');
const notebooks = readdirSync(repoPath('notebooks'))
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

function run(args: string[]) {
  const { NODE_OPTIONS: _sourceCondition, ...env } = process.env;
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
}

const probe = run(['--probe']).stdout.trim();
const missing = probe === 'ok' ? null : probe || 'scripts/notebooks-run.mjs --probe failed';

interface Report {
  name: string;
  errors: string[];
  drift: string[];
}

it('finds the five notebooks', () => {
  expect(notebooks.length).toBeGreaterThanOrEqual(5);
});

describe.skipIf(missing !== null)(
  `notebooks execute through their kernels${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    for (const name of notebooks) {
      it(`${name}: no cell errors and the stored outputs are current`, () => {
        const r = run(['--check', '--json', name]);
        expect(r.stdout, r.stderr).toContain('"name"');
        const [report] = JSON.parse(r.stdout) as Report[];
        expect(report.errors.join('\n')).toBe('');
        expect(report.drift.join('\n\n')).toBe('');
        expect(r.status).toBe(0);
      }, 300_000);
    }
  },
);
