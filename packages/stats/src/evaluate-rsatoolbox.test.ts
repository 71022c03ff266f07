/**
 * Parity with rsatoolbox's model evaluation (inference/evaluate.py, result.py at f1f83ca): the same bootstrap draws
 * are replayed through rsatoolbox (np.random.randint replaced, see scripts/rsatoolbox-evaluation-references.py)
 * and through Concord; every evaluation, noise-ceiling sample, covariance, mean and p-value must agree to 1e-9.
 *
 * Expected values: fixtures/rsatoolbox-evaluation.json, written by that script running rsatoolbox itself (from
 * source, numpy 1.24.2). When python3 can import rsatoolbox here (RSATOOLBOX_PYTHONPATH or installed), the
 * script also runs live and the test compares with its fresh output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix } from '@concord/core';
import { describe, expect, it } from 'vitest';
import type { BootstrapDraw } from './bootstrap-sample.ts';
import { evalBootstrap, evalBootstrapPattern, evalBootstrapRdm, evalDualBootstrap, evalFixed } from './evaluate.ts';
import type { EvaluationResult } from './evaluation-result.ts';
import { type Case, expectClose, type Outputs } from './testing/rsatoolbox-fixture.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const stored = JSON.parse(readFileSync(join(here, 'fixtures', 'rsatoolbox-evaluation.json'), 'utf8')) as {
  cases: Case[];
};

const RUN: Record<string, (m: Matrix, d: Matrix, method: string, draws: BootstrapDraw[]) => EvaluationResult> = {
  fixed: (m, d, method) => evalFixed(m, d, { method }),
  pattern: (m, d, method, draws) => evalBootstrapPattern(m, d, { method, draws }),
  rdm: (m, d, method, draws) => evalBootstrapRdm(m, d, { method, draws }),
  both: (m, d, method, draws) => evalBootstrap(m, d, { method, draws }),
  dual: (m, d, method, draws) => evalDualBootstrap(m, d, { method, draws }),
};

function checkAgainst(c: Case, method: string, kind: string, out: Outputs): void {
  const r = RUN[kind](Matrix.from(c.models), Matrix.from(c.data), method, c.draws);
  const where = `seed ${c.seed} ${method} ${kind}`;
  expectClose(r.evaluations.data, out.evaluations, `${where} evaluations`);
  expectClose(r.noiseCeiling.data, out.noise_ceiling, `${where} noise ceiling`);
  expectClose(r.variances?.data ?? [], out.variances, `${where} covariance`);
  expectClose(r.getMeans(), out.means, `${where} means`);
  expect(r.dof).toBe(out.dof);
  expectClose(r.modelVar ?? [], out.model_var, `${where} model variances`);
  expectClose(r.diffVar ?? [], out.diff_var, `${where} difference variances`);
  expectClose(r.noiseCeilVar?.data ?? [], out.noise_ceil_var, `${where} noise-ceiling variances`);
  expectClose(r.testPairwise().data, out.p_pairwise_t, `${where} testPairwise t`);
  expectClose(r.testZero(), out.p_zero_t, `${where} testZero t`);
  expectClose(r.testNoise(), out.p_noise_t, `${where} testNoise t`);
  if (out.p_pairwise_bootstrap !== undefined) {
    expectClose(
      r.testPairwise({ testType: 'bootstrap' }).data,
      out.p_pairwise_bootstrap,
      `${where} testPairwise bootstrap`,
    );
    expectClose(r.testZero({ testType: 'bootstrap' }), out.p_zero_bootstrap ?? [], `${where} testZero bootstrap`);
    expectClose(
      r.testNoise({ testType: 'bootstrap' }),
      out.p_noise_bootstrap_intended ?? [],
      `${where} testNoise bootstrap`,
    );
  }
}

describe('model evaluation vs rsatoolbox (stored references from rsatoolbox itself, replayed draws, 1e-9)', () => {
  for (const c of stored.cases)
    for (const [method, kinds] of Object.entries(c.outputs))
      for (const [kind, out] of Object.entries(kinds))
        it(`seed ${c.seed} (${c.n_rdm} subjects × ${c.n_cond} conditions): ${method}, ${kind}`, () =>
          checkAgainst(c, method, kind, out));
});

const rsaPath = process.env.RSATOOLBOX_PYTHONPATH;
const env = rsaPath ? { ...process.env, PYTHONPATH: rsaPath } : process.env;
const python = process.env.RSATOOLBOX_PYTHON ?? 'python3';
const hasRsatoolbox = spawnSync(python, ['-c', 'import rsatoolbox.inference'], { env, encoding: 'utf8' }).status === 0;

describe.skipIf(!hasRsatoolbox)(
  `model evaluation vs rsatoolbox run live${hasRsatoolbox ? '' : ' [skipped: python3 cannot import rsatoolbox; set RSATOOLBOX_PYTHONPATH / RSATOOLBOX_PYTHON]'}`,
  () => {
    it('fresh rsatoolbox output for the seeded cases agrees with Concord', () => {
      const dir = mkdtempSync(join(tmpdir(), 'concord-rsatoolbox-'));
      try {
        const out = join(dir, 'ref.json');
        const r = spawnSync(python, [join(here, '..', 'scripts', 'rsatoolbox-evaluation-references.py'), out], {
          env,
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).toBe(0);
        const live = JSON.parse(readFileSync(out, 'utf8')) as { cases: Case[] };
        for (const c of live.cases)
          for (const [method, kinds] of Object.entries(c.outputs))
            for (const [kind, o] of Object.entries(kinds)) checkAgainst(c, method, kind, o);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  },
);
