/**
 * Test helper (not exported): the numpy/scipy reference runner of core's test kit with this package's script
 * convention (the script sees `inp` and `np`, and assigns `out`). Suites that need it skip visibly when python3
 * with numpy and scipy is absent.
 */
import type { Matrix } from '@concord/core';
import { hasPythonModules, runPythonJson } from '@concord/core/testing';

export const hasNumpy = hasPythonModules(['numpy', 'scipy']);
export const pythonSkipReason =
  'skipped: python3 with numpy and scipy is absent (reference values are computed in python3 inside the test)';

/** `script` sees `inp` (the decoded JSON input) and `np`, and must assign `out` (JSON-serialisable). */
export function runPython<T>(script: string, input: unknown): T {
  return runPythonJson<T>(`import numpy as np\ninp = data\n${script}\nresult = out`, input);
}

export function nested(m: Matrix): number[][] {
  return m.toArray();
}
