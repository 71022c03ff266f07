/**
 * Design matrix and GLM. The HRF, regressors and cosine drifts are compared with an independent numpy/scipy
 * computation written in this test from nilearn's published algorithm (glm/first_level/hemodynamic_models.py:
 * _gamma_difference_hrf, _sample_condition, compute_regressor with interp1d, _cosine_drift). The GLM is checked
 * on simulated BOLD with known betas: OLS and AR(1) recover them within their standard errors, and OLS betas
 * equal numpy.linalg.lstsq on the same data.
 */
import { Matrix, Rng } from '@concord/core';
import { defined, describeWithPython, runPythonJson } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { cosineDrift, designMatrix } from './design.ts';
import { FMRI_ERRORS } from './errors.ts';
import { eventsFromObjects, eventsFromRows } from './events.ts';
import { ar1Coefficients, fitGlm, glmBetas } from './glm.ts';
import { gammaPdf, spmHrf } from './hrf.ts';

const PY_NILEARN_LIKE = `
import numpy as np
from scipy.stats import gamma
from scipy.interpolate import interp1d
def hrf(tr, oversampling=50, time_length=32., onset=0., delay=6, undershoot=16., dispersion=1., u_dispersion=1., ratio=0.167):
    dt = tr / oversampling
    ts = np.linspace(0, time_length, np.rint(float(time_length) / dt).astype(int)) - onset
    h = gamma.pdf(ts, delay / dispersion, loc=dt, scale=dispersion) - ratio * gamma.pdf(ts, undershoot / u_dispersion, loc=dt, scale=u_dispersion)
    return h / h.sum()
def regressor(onsets, durations, values, frame_times, tr, oversampling=50, min_onset=-24.):
    n = frame_times.size
    n_hr = ((n - 1) * 1. / (frame_times.max() - frame_times.min()) * (np.max(frame_times) * (1 + 1. / (n - 1)) - frame_times[0] - min_onset) * oversampling) + 1
    hr_t = np.linspace(frame_times[0] + min_onset, np.max(frame_times) * (1 + 1. / (n - 1)), np.rint(n_hr).astype(int))
    tmax = len(hr_t)
    reg = np.zeros_like(hr_t)
    t_on = np.minimum(np.searchsorted(hr_t, onsets), tmax - 1)
    for t, v in zip(t_on, values): reg[t] += v
    t_off = np.minimum(np.searchsorted(hr_t, np.asarray(onsets) + np.asarray(durations)), tmax - 1)
    for i, t in enumerate(t_off):
        if t < tmax - 1 and t == t_on[i]: t_off[i] += 1
    for t, v in zip(t_off, values): reg[t] -= v
    reg = np.cumsum(reg)
    conv = np.convolve(reg, hrf(tr, oversampling))[:reg.size]
    return interp1d(hr_t, conv)(frame_times)
def cosine(high_pass, ft):
    n = len(ft); nt = np.arange(n); dt = (ft[-1] - ft[0]) / (n - 1)
    order = min(n - 1, int(np.floor(2 * n * high_pass * dt)))
    c = np.zeros((n, order + 1)); norm = np.sqrt(2.0 / n)
    for k in range(1, order + 1): c[:, k - 1] = norm * np.cos((np.pi / n) * (nt + .5) * k)
    c[:, -1] = 1.
    return c
`;

const EVENTS = [
  { onset: 10, duration: 5, trialType: 'face' },
  { onset: 31.3, duration: 0, trialType: 'house' },
  { onset: 47, duration: 12.5, trialType: 'face', modulation: 2 },
  { onset: 80.2, duration: 3, trialType: 'house' },
  { onset: 101, duration: 1, trialType: 'chair' },
];

describe('HRF basics', () => {
  it('gamma pdf matches closed forms; the HRF sums to 1 and peaks near 5 s', () => {
    expect(gammaPdf(2, 1)).toBeCloseTo(Math.exp(-2), 15);
    expect(gammaPdf(3, 6)).toBeCloseTo((3 ** 5 * Math.exp(-3)) / 120, 15);
    const h = spmHrf(2);
    expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const peak = h.indexOf(Math.max(...h)) * (2 / 50);
    expect(peak).toBeGreaterThan(4.5);
    expect(peak).toBeLessThan(5.5);
  });
  it('cosine drift columns are orthonormal (scaled) and the last is the constant', () => {
    const ft = Float64Array.from({ length: 100 }, (_, i) => i * 2);
    const d = cosineDrift(1 / 128, ft);
    expect(d.names).toEqual(['drift_1', 'drift_2', 'drift_3', 'constant']);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let s = 0;
        for (let t = 0; t < 100; t++) s += d.matrix.get(t, a) * d.matrix.get(t, b);
        expect(s).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
  });
});

