/**
 * `concord stats correct`, `concord stats cluster-test`, `concord permutation-test`: the JSON contracts of issue 15,
 * checked against MNE 1.3 (Debian python3-mne, run here; skipped visibly where absent), against mathematics
 * (exhaustive enumeration), and bad input (exit 2 with a one-line message naming what was wrong).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { writeNpy } from '@concord/io';
import { compareRdms } from '@concord/rsa';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-stats-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PYTHON = '/usr/bin/python3';
const hasMne = spawnSync(PYTHON, ['-c', 'import mne'], { encoding: 'utf8' }).status === 0;
const mneReason = 'Debian python3-mne is not installed';

/** Run a Python script (numpy as np, mne imported) on files; its stdout parsed as JSON. */
function python<T>(script: string): T {
  const r = spawnSync(
    PYTHON,
    ['-c', `import json\nimport numpy as np\nimport mne\nmne.set_log_level('ERROR')\n${script}`],
    {
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

function run(argv: string[]) {
  return runCliCaptured(argv, dir);
}

let counter = 0;
function npy(data: ArrayLike<number>, shape: number[]): string {
  const path = join(dir, `f${counter++}.npy`);
  writeNpy(path, { data: Float64Array.from(data), shape });
  return path;
}

function expectClose(got: (number | null)[], want: (number | null)[], tol: number) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i];
    if (w === null) expect(g).toBeNull();
    else
      expect(Math.abs((g ?? Number.NaN) - w), `[${i}] ${g} vs ${w}`).toBeLessThanOrEqual(
        tol * Math.max(1, Math.abs(w)),
      );
  });
}

const rng = new Rng(15);
const pValues = Array.from({ length: 30 }, (_, i) => (i % 4 === 0 ? rng.random() * 0.004 : rng.random()));
const pFile = npy(pValues, [30]);
const X = Float64Array.from({ length: 10 * 40 }, (_, k) => rng.normal() + (k % 40 >= 12 && k % 40 < 20 ? 0.9 : 0));
const xFile = npy(X, [10, 40]);

