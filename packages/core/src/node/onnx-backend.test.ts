/**
 * The worker mechanics of the onnx backend: a product that exceeds its time limit fails with a typed error instead of
 * hanging, and the next call starts a fresh worker. (Numerical correctness is in kernels/backends.test.ts.)
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defined } from '@concord/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isConcordError } from '../errors.ts';
import { Matrix } from '../matrix.ts';
import { Rng } from '../rng.ts';
import { loadOnnxBackend } from './onnx-backend.ts';

const loaded = loadOnnxBackend();
const onnx = loaded.backend;

afterEach(() => {
  delete process.env.CONCORD_ONNX_TIMEOUT_MS;
});

describe.runIf(onnx)('onnx backend worker', () => {
  it('a product that exceeds CONCORD_ONNX_TIMEOUT_MS throws ERR_CORE_ONNX_TIMEOUT, then a fresh worker serves', () => {
    const x = Matrix.zeros(400, 4000);
    new Rng(1).fillNormal(x.data);
    process.env.CONCORD_ONNX_TIMEOUT_MS = '1';
    let err: unknown;
    try {
      defined(onnx).syrk(x, false);
    } catch (e) {
      err = e;
    }
    expect(isConcordError(err)).toBe(true);
    expect((err as { code: string }).code).toBe('ERR_CORE_ONNX_TIMEOUT');
    expect((err as { badInput: boolean }).badInput).toBe(false);
    delete process.env.CONCORD_ONNX_TIMEOUT_MS;
    const small = Matrix.from([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(defined(onnx).syrk(small, false).data)).toEqual([5, 11, 11, 25]);
  });

  function runScript(body: string, env: Record<string, string> = {}) {
    const script = `import { loadOnnxBackend } from ${JSON.stringify(new URL('./onnx-backend.ts', import.meta.url).href)};
import { Matrix } from ${JSON.stringify(new URL('../matrix.ts', import.meta.url).href)};
const b = loadOnnxBackend().backend;
${body}`;
    return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
      env: { ...process.env, ...env },
    });
  }

  it('does not keep the process alive: a script that used it exits by itself', () => {
    const r = runScript(
      `console.log(Array.from(b.gemm(Matrix.from([[2]]), Matrix.from([[3]]), false, false).data).join(','));`,
    );
    expect(r.error).toBeUndefined();
    expect(r.stdout.trim()).toBe('6');
    expect(r.status).toBe(0);
  });

  it('a process that exits right after a time-out ends normally (waits for the retired job, no abort)', () => {
    const r = runScript(`try { b.syrk(Matrix.zeros(600, 8000), false); } catch (e) { console.log(e.code); }`, {
      CONCORD_ONNX_TIMEOUT_MS: '1',
    });
    expect(r.error).toBeUndefined();
    expect(r.stdout.trim()).toBe('ERR_CORE_ONNX_TIMEOUT');
    expect(r.status).toBe(0);
  });
});

describe.runIf(!onnx)('onnx backend unavailable', () => {
  it('reports why', () => {
    expect(loaded.reason).toBeTruthy();
  });
});
