/**
 * Test helpers shared by every package: where ../shared/data is, and a visible skip when it is absent (a user's
 * fresh clone has no ../shared; CI always has it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The repository root. */
export function repoPath(...parts: string[]): string {
  return join(repoRoot, ...parts);
}

/** ../shared/data beside the repository (or CONCORD_SHARED_DATA). */
export function sharedDataDir(): string {
  return process.env.CONCORD_SHARED_DATA ?? resolve(repoRoot, '../shared/data');
}

export function sharedData(...parts: string[]): string {
  return join(sharedDataDir(), ...parts);
}

export function hasSharedData(...parts: string[]): boolean {
  return existsSync(sharedData(...parts));
}

/** The reason printed when a suite skips for lack of shared data. */
export function sharedDataSkipReason(...parts: string[]): string {
  return `skipped: ${sharedData(...parts)} is absent (third-party reference data lives in ../shared/data beside the repository; CI always has it)`;
}

import { afterAll, describe, expect, it } from 'vitest';

/**
 * describe() that runs only when ../shared/data/<parts> exists, and otherwise shows up as skipped with the reason
 * in its name, so the README's test command still passes (visibly) on a fresh clone without ../shared.
 */
export function describeWithSharedData(parts: string[], name: string, fn: () => void): void {
  if (hasSharedData(...parts)) describe(name, fn);
  // Not describe.skip(name, fn): vitest still runs a skipped suite's body to collect its tests, and these bodies
  // read the shared files.
  else
    describe.skip(`${name} [${sharedDataSkipReason(...parts)}]`, () => {
      it.skip('needs the shared reference data', () => {});
    });
}

/**
 * Python interpreters tried in order: the one on the PATH, then Debian's (python3-torch, python3-mne and friends
 * install there, while a PATH python such as pyenv's may lack them).
 */
const PYTHON_CANDIDATES = ['python3', '/usr/bin/python3'];
const pythonForModules = new Map<string, string | null>();

/** The first interpreter that can import every module (cached per module list), or null. */
export function pythonWithModules(modules: readonly string[] = ['numpy']): string | null {
  const key = [...modules].sort().join(',');
  let exe = pythonForModules.get(key);
  if (exe === undefined) {
    const probe = modules.map((m) => `import ${m}`).join('; ') || 'pass';
    exe = PYTHON_CANDIDATES.find((c) => spawnSync(c, ['-c', probe], { encoding: 'utf8' }).status === 0) ?? null;
    pythonForModules.set(key, exe);
  }
  return exe;
}

/** True when some python3 can import every module (cached per module list). */
export function hasPythonModules(modules: readonly string[] = ['numpy']): boolean {
  return pythonWithModules(modules) !== null;
}

/** Top-level modules a snippet imports (`import a.b`, `from a import b`), so it runs where they exist. */
function importedModules(snippet: string): string[] {
  const found = new Set<string>();
  for (const m of snippet.matchAll(/^\s*(?:import|from)\s+([A-Za-z_]\w*)/gm)) found.add(m[1]);
  return [...found];
}

/**
 * Run a python3 snippet as a reference implementation: `input` is available as the variable `data` (parsed JSON
 * from stdin) and the snippet assigns `result`, which comes back parsed from JSON. numpy arrays in `result` must
 * be converted with .tolist(). Throws with python's stderr when the snippet fails.
 */
export function runPythonJson<T = unknown>(snippet: string, input: unknown = null): T {
  const script = `import json, sys\ndata = json.loads(sys.stdin.read())\nresult = None\n${snippet}\nsys.stdout.write(json.dumps(result))\n`;
  const exe = pythonWithModules(importedModules(snippet)) ?? 'python3';
  const r = spawnSync(exe, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`python3 reference failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * describe() that runs only when python3 can import `modules`, and otherwise shows up as skipped with the reason in
 * its name.
 */
export function describeWithPython(modules: readonly string[], name: string, fn: () => void): void {
  if (hasPythonModules(modules)) describe(name, fn);
  else
    describe.skip(`${name} [skipped: no python3 (${PYTHON_CANDIDATES.join(', ')}) imports ${modules.join(', ')}]`, fn);
}

/** A missing value in a reference: NaN, or JSON's null / "NaN" for it. */
function isMissing(v: unknown): boolean {
  return v === null || v === 'NaN' || (typeof v === 'number' && Number.isNaN(v));
}

/**
 * Element-wise closeness to a reference: |actual − expected| / max(1, |expected|) ≤ tol (relative for large values,
 * absolute near 0), reporting the worst element. Missing values (NaN, or null / "NaN" in JSON) must be missing on
 * both sides. Scalars are compared as one-element arrays.
 */
export function expectClose(
  actual: ArrayLike<number | null> | number | null,
  expected: ArrayLike<number | string | null> | number | string | null,
  tol = 1e-9,
  what = 'value',
): void {
  const a: ArrayLike<number | null> = typeof actual === 'number' || actual === null ? [actual] : actual;
  const e: ArrayLike<number | string | null> =
    typeof expected === 'number' || typeof expected === 'string' || expected === null ? [expected] : expected;
  expect(a.length, `${what}: length`).toBe(e.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < e.length; i++) {
    if (isMissing(e[i])) {
      expect(isMissing(a[i]), `${what}[${i}] should be missing (NaN/null), received ${a[i]}`).toBe(true);
      continue;
    }
    const ev = Number(e[i]);
    const err = Math.abs(Number(a[i]) - ev) / Math.max(1, Math.abs(ev));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst, `${what}: worst error at [${at}]: ${a[at]} vs ${e[at]}`).toBeLessThanOrEqual(tol);
}

/** A fresh temporary directory, removed after the suite (call at the top level of a test file or in a describe). */
export function tempDir(prefix = 'concord-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The value, or a test failure naming what was missing (instead of a non-null assertion `!`, which would turn a
 * missing value into a TypeError somewhere later).
 */
export function defined<T>(value: T | null | undefined, what = 'value'): T {
  if (value === null || value === undefined) throw new Error(`expected ${what} to be present, received ${value}`);
  return value;
}

/**
 * Pearson's r written out plainly (two-pass means, no library code): the independent computation tests compare
 * Concord's correlations and RDM agreements against.
 */
export function pearsonReference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sa = 0;
  let sb = 0;
  for (let k = 0; k < a.length; k++) {
    sa += a[k];
    sb += b[k];
  }
  const ma = sa / a.length;
  const mb = sb / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += (a[k] - ma) * (b[k] - mb);
    aa += (a[k] - ma) ** 2;
    bb += (b[k] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Debian's chromium, which browser tests drive through playwright-core (no browser download). */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

/** playwright-core's launch options for that browser: headless, no sandbox, nothing fetched in the background. */
export const HEADLESS_CHROMIUM = {
  executablePath: CHROMIUM_PATH,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