describeWithPython(
  ['numpy', 'scipy'],
  'design matrix vs an independent numpy/scipy computation of nilearn’s algorithm',
  () => {
    for (const tr of [2, 2.5, 0.8]) {
      it(`tr ${tr}: HRF kernel, condition regressors (sorted names) and cosine drifts to 1e-12`, () => {
        const nScans = Math.round(130 / tr);
        const events = eventsFromObjects(EVENTS);
        const dm = designMatrix(events, { nScans, tr });
        const ref = runPythonJson<{ hrf: number[]; regs: Record<string, number[]>; drift: number[][] }>(
          `${PY_NILEARN_LIKE}
ev = data['events']; tr = data['tr']; ft = np.linspace(0, (data['n'] - 1) * tr, data['n'])
regs = {}
for c in sorted(set(e['trialType'] for e in ev)):
    sel = [e for e in ev if e['trialType'] == c]
    regs[c] = regressor([e['onset'] for e in sel], [e['duration'] for e in sel], [e.get('modulation', 1) for e in sel], ft, tr).tolist()
result = {'hrf': hrf(tr).tolist(), 'regs': regs, 'drift': cosine(1/128, ft).tolist()}`,
          { events: EVENTS, tr, n: nScans },
        );
        const h = spmHrf(tr);
        expect(h.length).toBe(ref.hrf.length);
        for (let i = 0; i < h.length; i++) expect(Math.abs(h[i] - ref.hrf[i])).toBeLessThan(1e-12);
        expect(dm.conditions).toEqual(['chair', 'face', 'house']);
        const nDrift = ref.drift[0].length;
        expect(dm.names).toEqual([
          'chair',
          'face',
          'house',
          ...Array.from({ length: nDrift - 1 }, (_, k) => `drift_${k + 1}`),
          'constant',
        ]);
        for (const [j, c] of dm.conditions.entries()) {
          for (let t = 0; t < nScans; t++) expect(Math.abs(dm.matrix.get(t, j) - ref.regs[c][t])).toBeLessThan(1e-12);
        }
        for (let k = 0; k < nDrift; k++)
          for (let t = 0; t < nScans; t++)
            expect(Math.abs(dm.matrix.get(t, 3 + k) - ref.drift[t][k])).toBeLessThan(1e-12);
      });
    }

    it('AR(1) betas, ρ and SE equal a numpy transcription of nilearn run_glm (Yule–Walker, 0.01 bins, whitened refit)', () => {
      const { dm, y } = simulate(31, 0.5, 240, 30);
      const fit = fitGlm(y, dm.matrix, { noiseModel: 'ar1' });
      const ref = runPythonJson<{ b: number[][]; rho: number[]; se: number[][] }>(
        `import numpy as np
X = np.array(data['x']); Y = np.array(data['y']); n = X.shape[0]
B = np.linalg.pinv(X) @ Y; R = Y - X @ B
r0 = (R ** 2).sum(0) / n; r1 = (R[:-1] * R[1:]).sum(0) / (n - 1)
rho = (r1 / r0 * 100).astype(int) / 100.
Bo = np.zeros_like(B); SE = np.zeros_like(B)
for v in np.unique(rho):
    sel = rho == v
    Xw = X.copy(); Xw[1:] = X[1:] - v * X[:-1]
    Yw = Y[:, sel].copy(); Yw[1:] = Y[1:, sel] - v * Y[:-1, sel]
    P = np.linalg.pinv(Xw); b = P @ Yw; res = Yw - Xw @ b
    s2 = (res ** 2).sum(0) / (n - np.linalg.matrix_rank(Xw))
    Bo[:, sel] = b; SE[:, sel] = np.sqrt(np.outer(np.diag(P @ P.T), s2))
result = {'b': Bo.tolist(), 'rho': rho.tolist(), 'se': SE.tolist()}`,
        { x: dm.matrix.toArray(), y: y.toArray() },
      );
      expect(Array.from(defined(fit.rho))).toEqual(ref.rho);
      for (let j = 0; j < fit.betas.rows; j++) {
        for (let v = 0; v < 30; v++) {
          expect(Math.abs(fit.betas.get(j, v) - ref.b[j][v])).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref.b[j][v])));
          expect(Math.abs(fit.se.get(j, v) - ref.se[j][v])).toBeLessThan(1e-9 * Math.max(1, ref.se[j][v]));
        }
      }
    });

    it('OLS betas equal numpy.linalg.lstsq on the same design and data', () => {
      const events = eventsFromObjects(EVENTS);
      const dm = designMatrix(events, { nScans: 70, tr: 2 });
      const rng = new Rng(5);
      const y = Matrix.zeros(70, 40);
      rng.fillNormal(y.data);
      const fit = fitGlm(y, dm.matrix);
      const ref = runPythonJson<number[][]>(
        `import numpy as np\nX = np.array(data['x']); Y = np.array(data['y'])\nresult = np.linalg.lstsq(X, Y, rcond=None)[0].tolist()`,
        { x: dm.matrix.toArray(), y: y.toArray() },
      );
      for (let j = 0; j < fit.betas.rows; j++)
        for (let v = 0; v < 40; v++) expect(Math.abs(fit.betas.get(j, v) - ref[j][v])).toBeLessThan(1e-10);
    });
  },
);

