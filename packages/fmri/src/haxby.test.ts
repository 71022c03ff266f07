/**
 * Real data end to end: Haxby et al. (2001), as shipped with PyMVPA (../shared/data/nifti).
 *
 * 1. pymvpa-example (one axial slice, 1452 volumes, 12 runs, labels per volume in attributes.txt): the masked
 *    volumes (530 voxels) are averaged per run and category → 96 patterns → RDMs with calcRdm ('euclidean',
 *    'correlation', and 'crossnobis' across runs). How the expected values were obtained: our reader's voxel values
 *    are first checked against nibabel's JSON (the time series of the listed voxels, exactly); numpy then computes,
 *    inside this test, the same pattern averages and the three RDMs from those values with rsatoolbox's formulas
 *    (euclidean = mean squared difference; correlation = 1 − Pearson r; crossnobis = leave-one-run-out
 *    train·test cross products, averaged over folds, divided by the number of channels).
 * 2. pymvpa-haxby2001 (12 runs of 121 volumes on a 25 mm grid, BIDS-like events): GLM (LSA) betas in the brain
 *    mask, checked against numpy.linalg.lstsq on the same design matrix and masked data; then a crossnobis RDM
 *    of the betas across runs.
 */
import { readFileSync } from 'node:fs';
import { Dataset, Matrix } from '@concord/core';
import { defined, describeWithSharedData, hasPythonModules, runPythonJson, sharedData } from '@concord/core/testing';
import { calcRdm } from '@concord/rsa';
import { expect, it } from 'vitest';
import { designMatrix } from './design.ts';
import { readBidsEvents } from './events.ts';
import { glmBetas } from './glm.ts';
import { NiftiMasker } from './masker.ts';
import { readNifti } from './read-nifti.ts';

const python = hasPythonModules(['numpy']);
const itPy = python ? it : it.skip;

const PY_RDMS = `
import numpy as np
X = np.array(data['x']); labels = np.array(data['labels']); chunks = np.array(data['chunks'])
cats = sorted(set(labels.tolist()) - {0}); runs = sorted(set(chunks.tolist()))
P = np.array([X[(labels == c) & (chunks == r)].mean(axis=0) for r in runs for c in cats])
n = len(cats); C = X.shape[1]
def upper(m): return m[np.triu_indices(m.shape[0], 1)].tolist()
mean = np.array([P[np.arange(len(runs)) * n + i].mean(axis=0) for i in range(n)])
eu = ((mean[:, None, :] - mean[None, :, :]) ** 2).sum(-1) / C
corr = 1 - np.corrcoef(mean)
rdms = []
for r in range(len(runs)):
    test = P[r * n:(r + 1) * n]
    train = np.mean([P[s * n:(s + 1) * n] for s in range(len(runs)) if s != r], axis=0)
    k = train @ test.T
    rdms.append(np.diag(k)[None, :] + np.diag(k)[:, None] - k - k.T)
cn = np.mean(rdms, axis=0) / C
result = {'euclidean': upper(eu), 'correlation': upper(corr), 'crossnobis': upper(cn), 'cats': cats}
`;

describeWithSharedData(['nifti', 'pymvpa-example'], 'Haxby 2001 single slice (PyMVPA example): patterns → RDMs', () => {
  const dir = sharedData('nifti', 'pymvpa-example');
  const attrs = readFileSync(`${dir}/attributes.txt`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const labels = attrs.map((a) => a[0]);
  const chunks = attrs.map((a) => a[1]);

  itPy('euclidean, correlation and crossnobis RDMs equal the numpy computation on the same voxel values', async () => {
    const bold = await readNifti(`${dir}/bold.nii.gz`);
    const ref = JSON.parse(readFileSync(`${dir}/bold.nii.gz.nibabel.json`, 'utf8'));
    for (const v of ref.voxels) expect(Array.from(bold.getTimeSeries(v.ijk))).toEqual(v.scaled_value);
    const masker = new NiftiMasker(`${dir}/mask.nii.gz`);
    const x = masker.transform(bold);
    expect(labels.length).toBe(x.rows);
    // per-run condition patterns as a Dataset (rows = volumes of categories 1..8), averaged by calcRdm per condition
    const keep = labels.map((l, i) => (l !== 0 ? i : -1)).filter((i) => i >= 0);
    const ds = new Dataset(x.selectRows(keep), {
      obsDescriptors: { conds: keep.map((i) => labels[i]), run: keep.map((i) => chunks[i]) },
    });
    // crossnobis works on per-run averages: average within (run, condition) first
    const runPatterns = averageBy(ds);
    const expected = runPythonJson<Record<string, number[]>>(PY_RDMS, { x: x.toArray(), labels, chunks });
    for (const method of ['euclidean', 'correlation'] as const) {
      const rdm = calcRdm(runPatterns, { method, descriptor: 'conds' });
      const got = rdm.dissimilarities.row(0);
      expect(got.length).toBe(28);
      for (let k = 0; k < 28; k++)
        expect(Math.abs(got[k] - expected[method][k]), `${method}[${k}]`).toBeLessThan(
          1e-9 * Math.max(1, Math.abs(expected[method][k])),
        );
    }
    const cn = calcRdm(runPatterns, {
      method: 'crossnobis',
      descriptor: 'conds',
      cvDescriptor: 'run',
    }).dissimilarities.row(0);
    for (let k = 0; k < 28; k++)
      expect(Math.abs(cn[k] - expected.crossnobis[k]), `crossnobis[${k}]`).toBeLessThan(
        1e-9 * Math.max(1, Math.abs(expected.crossnobis[k])),
      );
    // sanity that could fail: faces (1) and houses (2) are far apart in ventral temporal cortex, cross-validated
    expect(cn[0]).toBeGreaterThan(0);
  });
});

/** Average observations sharing (run, conds). */
function averageBy(ds: Dataset): Dataset {
  const key = (i: number) => `${ds.obsDescriptors.run[i]}|${ds.obsDescriptors.conds[i]}`;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < ds.nObs; i++) {
    if (!groups.has(key(i))) groups.set(key(i), []);
    defined(groups.get(key(i))).push(i);
  }
  const m = Matrix.zeros(groups.size, ds.nChannels);
  const conds: number[] = [];
  const run: number[] = [];
  [...groups.values()].forEach((rows, g) => {
    for (const r of rows)
      for (let c = 0; c < ds.nChannels; c++) m.data[g * ds.nChannels + c] += ds.measurements.get(r, c) / rows.length;
    conds.push(Number(ds.obsDescriptors.conds[rows[0]]));
    run.push(Number(ds.obsDescriptors.run[rows[0]]));
  });
  return new Dataset(m, { obsDescriptors: { conds, run } });
}

