/**
 * Invariants that must hold for any input (random inputs from a seeded Rng): RDMs are symmetric with a zero
 * diagonal and non-negative for distance methods; rank comparators are invariant to monotone transforms; cosine and
 * correlation are bounded; crossnobis is unbiased (≈ 0 for identical conditions under noise); simulated data have
 * the model's geometry.
 */
import { Dataset, Matrix, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { calcRdm } from './calc-rdm.ts';
import { compareRdms } from './compare.ts';
import { categoricalRdm } from './model-rdms.ts';
import { noiseCeiling } from './noise-ceiling.ts';
import { Rdms } from './rdms.ts';
import { makeDesign, simulateDatasets } from './simulation.ts';
import { minmaxTransform, positiveTransform, rankTransform, sqrtTransform } from './transforms.ts';

function randomDataset(rng: Rng, nCond: number, nRep: number, nChan: number, positive = false): Dataset {
  const x = Matrix.zeros(nCond * nRep, nChan);
  rng.fillNormal(x.data);
  if (positive) for (let k = 0; k < x.data.length; k++) x.data[k] = Math.round(Math.exp(x.data[k]) * 3);
  const conds: number[] = [];
  const runs: number[] = [];
  for (let r = 0; r < nRep; r++) {
    for (let c = 0; c < nCond; c++) {
      conds.push(c);
      runs.push(r);
    }
  }
  return new Dataset(x, { obsDescriptors: { conds, runs } });
}

function randomRdms(rng: Rng, nRdms: number, nCond: number): Rdms {
  const m = Matrix.zeros(nRdms, (nCond * (nCond - 1)) / 2);
  for (let k = 0; k < m.data.length; k++) m.data[k] = rng.random() * 2;
  return Rdms.fromVectors(m);
}

describe('RDM invariants', () => {
  const rng = new Rng(42);
  for (const method of ['euclidean', 'correlation', 'mahalanobis', 'crossnobis', 'poisson', 'poisson_cv']) {
    it(`${method}: symmetric square form, zero diagonal, finite; distances non-negative where they must be`, () => {
      for (let trial = 0; trial < 5; trial++) {
        const ds = randomDataset(rng, 3 + trial, 3, 7, method.startsWith('poisson'));
        const rdm = calcRdm(ds, { method, descriptor: 'conds', cvDescriptor: 'runs' });
        const m = rdm.getMatrix(0);
        for (let i = 0; i < m.rows; i++) {
          expect(m.get(i, i)).toBe(0);
          for (let j = 0; j < m.rows; j++) {
            expect(m.get(i, j)).toBe(m.get(j, i));
            expect(Number.isFinite(m.get(i, j))).toBe(true);
          }
        }
        if (method === 'euclidean' || method === 'mahalanobis' || method === 'poisson')
          for (const v of rdm.getVector(0)) expect(v).toBeGreaterThanOrEqual(0);
        if (method === 'correlation') for (const v of rdm.getVector(0)) expect(v).toBeLessThanOrEqual(2 + 1e-12);
      }
    });
  }

  it('euclidean equals squared distance / channels computed directly; correlation equals 1 − Pearson r', () => {
    const ds = randomDataset(rng, 5, 1, 11);
    const x = ds.measurements;
    const e = calcRdm(ds, { method: 'euclidean', descriptor: 'conds' }).getMatrix(0);
    const c = calcRdm(ds, { method: 'correlation', descriptor: 'conds' }).getMatrix(0);
    for (let i = 0; i < 5; i++) {
      for (let j = i + 1; j < 5; j++) {
        let s = 0;
        for (let k = 0; k < 11; k++) s += (x.get(i, k) - x.get(j, k)) ** 2;
        expect(e.get(i, j)).toBeCloseTo(s / 11, 12);
        const a = Array.from(x.row(i));
        const b = Array.from(x.row(j));
        const ma = a.reduce((p, q) => p + q) / 11;
        const mb = b.reduce((p, q) => p + q) / 11;
        const cov = a.reduce((p, q, k) => p + (q - ma) * (b[k] - mb), 0);
        const r = cov / Math.sqrt(a.reduce((p, q) => p + (q - ma) ** 2, 0) * b.reduce((p, q) => p + (q - mb) ** 2, 0));
        expect(c.get(i, j)).toBeCloseTo(1 - r, 12);
      }
    }
  });

  it('correlation equals two-pass Pearson r whether rows are centred first or taken from the raw Gram matrix', () => {
    // Row offsets from 0 to 10⁶ σ: small offsets take the raw-Gram route, large ones (cancellation) centre first.
    const n = 7;
    const p = 300;
    const x = Matrix.zeros(n, p);
    rng.fillNormal(x.data);
    const offsets = [0, 0.5, 3, 9.9, 10.1, 1e3, 1e6];
    for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) x.data[i * p + k] += offsets[i];
    const withConstant = x.clone();
    withConstant.data.fill(4.25, 2 * p, 3 * p); // a constant row: NaN against everything
    for (const data of [x, withConstant]) {
      const c = calcRdm(new Dataset(data), { method: 'correlation' }).getMatrix(0);
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const a = Array.from(data.row(i));
          const b = Array.from(data.row(j));
          const ma = a.reduce((s, q) => s + q) / p;
          const mb = b.reduce((s, q) => s + q) / p;
          const cov = a.reduce((s, q, k) => s + (q - ma) * (b[k] - mb), 0);
          const r =
            cov / Math.sqrt(a.reduce((s, q) => s + (q - ma) ** 2, 0) * b.reduce((s, q) => s + (q - mb) ** 2, 0));
          if (Number.isNaN(r)) expect(c.get(i, j)).toBeNaN();
          else expect(Math.abs(c.get(i, j) - (1 - r))).toBeLessThan(1e-11);
        }
      }
    }
  });

  it('float32 data give the float64 result of the same values, and progress events are reported', () => {
    const ds = randomDataset(rng, 6, 2, 9);
    const f32 = new Dataset(ds.measurements.astype('float32'), { obsDescriptors: ds.obsDescriptors });
    const f64 = new Dataset(f32.measurements.astype('float64'), { obsDescriptors: ds.obsDescriptors });
    for (const method of ['euclidean', 'correlation', 'crossnobis']) {
      const events: number[] = [];
      const a = calcRdm(f32, {
        method,
        descriptor: 'conds',
        cvDescriptor: 'runs',
        onProgress: (e) => events.push(e.done),
      });
      const b = calcRdm(f64, { method, descriptor: 'conds', cvDescriptor: 'runs' });
      expect(Array.from(a.getVector(0))).toEqual(Array.from(b.getVector(0)));
      expect(events.length).toBeGreaterThan(0);
    }
  });

  it('rank comparators are invariant to monotone transforms of either RDM', () => {
    const a = randomRdms(rng, 3, 9);
    const b = randomRdms(rng, 2, 9);
    const monotone = b.withDissimilarities(
      new Matrix(
        b.nRdms,
        b.nPairs,
        b.dissimilarities.data.map((v) => Math.exp(3 * v) + v ** 3),
      ),
    );
    for (const method of ['spearman', 'kendall', 'tau-a', 'rho-a']) {
      const before = compareRdms(a, b, { method });
      const after = compareRdms(a, monotone, { method });
      for (let k = 0; k < before.data.length; k++) expect(after.data[k]).toBeCloseTo(before.data[k], 12);
      const ranked = compareRdms(rankTransform(a), b, { method });
      for (let k = 0; k < before.data.length; k++) expect(ranked.data[k]).toBeCloseTo(before.data[k], 12);
    }
  });

  it('cosine ∈ [0, 1] for non-negative RDMs, corr and the cov-weighted ones ∈ [−1, 1], identical RDMs give 1', () => {
    const a = randomRdms(rng, 4, 8);
    const b = randomRdms(rng, 3, 8);
    for (const method of ['cosine', 'corr', 'spearman', 'kendall', 'tau-a', 'rho-a', 'cosine_cov', 'corr_cov']) {
      const v = compareRdms(a, b, { method });
      for (const x of v.data) {
        expect(x).toBeGreaterThanOrEqual(method === 'cosine' ? 0 : -1 - 1e-12);
        expect(x).toBeLessThanOrEqual(1 + 1e-12);
      }
      if (method !== 'tau-a' && method !== 'rho-a') {
        const self = compareRdms(a, a, { method });
        for (let i = 0; i < a.nRdms; i++) expect(self.get(i, i)).toBeCloseTo(1, 10);
      }
    }
  });

  it('bures on Euclidean RDMs (positive semi-definite kernels): ∈ [0, 1], 1 and metric 0 for identical RDMs', () => {
    const list = [0, 1, 2].map(() =>
      calcRdm(randomDataset(rng, 8, 1, 20), { method: 'euclidean', descriptor: 'conds' }),
    );
    const a = Rdms.concat(list);
    const sim = compareRdms(a, a, { method: 'bures' });
    const metric = compareRdms(a, a, { method: 'bures_metric' });
    for (let i = 0; i < 3; i++) {
      expect(sim.get(i, i)).toBeCloseTo(1, 6);
      expect(Math.abs(metric.get(i, i))).toBeLessThan(1e-6);
      for (let j = 0; j < 3; j++) {
        expect(sim.get(i, j)).toBeGreaterThanOrEqual(0);
        // √ of rounding-level eigenvalues (the kernels have rank n−1) can push the value ~1e-9 above 1
        expect(sim.get(i, j)).toBeLessThanOrEqual(1 + 1e-7);
        expect(metric.get(i, j)).toBeGreaterThanOrEqual(-1e-6);
      }
    }
  });

  it('cosine_cov is invariant to scaling an RDM and equals linear CKA of the double-centred kernels', () => {
    const a = randomRdms(rng, 2, 7);
    const scaled = a.withDissimilarities(
      new Matrix(
        2,
        a.nPairs,
        a.dissimilarities.data.map((v) => 7.5 * v),
      ),
    );
    const x = compareRdms(a, a, { method: 'cosine_cov' });
    const y = compareRdms(scaled, a, { method: 'cosine_cov' });
    for (let k = 0; k < 4; k++) expect(y.data[k]).toBeCloseTo(x.data[k], 12);
    // independent: G = −½HDH, ⟨G1,G2⟩_F / (‖G1‖‖G2‖)
    const n = 7;
    const g = (i: number) => {
      const d = a.getMatrix(i);
      const out = Matrix.zeros(n, n);
      for (let p = 0; p < n; p++) {
        for (let q = 0; q < n; q++) {
          let s = 0;
          for (let r = 0; r < n; r++)
            for (let t = 0; t < n; t++) s += ((p === r ? 1 : 0) - 1 / n) * d.get(r, t) * ((t === q ? 1 : 0) - 1 / n);
          out.set(p, q, -0.5 * s);
        }
      }
      return out.data;
    };
    const g0 = g(0);
    const g1 = g(1);
    const dot = (u: ArrayLike<number>, v: ArrayLike<number>) => Array.from(u).reduce((s, t, k) => s + t * v[k], 0);
    expect(x.get(0, 1)).toBeCloseTo(dot(g0, g1) / Math.sqrt(dot(g0, g0) * dot(g1, g1)), 12);
  });

  it('crossnobis is unbiased: identical conditions under noise average ≈ 0, euclidean does not', () => {
    const nCond = 6;
    const design = makeDesign(nCond, 4);
    const zero = new Float64Array((nCond * (nCond - 1)) / 2);
    const sims = simulateDatasets(zero, {
      seed: 7,
      condVec: design.condVec,
      partVec: design.partVec,
      nChannel: 50,
      nSim: 40,
      noise: 1,
    });
    let cn = 0;
    let eu = 0;
    const values: number[] = [];
    for (const ds of sims) {
      const c = calcRdm(ds, { method: 'crossnobis', descriptor: 'cond_vec', cvDescriptor: 'part_vec' }).getVector(0);
      const e = calcRdm(ds, { method: 'euclidean', descriptor: 'cond_vec' }).getVector(0);
      for (const v of c) values.push(v);
      cn += c.reduce((s, v) => s + v, 0) / c.length;
      eu += e.reduce((s, v) => s + v, 0) / e.length;
    }
    cn /= sims.length;
    eu /= sims.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    // mean of 40 simulations: standard error ≈ sd/√40 (pairs within a simulation are correlated: be generous)
    expect(Math.abs(cn)).toBeLessThan((4 * sd) / Math.sqrt(sims.length));
    // euclidean of the 4-run means: 2 × noise variance / 4 runs = 0.5
    expect(eu).toBeGreaterThan(0.4);
    expect(eu).toBeLessThan(0.6);
  });

  it('crossnobis and crossnobis-like methods do not depend on the order of the observations (sorted rows are read in place, others summed)', () => {
    const nCond = 7;
    const nRuns = 5;
    const rng = new Rng(31);
    const x = Matrix.zeros(nCond * nRuns + 3, 40);
    rng.fillNormal(x.data);
    // Sorted by run then condition, plus 3 extra repeats in the last run (unequal counts, summed there).
    const conds: number[] = [];
    const runs: number[] = [];
    for (let r = 0; r < nRuns; r++)
      for (let c = 0; c < nCond; c++) {
        conds.push(c);
        runs.push(r);
      }
    conds.push(0, 3, 5);
    runs.push(nRuns - 1, nRuns - 1, nRuns - 1);
    const sorted = new Dataset(x, { obsDescriptors: { conds, runs } });
    const order = Array.from(rng.permutation(conds.length));
    const shuffledX = Matrix.zeros(x.rows, x.cols);
    order.forEach((src, dst) => {
      shuffledX.data.set(x.row(src), dst * x.cols);
    });
    const shuffled = new Dataset(shuffledX, {
      obsDescriptors: { conds: order.map((i) => conds[i]), runs: order.map((i) => runs[i]) },
    });
    const noise = Matrix.identity(40);
    for (let k = 0; k < 40; k++) noise.data[k * 40 + k] = 0.5 + (k % 3);
    for (const opts of [{ method: 'crossnobis' }, { method: 'crossnobis', noise }, { method: 'poisson_cv' }] as const) {
      const data =
        opts.method === 'poisson_cv'
          ? [sorted, shuffled].map(
              (d) =>
                new Dataset(new Matrix(d.measurements.rows, d.measurements.cols, d.measurements.data.map(Math.abs)), {
                  obsDescriptors: d.obsDescriptors,
                }),
            )
          : [sorted, shuffled];
      const [a, b] = data.map((d) => calcRdm(d, { ...opts, descriptor: 'conds', cvDescriptor: 'runs' }).getVector(0));
      for (let k = 0; k < a.length; k++)
        expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-12 * Math.max(1, Math.abs(a[k])));
    }
    // And both equal the per-fold means formula written out here (training means vs test means, rsatoolbox).
    const direct = new Float64Array((nCond * (nCond - 1)) / 2);
    for (let f = 0; f < nRuns; f++) {
      const mean = (c: number, inFold: boolean) => {
        const out = new Float64Array(40);
        let n = 0;
        conds.forEach((cc, i) => {
          if (cc === c && (runs[i] === f) === inFold) {
            n++;
            for (let k = 0; k < 40; k++) out[k] += x.data[i * 40 + k];
          }
        });
        return out.map((v) => v / n);
      };
      let k = 0;
      for (let i = 0; i < nCond; i++)
        for (let j = i + 1; j < nCond; j++, k++) {
          const [ti, tj, si, sj] = [mean(i, false), mean(j, false), mean(i, true), mean(j, true)];
          let s = 0;
          for (let q = 0; q < 40; q++) s += (ti[q] - tj[q]) * (si[q] - sj[q]);
          direct[k] += s / 40 / nRuns;
        }
    }
    const got = calcRdm(sorted, { method: 'crossnobis', descriptor: 'conds', cvDescriptor: 'runs' }).getVector(0);
    for (let k = 0; k < direct.length; k++) expect(Math.abs(got[k] - direct[k])).toBeLessThan(1e-12);
  });

  it('simulated data with an exact signal reproduce the model RDM (euclidean, noise-free) and crossnobis ≈ model', () => {
    const model = categoricalRdm([0, 0, 1, 1, 2]);
    const [ds] = simulateDatasets(model, { seed: 3, nChannel: 40, noise: 0, exactSignal: true });
    const rdm = calcRdm(ds, { method: 'euclidean', descriptor: 'cond_vec' });
    const v = rdm.getVector(0);
    const m = model.getVector(0);
    for (let k = 0; k < v.length; k++) expect(v[k]).toBeCloseTo(m[k], 10);
    const design = makeDesign(5, 6);
    const sims = simulateDatasets(model, {
      seed: 4,
      condVec: design.condVec,
      partVec: design.partVec,
      nChannel: 200,
      signal: 2,
      noise: 0.5,
      nSim: 5,
    });
    const avg = new Float64Array(m.length);
    for (const s of sims)
      calcRdm(s, { method: 'crossnobis', descriptor: 'cond_vec', cvDescriptor: 'part_vec' })
        .getVector(0)
        .forEach((x, k) => {
          avg[k] += x / sims.length;
        });
    for (let k = 0; k < m.length; k++) expect(Math.abs(avg[k] - 2 * m[k])).toBeLessThan(0.25);
    // Same seed, same data.
    const again = simulateDatasets(model, {
      seed: 4,
      condVec: design.condVec,
      partVec: design.partVec,
      nChannel: 200,
      signal: 2,
      noise: 0.5,
      nSim: 5,
    });
    expect(Array.from(again[4].measurements.data)).toEqual(Array.from(sims[4].measurements.data));
  });

  it('a list of datasets gives one RDM each; different condition sets are merged with NaN (rsatoolbox from_partials)', () => {
    const d1 = Dataset.from(
      [
        [0, 0],
        [1, 0],
        [0, 2],
      ],
      { obsDescriptors: { stim: ['a', 'b', 'c'] }, descriptors: { subject: 's1' } },
    );
    const d2 = Dataset.from(
      [
        [0, 0],
        [3, 0],
        [0, 1],
      ],
      { obsDescriptors: { stim: ['b', 'c', 'd'] }, descriptors: { subject: 's2' } },
    );
    const r = calcRdm([d1, d2], { method: 'euclidean', descriptor: 'stim' });
    expect(r.nRdms).toBe(2);
    expect(r.patternDescriptors.stim).toEqual(['a', 'b', 'c', 'd']);
    expect(r.rdmDescriptors.subject).toEqual(['s1', 's2']);
    const v1 = Array.from(r.getVector(0));
    const v2 = Array.from(r.getVector(1));
    // pairs: ab ac ad bc bd cd ; squared distance / 2 channels
    [0.5, 2].forEach((e, k) => {
      expect(v1[k]).toBeCloseTo(e, 12);
    });
    expect(Number.isNaN(v1[2]) && Number.isNaN(v1[4]) && Number.isNaN(v1[5])).toBe(true);
    expect(v1[3]).toBeCloseTo(2.5, 12);
    expect(Number.isNaN(v2[0]) && Number.isNaN(v2[1]) && Number.isNaN(v2[2])).toBe(true);
    [4.5, 0.5, 5].forEach((e, k) => {
      expect(v2[3 + k]).toBeCloseTo(e, 12);
    });
    const same = calcRdm([d1, d1], {
      method: 'euclidean',
      descriptor: 'stim',
      noise: [Matrix.identity(2), Matrix.identity(2)],
    });
    expect(Array.from(same.getVector(1))).toEqual(Array.from(same.getVector(0)));
  });

  it('transforms: sqrt clips negatives, positive zeroes them, min-max maps to [0, 1], rank gives 1..m', () => {
    const r = Rdms.fromVectors([-1, 4, 9], { dissimilarityMeasure: 'squared euclidean' });
    expect(Array.from(sqrtTransform(r).getVector(0))).toEqual([0, 2, 3]);
    expect(sqrtTransform(r).dissimilarityMeasure).toBe('euclidean');
    expect(Array.from(positiveTransform(r).getVector(0))).toEqual([0, 4, 9]);
    expect(Array.from(minmaxTransform(r).getVector(0))).toEqual([0, 0.5, 1]);
    expect(Array.from(rankTransform(Rdms.fromVectors([5, 5, 1])).getVector(0))).toEqual([2.5, 2.5, 1]);
    expect(Array.from(rankTransform(Rdms.fromVectors([5, 5, 1]), 'min').getVector(0))).toEqual([2, 2, 1]);
    expect(Array.from(rankTransform(Rdms.fromVectors([5, 5, 1]), 'dense').getVector(0))).toEqual([2, 2, 1]);
  });

  it('noise ceiling: lower ≤ upper, and identical subjects give 1 for both', () => {
    const a = randomRdms(rng, 1, 8);
    const same = Rdms.fromVectors([a.getVector(0), a.getVector(0), a.getVector(0)]);
    for (const method of ['cosine', 'corr', 'spearman', 'kendall', 'cosine_cov', 'corr_cov']) {
      const nc = noiseCeiling(same, { method });
      expect(nc.lower).toBeCloseTo(1, 10);
      expect(nc.upper).toBeCloseTo(1, 10);
      const noisy = noiseCeiling(randomRdms(rng, 6, 8), { method });
      expect(noisy.lower).toBeLessThanOrEqual(noisy.upper + 1e-12);
    }
  });
});