/** Simulated run: known betas per condition and voxel, AR(1) noise with coefficient rho. */
function simulate(seed: number, rho: number, nScans = 240, nVoxels = 300) {
  const rng = new Rng(seed);
  const events = [];
  const conds = ['a', 'b', 'c', 'd'];
  for (let i = 0; i < 40; i++) events.push({ onset: 6 + i * 11.5, duration: 2, trialType: conds[i % 4] });
  const ev = eventsFromObjects(events);
  const dm = designMatrix(ev, { nScans, tr: 2 });
  const trueB = Matrix.zeros(dm.matrix.cols, nVoxels);
  rng.fillNormal(trueB.data);
  const y = Matrix.zeros(nScans, nVoxels);
  const noise = new Float64Array(nVoxels);
  const e = new Float64Array(nVoxels);
  for (let t = 0; t < nScans; t++) {
    rng.fillNormal(e);
    for (let v = 0; v < nVoxels; v++) {
      noise[v] = t === 0 ? e[v] / Math.sqrt(1 - rho * rho) : rho * noise[v] + e[v];
      let s = noise[v];
      for (let j = 0; j < dm.matrix.cols; j++) s += dm.matrix.get(t, j) * trueB.get(j, v);
      y.set(t, v, s);
    }
  }
  return { ev, dm, trueB, y };
}

