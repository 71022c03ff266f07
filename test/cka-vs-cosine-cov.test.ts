/**
 * Cross-package check required by issue 4: linear CKA (@concord/similarity) equals rsatoolbox's 'cosine_cov'
 * comparison of squared-Euclidean RDMs (@concord/rsa compareRdms), on random inputs and on the reference cases
 * (whose JSON also carries the value rsatoolbox itself computed).
 */
import { readFileSync } from 'node:fs';
import { Matrix, Rng, squaredDistances } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { compareRdms } from '@concord/rsa';
import { cka } from '@concord/similarity';
import { describe, expect, it } from 'vitest';

/** Upper triangle (i < j, row-major: scipy squareform order) of the squared-Euclidean distance matrix. */
function squaredEuclideanRdm(x: Matrix): Float64Array {
  const d = squaredDistances(x);
  const n = x.rows;
  const out = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[k++] = d.data[i * n + j];
  return out;
}

function cosineCov(x: Matrix, y: Matrix): number {
  return compareRdms(squaredEuclideanRdm(x), squaredEuclideanRdm(y), { method: 'cosine_cov' }).get(0, 0);
}

describe('linear CKA = cosine_cov of squared-Euclidean RDMs (similarity × rsa)', () => {
  it('on seeded random representations of different widths', () => {
    const rng = new Rng(81);
    for (const [n, p, q] of [
      [6, 3, 9],
      [12, 50, 40],
      [25, 7, 7],
      [40, 100, 3],
    ]) {
      const x = new Matrix(n, p, rng.fillNormal(new Float64Array(n * p)));
      const y = new Matrix(n, q, rng.fillNormal(new Float64Array(n * q)));
      for (let i = 0; i < n; i++) y.data[i * q] += 2 * x.data[i * p];
      const a = cka(x, y).value;
      expect(Math.abs(cosineCov(x, y) - a) / a).toBeLessThan(1e-10);
    }
  });
});

describeWithSharedData(['reference', 'rsa', 'cka_cases.json'], 'linear CKA = cosine_cov on the reference cases', () => {
  const doc = JSON.parse(readFileSync(sharedData('reference', 'rsa', 'cka_cases.json'), 'utf8')) as {
    cases: { name: string; X: number[][]; Y: number[][]; outputs: Record<string, number> }[];
  };
  for (const c of doc.cases) {
    it(c.name, () => {
      const x = Matrix.from(c.X);
      const y = Matrix.from(c.Y);
      const ref = c.outputs.rsatoolbox_cosine_cov_of_squared_euclidean_RDMs;
      expect(Math.abs(cka(x, y).value - ref) / ref).toBeLessThan(1e-9);
      expect(Math.abs(cosineCov(x, y) - ref) / ref).toBeLessThan(1e-9);
    });
  }
});
