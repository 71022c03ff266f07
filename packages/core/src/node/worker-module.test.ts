import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SOURCE_CONDITION, workerModule, workerProcessArgv, workerThreadStart } from './worker-module.ts';

describe('workerModule / workerThreadStart', () => {
  it('a compiled launcher starts the compiled sibling with no flags and no eval', () => {
    const launcher = 'file:///x/packages/p/dist/launcher.js';
    expect(workerModule(launcher, 'w')).toEqual({
      url: new URL('file:///x/packages/p/dist/w.js'),
      compiled: true,
      conditionArgv: [],
      execArgv: [],
    });
    const start = workerThreadStart(launcher, 'w', () => {
      throw new Error('tsx must not be resolved for compiled workers');
    });
    expect(start).toEqual({
      code: new URL('file:///x/packages/p/dist/w.js'),
      eval: false,
      execArgv: [],
      compiled: true,
    });
  });

  it('a TypeScript launcher gets a bootstrap registering tsx, then importing the .ts sibling, under the source condition', () => {
    const start = workerThreadStart('file:///x/packages/p/src/launcher.ts', 'w', () => 'file:///tsx/api.mjs');
    expect(start?.compiled).toBe(false);
    expect(start?.eval).toBe(true);
    expect(start?.execArgv).toEqual([`--conditions=${SOURCE_CONDITION}`]);
    const code = String(start?.code);
    expect(code.indexOf('"file:///tsx/api.mjs"')).toBeLessThan(code.indexOf('register()'));
    expect(code.indexOf('register()')).toBeLessThan(code.indexOf('"file:///x/packages/p/src/w.ts"'));
  });

  it('from the sources without a resolvable tsx there is no worker to start (null), not a throw', () => {
    expect(
      workerThreadStart('file:///x/src/launcher.ts', 'w', () => {
        throw new Error('Cannot find package tsx');
      }),
    ).toBeNull();
  });

  it('worker processes: the compiled file alone, or the .ts file under tsx with the source condition (and it runs)', () => {
    expect(workerProcessArgv('file:///x/dist/launcher.js', 'w')).toEqual(['/x/dist/w.js']);
    const dir = mkdtempSync(join(tmpdir(), 'concord-worker-module-'));
    try {
      // a TypeScript child that reports its flags and uses a type annotation only tsx can strip
      writeFileSync(
        join(dir, 'child.ts'),
        'const n: number = 6 * 7;\nconsole.log(JSON.stringify({ n, argv: process.execArgv }));\n',
      );
      const argv = workerProcessArgv(pathToFileURL(join(dir, 'launcher.ts')).href, 'child');
      expect(argv).toEqual([`--conditions=${SOURCE_CONDITION}`, '--import', expect.any(String), join(dir, 'child.ts')]);
      expect(argv[2]).toMatch(/^file:.*\/tsx\//);
      const env = { ...process.env };
      delete env.NODE_OPTIONS;
      // run from the temporary folder: tsx is found by its resolved URL, not from the working directory
      const r = spawnSync(process.execPath, argv, { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ n: 42, argv: argv.slice(0, 3) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
