/**
 * Test helper (not exported): Debian's python3-mne (/usr/bin/python3, with numpy and scipy) as a live reference.
 * Suites that need it skip visibly where it is not installed.
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

/**
 * Run `script` with `input` as JSON on stdin (available as `inp`); its stdout parsed as JSON. NaN and infinities
 * travel as null through `json.dumps(..., allow_nan=False)` after `clean()`, which the script may call.
 */
export function runPython<T>(script: string, input: unknown = null): T {
  const prelude = [
    'import sys, json',
    'import numpy as np',
    'inp = json.loads(sys.stdin.read())',
    'def clean(x):',
    '    if isinstance(x, np.ndarray): x = x.tolist()',
    '    if isinstance(x, (list, tuple)): return [clean(v) for v in x]',
    '    if isinstance(x, dict): return {k: clean(v) for k, v in x.items()}',
    '    if isinstance(x, (float, np.floating)): return None if not np.isfinite(x) else float(x)',
    '    if isinstance(x, (np.bool_,)): return bool(x)',
    '    if isinstance(x, (np.integer,)): return int(x)',
    '    return x',
    'def emit(x): print(json.dumps(clean(x)))',
    '',
  ].join('\n');
  const r = spawnSync(MNE_PYTHON, ['-c', `${prelude}${script}`], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** |got − want| <= tol · max(1, |want|) element for element (null in `want` stands for NaN). */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number | null>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? Number.NaN;
    expect(Math.abs(got[i] - w), `index ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
  }
}
