import { describe, expect, it } from 'vitest';
import { isConcordError } from './errors.ts';
import { Rng } from './rng.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isConcordError(e) ? e.code : `not a Concord error: ${String(e)}`;
  }
  return undefined;
}

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  it('the same seed gives the same stream; different seeds differ', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    const a = draw(new Rng(1), 100);
    const b = draw(new Rng(2), 100);
    expect(a.filter((v, i) => v === b[i]).length).toBeLessThan(3);
    // Seeds that differ only above 32 bits still give different streams.
    expect(draw(new Rng(2 ** 40 + 1), 10)).not.toEqual(draw(new Rng(1), 10));
  });

  it('rejects a non-integer seed with a typed error', () => {
    expect(codeOf(() => new Rng(1.5))).toBe('ERR_CORE_SEED');
  });

  it('random() is in [0, 1) with mean 1/2 and variance 1/12 within 5 standard errors', () => {
    const rng = new Rng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.random();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n)); // Var(U²-ish) bound for U(0,1)
  });

  it('fillNormal gives exactly the values and final state of one normal() call per element', () => {
    // odd and even lengths, a spare normal carried in and out, both array types, a mean and sd
    for (const lengths of [
      [0, 1, 2, 3],
      [7, 1000, 1],
      [4, 5, 6],
    ])
      for (const [mean, sd] of [
        [0, 1],
        [0.5, 2],
      ]) {
        const filled = new Rng(21);
        const called = new Rng(21);
        filled.normal();
        called.normal(); // leaves a spare normal for the first fill
        for (const [k, len] of lengths.entries()) {
          const out = k % 2 ? new Float32Array(len) : new Float64Array(len);
          const ref = k % 2 ? new Float32Array(len) : new Float64Array(len);
          filled.fillNormal(out, mean, sd);
          for (let i = 0; i < len; i++) ref[i] = called.normal(mean, sd);
          expect(Array.from(out), `length ${len}`).toEqual(Array.from(ref));
        }
        expect(filled.normal()).toBe(called.normal());
        expect(filled.nextUint32()).toBe(called.nextUint32());
      }
  });

  it('normal() has mean 0, variance 1, skewness 0 and kurtosis 3 within statistical bounds', () => {
    const rng = new Rng(11);
    const n = 200_000;
    const x = rng.fillNormal(new Float64Array(n));
    let m1 = 0;
    for (const v of x) m1 += v;
    m1 /= n;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (const v of x) {
      const d = v - m1;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    // Standard errors: mean 1/√n, variance √(2/n), skewness √(6/n), kurtosis √(24/n); 5 SE bounds.
    expect(Math.abs(m1)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m3 / m2 ** 1.5)).toBeLessThan(5 * Math.sqrt(6 / n));
    expect(Math.abs(m4 / m2 ** 2 - 3)).toBeLessThan(5 * Math.sqrt(24 / n));
    const scaled = new Rng(11).normal(10, 2);
    expect(scaled).toBeCloseTo(10 + 2 * x[0], 12);
  });

  it('int(n) is uniform over 0..n-1 (chi-square test) and rejects bad n', () => {
    const rng = new Rng(3);
    const k = 7;
    const n = 70_000;
    const counts = new Array(k).fill(0);
    for (let i = 0; i < n; i++) counts[rng.int(k)]++;
    const expected = n / k;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(22.46); // chi-square 6 d.o.f., p = 0.001
    expect(codeOf(() => rng.int(0))).toBe('ERR_CORE_RNG_RANGE');
    expect(codeOf(() => rng.int(2.5))).toBe('ERR_CORE_RNG_RANGE');
  });

  it('permutation is a permutation, and each position is uniform over values', () => {
    const rng = new Rng(5);
    const p = rng.permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const firstCounts = new Array(4).fill(0);
    for (let i = 0; i < 8000; i++) firstCounts[rng.permutation(4)[0]]++;
    const chi2 = firstCounts.reduce((s, c) => s + (c - 2000) ** 2 / 2000, 0);
    expect(chi2).toBeLessThan(16.27); // 3 d.o.f., p = 0.001
    expect(rng.permutation(0).length).toBe(0);
  });

  it('sampleWithoutReplacement gives distinct indices and rejects k > n', () => {
    const s = new Rng(9).sampleWithoutReplacement(50, 20);
    expect(new Set(s).size).toBe(20);
    for (const v of s) expect(v >= 0 && v < 50).toBe(true);
    expect(codeOf(() => new Rng(9).sampleWithoutReplacement(3, 4))).toBe('ERR_CORE_RNG_RANGE');
  });

  it('fork gives a reproducible stream independent of the parent', () => {
    const a = new Rng(13);
    const b = new Rng(13);
    const fa = a.fork();
    const fb = b.fork();
    expect(draw(fa, 20)).toEqual(draw(fb, 20));
    expect(draw(a, 20)).not.toEqual(draw(new Rng(13).fork(), 20));
  });

  it('fillUniform respects its bounds', () => {
    const u = new Rng(17).fillUniform(new Float32Array(1000), -2, 3);
    for (const v of u) expect(v >= -2 && v <= 3).toBe(true);
  });
});
