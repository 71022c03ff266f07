import { Matrix, Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { embedGeometry, randomOrthonormalRows } from './simulate-geometry.ts';

function distances(m: Matrix): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.rows; i++) {
    for (let j = i + 1; j < m.rows; j++) {
      let s = 0;
      for (let k = 0; k < m.cols; k++) s += (m.get(i, k) - m.get(j, k)) ** 2;
      out.push(Math.sqrt(s));
    }
  }
  return out;
}

describe('embedGeometry', () => {
  it('keeps every pairwise distance up to one global scale when channels ≥ conditions − 1', () => {
    const rng = new Rng(3);
    const layer = Matrix.zeros(10, 300);
    rng.fillNormal(layer.data);
    const p = embedGeometry(layer, 16, new Rng(4));
    expect(p.shape).toEqual([10, 16]);
    const a = distances(layer);
    const b = distances(p);
    const ratio = b[0] / a[0];
    for (let k = 0; k < a.length; k++) expect(b[k] / a[k]).toBeCloseTo(ratio, 9);
    // unit mean power
    expect(Array.from(p.data).reduce((s, v) => s + v * v, 0) / p.data.length).toBeCloseTo(1, 12);
  });

  it('gives different embeddings for different seeds but the same for the same seed', () => {
    const layer = Matrix.zeros(6, 20);
    new Rng(1).fillNormal(layer.data);
    expect(embedGeometry(layer, 8, new Rng(5)).data).toEqual(embedGeometry(layer, 8, new Rng(5)).data);
    expect(embedGeometry(layer, 8, new Rng(5)).data).not.toEqual(embedGeometry(layer, 8, new Rng(6)).data);
  });
});

describe('randomOrthonormalRows', () => {
  it('returns orthonormal rows', () => {
    const q = randomOrthonormalRows(5, 9, new Rng(2));
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let d = 0;
        for (let k = 0; k < 9; k++) d += q.get(i, k) * q.get(j, k);
        expect(d).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });
});
