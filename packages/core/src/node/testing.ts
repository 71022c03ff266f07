/**
 * Test helpers shared by every package: where ../shared/data is, and a visible skip when it is absent (a user's
 * fresh clone has no ../shared; CI always has it).
 */
import { existsSync } from 'node:fs';
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

import { describe } from 'vitest';

/**
 * describe() that runs only when ../shared/data/<parts> exists, and otherwise shows up as skipped with the reason
 * in its name, so the README's test command still passes (visibly) on a fresh clone without ../shared.
 */
export function describeWithSharedData(parts: string[], name: string, fn: () => void): void {
  if (hasSharedData(...parts)) describe(name, fn);
  else describe.skip(`${name} [${sharedDataSkipReason(...parts)}]`, fn);
}