describe('GLM on simulated BOLD with known betas', () => {
  for (const [noiseModel, rho] of [
    ['ols', 0],
    ['ar1', 0.4],
  ] as const) {
    it(`${noiseModel} (true AR coefficient ${rho}): condition betas within their standard errors`, () => {
      const { dm, trueB, y } = simulate(11, rho);
      const fit = fitGlm(y, dm.matrix, { noiseModel });
      let within2 = 0;
      let total = 0;
      const z: number[] = [];
      for (let j = 0; j < 4; j++) {
        for (let v = 0; v < y.cols; v++) {
          const zz = (fit.betas.get(j, v) - trueB.get(j, v)) / fit.se.get(j, v);
          z.push(zz);
          if (Math.abs(zz) < 2) within2++;
          total++;
        }
      }
      // standardised errors should be ~N(0, 1): ~95% within 2 SE, variance near 1
      expect(within2 / total).toBeGreaterThan(0.92);
      const varZ = z.reduce((a, b) => a + b * b, 0) / z.length;
      expect(varZ).toBeGreaterThan(0.8);
      expect(varZ).toBeLessThan(1.25);
      if (noiseModel === 'ar1') {
        const meanRho = defined(fit.rho).reduce((a, b) => a + b, 0) / defined(fit.rho).length;
        // residual autocorrelation of a fitted model is biased towards 0 (and nilearn truncates into 0.01 bins)
        expect(meanRho).toBeGreaterThan(rho - 0.12);
        expect(meanRho).toBeLessThan(rho);
        for (const r of defined(fit.rho)) expect(Math.round(r * 100) / 100).toBeCloseTo(r, 12); // 0.01 bins
      }
    });
  }

  it('OLS ignoring AR(1) noise understates the standard errors, AR(1) prewhitening does not', () => {
    const { dm, trueB, y } = simulate(12, 0.6);
    const spread = (noiseModel: 'ols' | 'ar1') => {
      const fit = fitGlm(y, dm.matrix, { noiseModel });
      let s = 0;
      let n = 0;
      for (let j = 0; j < 4; j++)
        for (let v = 0; v < y.cols; v++, n++) s += ((fit.betas.get(j, v) - trueB.get(j, v)) / fit.se.get(j, v)) ** 2;
      return s / n;
    };
    expect(Math.abs(spread('ar1') - 1)).toBeLessThan(0.25);
    expect(spread('ols')).toBeGreaterThan(spread('ar1'));
  });

  it('ar1Coefficients is the Yule–Walker ratio r1/(n−1) ÷ r0/n', () => {
    const r = Matrix.from([[1], [2], [-1], [0.5]]);
    const r0 = 1 + 4 + 1 + 0.25;
    const r1 = 1 * 2 + 2 * -1 + -1 * 0.5;
    expect(ar1Coefficients(r)[0]).toBeCloseTo(r1 / 3 / (r0 / 4), 15);
  });

  it('glmBetas lsa: one row per condition per run with conds/run descriptors; lss: one row per trial', () => {
    const a = simulate(21, 0, 240, 20);
    const b = simulate(22, 0, 240, 20);
    const ds = glmBetas(
      [
        { data: a.y, events: a.ev, run: 1 },
        { data: b.y, events: b.ev, run: 2 },
      ],
      { tr: 2, keepResiduals: true },
    );
    expect(ds.nObs).toBe(8);
    expect(ds.obsDescriptors.conds).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd']);
    expect(ds.obsDescriptors.run).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    const direct = fitGlm(a.y, a.dm.matrix);
    for (let v = 0; v < 20; v++) expect(ds.measurements.get(2, v)).toBeCloseTo(direct.betas.get(2, v), 10);
    expect((ds.descriptors.residuals as Matrix[])[1].shape).toEqual([240, 20]);
    const lss = glmBetas([{ data: a.y, events: a.ev, run: 1 }], { tr: 2, method: 'lss', conditions: ['a', 'b'] });
    expect(lss.nObs).toBe(20);
    expect(lss.obsDescriptors.conds.slice(0, 4)).toEqual(['a', 'b', 'a', 'b']);
    expect(lss.obsDescriptors.trial.slice(0, 3)).toEqual([0, 1, 4]);
    // the average of single-trial betas of a condition is close to its LSA beta (same underlying amplitude)
    let meanA = 0;
    for (let i = 0; i < 20; i += 2) meanA += lss.measurements.get(i, 0) / 10;
    expect(Math.abs(meanA - a.trueB.get(0, 0))).toBeLessThan(1);
  });

  it('events past the end of the run and malformed events are typed errors naming the file and field', () => {
    const ev = eventsFromRows(
      [
        ['onset', 'duration', 'trial_type'],
        ['10', '2', 'a'],
        ['500', '2', 'b'],
      ],
      'sub-01_task-x_events.tsv',
    );
    expect(() => designMatrix(ev, { nScans: 100, tr: 2 })).toThrow(
      expect.objectContaining({
        code: FMRI_ERRORS.EVENTS_PAST_END,
        message: expect.stringMatching(/sub-01_task-x_events\.tsv.*onset.*row 3/),
      }),
    );
    expect(() =>
      eventsFromRows(
        [
          ['onset', 'trial_type'],
          ['1', 'a'],
        ],
        'e.tsv',
      ),
    ).toThrow(
      expect.objectContaining({ code: FMRI_ERRORS.BAD_EVENTS, message: expect.stringContaining("'duration'") }),
    );
    expect(() =>
      eventsFromRows(
        [
          ['onset', 'duration'],
          ['x', '1'],
        ],
        'e.tsv',
      ),
    ).toThrow(
      expect.objectContaining({ code: FMRI_ERRORS.BAD_EVENTS, message: expect.stringContaining('column onset') }),
    );
    expect(() =>
      eventsFromRows(
        [
          ['onset', 'duration'],
          ['1', '-1'],
        ],
        'e.tsv',
      ),
    ).toThrow(expect.objectContaining({ code: FMRI_ERRORS.BAD_EVENTS }));
    expect(() => fitGlm(Matrix.zeros(3, 2), Matrix.zeros(3, 2), { noiseModel: 'ar3' as never })).toThrow(
      expect.objectContaining({ code: FMRI_ERRORS.UNKNOWN_METHOD, message: expect.stringContaining("'ar1'") }),
    );
  });
});
