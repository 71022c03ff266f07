import { spawnSync } from 'node:child_process';
import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { IncrementalPca } from './incremental-pca.ts';
import { globalAveragePool, randomProjection, randomProjectionMatrix } from './reductions.ts';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

function randomArray(n: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n));
}

describe('globalAveragePool', () => {
  it('averages every axis but batch and channel, NCHW and NHWC', () => {
    const x = randomArray(2 * 3 * 4 * 5, 1);
    const nchw = globalAveragePool(1).apply({ data: x, shape: [2, 3, 4, 5] });
    const nhwc = globalAveragePool(-1).apply({ data: x, shape: [2, 4, 5, 3] });
    expect(nchw.shape).toEqual([2, 3]);
    expect(nhwc.shape).toEqual([2, 3]);
    for (let s = 0; s < 2; s++) {
      for (let c = 0; c < 3; c++) {
        let a = 0;
        let b = 0;
        for (let p = 0; p < 20; p++) {
          a += x[s * 60 + c * 20 + p];
          b += x[s * 60 + p * 3 + c];
        }
        expect(nchw.data[s * 3 + c]).toBeCloseTo(a / 20, 6);
        expect(nhwc.data[s * 3 + c]).toBeCloseTo(b / 20, 6);
      }
    }
  });

  it('passes [batch, units] through', () => {
    const x = randomArray(6, 2);
    expect(Array.from(globalAveragePool(1).apply({ data: x, shape: [2, 3] }).data)).toEqual(Array.from(x));
  });
});

describe('sparse random projection', () => {
  const d = 400;
  const k = 50;

  it('draws entries 0, ±√(1/density)/√k with the requested density', () => {
    const r = randomProjectionMatrix({ kind: 'randomProjection', nComponents: k, seed: 3 }, d);
    const density = 1 / Math.sqrt(d);
    const v = Math.sqrt(1 / density) / Math.sqrt(k);
    let nonZero = 0;
    let positive = 0;
    for (const e of r) {
      if (e === 0) continue;
      nonZero++;
      if (e > 0) positive++;
      expect(Math.abs(Math.abs(e) - v)).toBeLessThan(1e-6);
    }
    // 20,000 Bernoulli(0.05) draws: sd of the fraction is 0.0015.
    expect(Math.abs(nonZero / r.length - density)).toBeLessThan(0.008);
    expect(Math.abs(positive / nonZero - 0.5)).toBeLessThan(0.1);
  });

  it('applies X·R exactly (against a dense product), deterministic per seed', () => {
    const spec = { kind: 'randomProjection', nComponents: k, seed: 11, density: 'achlioptas' } as const;
    const r = randomProjectionMatrix(spec, d);
    const x = randomArray(3 * d, 4);
    const y = randomProjection(spec).apply({ data: x, shape: [3, d] });
    for (let s = 0; s < 3; s++) {
      for (let j = 0; j < k; j++) {
        let acc = 0;
        for (let i = 0; i < d; i++) acc += x[s * d + i] * r[i * k + j];
        expect(y.data[s * k + j]).toBeCloseTo(acc, 4);
      }
    }
    const again = randomProjection(spec).apply({ data: x, shape: [3, d] });
    expect(Array.from(again.data)).toEqual(Array.from(y.data));
    const other = randomProjection({ ...spec, seed: 12 }).apply({ data: x, shape: [3, d] });
    expect(Array.from(other.data)).not.toEqual(Array.from(y.data));
  });

  it('preserves squared distances on average (Johnson–Lindenstrauss)', () => {
    const n = 20;
    const dim = 5000;
    const x = randomArray(n * dim, 5);
    const y = randomProjection({ kind: 'randomProjection', nComponents: 1000, seed: 1 }).apply({
      data: x,
      shape: [n, dim],
    });
    const ratios: number[] = [];
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        let dx = 0;
        let dy = 0;
        for (let i = 0; i < dim; i++) dx += (x[a * dim + i] - x[b * dim + i]) ** 2;
        for (let j = 0; j < 1000; j++) dy += (y.data[a * 1000 + j] - y.data[b * 1000 + j]) ** 2;
        ratios.push(dy / dx);
      }
    }
    const mean = ratios.reduce((p, q) => p + q, 0) / ratios.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.05);
    expect(Math.min(...ratios)).toBeGreaterThan(0.75);
    expect(Math.max(...ratios)).toBeLessThan(1.25);
  });

  it('refuses a change of input size', () => {
    const t = randomProjection({ kind: 'randomProjection', nComponents: 4, seed: 0 });
    t.apply({ data: new Float32Array(20), shape: [2, 10] });
    expect(() => t.apply({ data: new Float32Array(22), shape: [2, 11] })).toThrow(/drawn for 10 inputs/);
  });
});

describe.skipIf(!hasNumpy)(
  'incremental PCA against a numpy implementation of sklearn IncrementalPCA.partial_fit',
  () => {
    it('matches components, projections and explained variance over several batches', () => {
      const n = 57;
      const d = 12;
      const k = 3;
      const flush = 10;
      const x = randomArray(n * d, 9);
      // Give the data some structure so components are well separated.
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] *= 1 + 3 / (j + 1);
      const pca = new IncrementalPca(k, flush);
      for (let s = 0; s < n; s += 7)
        pca.partialFit({ data: x.slice(s * d, Math.min(n, s + 7) * d), shape: [Math.min(n, s + 7) - s, d] });
      pca.finishFit();
      const y = pca.transform({ data: x, shape: [n, d] });
      const script = `
import sys, json, numpy as np
X = np.array(json.loads(sys.stdin.read()), dtype=np.float32).astype(np.float64).reshape(${n}, ${d})
k, F = ${k}, ${flush}
# gen_batches(n, F, min_batch_size=k): slices of F, the last merged when shorter than k.
starts = list(range(0, ${n}, F)); bounds = [(s, min(s + F, ${n})) for s in starts]
if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < k: bounds[-2] = (bounds[-2][0], bounds[-1][1]); bounds.pop()
mean = None; comps = None; S = None; seen = 0
for a, b in bounds:
  B = X[a:b]; nb = B.shape[0]; tot = seen + nb; bm = B.mean(0)
  if seen == 0: M = B - bm; newmean = bm
  else:
    corr = np.sqrt((seen / tot) * nb) * (mean - bm)
    M = np.vstack((S[:, None] * comps, B - bm, corr)); newmean = (mean * seen + bm * nb) / tot
  U, s, Vt = np.linalg.svd(M, full_matrices=False)
  signs = np.sign(Vt[np.arange(Vt.shape[0]), np.argmax(np.abs(Vt), axis=1)]); Vt = Vt * signs[:, None]
  comps = Vt[:k]; S = s[:k]; mean = newmean; seen = tot
print(json.dumps({"y": ((X - mean) @ comps.T).ravel().tolist(), "var": (S**2 / (seen - 1)).tolist()}))
`;
      const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(Array.from(x)), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as { y: number[]; var: number[] };
      expect(y.shape).toEqual([n, k]);
      for (let i = 0; i < ref.y.length; i++) expect(y.data[i]).toBeCloseTo(ref.y[i], 4);
      const described = pca.describe() as { explainedVariance: number[] };
      for (let i = 0; i < described.explainedVariance.length; i++)
        expect(described.explainedVariance[i]).toBeCloseTo(ref.var[i], 6);
    });
  },
);
