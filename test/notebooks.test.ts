/**
 * Every notebook in notebooks/ executes through its real Jupyter kernel (`jupyter nbconvert --execute`: tslab for the
 * TypeScript ones, ipykernel for the Python one) and its stored outputs are current. The work is done by
 * scripts/notebooks-run.mjs (also `pnpm --filter @concord/notebooks check|update`); this suite runs it per notebook
 * and shows its report — the erroring cells, or a line diff of the outputs that changed — when it fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
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

/** scripts/notebooks-run.mjs's outputDrift on two synthetic notebooks (in a child: the script is plain ESM). */
function drift(stored: string[], executed: string[]): string[] {
  const nb = (lines: string[]) => ({
    cells: [{ cell_type: 'code', source: 'x', outputs: [{ output_type: 'stream', name: 'stdout', text: lines }] }],
  });
  const code = `import(${JSON.stringify(pathToFileURL(script).href)}).then((m) => console.log(JSON.stringify(m.outputDrift(${JSON.stringify(nb(stored))}, ${JSON.stringify(nb(executed))}))))`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as string[];
}

describe('output comparison', () => {
  it('reports a changed number as a line diff (stored -, executed +)', () => {
    const d = drift(['lower 0.372\n', 'upper 0.666\n'], ['lower 0.373\n', 'upper 0.666\n']);
    expect(d).toHaveLength(1);
    expect(d[0]).toContain('- lower 0.372');
    expect(d[0]).toContain('+ lower 0.373');
    expect(d[0]).not.toContain('upper');
  });

  it('ignores what varies between runs: durations, temporary paths, loopback ports, addresses', () => {
    const d = drift(
      ['took 1.2 s at http://127.0.0.1:40001 in /tmp/concord-a1/x.nii, 0x7f00aa11bb22\n'],
      ['took 0.9 s at http://127.0.0.1:51234 in /tmp/concord-zz/x.nii, 0x7f00cc33dd44\n'],
    );
    expect(d).toEqual([]);
  });
});

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
