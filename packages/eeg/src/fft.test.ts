/** The FFT against a direct O(n²) DFT (radix-2 and Bluestein lengths), and rfft/irfft round trips. */
import { Rng } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { Fft, irfft, rfft } from './fft.ts';

function dft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outR = new Float64Array(n);
  const outI = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      outR[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      outI[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
  }
  return [outR, outI];
}

describe('Fft', () => {
  const rng = new Rng(5);
  for (const n of [1, 2, 4, 8, 64, 256, 3, 5, 12, 100, 127, 1000]) {
    it(`length ${n}: forward equals the DFT, inverse undoes it`, () => {
      const re = new Float64Array(n);
      const im = new Float64Array(n);
      rng.fillNormal(re);
      rng.fillNormal(im);
      const [er, ei] = dft(re, im);
      const xr = Float64Array.from(re);
      const xi = Float64Array.from(im);
      const f = new Fft(n);
      f.forward(xr, xi);
      for (let k = 0; k < n; k++) {
        expect(Math.abs(xr[k] - er[k])).toBeLessThan(1e-10 * n);
        expect(Math.abs(xi[k] - ei[k])).toBeLessThan(1e-10 * n);
      }
      f.inverse(xr, xi);
      for (let k = 0; k < n; k++) {
        expect(Math.abs(xr[k] - re[k])).toBeLessThan(1e-12 * n);
        expect(Math.abs(xi[k] - im[k])).toBeLessThan(1e-12 * n);
      }
    });
  }

  it('irfft(rfft(x)) = x for even and odd lengths', () => {
    for (const n of [16, 17, 128, 999]) {
      const x = new Float64Array(n);
      rng.fillNormal(x);
      const y = irfft(rfft(x), n);
      for (let i = 0; i < n; i++) expect(Math.abs(y[i] - x[i])).toBeLessThan(1e-12);
    }
  });
});

describe('bit-reversed convolution path', () => {
  it('forwardBitReversed = bit-reversed forward; inverseFromBitReversed undoes it', () => {
    const rng = new Rng(8);
    for (const n of [2, 4, 8, 16, 32, 1024, 2048]) {
      const re = new Float64Array(n);
      const im = new Float64Array(n);
      rng.fillNormal(re);
      rng.fillNormal(im);
      const f = new Fft(n);
      const [er, ei] = [Float64Array.from(re), Float64Array.from(im)];
      f.forward(er, ei);
      f.bitReverse(er, ei);
      const [xr, xi] = [Float64Array.from(re), Float64Array.from(im)];
      f.forwardBitReversed(xr, xi);
      for (let k = 0; k < n; k++) {
        expect(Math.abs(xr[k] - er[k])).toBeLessThan(1e-10 * n);
        expect(Math.abs(xi[k] - ei[k])).toBeLessThan(1e-10 * n);
      }
      f.inverseFromBitReversed(xr, xi);
      for (let k = 0; k < n; k++) {
        expect(Math.abs(xr[k] / n - re[k])).toBeLessThan(1e-12 * n);
        expect(Math.abs(xi[k] / n - im[k])).toBeLessThan(1e-12 * n);
      }
    }
  });
});
