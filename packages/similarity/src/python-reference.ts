/**
 * Test helper (not exported): run a numpy/scipy reference computation in python3, passing JSON in on stdin and
 * reading JSON back. Suites that need it skip visibly when python3 with numpy and scipy is absent.
 */
import { spawnSync } from 'node:child_process';
import type { Matrix } from '@concord/core';

export const hasNumpy = spawnSync('python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8' }).status === 0;
export const pythonSkipReason =
  'skipped: python3 with numpy and scipy is absent (reference values are computed in python3 inside the test)';

/** `script` sees `inp` (the decoded JSON input) and `np`, and must assign `out` (JSON-serialisable). */
export function runPython<T>(script: string, input: unknown): T {
  const prog = `import sys, json\nimport numpy as np\ninp = json.load(sys.stdin)\n${script}\nprint(json.dumps(out))\n`;
  const r = spawnSync('python3', ['-c', prog], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python reference failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function nested(m: Matrix): number[][] {
  return m.toArray();
}
