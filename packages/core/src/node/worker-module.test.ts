import { describe, expect, it } from 'vitest';
import { SOURCE_CONDITION, workerModule, workerThreadStart } from './worker-module.ts';

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
});
