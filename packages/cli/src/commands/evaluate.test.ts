/**
 * `concord evaluate`: the JSON contract of issue 15, checked against rsatoolbox's own output for the same draws
 * (packages/stats/src/fixtures/rsatoolbox-evaluation.json, written by rsatoolbox through
 * packages/stats/scripts/rsatoolbox-evaluation-references.py), determinism of seeded draws, and bad input
 * (exit 2 with a one-line message naming the flag).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpy } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-evaluate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[]) {
  return runCliCaptured(argv, dir);
}

let counter = 0;
function npy(rows: number[][]): string {
  const path = join(dir, `f${counter++}.npy`);
  writeNpy(path, { data: Float64Array.from(rows.flat()), shape: [rows.length, rows[0].length] });
  return path;
}
function json(value: unknown): string {
  const path = join(dir, `f${counter++}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

type Nested = number | string | null | Nested[];
const flat = (x: Nested): number[] =>
  Array.isArray(x) ? x.flatMap(flat) : [x === null || x === 'NaN' ? Number.NaN : (x as number)];
function expectClose(actual: Nested, expected: Nested, what: string): void {
  const a = flat(actual);
  const e = flat(expected);
  expect(a.length, what).toBe(e.length);
  e.forEach((v, i) => {
    if (Number.isNaN(v)) expect(Number.isNaN(a[i]), `${what}[${i}]`).toBe(true);
    else
      expect(Math.abs(a[i] - v), `${what}[${i}]: ${a[i]} vs ${v}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
  });
}

const fixture = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../stats/src/fixtures/rsatoolbox-evaluation.json', import.meta.url)),
    'utf8',
  ),
);
const c = fixture.cases[0];
const dataFile = npy(c.data);
const modelFile = npy(c.models);

describe('concord evaluate: JSON contract against rsatoolbox (same draws via --indices)', () => {
  for (const [bootstrap, kind] of [
    ['none', 'fixed'],
    ['pattern', 'pattern'],
    ['rdm', 'rdm'],
    ['both', 'both'],
  ] as const) {
    for (const method of ['corr', 'spearman', 'tau-a']) {
      it(`--bootstrap ${bootstrap} --method ${method}`, async () => {
        const draws = c.draws.map((d: { patterns: number[]; rdms: number[] }) =>
          bootstrap === 'pattern' ? { patterns: d.patterns } : bootstrap === 'rdm' ? { rdms: d.rdms } : d,
        );
        const args = [
          'evaluate',
          '--data',
          dataFile,
          '--models',
          modelFile,
          '--method',
          method,
          '--bootstrap',
          bootstrap,
          '--json',
        ];
        if (bootstrap !== 'none') args.push('--indices', json(draws));
        const r = await run(args);
        expect(r.status, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout);
        const ref = c.outputs[method][kind];
        expect(Object.keys(out)).toEqual([
          'method',
          'bootstrap',
          'evaluations',
          'mean',
          'covariance',
          'noiseCeiling',
          'tests',
        ]);
        expect(out.method).toBe(method);
        expect(out.bootstrap).toBe(bootstrap);
        if (bootstrap === 'none') expectClose(out.evaluations, [ref.means], 'evaluations');
        else {
          expectClose(out.evaluations, ref.evaluations, 'evaluations');
          // the sample with 2 distinct conditions is a row of null (rsatoolbox: NaN)
          if (bootstrap !== 'rdm') expect(out.evaluations[3]).toEqual([null, null, null]);
        }
        expectClose(out.mean, ref.means, 'mean');
        expectClose(out.covariance, ref.variances, 'covariance');
        const nc = flat(ref.noise_ceiling);
        const half = nc.length / 2;
        const nanmean = (v: number[]) => {
          const f = v.filter((x) => !Number.isNaN(x));
          return f.reduce((s, x) => s + x, 0) / f.length;
        };
        expectClose(
          [out.noiseCeiling.lower, out.noiseCeiling.upper],
          [nanmean(nc.slice(0, half)), nanmean(nc.slice(half))],
          'noise ceiling',
        );
        expectClose(out.tests.pairwise.p, ref.p_pairwise_t, 'pairwise p');
        expectClose(out.tests.zero.p, ref.p_zero_t, 'zero p');
        expectClose(out.tests.noise.p, ref.p_noise_t, 'noise p');
      });
    }
  }

  it('--bootstrap dual gives rsatoolbox eval_dual_bootstrap p-values (Schütt et al. 2023 variance)', async () => {
    const r = await run([
      'evaluate',
      '--data',
      dataFile,
      '--models',
      modelFile,
      '--method',
      'corr',
      '--bootstrap',
      'dual',
      '--indices',
      json(c.draws),
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const ref = c.outputs.corr.dual;
    expectClose(out.tests.pairwise.p, ref.p_pairwise_t, 'pairwise p');
    expectClose(out.tests.zero.p, ref.p_zero_t, 'zero p');
    expectClose(out.tests.noise.p, ref.p_noise_t, 'noise p');
    expectClose(out.mean, ref.means, 'mean');
  });

  it('bootstrap p-values (--test-type bootstrap) and corrections (--correction holm)', async () => {
    const draws = c.draws.map((d: { patterns: number[] }) => ({ patterns: d.patterns }));
    const base = [
      'evaluate',
      '--data',
      dataFile,
      '--models',
      modelFile,
      '--method',
      'cosine',
      '--bootstrap',
      'pattern',
      '--indices',
      json(draws),
      '--json',
    ];
    const r = await run([...base, '--test-type', 'bootstrap']);
    expect(r.status, r.stderr).toBe(0);
    const ref = c.outputs.cosine ?? null;
    const out = JSON.parse(r.stdout);
    if (ref) expectClose(out.tests.zero.p, ref.pattern.p_zero_bootstrap, 'zero p');
    const corrected = JSON.parse(
      (await run([...base, '--test-type', 'bootstrap', '--correction', 'bonferroni'])).stdout,
    );
    // Bonferroni over the 3 models: min(1, 3p)
    expectClose(
      corrected.tests.zero.p,
      out.tests.zero.p.map((p: number) => Math.min(1, 3 * p)),
      'bonferroni',
    );
  });

  it('seeded draws are deterministic; another seed gives other samples', async () => {
    const args = [
      'evaluate',
      '--data',
      dataFile,
      '--models',
      modelFile,
      '--method',
      'spearman',
      '--bootstrap',
      'both',
      '--samples',
      '40',
      '--json',
    ];
    const a = await run([...args, '--seed', '7']);
    const b = await run([...args, '--seed', '7']);
    const d = await run([...args, '--seed', '8']);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(d.stdout);
    expect(JSON.parse(a.stdout).evaluations).toHaveLength(40);
  });
});

describe('concord evaluate: bad input (exit 2, one line naming the flag)', () => {
  const cases: [string, () => string[], RegExp][] = [
    [
      'condition counts differ',
      () => ['--data', dataFile, '--models', npy([[1, 2, 3, 4, 5, 6]])],
      /--models.*66|--models.*6 entries/,
    ],
    ['fewer than 3 conditions', () => ['--data', npy([[1], [2]]), '--models', npy([[1]])], /data.*3 conditions/],
    [
      'one subject for subject-level tests',
      () => ['--data', npy([c.data[0]]), '--models', modelFile],
      /--data.*at least 2 subjects/,
    ],
    [
      '--indices out of range',
      () => [
        '--data',
        dataFile,
        '--models',
        modelFile,
        '--bootstrap',
        'pattern',
        '--indices',
        json([{ patterns: [0, 1, 2, 12] }]),
      ],
      /--indices\[0\]\.patterns\[3\].*\[0, 12\)/,
    ],
    [
      '--indices without patterns for a pattern bootstrap',
      () => [
        '--data',
        dataFile,
        '--models',
        modelFile,
        '--bootstrap',
        'pattern',
        '--indices',
        json([{ rdms: [0, 1] }]),
      ],
      /--indices\[0\]\.patterns/,
    ],
    [
      '--indices not JSON',
      () => ['--data', dataFile, '--models', modelFile, '--bootstrap', 'rdm', '--indices', join(dir, 'missing.json')],
      /missing\.json/,
    ],
    ['unknown method', () => ['--data', dataFile, '--models', modelFile, '--method', 'pearson'], /method.*'corr'/],
    ['unknown bootstrap', () => ['--data', dataFile, '--models', modelFile, '--bootstrap', 'subjects'], /--bootstrap/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const argv = ['evaluate', ...args()];
      if (!argv.includes('--method')) argv.push('--method', 'corr');
      const r = await run([...argv, '--json']);
      expect(r.status, r.stdout).toBe(2);
      // --json failures: one JSON error document on stdout, the one-line message on stderr
      const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
      expect(doc.error.code).toMatch(/^ERR_[A-Z]+_[A-Z_]+$/);
      expect(doc.error.message).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    });
  }
});
