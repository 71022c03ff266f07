/** The manifest `concord --help` reads (without loading any module) lists exactly what the modules define. */
import { describe, expect, it } from 'vitest';
import { allCommands, COMMAND_MANIFEST, COMMAND_MODULES } from './index.ts';

describe('command manifest', () => {
  it('names every command of every module once, with the module that defines it and its summary', async () => {
    const defined: { name: string; summary: string; module: string }[] = [];
    for (const [module, load] of Object.entries(COMMAND_MODULES))
      for (const c of await load()) defined.push({ name: c.name, summary: c.summary, module });
    const key = (e: { name: string }) => e.name;
    expect([...COMMAND_MANIFEST].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      defined.sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(new Set(COMMAND_MANIFEST.map(key)).size).toBe(COMMAND_MANIFEST.length);
    expect((await allCommands()).length).toBe(COMMAND_MANIFEST.length);
  }, 60_000);
});
