/**
 * `concord rdm`, `concord compare`, `concord noise-ceiling`: the command-line contract, conformance against the
 * rsatoolbox reference JSON through the CLI (relative error ≤ 1e-9, bures 1e-7 and full sigma_k 5e-5 as in
 * packages/rsa/src/conformance.test.ts, for the reasons given there), and bad input (exit 2, one line).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWithSharedData, expectClose, sharedData } from '@concord/core/testing';
import { readNpy, writeNpy } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../testing.ts';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'concord-rsa-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(argv: string[]) {
  return runCliCaptured(argv, dir);
}

let fileCounter = 0;
function npy(rows: number[][] | number[]): string {
  const path = join(dir, `f${fileCounter++}.npy`);
  const nested = Array.isArray(rows[0]);
  const flat = nested ? (rows as number[][]).flat() : (rows as number[]);
  writeNpy(path, {
    data: Float64Array.from(flat),
    shape: nested ? [rows.length, (rows[0] as number[]).length] : [rows.length],
  });
  return path;
}
function json(value: unknown): string {
  const path = join(dir, `f${fileCounter++}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

// biome-ignore lint/suspicious/noExplicitAny: reference JSON
type Json = any;
const load = (name: string): Json => JSON.parse(readFileSync(sharedData('reference', 'rsa', name), 'utf8'));

describe('concord rdm / compare / noise-ceiling: contract', () => {
  it('rdm --json prints exactly the documented fields, conditions sorted, and --out writes the vector', async () => {
    const data = npy([
      [1, 2, 3],
      [4, 5, 7],
      [0, 1, 1],
      [2, 2, 2],
    ]);
    const out = join(dir, 'rdm.npy');
    const r = await run([
      'rdm',
      '--data',
      data,
      '--conditions',
      json(['b', 'a', 'c', 'a']),
      '--method',
      'euclidean',
      '--out',
      out,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['method', 'conditions', 'dissimilarities']);
    expect(doc.method).toBe('euclidean');
    expect(doc.conditions).toEqual(['a', 'b', 'c']);
    // a = mean([4,5,7],[2,2,2]) = [3,3.5,4.5]; b = [1,2,3]; c = [0,1,1]; squared distance / 3 channels
    const a = [3, 3.5, 4.5];
    const b = [1, 2, 3];
    const c = [0, 1, 1];
    const d = (x: number[], y: number[]) => x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / 3;
    expectClose(doc.dissimilarities, [d(a, b), d(a, c), d(b, c)], 1e-12, 'rdm');
    const written = readNpy(out);
    expect(written.shape).toEqual([3]);
    expectClose(Array.from(written.data as Float64Array), doc.dissimilarities, 0, 'npy');
  });

  it('compare treats a 1-D file as one RDM and returns nA × nB', async () => {
    const r = await run([
      'compare',
      '--a',
      npy([1, 2, 3]),
      '--b',
      npy([
        [1, 2, 3],
        [3, 2, 1],
      ]),
      '--method',
      'corr',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['method', 'values']);
    expectClose(doc.values.flat(), [1, -1], 1e-12, 'values');
  });

  it('runs as the real command (child process)', () => {
    const p = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'packages/cli/src/main.ts',
        'noise-ceiling',
        '--rdms',
        npy([
          [1, 2, 3],
          [1, 2, 4],
          [2, 2, 3],
        ]),
        '--method',
        'cosine',
        '--json',
      ],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(p.status, p.stderr).toBe(0);
    const doc = JSON.parse(p.stdout);
    expect(Object.keys(doc)).toEqual(['method', 'lower', 'upper']);
    expect(doc.lower).toBeLessThanOrEqual(doc.upper);
  });

  const bad: [string, () => string[], RegExp][] = [
    [
      'unknown method lists the valid ones',
      () => [
        'rdm',
        '--data',
        npy([
          [1, 2],
          [3, 4],
        ]),
        '--conditions',
        json([0, 1]),
        '--method',
        'cityblock',
      ],
      /expected one of 'euclidean'.*'poisson_cv'/,
    ],
    [
      'conditions length differs from data rows',
      () => [
        'rdm',
        '--data',
        npy([
          [1, 2],
          [3, 4],
        ]),
        '--conditions',
        json([0, 1, 2]),
        '--method',
        'euclidean',
      ],
      /--conditions has 3 entries but --data has 2/,
    ],
    [
      'a single condition',
      () => [
        'rdm',
        '--data',
        npy([
          [1, 2],
          [3, 4],
        ]),
        '--conditions',
        json(['x', 'x']),
        '--method',
        'euclidean',
      ],
      /at least 2 conditions/,
    ],
    [
      'conditions file is not an array',
      () => [
        'rdm',
        '--data',
        npy([
          [1, 2],
          [3, 4],
        ]),
        '--conditions',
        json({ a: 1 }),
        '--method',
        'euclidean',
      ],
      /expected a JSON array/,
    ],
    [
      'missing data file',
      () => ['rdm', '--data', join(dir, 'nope.npy'), '--conditions', json([0, 1]), '--method', 'euclidean'],
      /nope\.npy.*no such file/,
    ],
    [
      'vector length not n(n-1)/2',
      () => ['compare', '--a', npy([1, 2, 3, 4]), '--b', npy([1, 2, 3, 4]), '--method', 'cosine'],
      /n\(n-1\)\/2.*received length 4/,
    ],
    [
      'vectors of different lengths',
      () => ['compare', '--a', npy([1, 2, 3]), '--b', npy([1, 2, 3, 4, 5, 6]), '--method', 'cosine'],
      /length 3 and b of length 6/,
    ],
    [
      'noise precision of the wrong shape',
      () => [
        'rdm',
        '--data',
        npy([
          [1, 2],
          [3, 4],
        ]),
        '--conditions',
        json([0, 1]),
        '--method',
        'mahalanobis',
        '--noise',
        npy([
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ]),
      ],
      /noise: the precision matrix is 3×3 but the data have 2 channels/,
    ],
    [
      'noise ceiling of one subject',
      () => ['noise-ceiling', '--rdms', npy([1, 2, 3]), '--method', 'cosine'],
      /at least 2 subjects/,
    ],
  ];
  for (const [name, argv, message] of bad) {
    it(`bad input exits 2 with one line: ${name}`, async () => {
      const r = await run(argv());
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }
});

describeWithSharedData(
  ['reference', 'rsa', 'calc_rdm_cases.json'],
  'concord rdm vs rsatoolbox calc_rdm (calc_rdm_cases.json)',
  () => {
    const ref = load('calc_rdm_cases.json');
    for (const c of ref.cases as Json[]) {
      const o = c.outputs;
      const single = () => ['--conditions', json(c.condition_labels)];
      const runs = () => ['--conditions', json(c.X_runs_conds), '--runs', json(c.X_runs_runs)];
      const diag = () =>
        npy(
          c.precision_diag.map((v: number, i: number) =>
            c.precision_diag.map((_: number, j: number) => (i === j ? v : 0)),
          ),
        );
      const cases: [string, () => string[]][] = [
        ['euclidean(X_single)', () => ['--data', npy(c.X_single), ...single(), '--method', 'euclidean']],
        [
          'euclidean(X_single, remove_mean=True)',
          () => ['--data', npy(c.X_single), ...single(), '--method', 'euclidean', '--remove-mean'],
        ],
        ['correlation(X_single)', () => ['--data', npy(c.X_single), ...single(), '--method', 'correlation']],
        [
          'mahalanobis(X_single, noise=precision)',
          () => ['--data', npy(c.X_single), ...single(), '--method', 'mahalanobis', '--noise', npy(c.precision)],
        ],
        [
          'mahalanobis(X_single, noise=diag(precision_diag))',
          () => ['--data', npy(c.X_single), ...single(), '--method', 'mahalanobis', '--noise', diag()],
        ],
        [
          'euclidean(X_runs averaged per condition)',
          () => ['--data', npy(c.X_runs), '--conditions', json(c.X_runs_conds), '--method', 'euclidean'],
        ],
        [
          'correlation(X_runs averaged per condition)',
          () => ['--data', npy(c.X_runs), '--conditions', json(c.X_runs_conds), '--method', 'correlation'],
        ],
        [
          'crossnobis(X_runs, cv=runs, noise=None->identity)',
          () => ['--data', npy(c.X_runs), ...runs(), '--method', 'crossnobis'],
        ],
        [
          'crossnobis(X_runs, cv=runs, noise=precision)',
          () => ['--data', npy(c.X_runs), ...runs(), '--method', 'crossnobis', '--noise', npy(c.precision)],
        ],
        [
          'crossnobis(X_runs, cv=runs, noise=precision, remove_mean=True)',
          () => [
            '--data',
            npy(c.X_runs),
            ...runs(),
            '--method',
            'crossnobis',
            '--noise',
            npy(c.precision),
            '--remove-mean',
          ],
        ],
        [
          'poisson(counts_single, prior_lambda=1, prior_weight=0.1)',
          () => [
            '--data',
            npy(c.counts_single),
            ...single(),
            '--method',
            'poisson',
            '--prior-lambda',
            '1',
            '--prior-weight',
            '0.1',
          ],
        ],
        [
          'poisson_cv(counts_runs, cv=runs) [rsatoolbox quirk: returns LAST fold only]',
          () => ['--data', npy(c.counts_runs), ...runs(), '--method', 'poisson_cv', '--last-fold'],
        ],
      ];
      for (const [key, args] of cases) {
        it(`seed ${c.seed}: ${key}`, async () => {
          const r = await run(['rdm', ...args(), '--json']);
          expect(r.status, r.stderr).toBe(0);
          const doc = JSON.parse(r.stdout);
          expect(doc.conditions).toEqual(c.condition_labels);
          expectClose(doc.dissimilarities, o[key], 1e-9, key);
        });
      }
    }
  },
);

describeWithSharedData(
  ['reference', 'rsa', 'compare_cases.json'],
  'concord compare vs rsatoolbox compare (compare_cases.json)',
  () => {
    const ref = load('compare_cases.json');
    for (const c of ref.cases as Json[]) {
      const withNan = (rows: number[][]) =>
        rows.map((r) => r.map((v, k) => ((c.nan_positions as number[]).includes(k) ? Number.NaN : v)));
      const groups: [string, () => string[]][] = [
        ['compare(A, B, method) -> 3x2', () => ['--a', npy(c.rdms_A), '--b', npy(c.rdms_B)]],
        ['compare(A, tie_model, method) -> 3x1', () => ['--a', npy(c.rdms_A), '--b', npy(c.tie_model)]],
        [
          'compare(A, B, method, sigma_k=diag) (only *_cov, neg_riem_dist)',
          () => ['--a', npy(c.rdms_A), '--b', npy(c.rdms_B), '--sigma-k', npy(c.sigma_k_diag)],
        ],
        [
          'compare(A, B, method, sigma_k=full) (only *_cov, neg_riem_dist)',
          () => ['--a', npy(c.rdms_A), '--b', npy(c.rdms_B), '--sigma-k', npy(c.sigma_k_full)],
        ],
        [
          'compare(A_nan, B_nan, method) (NaN entries excluded)',
          () => ['--a', npy(withNan(c.rdms_A)), '--b', npy(withNan(c.rdms_B))],
        ],
      ];
      for (const [group, args] of groups) {
        for (const [method, expected] of Object.entries(c.outputs[group] as Record<string, Json>)) {
          it(`seed ${c.seed}: ${group}: ${method}`, async () => {
            const r = await run(['compare', ...args(), '--method', method, '--json']);
            if (expected.error) {
              expect(r.status).toBe(2);
              expect(r.stderr).toMatch(/not positive definite/);
              return;
            }
            expect(r.status, r.stderr).toBe(0);
            const tol =
              group.includes('sigma_k=full') && method !== 'neg_riem_dist'
                ? 5e-5
                : method.startsWith('bures')
                  ? 1e-7
                  : 1e-9;
            expectClose(JSON.parse(r.stdout).values.flat(), (expected as Json[]).flat(), tol, `${group} ${method}`);
          });
        }
      }
    }
  },
);

describeWithSharedData(
  ['reference', 'rsa', 'noise_ceiling_cases.json'],
  'concord noise-ceiling vs rsatoolbox boot_noise_ceiling',
  () => {
    const ref = load('noise_ceiling_cases.json');
    for (const c of ref.cases as Json[]) {
      for (const [method, expected] of Object.entries(c.outputs as Record<string, Json>)) {
        it(`seed ${c.seed}: ${method}`, async () => {
          const r = await run(['noise-ceiling', '--rdms', npy(c.subject_rdms), '--method', method, '--json']);
          expect(r.status, r.stderr).toBe(0);
          const doc = JSON.parse(r.stdout);
          expect(doc.method).toBe(method);
          expectClose([doc.lower, doc.upper], [expected.lower, expected.upper], 1e-9, method);
        });
      }
    }
  },
);

/**
 * Real data: Kriegeskorte et al. (2008) human-IT RDMs (4 subjects × 2 sessions) and the 8 model RDMs shipped
 * with rsatoolbox (92 images), read with @concord/io's readMat. Expected values are computed in the test by
 * scipy.io.loadmat + numpy/scipy (spearmanr, kendalltau → tau-a, corrcoef, and a numpy transcription of
 * rsatoolbox's boot_noise_ceiling with rank pooling), never from our own output. The reader is also checked
 * against the scipy-produced *.matinfo.json (first values and sums).
 */
