/**
 * Loading and building the native addon: the loader explains why it is unavailable instead of throwing, and the
 * build script skips with one line and exit 0 when a prerequisite is missing. (Numerics: kernels/backends.test.ts.)
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defined } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, loadNativeBackend, NATIVE_ADDON_PATH } from './native-backend.ts';
import { repoPath } from './testing.ts';

describe('native backend loader', () => {
  it('an absent addon gives a reason naming the path and how to build it', () => {
    const r = loadNativeBackend('/nonexistent/concord_native.node');
    expect(r.backend).toBeUndefined();
    expect(r.reason).toContain('/nonexistent/concord_native.node');
    expect(r.reason).toContain('build-native.mjs');
  });

  it('a file that is not a loadable addon gives a reason, not an exception', () => {
    const dir = mkdtempSync(join(tmpdir(), 'concord-native-'));
    const bogus = join(dir, 'concord_native.node');
    writeFileSync(bogus, 'not an ELF file');
    const r = loadNativeBackend(bogus);
    expect(r.backend).toBeUndefined();
    expect(r.reason).toMatch(/^failed to load /);
  });

  it.runIf(loadNativeBackend().backend)('the built addon loads and reports OpenBLAS threads', () => {
    const b = defined(loadNativeBackend(NATIVE_ADDON_PATH).backend);
    expect(b.threads()).toBeGreaterThanOrEqual(1);
    expect(b.describe()).toMatch(/OpenBLAS/);
  });

  it.runIf(loadNativeBackend().backend)(
    'entry points given the wrong argument types throw a TypeError, never crash',
    () => {
      const addon = loadNativeAddon().addon as unknown as Record<string, (...args: unknown[]) => unknown>;
      const calls: [string, unknown[]][] = [
        ['averageRanks', [[1, 2], new Float64Array(2)]],
        ['averageRanks', [new Float32Array(2), new Float64Array(2)]],
        ['scanNumericArrays', ['[1, 2]', 1]],
        ['axpy', [1, [1], new Float64Array(1)]],
        ['axpy', [1, new Float64Array(2), new Float64Array(3)]],
        ['axpy', [1, new Float32Array(2), new Float64Array(2)]],
        ['firstNonFinite', [[1, 2]]],
        ['firstNonFinite', [new Int32Array(2)]],
      ];
      for (const [name, args] of calls) expect(() => addon[name](...args), name).toThrow(TypeError);
    },
  );
});

describe('scripts/build-native.mjs', () => {
  const script = repoPath('scripts/build-native.mjs');

  it('without a compiler it prints one "native backend skipped" line and exits 0', () => {
    const r = spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      env: { ...process.env, CXX: '/nonexistent/g++' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^native backend skipped: C\+\+ compiler '\/nonexistent\/g\+\+' not found/);
  });

  it('CONCORD_SKIP_NATIVE=1 skips with a reason', () => {
    const r = spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      env: { ...process.env, CONCORD_SKIP_NATIVE: '1' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('native backend skipped: CONCORD_SKIP_NATIVE=1');
  });
});
