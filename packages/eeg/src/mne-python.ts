/**
 * Test helper (not exported): Debian's python3-mne (/usr/bin/python3) as a live reference beside our readers and
 * writers. Suites that need it skip visibly where it is not installed.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect } from 'vitest';

export const MNE_PYTHON = '/usr/bin/python3';
export const hasMne = spawnSync(MNE_PYTHON, ['-c', 'import mne'], { encoding: 'utf8' }).status === 0;
export const noMneReason = 'Debian python3-mne is not installed (apt-get install python3-mne)';

/** `describe` when MNE is installed, else a skipped suite whose name says why. */
export function describeWithMne(name: string, fn: () => void): void {
  if (hasMne) describe(name, fn);
  else describe.skip(`${name} [skipped: ${noMneReason}]`, fn);
}

/** Run `script` (MNE's log level set to ERROR first) with `args` as sys.argv[1:]; its stdout parsed as JSON. */
export function runMne<T>(script: string, args: string[] = []): T {
  const r = spawnSync(MNE_PYTHON, ['-c', `import mne\nmne.set_log_level('ERROR')\n${script}`, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
