/**
 * The training kernels (gemmInto with alpha/beta and transposes, im2col/col2im, tanh, Adam) on every backend that
 * has them, against naive loops written here, in float32 and float64.
 */
import { describe, expect, it } from 'vitest';
import { availableBackends, convOutputSize, jsTrainingKernels, Rng, type TrainingKernels } from '../index.node.ts';

const kernels: TrainingKernels[] = [
  jsTrainingKernels,
  ...availableBackends()
    .map((b) => b.training)
    .filter((t): t is TrainingKernels => t !== undefined && t.name !== 'js'),
];

function randomArray(n: number, seed: number, f32: boolean): Float32Array | Float64Array {
  const a = f32 ? new Float32Array(n) : new Float64Array(n);
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

describe.each(kernels.map((k) => [k.name, k] as const))('training kernels on %s', (_name, kern) => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('gemmInto transA=%s transB=%s with alpha/beta matches a triple loop (f64 1e-12, f32 1e-5)', (ta, tb) => {
    for (const f32 of [false, true]) {
      const [m, n, k] = [7, 5, 9];
      const a = randomArray(m * k, 1, f32);
      const b = randomArray(k * n, 2, f32);
      const c = randomArray(m * n, 3, f32);
      const expected = new Float64Array(m * n);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += (ta ? a[t * m + i] : a[i * k + t]) * (tb ? b[j * k + t] : b[t * n + j]);
          expected[i * n + j] = 0.5 * s + 2 * c[i * n + j];
        }
      kern.gemmInto(a, b, c, m, n, k, ta, tb, 0.5, 2);
      for (let i = 0; i < m * n; i++) expect(Math.abs(c[i] - expected[i])).toBeLessThan(f32 ? 1e-5 : 1e-12);
    }
  });

  it('gemmInto with beta = 0 ignores NaN in the output (BLAS semantics)', () => {
    const c = new Float64Array([Number.NaN, Number.NaN]);
    kern.gemmInto(new Float64Array([1, 2]), new Float64Array([3, 4]), c, 2, 1, 1, false, false, 1, 0);
    expect([...c]).toEqual([3, 6]);
  });

  it('im2col gathers patches with zero padding and stride; col2im is its adjoint', () => {
    for (const f32 of [false, true]) {
      const [c, h, w, k, s, p] = [2, 5, 6, 3, 2, 1];
      const oh = convOutputSize(h, k, s, p);
      const ow = convOutputSize(w, k, s, p);
      const x = randomArray(c * h * w, 4, f32);
      const cols = f32 ? new Float32Array(c * k * k * oh * ow) : new Float64Array(c * k * k * oh * ow);
      kern.im2col(x, cols, c, h, w, k, s, p);
      for (let ci = 0; ci < c; ci++)
        for (let ki = 0; ki < k; ki++)
          for (let kj = 0; kj < k; kj++)
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++) {
                const iy = oy * s - p + ki;
                const ix = ox * s - p + kj;
                const want = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(ci * h + iy) * w + ix] : 0;
                expect(cols[(((ci * k + ki) * k + kj) * oh + oy) * ow + ox]).toBe(want);
              }
      // <im2col(x), y> = <x, col2im(y)> for a random y.
      const y = randomArray(cols.length, 5, f32);
      const back = f32 ? new Float32Array(x.length) : new Float64Array(x.length);
      kern.col2im(y, back, c, h, w, k, s, p);
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < cols.length; i++) lhs += cols[i] * y[i];
      for (let i = 0; i < x.length; i++) rhs += x[i] * back[i];
      expect(Math.abs(lhs - rhs)).toBeLessThan(f32 ? 1e-4 : 1e-10);
    }
  });

  it('tanhInPlace matches Math.tanh', () => {
    const x = randomArray(100, 6, true);
    const want = Array.from(x, (v) => Math.tanh(v));
    kern.tanhInPlace(x);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - want[i])).toBeLessThan(1e-6);
  });

  it("adamStep follows PyTorch's update formula (three steps, with weight decay)", () => {
    const n = 50;
    const p = randomArray(n, 7, true) as Float32Array;
    const m = new Float32Array(n);
    const v = new Float32Array(n);
    const ref = Array.from(p);
    const rm = new Array<number>(n).fill(0);
    const rv = new Array<number>(n).fill(0);
    const [lr, b1, b2, eps, wd] = [1e-2, 0.9, 0.999, 1e-8, 1e-3];
    for (let t = 1; t <= 3; t++) {
      const g = randomArray(n, 10 + t, true) as Float32Array;
      for (let i = 0; i < n; i++) {
        const gi = g[i] + wd * ref[i];
        rm[i] = b1 * rm[i] + (1 - b1) * gi;
        rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
        const mh = rm[i] / (1 - b1 ** t);
        const vh = rv[i] / (1 - b2 ** t);
        ref[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
      }
      kern.adamStep(p, g, m, v, lr, b1, b2, eps, wd, 1 - b1 ** t, 1 - b2 ** t);
    }
    for (let i = 0; i < n; i++) expect(Math.abs(p[i] - ref[i])).toBeLessThan(1e-5);
  });
});

it('the native backend has the training kernels when the addon is built', () => {
  const native = availableBackends().find((b) => b.name === 'native');
  expect(native === undefined || native.training?.name === 'native').toBe(true);
});
