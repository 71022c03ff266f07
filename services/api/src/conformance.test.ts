/**
 * The service's numbers equal the library's, the CLI's (`concord rdm|compare|noise-ceiling|cka`, spawned through
 * runCli) and rsatoolbox's / the numpy CKA reference, on the reference cases in ../shared/data/reference/rsa/.
 * Service vs library vs CLI: bit-identical (same code, same inputs). Service vs reference: relative error
 * ≤ 1e-10 (relative to max(1, |expected|)), except where packages/rsa's own conformance suite documents a looser
 * one (full sigma_k: 5e-5, rsatoolbox's conjugate-gradient solve; Bures: 1e-7).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { encodeNpy } from '@concord/io';
import { compareRdms, noiseCeiling, Rdms } from '@concord/rsa';
import { cka } from '@concord/similarity';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from './app.ts';

/** A parsed JSON response, navigated freely by the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes; each assertion checks the fields it reads
type JsonBody = Record<string, any>;

const TOL = 1e-10;
const ref = (name: string) => JSON.parse(readFileSync(sharedData('reference', 'rsa', name), 'utf8'));

let app: FastifyInstance;
let dir: string;

async function api(url: string, payload: unknown): Promise<JsonBody> {
  const r = await app.inject({ method: 'POST', url, payload: payload as object });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}

function npyFile(name: string, rows: number[][] | number[]): string {
  const path = join(dir, name);
  const m = Array.isArray(rows[0]) ? Matrix.from(rows as number[][]) : Matrix.fromVector(rows as number[], true);
  writeFileSync(path, encodeNpy({ data: m.data, shape: Array.isArray(rows[0]) ? [m.rows, m.cols] : [m.cols] }));
  return path;
}

function jsonFile(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const cliMain = join(import.meta.dirname, '../../../packages/cli/src/main.ts');

/** The real `concord` command in a child process (@concord/cli depends on this package, so it is not imported). */
async function cli(argv: string[]): Promise<JsonBody> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cliMain, ...argv, '--json', '--quiet'], {
    cwd: join(import.meta.dirname, '../../..'),
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** The CLI is checked on the first case of each file (a process per call is slow on a shared 2-core machine). */
const cliCase = (i: number) => i === 0;

function expectClose(actual: (number | null)[], expected: number[], tol = TOL) {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(
      Math.abs((actual[i] as number) - expected[i]) / Math.max(1, Math.abs(expected[i])),
      `entry ${i}`,
    ).toBeLessThanOrEqual(tol);
  }
}

