/**
 * Every notebook in notebooks/ runs headlessly: its code cells, concatenated in order, are executed with tsx. The
 * notebooks assert their own results (they throw on a wrong one), so a non-zero exit or a missing printed line fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';

const dir = repoPath('notebooks');
const notebooks = readdirSync(dir).filter((f) => f.endsWith('.ipynb'));

interface Cell {
  cell_type: string;
  source: string[] | string;
}

describe('notebooks run headlessly', () => {
  it('finds the notebooks', () => {
    expect(notebooks.length).toBeGreaterThan(0);
  });

  for (const name of notebooks) {
    it(`${name}: every code cell runs without error`, () => {
      const nb = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { cells: Cell[] };
      const code = nb.cells
        .filter((c) => c.cell_type === 'code')
        .map((c, i) => `// cell ${i + 1}\n${Array.isArray(c.source) ? c.source.join('') : c.source}`)
        .join('\n\n');
      const script = join(dir, `.${name}.run.ts`);
      writeFileSync(script, `${code}\nconsole.log('NOTEBOOK-OK');\n`);
      try {
        const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 120_000,
        });
        expect(r.stderr).not.toMatch(/Error/);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain('NOTEBOOK-OK');
      } finally {
        rmSync(script, { force: true });
      }
    }, 150_000);
  }
});