describeWithSharedData(
  ['nifti', 'pymvpa-haxby2001'],
  'Haxby 2001 sub001, 12 runs at 25 mm: GLM betas → crossnobis',
  () => {
    const root = sharedData('nifti', 'pymvpa-haxby2001', 'sub001');
    const runDir = (r: number) => `${root}/BOLD/task001_run${String(r).padStart(3, '0')}`;

    itPy('LSA betas in the brain mask equal numpy lstsq per run; crossnobis RDM across runs from them', async () => {
      const masker = new NiftiMasker(`${root}/masks/25mm/brain.nii.gz`);
      expect(masker.nVoxels).toBe(129);
      const runs = await Promise.all(
        Array.from({ length: 12 }, async (_, k) => ({
          data: await readNifti(`${runDir(k + 1)}/bold_25mm.nii.gz`),
          events: `${runDir(k + 1)}/bold_events.tsv`,
          run: k + 1,
        })),
      );
      expect(runs[0].data.tr).toBe(2.5);
      const ds = glmBetas(runs, { masker, method: 'lsa', noiseModel: 'ols', keepResiduals: true });
      expect(ds.nObs).toBe(96);
      expect(ds.nChannels).toBe(129);
      expect(ds.obsDescriptors.conds.slice(0, 8)).toEqual([
        'bottle',
        'cat',
        'chair',
        'face',
        'house',
        'scissors',
        'scrambledpix',
        'shoe',
      ]);
      for (const r of [0, 7]) {
        const y = masker.transform(runs[r].data);
        const dm = designMatrix(readBidsEvents(runs[r].events), { nScans: 121, tr: 2.5 });
        const ref = runPythonJson<number[][]>(
          `import numpy as np\nresult = np.linalg.lstsq(np.array(data['x']), np.array(data['y']), rcond=None)[0][:8].tolist()`,
          { x: dm.matrix.toArray(), y: y.toArray() },
        );
        for (let c = 0; c < 8; c++) {
          for (let v = 0; v < 129; v++) {
            const got = ds.measurements.get(r * 8 + c, v);
            expect(Math.abs(got - ref[c][v])).toBeLessThan(1e-8 * Math.max(1, Math.abs(ref[c][v])));
          }
        }
      }
      const residuals = ds.descriptors.residuals as Matrix[];
      expect(residuals).toHaveLength(12);
      const rdm = calcRdm(ds, { method: 'crossnobis', descriptor: 'conds', cvDescriptor: 'run' });
      expect(rdm.nCond).toBe(8);
      const v = rdm.dissimilarities.row(0);
      expect(v.every(Number.isFinite)).toBe(true);
      // the same crossnobis in numpy from the betas (leave-one-run-out, rsatoolbox's formula)
      const ref = runPythonJson<number[]>(
        `import numpy as np
B = np.array(data['b']); n = 8; R = 12; C = B.shape[1]
rdms = []
for r in range(R):
    test = B[r * n:(r + 1) * n]
    train = np.mean([B[s * n:(s + 1) * n] for s in range(R) if s != r], axis=0)
    k = train @ test.T
    rdms.append(np.diag(k)[None, :] + np.diag(k)[:, None] - k - k.T)
m = np.mean(rdms, axis=0) / C
result = m[np.triu_indices(n, 1)].tolist()`,
        { b: ds.measurements.toArray() },
      );
      for (let k = 0; k < 28; k++) expect(Math.abs(v[k] - ref[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref[k])));
    });
  },
);