describeWithSharedData(['reference', 'rsa'], 'service = library = CLI = rsatoolbox on the reference cases', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'concord-api-conf-'));
    // inlineBelow 0: every task goes through the worker pool, the path real heavy requests take.
    app = await buildApp({ dataDir: join(dir, 'data'), threads: 1, inlineBelow: 0, docs: false });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('POST /v1/rdm: euclidean, correlation, mahalanobis, crossnobis, poisson, poisson_cv (last fold)', async () => {
    const { cases } = ref('calc_rdm_cases.json');
    for (const [ci, c] of cases.entries()) {
      const o = c.outputs;
      const single = { data: c.X_single, conditions: c.condition_labels };
      const runs = { data: c.X_runs, conditions: c.X_runs_conds, runs: c.X_runs_runs };
      const checks: [Record<string, unknown>, string, string[]][] = [
        [{ ...single, method: 'euclidean' }, 'euclidean(X_single)', []],
        [
          { ...single, method: 'euclidean', removeMean: true },
          'euclidean(X_single, remove_mean=True)',
          ['--remove-mean'],
        ],
        [{ ...single, method: 'correlation' }, 'correlation(X_single)', []],
        [
          { ...single, method: 'mahalanobis', noise: c.precision },
          'mahalanobis(X_single, noise=precision)',
          ['--noise', npyFile('precision.npy', c.precision)],
        ],
        [{ ...runs, method: 'euclidean' }, 'euclidean(X_runs averaged per condition)', []],
        [
          { ...runs, method: 'crossnobis', noise: c.precision },
          'crossnobis(X_runs, cv=runs, noise=precision)',
          ['--noise', npyFile('precision.npy', c.precision)],
        ],
        [
          { ...runs, method: 'crossnobis', noise: c.precision, removeMean: true },
          'crossnobis(X_runs, cv=runs, noise=precision, remove_mean=True)',
          ['--noise', npyFile('precision.npy', c.precision), '--remove-mean'],
        ],
        [
          { data: c.counts_single, conditions: c.condition_labels, method: 'poisson' },
          'poisson(counts_single, prior_lambda=1, prior_weight=0.1)',
          [],
        ],
        [
          {
            data: c.counts_runs,
            conditions: c.X_runs_conds,
            runs: c.X_runs_runs,
            method: 'poisson_cv',
            poissonCvFolds: 'last',
          },
          'poisson_cv(counts_runs, cv=runs) [rsatoolbox quirk: returns LAST fold only]',
          ['--last-fold'],
        ],
      ];
      for (const [body, key, extra] of checks) {
        const r = await api('/v1/rdm', body);
        expectClose(r.dissimilarities, o[key]);
        expect(r.conditions).toEqual([...new Set(body.conditions as string[])].sort());
        if (
          !cliCase(ci) ||
          ![
            'euclidean(X_single)',
            'crossnobis(X_runs, cv=runs, noise=precision, remove_mean=True)',
            'poisson_cv(counts_runs, cv=runs) [rsatoolbox quirk: returns LAST fold only]',
          ].includes(key)
        )
          continue;
        const args = [
          'rdm',
          '--data',
          npyFile('data.npy', body.data as number[][]),
          '--conditions',
          jsonFile('conds.json', body.conditions),
          '--method',
          body.method as string,
          ...extra,
        ];
        if (body.runs) args.push('--runs', jsonFile('runs.json', body.runs));
        const fromCli = await cli(args);
        expect(r.dissimilarities, key).toEqual(fromCli.dissimilarities);
        expect(r.conditions).toEqual(fromCli.conditions);
      }
    }
  });

  it('POST /v1/compare: every method, tie model, sigma_k, NaN entries', async () => {
    const { cases } = ref('compare_cases.json');
    for (const [ci, c] of cases.entries()) {
      const o = c.outputs;
      const groups: [string, unknown, unknown, Record<string, unknown>][] = [
        ['compare(A, B, method) -> 3x2', c.rdms_A, c.rdms_B, {}],
        ['compare(A, tie_model, method) -> 3x1', c.rdms_A, [c.tie_model], {}],
        [
          'compare(A, B, method, sigma_k=diag) (only *_cov, neg_riem_dist)',
          c.rdms_A,
          c.rdms_B,
          { sigmaK: c.sigma_k_diag },
        ],
        [
          'compare(A, B, method, sigma_k=full) (only *_cov, neg_riem_dist)',
          c.rdms_A,
          c.rdms_B,
          { sigmaK: c.sigma_k_full },
        ],
      ];
      const nanKey = 'compare(A_nan, B_nan, method) (NaN entries excluded)';
      const withNan = (rows: number[][]) => rows.map((r) => r.map((v, i) => (c.nan_positions.includes(i) ? null : v)));
      if (o[nanKey]) groups.push([nanKey, withNan(c.rdms_A), withNan(c.rdms_B), {}]);
      for (const [key, a, b, extra] of groups) {
        for (const [method, expected] of Object.entries(o[key] as Record<string, unknown>)) {
          if (!Array.isArray(expected)) continue; // rsatoolbox raised (recorded as {error}); not a number to match
          const r = await api('/v1/compare', { a, b, method, ...extra });
          // Tolerances of packages/rsa's own conformance suite: rsatoolbox solves full-sigma_k whitening by conjugate
          // gradients at tol 1e-5 (we solve exactly) and its Bures square roots differ by up to 3.8e-8.
          const full = key.includes('sigma_k=full') && method !== 'neg_riem_dist';
          expectClose(
            r.values.flat(),
            (expected as number[][]).flat(),
            full ? 5e-5 : method.startsWith('bures') ? 1e-7 : TOL,
          );
          const toM = (rows: unknown) =>
            Matrix.from((rows as (number | null)[][]).map((row) => row.map((v) => (v === null ? Number.NaN : v))));
          const lib = compareRdms(toM(a), toM(b), {
            method,
            ...(extra.sigmaK
              ? {
                  sigmaK: Array.isArray((extra.sigmaK as unknown[])[0])
                    ? Matrix.from(extra.sigmaK as number[][])
                    : (extra.sigmaK as number[]),
                }
              : {}),
          });
          expect(r.values.flat(), `${key} ${method}`).toEqual(
            Array.from(lib.data, (v) => (Number.isFinite(v) ? v : null)),
          );
          if (
            cliCase(ci) &&
            key.startsWith('compare(A, B, method) ->') &&
            ['spearman', 'kendall', 'corr_cov'].includes(method)
          ) {
            const fromCli = await cli([
              'compare',
              '--a',
              npyFile('a.npy', a as number[][]),
              '--b',
              npyFile('b.npy', b as number[][]),
              '--method',
              method,
            ]);
            expect(r.values).toEqual(fromCli.values);
          }
        }
      }
    }
  });

  it('POST /v1/noise-ceiling: lower and upper bounds for every method', async () => {
    const { cases } = ref('noise_ceiling_cases.json');
    for (const [ci, c] of cases.entries()) {
      for (const [method, expected] of Object.entries(c.outputs as Record<string, { lower: number; upper: number }>)) {
        const r = await api('/v1/noise-ceiling', { rdms: c.subject_rdms, method });
        expect(Math.abs(r.lower - expected.lower), `${method} lower`).toBeLessThanOrEqual(1e-8);
        expect(Math.abs(r.upper - expected.upper), `${method} upper`).toBeLessThanOrEqual(1e-8);
        const lib = noiseCeiling(Rdms.fromVectors(c.subject_rdms), { method });
        expect([r.lower, r.upper]).toEqual([lib.lower, lib.upper]);
        if (!cliCase(ci) || !['spearman', 'cosine'].includes(method)) continue;
        const fromCli = await cli(['noise-ceiling', '--rdms', npyFile('rdms.npy', c.subject_rdms), '--method', method]);
        expect([r.lower, r.upper]).toEqual([fromCli.lower, fromCli.upper]);
      }
    }
  });

  it('POST /v1/cka: linear, RBF (both median conventions), debiased', async () => {
    const { cases } = ref('cka_cases.json');
    for (const [ci, c] of cases.entries()) {
      const o = c.outputs;
      const checks: [Record<string, unknown>, number, string[]][] = [
        [{}, o.linear_cka, []],
        [{ kernel: 'rbf' }, o['rbf_cka_sigma0.8_median_full_matrix'], ['--kernel', 'rbf']],
        [
          { kernel: 'rbf', median: 'pairs' },
          o['rbf_cka_sigma0.8_median_pairs'],
          ['--kernel', 'rbf', '--median', 'pairs'],
        ],
        [{ debiased: true }, o.debiased_linear_cka, ['--debiased']],
        [
          { kernel: 'rbf', debiased: true },
          o['debiased_rbf_cka_sigma0.8_median_full_matrix'],
          ['--kernel', 'rbf', '--debiased'],
        ],
      ];
      for (const [opts, expected, flags] of checks) {
        if (typeof expected !== 'number') continue;
        const r = await api('/v1/cka', { x: c.X, y: c.Y, ...opts });
        expect(Math.abs(r.value - expected), `${c.name} ${JSON.stringify(opts)}`).toBeLessThanOrEqual(TOL);
        expect(r.value).toBe(cka(Matrix.from(c.X), Matrix.from(c.Y), opts).value);
        const viaSimilarity = await api('/v1/similarity', { x: c.X, y: c.Y, metric: 'cka', options: opts });
        expect(viaSimilarity.value).toBe(r.value);
        if (!cliCase(ci) || flags.includes('pairs')) continue;
        const fromCli = await cli(['cka', '--x', npyFile('x.npy', c.X), '--y', npyFile('y.npy', c.Y), ...flags]);
        expect(r.value).toBe(fromCli.value);
      }
    }
  });
});
