/**
 * Filters against scipy/numpy computed in the test: the design equals MNE's recipe built from scipy.signal.firwin,
 * the zero-phase application equals numpy.convolve on the reflect-limited padded signal.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { Matrix, Rng } from '@concord/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { designFilter, firwinLowpass } from './filter-design.ts';
import { chooseFftLength, OverlapAddFilter } from './overlap-add.ts';
import { baselineCorrect, filterRaw, notchFilter, resampleRaw, setEegReference } from './preprocessing.ts';
import { Raw } from './raw.ts';
import { fftResample } from './resample.ts';

const hasScipy = spawnSync('python3', ['-c', 'import numpy, scipy.signal'], { encoding: 'utf8' }).status === 0;

function python(script: string, input: unknown): unknown {
  return JSON.parse(
    execFileSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 }),
  );
}

// MNE 1.3's _firwin_design with scipy.signal.firwin, and its zero-phase overlap-add result computed as a direct
// convolution of the reflect_limited padded signal (independent of our FFT)
const PY_DESIGN = `
import sys, json, numpy as np
from scipy.signal import firwin
def run(a):
  N, freq, gain = a['n'], np.array(a['freq']), a['gain']
  h = np.zeros(N); pf, pg = freq[-1], gain[-1]
  if pg == 1: h[N // 2] = 1
  for f, g in zip(freq[::-1][1:], gain[::-1][1:]):
      if g != pg:
          tr = (pf - f) / 2.; tn = int(round(3.3 / tr)); tn += (1 - tn % 2)
          th = firwin(tn, (pf + f) / 2., window='hamming', pass_zero=True, fs=2)
          o = (N - tn) // 2
          if g == 0: h[o:N - o] -= th
          else: h[o:N - o] += th
      pg, pf = g, f
  x = np.array(a['x'])
  ne = max(min(N, len(x)) - 1, 0)
  lz = np.zeros(max(ne - len(x) + 1, 0)); rz = lz
  xe = np.concatenate([lz, 2 * x[0] - x[ne:0:-1], x, 2 * x[-1] - x[-2:-ne - 2:-1], rz])
  y = np.convolve(xe, h)[(N - 1) // 2 + ne:][:len(x)]
  return {'h': h.tolist(), 'y': y.tolist()}
print(json.dumps([run(a) for a in json.load(sys.stdin)]))
`;

describe.skipIf(!hasScipy)('FIR filters match MNE’s recipe computed with scipy (python3 + scipy present)', () => {
  const rng = new Rng(3);
  const cases: [string, number, number | null, number | null, number][] = [
    ['band-pass 1–40 Hz at 256 Hz', 256, 1, 40, 3000],
    ['band-pass 8–30 Hz at 500 Hz', 500, 8, 30, 2500],
    ['high-pass 0.5 Hz at 100 Hz', 100, 0.5, null, 1500],
    ['low-pass 30 Hz at 200 Hz', 200, null, 30, 700],
    ['low-pass 90 Hz at 200 Hz (transition clipped at Nyquist)', 200, null, 90, 400],
    ['short signal (shorter than the filter)', 100, 1, 20, 120],
  ];
  const inputs = cases.map(([, sfreq, l, hf, n]) => {
    const f = designFilter(sfreq, { lFreq: l, hFreq: hf });
    const x = new Float64Array(n);
    rng.fillNormal(x);
    return { f, x, sfreq };
  });
  let refs: { h: number[]; y: number[] }[] = [];
  beforeAll(() => {
    refs = python(
      PY_DESIGN,
      inputs.map(({ f, x, sfreq }) => ({
        n: f.h.length,
        freq: f.freq.map((v) => v / (sfreq / 2)),
        gain: f.gain,
        x: Array.from(x),
      })),
    ) as typeof refs;
  });
  cases.forEach(([name, , , , n], ci) => {
    it(name, () => {
      const { f, x } = inputs[ci];
      const ref = refs[ci];
      expect(f.h.length).toBe(ref.h.length);
      for (let i = 0; i < f.h.length; i++) expect(Math.abs(f.h[i] - ref.h[i])).toBeLessThan(1e-15);
      const y = new Float64Array(n);
      new OverlapAddFilter(f.h, n).apply(x, null, y, null);
      let maxAbs = 0;
      for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(y[i] - ref.y[i]));
      expect(maxAbs).toBeLessThan(1e-12);
    });
  });

  it('firwin single low-pass equals scipy.signal.firwin', () => {
    const ref = python(
      'import sys,json; from scipy.signal import firwin; print(json.dumps(firwin(101, 0.3, window="hamming").tolist()))',
      {},
    ) as number[];
    const h = firwinLowpass(101, 0.3);
    for (let i = 0; i < 101; i++) expect(Math.abs(h[i] - ref[i])).toBeLessThan(1e-15);
  });

  it('fftResample equals scipy.signal.resample on even and odd lengths, up and down', () => {
    const x = Array.from({ length: 128 }, (_, i) => Math.sin(i / 5) + (i % 7) / 10);
    for (const [len, m] of [
      [128, 1000],
      [128, 50],
      [127, 301],
    ]) {
      const ref = python(
        'import sys,json,numpy as np; from scipy.signal import resample; a=json.load(sys.stdin); print(json.dumps(resample(np.array(a["x"]), a["m"]).tolist()))',
        { x: x.slice(0, len), m },
      ) as number[];
      const y = fftResample(x.slice(0, len), m);
      for (let i = 0; i < m; i++) expect(Math.abs(y[i] - ref[i])).toBeLessThan(1e-12);
    }
  });
});

describe('filter behaviour (math)', () => {
  it('MNE default transition bandwidths and lengths', () => {
    const f = designFilter(512, { lFreq: 1, hFreq: 40 });
    expect(f.lTransBandwidth).toBe(1);
    expect(f.hTransBandwidth).toBe(10);
    expect(f.h.length).toBe(1691); // ceil(3.3 / 1 · 512) = 1690 → odd
    expect(designFilter(1000, { lFreq: 20, hFreq: null }).h.length).toBe(661); // 3.3 / 5 · 1000 = 660 → 661
    expect(designFilter(250, { lFreq: null, hFreq: 120 }).hTransBandwidth).toBe(5);
  });

  it('band-pass keeps an in-band sine, removes out-of-band ones; stim channels untouched; notch removes 50 Hz', () => {
    const sfreq = 500;
    const n = 5000;
    const m = Matrix.zeros(2, n);
    for (let t = 0; t < n; t++) {
      m.data[t] =
        Math.sin((2 * Math.PI * 10 * t) / sfreq) +
        Math.sin((2 * Math.PI * 100 * t) / sfreq) +
        3 +
        Math.sin((2 * Math.PI * 50 * t) / sfreq);
      m.data[n + t] = t % 100 === 0 ? 5 : 0;
    }
    const raw = Raw.fromArray(m, { chNames: ['x', 'STI'], chTypes: ['eeg', 'stim'], sfreq });
    const y = filterRaw(raw, 5, 20).getData();
    for (let t = 1000; t < 4000; t++)
      expect(Math.abs(y.data[t] - Math.sin((2 * Math.PI * 10 * t) / sfreq))).toBeLessThan(0.01);
    for (let t = 0; t < n; t++) expect(y.data[n + t]).toBe(m.data[n + t]);
    const z = notchFilter(raw, 50).getData();
    const expected = (t: number) =>
      Math.sin((2 * Math.PI * 10 * t) / sfreq) + Math.sin((2 * Math.PI * 100 * t) / sfreq) + 3;
    for (let t = 1500; t < 3500; t++) expect(Math.abs(z.data[t] - expected(t))).toBeLessThan(0.01);
  });

  it('two channels per complex FFT give the same result as one', () => {
    const rng = new Rng(9);
    const a = new Float64Array(4000);
    const b = new Float64Array(4000);
    rng.fillNormal(a);
    rng.fillNormal(b);
    const f = new OverlapAddFilter(designFilter(256, { lFreq: 1, hFreq: 30 }).h, 4000);
    const [ya, yb, y1] = [new Float64Array(4000), new Float64Array(4000), new Float64Array(4000)];
    f.apply(a, b, ya, yb);
    f.apply(b, null, y1, null);
    for (let i = 0; i < 4000; i++) expect(Math.abs(yb[i] - y1[i])).toBeLessThan(1e-13);
    expect(chooseFftLength(1691, 1_000_000)).toBeGreaterThanOrEqual(4096);
  });

  it('average reference makes EEG channels sum to zero at every sample; channel reference zeroes that channel', () => {
    const rng = new Rng(1);
    const m = Matrix.zeros(4, 50);
    rng.fillNormal(m.data);
    const raw = Raw.fromArray(m, { chNames: ['a', 'b', 'c', 'S'], chTypes: ['eeg', 'eeg', 'eeg', 'stim'], sfreq: 10 });
    const avg = setEegReference(raw).getData();
    for (let t = 0; t < 50; t++)
      expect(Math.abs(avg.data[t] + avg.data[50 + t] + avg.data[100 + t])).toBeLessThan(1e-14);
    for (let t = 0; t < 50; t++) expect(avg.data[150 + t]).toBe(m.data[150 + t]);
    const refB = setEegReference(raw, ['b']).getData();
    for (let t = 0; t < 50; t++) {
      expect(refB.data[50 + t]).toBe(0);
      expect(refB.data[t]).toBeCloseTo(m.data[t] - m.data[50 + t], 14);
    }
  });

  it('resampling keeps a band-limited sine and the duration', () => {
    const n = 1000;
    const sfreq = 200;
    const m = Matrix.zeros(1, n);
    for (let t = 0; t < n; t++) m.data[t] = Math.sin((2 * Math.PI * 5 * t) / sfreq);
    const r = resampleRaw(Raw.fromArray(m, { chNames: ['x'], sfreq }), 100);
    expect(r.nTimes).toBe(500);
    expect(r.info.sfreq).toBe(100);
    const d = r.getData();
    for (let t = 50; t < 450; t++)
      expect(Math.abs(d.data[t] - Math.sin((2 * Math.PI * 5 * t) / 100))).toBeLessThan(1e-3);
  });

  it('baseline correction zeroes the baseline mean of every row', () => {
    const m = Matrix.from([
      [1, 2, 3, 4],
      [5, 5, 9, 9],
    ]);
    expect(baselineCorrect(m, 0, 2).toArray()).toEqual([
      [-0.5, 0.5, 1.5, 2.5],
      [0, 0, 4, 4],
    ]);
    expect(() => baselineCorrect(m, 2, 2)).toThrow(/baseline/);
  });
});

describe('two-thread filtering', () => {
  it('a worker thread filters half the rows with results identical to one thread (node --import tsx)', () => {
    const script = `
import { createHash } from 'node:crypto';
import { Matrix, Rng } from '@concord/core';
import { applyFir } from './src/preprocessing.ts';
import { designFilter } from './src/filter-design.ts';
import { startWorkerHalf } from './src/parallel-filter.ts';
const m = Matrix.zeros(8, 1_100_000);
new Rng(2).fillNormal(m.data);
const h = designFilter(500, { lFreq: 1, hFreq: 40 }).h;
const probe = startWorkerHalf(() => new Float64Array(10), 10, new Float64Array([1]), [0, 1]);
const used = probe !== null && probe.finish(Matrix.zeros(2, 10));
const out = applyFir(m, h);
console.log(JSON.stringify({ used, digest: createHash('sha256').update(new Uint8Array(out.data.buffer)).digest('hex') }));
`;
    const run = (threads: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: new URL('..', import.meta.url).pathname,
        encoding: 'utf8',
        env: { ...process.env, CONCORD_EEG_THREADS: threads },
        timeout: 120000,
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop() as string) as { used: boolean; digest: string };
    };
    const threaded = run('2');
    const single = run('1');
    expect(threaded.used).toBe(true);
    expect(single.used).toBe(false);
    expect(threaded.digest).toBe(single.digest);
  });
});
