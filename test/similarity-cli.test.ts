/**
 * `concord cka` and `concord similarity`: the JSON contract of issue 4, values against the reference cases, and exit
 * code 2 with a one-line message for bad input. Most cases go through runCli in-process (a process start loads every
 * command module, ~2 s); one case spawns the real command.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '@concord/cli';
import { Matrix, Rng } from '@concord/core';
import { describeWithSharedData, repoPath, sharedData } from '@concord/core/testing';
import { writeMatrixNpy } from '@concord/io';
import { SIMILARITY_METRICS, similarity } from '@concord/similarity';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'concord-similarity-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function concord(...args: string[]) {
  const out = capture();
  const err = capture();
  const code = await runCli(args, { cwd: repoPath(), stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

function concordProcess(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
    cwd: repoPath(),
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function save(name: string, m: Matrix): string {
  const p = join(dir, name);
  writeMatrixNpy(p, m);
  return p;
}

describeWithSharedData(['reference', 'rsa', 'cka_cases.json'], 'concord cka against the reference cases', () => {
  const doc = JSON.parse(readFileSync(sharedData('reference', 'rsa', 'cka_cases.json'), 'utf8')) as {
    cases: { name: string; X: number[][]; Y: number[][]; outputs: Record<string, number> }[];
  };
  const c = doc.cases[1];
  const x = save('ref-x.npy', Matrix.from(c.X));
  const y = save('ref-y.npy', Matrix.from(c.Y));
  for (const [args, kernel, debiased, key] of [
    [[], 'linear', false, 'linear_cka'],
    [['--kernel', 'rbf'], 'rbf', false, 'rbf_cka_sigma0.8_median_full_matrix'],
    [['--kernel', 'rbf', '--threshold', '0.8', '--median', 'pairs'], 'rbf', false, 'rbf_cka_sigma0.8_median_pairs'],
    [['--debiased'], 'linear', true, 'debiased_linear_cka'],
    [['--kernel', 'rbf', '--debiased'], 'rbf', true, 'debiased_rbf_cka_sigma0.8_median_full_matrix'],
  ] as const) {
    it(`${kernel}${debiased ? ' debiased' : ''} ${args.join(' ')}`, async () => {
      const r = await concord('cka', '--x', x, '--y', y, ...args, '--json');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ metric: 'cka', kernel, debiased });
      expect(Math.abs(out.value - c.outputs[key]) / Math.abs(c.outputs[key])).toBeLessThan(1e-9);
    });
  }
});

describe('concord similarity', () => {
  const rng = new Rng(91);
  const xm = new Matrix(40, 6, rng.fillNormal(new Float64Array(240)));
  const ym = new Matrix(40, 4, rng.fillNormal(new Float64Array(160)));
  for (let i = 0; i < 40; i++) ym.data[i * 4] += xm.data[i * 6];
  const x = save('x.npy', xm);
  const y = save('y.npy', ym);

  it('every metric prints one JSON document {metric, value, ...} matching the library', async () => {
    for (const metric of SIMILARITY_METRICS) {
      const r = await concord('similarity', '--x', x, '--y', y, '--metric', metric, '--json', '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.metric).toBe(metric);
      expect(out.value).toBeCloseTo(similarity(xm, ym, { metric: metric as never }).value, 12);
    }
  });
  it('passes options through (threshold, topk, folds/seed/alphas, n-components, alpha)', async () => {
    const cases: [string[], Record<string, unknown>][] = [
      [['--metric', 'svcca', '--threshold', '0.7'], { metric: 'svcca', threshold: 0.7 }],
      [['--metric', 'mutual_knn', '--topk', '3'], { metric: 'mutual_knn', topk: 3 }],
      [
        ['--metric', 'ridge', '--folds', '4', '--seed', '5', '--alphas', '0.1,10', '--alpha-per-target'],
        { metric: 'ridge', folds: 4, seed: 5, alphas: [0.1, 10], alphaPerTarget: true },
      ],
      [['--metric', 'pls', '--n-components', '2', '--scale', 'false'], { metric: 'pls', nComponents: 2, scale: false }],
      [['--metric', 'angular', '--alpha', '0.5'], { metric: 'angular', alpha: 0.5 }],
    ];
    for (const [args, opts] of cases) {
      const r = await concord('similarity', '--x', x, '--y', y, ...args, '--json', '-q');
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.value).toBeCloseTo(similarity(xm, ym, opts as never).value, 12);
    }
    const withDetails = JSON.parse(
      (await concord('similarity', '--x', x, '--y', y, '--metric', 'ridge', '--details', '--json', '-q')).stdout,
    );
    expect(withDetails.perTarget).toHaveLength(4);
  });
  it('bad input exits 2 with a one-line message: rows differ, unknown metric, missing file, bad option value', async () => {
    const short = save('short.npy', ym.rowRange(0, 30));
    for (const args of [
      ['similarity', '--x', x, '--y', short, '--metric', 'svcca'],
      ['cka', '--x', x, '--y', short],
      ['similarity', '--x', x, '--y', y, '--metric', 'nope'],
      ['cka', '--x', join(dir, 'missing.npy'), '--y', y],
      ['cka', '--x', x, '--y', y, '--kernel', 'poly'],
      ['cka', '--x', x, '--y', y, '--threshold', '0.5'],
      ['similarity', '--x', x, '--y', y, '--metric', 'ridge', '--alphas', '1,-1'],
    ]) {
      const r = await concord(...args, '--json');
      expect(r.code, args.join(' ')).toBe(2);
      expect(JSON.parse(r.stdout).error.code, args.join(' ')).toMatch(/^ERR_/); // --json: the error as one document
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await concord('similarity', '--x', x, '--y', y, '--metric', 'nope')).stderr).toContain('svcca');
  });
  it('the real process: pnpm concord similarity … --json prints one JSON document; bad rows exit 2', () => {
    const ok = concordProcess('similarity', '--x', x, '--y', y, '--metric', 'pwcca', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ metric: 'pwcca', value: expect.any(Number) });
    const bad = concordProcess('cka', '--x', x, '--y', save('short2.npy', ym.rowRange(0, 20)), '--json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('40×6');
  });
});