describe.skipIf(!hasMne)(`concord stats (against MNE 1.3)${hasMne ? '' : ` [skipped: ${mneReason}]`}`, () => {
  const ref = hasMne
    ? python<{
        bonf: [boolean[], number[]];
        bh: [boolean[], number[]];
        t: number[];
        clusters: number[][];
        p: number[];
        n: number;
      }>(
        `p = np.load(${JSON.stringify(pFile)})
X = np.load(${JSON.stringify(xFile)})
t, clusters, cp, H0 = mne.stats.permutation_cluster_1samp_test(X, threshold=1.8, n_permutations=2**10, out_type='indices')
b = mne.stats.bonferroni_correction(p, 0.1)
f = mne.stats.fdr_correction(p, 0.1)
print(json.dumps({'bonf': [b[0].tolist(), b[1].tolist()], 'bh': [f[0].tolist(), f[1].tolist()], 't': t.tolist(),
  'clusters': [c[0].tolist() for c in clusters], 'p': cp.tolist(), 'n': len(H0)}))`,
      )
    : undefined;

  it('stats correct --json: {method, alpha, pCorrected, reject} equal to MNE (bonferroni, fdr_bh)', async () => {
    for (const [method, key] of [
      ['bonferroni', 'bonf'],
      ['fdr_bh', 'bh'],
    ] as const) {
      const r = await run(['stats', 'correct', '--p', pFile, '--method', method, '--alpha', '0.1', '--json']);
      expect(r.status, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(Object.keys(doc)).toEqual(['method', 'alpha', 'pCorrected', 'reject']);
      expect(doc.method).toBe(method);
      expect(doc.alpha).toBe(0.1);
      expect(doc.reject).toEqual(ref?.[key][0]);
      expect(doc.reject.some((x: boolean) => x)).toBe(true);
      expectClose(doc.pCorrected, ref?.[key][1] ?? [], 1e-12);
    }
  });

  it('stats cluster-test --n-permutations all --json: the same t, clusters and p-values as MNE', async () => {
    const r = await run([
      'stats',
      'cluster-test',
      '--data',
      xFile,
      '--threshold',
      '1.8',
      '--n-permutations',
      'all',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['tObs', 'clusters', 'pValues', 'nPermutations']);
    expectClose(doc.tObs, ref?.t ?? [], 1e-12);
    expect(doc.clusters).toEqual(ref?.clusters.map((c) => ({ start: c[0], stop: c[c.length - 1] + 1 })));
    expect(doc.clusters.length).toBeGreaterThan(1);
    expectClose(doc.pValues, ref?.p ?? [], 1e-12);
    expect(doc.nPermutations).toBe(ref?.n);
    expect(doc.nPermutations).toBe(512);
  });
});

describe('concord stats / permutation-test: contract and bad input', () => {
  it('stats correct holm and fdr_by run; cluster-test with random draws is seeded', async () => {
    for (const method of ['holm', 'fdr_by']) {
      const r = await run(['stats', 'correct', '--p', pFile, '--method', method, '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).pCorrected.length).toBe(30);
    }
    const lower = await run(['stats', 'cluster-test', '--data', xFile, '--threshold=-1.8', '--tail=-1', '--json']);
    expect(lower.status, lower.stderr).toBe(0);
    expect(JSON.parse(lower.stdout).clusters.length).toBeGreaterThan(0);
    const args = [
      'stats',
      'cluster-test',
      '--data',
      xFile,
      '--threshold',
      '1.8',
      '--n-permutations',
      '200',
      '--seed',
      '4',
      '--json',
    ];
    const a = JSON.parse((await run(args)).stdout);
    const b = JSON.parse((await run(args)).stdout);
    expect(a).toEqual(b);
    expect(a.nPermutations).toBe(200);
  });

  it('permutation-test --json: {method, value, p, nPermutations}; exact over 5 conditions (5! = 120)', async () => {
    const a = [3, 1, 4, 1.5, 5, 9, 2, 6, 5.5, 3.5];
    const b = [2, 7, 1, 8, 2.5, 8.5, 1.8, 2.8, 4, 5.9];
    const r = await run([
      'permutation-test',
      '--a',
      npy(a, [10]),
      '--b',
      npy(b, [1, 10]),
      '--method',
      'corr',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['method', 'value', 'p', 'nPermutations']);
    expect(doc.nPermutations).toBe(120);
    const observed = compareRdms(a, b, { method: 'corr' }).data[0];
    expect(Math.abs(doc.value - observed)).toBeLessThanOrEqual(1e-12);
    // every relabelling of b's 5 conditions, by brute force
    const pair = (i: number, j: number) => {
      const [lo, hi] = i < j ? [i, j] : [j, i];
      return lo * 5 - (lo * (lo + 1)) / 2 + (hi - lo - 1);
    };
    let reach = 0;
    const perms: number[][] = [];
    const rec = (p: number[], rest: number[]) => {
      if (!rest.length) perms.push(p);
      for (const x of rest)
        rec(
          [...p, x],
          rest.filter((y) => y !== x),
        );
    };
    rec([], [0, 1, 2, 3, 4]);
    for (const p of perms) {
      const pb: number[] = [];
      for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) pb.push(b[pair(p[i], p[j])]);
      if (compareRdms(a, pb, { method: 'corr' }).data[0] >= observed - 1e-12) reach++;
    }
    expect(doc.p).toBe(reach / 120);
  });

  it('bad input exits 2 with one line naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['stats', 'correct', '--p', xFile, '--method', 'holm'], /p: expected p-values in \[0, 1\]/],
      [
        ['stats', 'correct', '--p', pFile, '--method', 'sidak'],
        /--method: expected one of bonferroni, holm, fdr_bh, fdr_by/,
      ],
      [['stats', 'correct', '--p', pFile, '--method', 'holm', '--alpha', '2'], /alpha: expected a number in \(0, 1\)/],
      [['stats', 'correct', '--p', join(dir, 'missing.npy'), '--method', 'holm'], /missing\.npy/],
      [
        ['stats', 'cluster-test', '--data', pFile, '--threshold', '2'],
        /expected a 2-D array \(subjects × time points\)/,
      ],
      [
        ['stats', 'cluster-test', '--data', xFile, '--threshold=-2', '--tail', '1'],
        /threshold: incompatible tail and threshold signs/,
      ],
      [
        ['stats', 'cluster-test', '--data', xFile, '--threshold', '2', '--tail', '2'],
        /--tail: expected one of 0, 1, -1/,
      ],
      [
        ['stats', 'cluster-test', '--data', xFile, '--threshold', '2', '--tail=-1'],
        /threshold: incompatible tail and threshold signs: tail -1/,
      ],
      [
        ['stats', 'cluster-test', '--data', xFile, '--threshold', '2', '--n-permutations', 'some'],
        /--n-permutations: expected 'all' or an integer/,
      ],
      [['stats', 'cluster-test', '--data', npy([1, 2, 3], [1, 3]), '--threshold', '2'], /at least 2 subjects/],
      [
        ['permutation-test', '--a', npy([1, 2, 3], [3]), '--b', npy([1, 2, 3, 4, 5, 6], [6]), '--method', 'corr'],
        /b: the two RDM vectors must have the same length/,
      ],
      [
        ['permutation-test', '--a', npy([1, 2, 3], [3]), '--b', npy([1, 2, 3], [3]), '--method', 'pearson'],
        /method: expected one of/,
      ],
      [
        ['permutation-test', '--a', xFile, '--b', npy([1, 2, 3], [3]), '--method', 'corr'],
        /--a: expected one RDM vector/,
      ],
      [['permutation-test', '--a', npy([1], [1]), '--b', npy([1], [1]), '--method', 'corr'], /at least 3 conditions/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.status, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n').length).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });
});