const dataParts = ['rsa', 'rsatoolbox', '92imageData'];
const hasScipy = spawnSync('python3', ['-c', 'import numpy, scipy.io, scipy.stats'], { encoding: 'utf8' }).status === 0;
describeWithSharedData(
  dataParts,
  `92-image data: hIT RDMs vs model RDMs, noise ceiling${hasScipy ? '' : ' [scipy comparison skipped: python3 with scipy not found]'}`,
  () => {
    it('reads the MAT files, compares models with hIT and computes the noise ceiling as scipy/numpy do', async () => {
      const { readMat, isMatStructArray, isMatArray } = await import('@concord/io');
      const { Rdms, compareRdms, noiseCeiling } = await import('@concord/rsa');
      const { Matrix } = await import('@concord/core');
      const brainFile = sharedData(...dataParts, '92_brainRDMs.mat');
      const modelFile = sharedData(...dataParts, '92_modelRDMs.mat');
      const brain = readMat(brainFile).RDMs;
      const models = readMat(modelFile).Models;
      if (!isMatStructArray(brain) || !isMatStructArray(models))
        throw new Error('expected struct arrays RDMs and Models');
      expect(brain.shape).toEqual([1, 4, 2]);
      expect(models.shape).toEqual([1, 8]);
      const toMatrix = (v: unknown) => {
        if (!isMatArray(v)) throw new Error('RDM field is not numeric');
        return new Matrix(v.shape[0], v.shape[1], Float64Array.from(v.data as ArrayLike<number>));
      };
      // reader vs scipy (matinfo.json)
      const info = JSON.parse(readFileSync(`${brainFile}.matinfo.json`, 'utf8')).variables.RDMs.first_element.RDM;
      const first = toMatrix(brain.structs[0].RDM);
      expect(Array.from(first.data.slice(0, 5))).toEqual(info.first5_C_order);
      expect(Math.abs(Array.from(first.data).reduce((s: number, x: number) => s + x, 0) - info.sum)).toBeLessThan(
        1e-6 * info.sum,
      );

      const names = brain.structs.map((s) => s.name as string);
      const subjects = names.map((n) => n.split('|')[1].trim());
      const hit = Rdms.fromMatrices(
        brain.structs.map((s) => toMatrix(s.RDM)),
        { checkSymmetric: false, rdmDescriptors: { subject: subjects, name: names } },
      );
      const model = Rdms.fromMatrices(
        models.structs.map((s) => toMatrix(s.RDM)),
        { checkSymmetric: false, rdmDescriptors: { name: models.structs.map((s) => s.name as string) } },
      );
      expect(hit.nCond).toBe(92);
      expect(subjects).toEqual(['BE', 'BE', 'KO', 'KO', 'SN', 'SN', 'TI', 'TI']);
      const ours: Record<string, number[]> = {};
      for (const method of ['spearman', 'tau-a', 'corr', 'cosine'])
        ours[method] = Array.from(compareRdms(model, hit, { method }).data);
      const nc: Record<string, { lower: number; upper: number }> = {};
      for (const method of ['spearman', 'corr', 'cosine'])
        nc[method] = noiseCeiling(hit, { method, rdmDescriptor: 'subject' });
      // animacy (a categorical model) relates positively to human IT; monkey IT more so.
      const row = (name: string) => model.rdmDescriptors.name.indexOf(name);
      const meanOver = (m: string, r: number) => ours[m].slice(r * 8, r * 8 + 8).reduce((s, x) => s + x, 0) / 8;
      expect(meanOver('spearman', row('monkeyIT'))).toBeGreaterThan(meanOver('spearman', row('RADON')));
      expect(nc.spearman.lower).toBeLessThan(nc.spearman.upper);
      if (!hasScipy) return;
      const script = `
import json, sys, numpy as np, scipy.io as sio, scipy.stats as st
from scipy.spatial.distance import squareform
b = sio.loadmat(sys.argv[1])['RDMs']; m = sio.loadmat(sys.argv[2])['Models']
H = np.array([squareform(b[0, i, j]['RDM'].astype(float), checks=False) for i in range(4) for j in range(2)])
M = np.array([squareform(m[0, i]['RDM'].astype(float), checks=False) for i in range(8)])
subj = np.repeat(np.arange(4), 2); n = H.shape[1]; tot = n * (n - 1) / 2
def ties(v):
    _, c = np.unique(v, return_counts=True); return float((c * (c - 1) // 2).sum())
def tau_a(x, y):
    return st.kendalltau(x, y).correlation * np.sqrt(tot - ties(x)) * np.sqrt(tot - ties(y)) / tot
cmp = {'spearman': lambda x, y: st.spearmanr(x, y).correlation, 'tau-a': tau_a,
       'corr': lambda x, y: np.corrcoef(x, y)[0, 1], 'cosine': lambda x, y: x @ y / np.linalg.norm(x) / np.linalg.norm(y)}
out = {k: [f(x, y) for x in M for y in H] for k, f in cmp.items()}
def pool(R, method):
    if method == 'spearman': return np.mean([st.rankdata(r) for r in R], 0)
    if method == 'cosine': return np.mean(R / np.sqrt(np.mean(R ** 2, 1, keepdims=True)), 0)
    Z = (R - R.mean(1, keepdims=True)) / R.std(1, keepdims=True); p = Z.mean(0); return p - p.min()
nc = {}
for method in ['spearman', 'corr', 'cosine']:
    lo, up = [], []
    for s in range(4):
        test = H[subj == s]
        lo.append(np.mean([cmp[method](pool(H[subj != s], method), t) for t in test]))
        up.append(np.mean([cmp[method](pool(H, method), t) for t in test]))
    nc[method] = {'lower': float(np.mean(lo)), 'upper': float(np.mean(up))}
print(json.dumps({'compare': out, 'nc': nc}))
`;
      const p = spawnSync('python3', ['-c', script, brainFile, modelFile], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(p.status, p.stderr).toBe(0);
      const ref = JSON.parse(p.stdout);
      for (const method of Object.keys(ours)) expectClose(ours[method], ref.compare[method], 1e-9, `compare ${method}`);
      for (const method of Object.keys(nc))
        expectClose(
          [nc[method].lower, nc[method].upper],
          [ref.nc[method].lower, ref.nc[method].upper],
          1e-9,
          `noise ceiling ${method}`,
        );
    }, 180_000);
  },
);

/**
 * Real data: the 63 AlexNet model RDMs of rsatoolbox's "inferring" demo (modelRDMs_A2020.mat, 4186-pair float32
 * vectors), compared all against all (the rank-once-reuse path of the rank methods), expected values from
 * scipy.stats computed in the test.
 */
const inferParts = ['rsa', 'rsatoolbox', 'rdms_inferring', 'modelRDMs_A2020.mat'];
describeWithSharedData(
  inferParts,
  `modelRDMs_A2020: 63 × 63 rank comparisons${hasScipy ? '' : ' [scipy comparison skipped: python3 with scipy not found]'}`,
  () => {
    it('spearman, kendall and tau-a of every pair match scipy.stats', async () => {
      const { readMat, isMatStructArray, isMatArray } = await import('@concord/io');
      const { Rdms, compareRdms } = await import('@concord/rsa');
      const file = sharedData(...inferParts);
      const models = readMat(file).modelRDMs;
      if (!isMatStructArray(models)) throw new Error('expected the struct array modelRDMs');
      const vectors = models.structs.map((s) => {
        if (!isMatArray(s.RDM)) throw new Error('RDM is not numeric');
        return Array.from(s.RDM.data as ArrayLike<number>);
      });
      expect(vectors).toHaveLength(63);
      const rdms = Rdms.fromVectors(vectors);
      expect(rdms.nCond).toBe(92);
      const ours = Object.fromEntries(
        ['spearman', 'kendall', 'tau-a'].map((m) => [m, Array.from(compareRdms(rdms, rdms, { method: m }).data)]),
      );
      for (let i = 0; i < 63; i++) expect(ours.spearman[i * 63 + i]).toBeCloseTo(1, 12);
      if (!hasScipy) return;
      const script = `
import json, sys, numpy as np, scipy.io as sio, scipy.stats as st
m = sio.loadmat(sys.argv[1])['modelRDMs']
V = np.array([m[0, i]['RDM'].astype(float).ravel() for i in range(m.shape[1])]); n = V.shape[1]; tot = n * (n - 1) / 2
def ties(v):
    _, c = np.unique(v, return_counts=True); return float((c * (c - 1) // 2).sum())
R = np.array([st.rankdata(v) for v in V]); rho = np.corrcoef(R)
tb = np.array([[st.kendalltau(x, y).correlation for y in V] for x in V])
tx = np.array([ties(v) for v in V])
ta = tb * np.sqrt(tot - tx)[:, None] * np.sqrt(tot - tx)[None, :] / tot
print(json.dumps({'spearman': rho.ravel().tolist(), 'kendall': tb.ravel().tolist(), 'tau-a': ta.ravel().tolist()}))
`;
      const p = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 120_000 });
      expect(p.status, p.stderr).toBe(0);
      const ref = JSON.parse(p.stdout);
      for (const m of Object.keys(ours)) expectClose(ours[m], ref[m], 1e-9, m);
    }, 180_000);
  },
);
