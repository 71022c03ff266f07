/**
 * The composed kernels (gram, crossProduct, matmul, distances, centring, ranks, pinv) on every backend, and the
 * backend selection rules. References: loops written here, numpy/scipy when python3 has them, and invariants.
 */
import { defined } from '@concord/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  availableBackends,
  backendFor,
  centerColumns,
  centerRows,
  cholesky,
  columnMeans,
  crossProduct,
  doubleCenter,
  eigh,
  gram,
  gramT,
  inverse,
  isConcordError,
  loadBackend,
  Matrix,
  matmul,
  pinv,
  Rng,
  ranks,
  registerBackendLoader,
  rowSquaredNorms,
  setBackend,
  squaredDistances,
  svd,
  withScratchFloat64,
} from '../index.node.ts';
import { loadNativeBackend } from '../node/native-backend.ts';
import { describeWithPython, runPythonJson } from '../node/testing.ts';

function random(rows: number, cols: number, seed: number, dtype: 'float64' | 'float32' = 'float64'): Matrix {
  const m = Matrix.zeros(rows, cols, dtype);
  new Rng(seed).fillNormal(m.data);
  return m;
}

function naiveProduct(a: Matrix, b: Matrix, transA = false, transB = false): Matrix {
  const m = transA ? a.cols : a.rows;
  const inner = transA ? a.rows : a.cols;
  const n = transB ? b.rows : b.cols;
  const out = Matrix.zeros(m, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += (transA ? a.get(k, i) : a.get(i, k)) * (transB ? b.get(j, k) : b.get(k, j));
      out.set(i, j, s);
    }
  }
  return out;
}

function maxAbsDiff(a: Matrix | ArrayLike<number>, b: Matrix | ArrayLike<number> | number[][]): number {
  const x = a instanceof Matrix ? a.data : a;
  const y =
    b instanceof Matrix
      ? b.data
      : Array.isArray(b) && Array.isArray(b[0])
        ? (b as number[][]).flat()
        : (b as ArrayLike<number>);
  expect(x.length).toBe(y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isConcordError(e) ? e.code : `not a Concord error: ${String(e)}`;
  }
  return undefined;
}

// Automatic choice before and after every test, whatever CONCORD_BACKEND says.
beforeEach(() => setBackend(undefined));
afterEach(() => setBackend(undefined));

for (const backend of availableBackends()) {
  describe(`products through the kernel API, forced to ${backend.name}`, () => {
    const force = () => setBackend(backend.name);

    it('gram(X) = X·Xᵀ and gramT(X) = Xᵀ·X, exactly symmetric', () => {
      force();
      const x = random(9, 14, 1);
      const g = gram(x);
      const gt = gramT(x);
      expect(maxAbsDiff(g, naiveProduct(x, x, false, true))).toBeLessThan(1e-12);
      expect(maxAbsDiff(gt, naiveProduct(x, x, true, false))).toBeLessThan(1e-12);
      for (const m of [g, gt])
        for (let i = 0; i < m.rows; i++) for (let j = 0; j < i; j++) expect(m.get(i, j)).toBe(m.get(j, i));
    });

    it('crossProduct(X, Y) = X·Yᵀ and matmul with every transpose flag', () => {
      force();
      const x = random(6, 8, 2);
      const y = random(5, 8, 3);
      expect(maxAbsDiff(crossProduct(x, y), naiveProduct(x, y, false, true))).toBeLessThan(1e-12);
      const a = random(8, 6, 4);
      expect(maxAbsDiff(matmul(a, y, { transA: true, transB: true }), naiveProduct(a, y, true, true))).toBeLessThan(
        1e-12,
      );
      expect(maxAbsDiff(matmul(x, a), naiveProduct(x, a))).toBeLessThan(1e-12);
      expect(codeOf(() => matmul(x, y))).toBe('ERR_CORE_SHAPE');
      expect(codeOf(() => crossProduct(x, random(5, 7, 1)))).toBe('ERR_CORE_SHAPE');
    });

    it('float32 products stay float32', () => {
      force();
      const x = random(7, 12, 5, 'float32');
      const g = gram(x);
      expect(g.dtype).toBe('float32');
      expect(maxAbsDiff(g, naiveProduct(x, x, false, true))).toBeLessThan(1e-4);
    });

    it('decompositions through the kernel API (whichever backend serves them)', () => {
      force();
      const x = random(6, 9, 6);
      const a = naiveProduct(x, x, false, true);
      for (let i = 0; i < 6; i++) a.set(i, i, a.get(i, i) + 1);
      const l = cholesky(a);
      expect(maxAbsDiff(naiveProduct(l, l, false, true), a)).toBeLessThan(1e-12);
      const inv = inverse(a);
      expect(maxAbsDiff(naiveProduct(a, inv), Matrix.identity(6))).toBeLessThan(1e-12);
      const { values } = eigh(a);
      expect(values[0]).toBeGreaterThan(0);
      expect(svd(x).s.length).toBe(6);
    });
  });
}

describe('backend selection', () => {
  it('the automatic choice never sends a large product to js when a faster backend loaded', () => {
    const faster = availableBackends().filter((b) => b.name !== 'js' && b.operations.has('syrk'));
    const chosen = backendFor('syrk', 4e10).name;
    if (faster.length) expect(chosen).toBe(faster[0].name);
    else expect(chosen).toBe('js');
  });

  it('without native: large products go to onnx, small ones to js, decompositions to js', () => {
    const onnx = loadBackend('onnx').backend;
    registerBackendLoader('native', () => ({ reason: 'disabled by this test' }));
    try {
      expect(backendFor('syrk', 4e10).name).toBe(onnx ? 'onnx' : 'js');
      expect(backendFor('gemm', 4e10).name).toBe(onnx ? 'onnx' : 'js');
      expect(backendFor('gemm', 1000).name).toBe('js');
      expect(backendFor('eigh', 1e12).name).toBe('js');
    } finally {
      registerBackendLoader('native', loadNativeBackend);
    }
  });

  it('a forced backend serves what it implements; what it lacks goes to js, never elsewhere', () => {
    for (const b of availableBackends()) {
      setBackend(b.name);
      expect(backendFor('gemm', 1).name).toBe(b.name);
      expect(backendFor('eigh', 1e12).name).toBe(b.operations.has('eigh') ? b.name : 'js');
    }
  });

  it('forcing an unavailable backend is a typed error naming the reason', () => {
    registerBackendLoader('native', () => ({ reason: 'disabled by this test' }));
    try {
      expect(codeOf(() => setBackend('native'))).toBe('ERR_CORE_BACKEND_UNAVAILABLE');
    } finally {
      registerBackendLoader('native', loadNativeBackend);
    }
  });
});

describe('squaredDistances', () => {
  function direct(x: Matrix, y: Matrix): Matrix {
    const out = Matrix.zeros(x.rows, y.rows);
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < y.rows; j++) {
        let s = 0;
        for (let k = 0; k < x.cols; k++) s += (x.get(i, k) - y.get(j, k)) ** 2;
        out.set(i, j, s);
      }
    }
    return out;
  }

  it('D(X) matches the direct computation, is exactly symmetric with a zero diagonal', () => {
    const x = random(12, 30, 7);
    const d = squaredDistances(x);
    expect(maxAbsDiff(d, direct(x, x))).toBeLessThan(1e-11);
    for (let i = 0; i < 12; i++) {
      expect(d.get(i, i)).toBe(0);
      for (let j = 0; j < i; j++) expect(d.get(i, j)).toBe(d.get(j, i));
    }
  });

  it('D(X, Y) matches the direct computation', () => {
    const x = random(7, 10, 8);
    const y = random(4, 10, 9);
    expect(maxAbsDiff(squaredDistances(x, y), direct(x, y))).toBeLessThan(1e-11);
    expect(codeOf(() => squaredDistances(x, random(4, 9, 1)))).toBe('ERR_CORE_SHAPE');
  });

  it('keeps its precision on data with a large common offset (where |x|²+|y|²−2x·y alone would cancel)', () => {
    const x = random(10, 50, 10);
    for (let i = 0; i < x.data.length; i++) x.data[i] = 1e7 + x.data[i];
    const ref = direct(x, x); // differences of nearby values: exact enough in float64
    const d = squaredDistances(x);
    let worstRel = 0;
    for (let i = 0; i < 10; i++)
      for (let j = 0; j < 10; j++)
        if (i !== j) worstRel = Math.max(worstRel, Math.abs(d.get(i, j) - ref.get(i, j)) / ref.get(i, j));
    expect(worstRel).toBeLessThan(1e-8);
    // The same data through the naive formula really does lose it (so this test can tell the difference).
    const g = naiveProduct(x, x, false, true);
    const naive = g.get(0, 0) + g.get(1, 1) - 2 * g.get(0, 1);
    expect(Math.abs(naive - ref.get(0, 1)) / ref.get(0, 1)).toBeGreaterThan(1e-6);
  });

  it('with Y, a large offset is handled too', () => {
    const x = random(5, 20, 11);
    const y = random(6, 20, 12);
    for (const m of [x, y]) for (let i = 0; i < m.data.length; i++) m.data[i] += 5e6;
    const ref = direct(x, y);
    const d = squaredDistances(x, y);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 6; j++) expect(Math.abs(d.get(i, j) - ref.get(i, j)) / ref.get(i, j)).toBeLessThan(1e-8);
  });

  for (const backend of availableBackends().map((b) => b.name)) {
    it(`a NaN cell makes only its own row's distances NaN (as numpy's |x|²+|y|²−2x·y), backend ${backend}`, () => {
      setBackend(backend);
      try {
        const x = random(8, 40, 14);
        x.set(3, 17, Number.NaN);
        const d = squaredDistances(x);
        const ref = direct(x, x);
        for (let i = 0; i < 8; i++) {
          for (let j = 0; j < 8; j++) {
            if (i === j) continue;
            if (i === 3 || j === 3) expect(d.get(i, j)).toBeNaN();
            else expect(Math.abs(d.get(i, j) - ref.get(i, j))).toBeLessThan(1e-11);
          }
        }
        const y = random(5, 40, 15);
        const dxy = squaredDistances(x, y);
        for (let i = 0; i < 8; i++) for (let j = 0; j < 5; j++) expect(Number.isNaN(dxy.get(i, j))).toBe(i === 3);
      } finally {
        setBackend(undefined);
      }
    });
  }

  it('float32 input is computed in float64', () => {
    const x = random(6, 9, 13, 'float32');
    const d = squaredDistances(x);
    expect(d.dtype).toBe('float64');
    expect(maxAbsDiff(d, direct(x, x))).toBeLessThan(1e-10);
  });
});

describe('centring', () => {
  it('centerColumns subtracts column means (zero column means after), keeps dtype', () => {
    const x = random(8, 5, 14);
    const c = centerColumns(x);
    const means = columnMeans(c);
    for (const m of means) expect(Math.abs(m)).toBeLessThan(1e-15);
    const orig = columnMeans(x);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 5; j++) expect(c.get(i, j)).toBe(x.get(i, j) - orig[j]);
    expect(centerColumns(random(3, 3, 1, 'float32')).dtype).toBe('float32');
  });

  it('centerRows subtracts row means', () => {
    const x = random(4, 7, 15);
    const c = centerRows(x);
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let j = 0; j < 7; j++) s += c.get(i, j);
      expect(Math.abs(s)).toBeLessThan(1e-14);
    }
  });

  it('doubleCenter(K) = H·K·H with H = I − 11ᵀ/n', () => {
    const n = 9;
    const x = random(n, 4, 16);
    const k = naiveProduct(x, x, false, true);
    const h = Matrix.identity(n);
    for (let i = 0; i < n * n; i++) h.data[i] -= 1 / n;
    const ref = naiveProduct(naiveProduct(h, k), h);
    expect(maxAbsDiff(doubleCenter(k), ref)).toBeLessThan(1e-13);
    // in place: the same values, written into K itself
    const again = k.clone();
    expect(doubleCenter(again, { inPlace: true })).toBe(again);
    expect(maxAbsDiff(again, ref)).toBeLessThan(1e-13);
    expect(codeOf(() => doubleCenter(random(2, 3, 1)))).toBe('ERR_CORE_SHAPE');
  });

  it('rowSquaredNorms and columnMeans', () => {
    const x = Matrix.from([
      [1, 2],
      [3, 4],
      [5, -6],
    ]);
    expect(Array.from(rowSquaredNorms(x))).toEqual([5, 25, 61]);
    expect(Array.from(columnMeans(x))).toEqual([3, 0]);
  });
});

describe('pinv (Moore–Penrose conditions)', () => {
  for (const [name, a] of [
    ['tall full-rank', random(7, 4, 17)],
    ['wide full-rank', random(3, 6, 18)],
    ['rank-deficient', naiveProduct(random(6, 2, 19), random(2, 5, 20))],
  ] as const) {
    it(`${name}: A·A⁺·A = A, A⁺·A·A⁺ = A⁺, A·A⁺ and A⁺·A symmetric`, () => {
      const p = pinv(a);
      expect(p.shape).toEqual([a.cols, a.rows]);
      expect(maxAbsDiff(naiveProduct(naiveProduct(a, p), a), a)).toBeLessThan(1e-12);
      expect(maxAbsDiff(naiveProduct(naiveProduct(p, a), p), p)).toBeLessThan(1e-12);
      const ap = naiveProduct(a, p);
      const pa = naiveProduct(p, a);
      expect(maxAbsDiff(ap, ap.transpose())).toBeLessThan(1e-12);
      expect(maxAbsDiff(pa, pa.transpose())).toBeLessThan(1e-12);
    });
  }
});

describe('ranks', () => {
  it('ties get the average rank, 1-based', () => {
    expect(Array.from(ranks([10, 20, 10, 30, 20, 20]))).toEqual([1.5, 4, 1.5, 6, 4, 4]);
    expect(Array.from(ranks([]))).toEqual([]);
    expect(Array.from(ranks([-0, 0]))).toEqual([1.5, 1.5]);
  });

  it('the radix path (long inputs) and the comparator path (short ones) agree, ranks sum to m(m+1)/2', () => {
    const rng = new Rng(4);
    const long = Array.from({ length: 3000 }, () => (rng.random() < 0.3 ? rng.int(10) : rng.normal()));
    long[17] = Number.NaN;
    const r = ranks(long);
    let sum = 0;
    for (const v of r) if (!Number.isNaN(v)) sum += v;
    expect(sum).toBe((2999 * 3000) / 2);
    // Every 10th value re-ranked alone (comparator path) keeps the same relative order.
    const keep = long.map((_, i) => i).filter((i) => i % 10 === 0 && i !== 17);
    const rs = ranks(keep.map((i) => long[i]));
    const rl = keep.map((i) => r[i]);
    for (let i = 0; i < keep.length; i++)
      for (let j = 0; j < keep.length; j += 37) expect(Math.sign(rs[i] - rs[j])).toBe(Math.sign(rl[i] - rl[j]));
  });

  it('NaN entries get NaN ranks and do not shift the others (scipy propagates NaN to every entry instead)', () => {
    const r = ranks([3, Number.NaN, 1]);
    expect(Array.from(r)).toEqual([2, Number.NaN, 1]);
  });

  it('every backend that ranks gives the same ranks as an independent comparator argsort, bit for bit', () => {
    const rng = new Rng(11);
    const cases: Float64Array[] = [new Float64Array(0), Float64Array.of(Number.NaN), Float64Array.of(-0, 0, -0)];
    for (const n of [5, 511, 512, 4186, 70_000]) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const u = rng.random();
        // ties, negatives, ±0, subnormals, infinities and NaN, mixed
        v[i] =
          u < 0.2
            ? rng.int(7) - 3
            : u < 0.22
              ? (rng.random() < 0.5 ? -1 : 1) * 5e-324 * rng.int(4)
              : u < 0.23
                ? (rng.random() < 0.5 ? -1 : 1) * Number.POSITIVE_INFINITY
                : u < 0.24
                  ? Number.NaN
                  : rng.normal() * 10 ** rng.int(10);
      }
      cases.push(v);
    }
    const expected = (v: Float64Array): Float64Array => {
      const order = Array.from(v.keys()).filter((i) => !Number.isNaN(v[i]));
      order.sort((a, b) => v[a] - v[b] || 0);
      const out = new Float64Array(v.length).fill(Number.NaN);
      for (let s = 0; s < order.length; ) {
        let e = s + 1;
        while (e < order.length && v[order[e]] === v[order[s]]) e++;
        for (let k = s; k < e; k++) out[order[k]] = (s + e - 1) / 2 + 1;
        s = e;
      }
      return out;
    };
    const rankers = availableBackends().filter((b) => b.operations.has('ranks'));
    expect(rankers.map((b) => b.name)).toContain('js');
    for (const b of rankers) {
      for (const v of cases) {
        const got = defined(b.ranks)(v);
        const want = expected(v);
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++)
          if (!Object.is(got[i], want[i])) expect([b.name, i, got[i]]).toEqual([b.name, i, want[i]]);
      }
    }
  });
});

describe('gram into a given array', () => {
  it('every backend writes X·Xᵀ and Xᵀ·X into the array it is given, the same values as a fresh result', () => {
    const x = random(7, 5, 21);
    try {
      for (const b of availableBackends()) {
        setBackend(b.name);
        for (const [fn, n] of [
          [gram, 7],
          [gramT, 5],
        ] as const) {
          const into = new Float64Array(n * n).fill(Number.NaN);
          const g = fn(x, into);
          expect(g.data).toBe(into);
          expect(Array.from(into)).toEqual(Array.from(fn(x).data));
        }
        expect(codeOf(() => gram(x, new Float64Array(48)))).toBe('ERR_CORE_SHAPE');
        expect(codeOf(() => gram(x, new Float32Array(49)))).toBe('ERR_CORE_SHAPE');
      }
    } finally {
      setBackend(undefined);
    }
  });
});

describe('argsort', () => {
  it('every backend sorts stably (ties in index order, -0 = 0, NaN last) like a comparator sort of (value, index)', () => {
    const rng = new Rng(13);
    const sorters = availableBackends().filter((b) => b.operations.has('argsort'));
    expect(sorters.map((b) => b.name)).toContain('js');
    for (const n of [0, 1, 7, 511, 512, 5000, 70_000]) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const u = rng.random();
        v[i] =
          u < 0.3 ? rng.int(5) - 2 : u < 0.32 ? -0 : u < 0.34 ? Number.NaN : u < 0.35 ? -Infinity : rng.normal() * 1e3;
      }
      const want = Array.from(v.keys()).sort((a, b) => {
        const [x, y] = [v[a], v[b]];
        if (Number.isNaN(x) || Number.isNaN(y))
          return Number.isNaN(x) === Number.isNaN(y) ? a - b : Number.isNaN(x) ? 1 : -1;
        return x - y || a - b;
      });
      for (const b of sorters) expect([b.name, n, Array.from(defined(b.argsort)(v))]).toEqual([b.name, n, want]);
    }
  });
});

describe('axpy and the scratch buffer', () => {
  it('every backend with axpy computes y += alpha·x like a plain loop, on offset views, in both precisions', () => {
    const rng = new Rng(21);
    const backends = availableBackends().filter((b) => b.operations.has('axpy'));
    expect(backends.map((b) => b.name)).toContain('js');
    for (const b of backends) {
      for (const Type of [Float64Array, Float32Array]) {
        for (const alpha of [1, -1, 0.37]) {
          const x = new Type(1003);
          const y = new Type(1003);
          for (let i = 0; i < x.length; i++) [x[i], y[i]] = [rng.normal(), rng.normal()];
          const want = Type.from(y);
          for (let i = 2; i < 1003; i++)
            want[i] = (Type === Float32Array ? Math.fround : Number)(want[i] + alpha * x[i - 1]);
          defined(b.axpy)(alpha, x.subarray(1, 1002), y.subarray(2, 1003));
          for (let i = 0; i < y.length; i++)
            expect(Math.abs(y[i] - want[i])).toBeLessThan(Type === Float32Array ? 1e-6 : 1e-15);
        }
      }
    }
  });

  it('withScratchFloat64 hands nested calls separate memory and results never alias it', () => {
    // five levels: four pooled buffers, then fresh memory; every level keeps its own contents
    const nest = (level: number, seen: ArrayBufferLike[]): number[] =>
      withScratchFloat64(100, (a) => {
        a.fill(level);
        expect(seen).not.toContain(a.buffer);
        const inner = level < 5 ? nest(level + 1, [...seen, a.buffer]) : [];
        return [a.reduce((s, v) => s + v, 0), ...inner];
      });
    expect(nest(1, [])).toEqual([100, 200, 300, 400, 500]);
    // squaredDistances centres into the scratch: two calls in a row give independent, correct results.
    const x = Matrix.from([
      [0, 0],
      [3, 4],
    ]);
    const y = Matrix.from([
      [1, 1],
      [1, 2],
    ]);
    const dx = squaredDistances(x);
    const dy = squaredDistances(y);
    expect(Array.from(dx.data)).toEqual([0, 25, 25, 0]);
    expect(Array.from(dy.data)).toEqual([0, 1, 1, 0]);
  });
});

describe('firstNonFinite', () => {
  it('every backend that scans finds the first NaN/±Inf exactly where a plain loop does, in both precisions', () => {
    const scanners = availableBackends().filter((b) => b.operations.has('finite'));
    expect(scanners.map((b) => b.name)).toContain('js');
    const rng = new Rng(12);
    for (const n of [0, 1, 3, 4095, 4096, 4097, 100_003]) {
      for (const Type of [Float32Array, Float64Array]) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined]) {
          const buffer = new Type(n + 3);
          for (let i = 0; i < buffer.length; i++) buffer[i] = rng.normal() * 1e30;
          // subnormals, the largest finite values and ±0 are finite
          if (n > 8) buffer.set([1e-310, -3.4028234663852886e38, 1.7976931348623157e308, -0, 0], 3);
          const at = bad === undefined || n === 0 ? -1 : rng.int(n);
          const view = buffer.subarray(3); // an offset view: the scan must start at the view, not the buffer
          buffer[0] = Number.NaN;
          if (at >= 0) {
            view[at] = defined(bad);
            if (at + 7 < n) view[at + 7] = Number.NaN; // a later one must not be reported
          }
          const expected = view.findIndex((v) => !Number.isFinite(v));
          for (const b of scanners)
            expect([b.name, n, Type.name, defined(b.firstNonFinite)(view)]).toEqual([b.name, n, Type.name, expected]);
        }
      }
    }
  });
});

describe('decomposition kernels reject non-finite input with a typed error', () => {
  const bad = Matrix.from([
    [1, Number.NaN],
    [Number.NaN, 1],
  ]);
  for (const [name, fn] of [
    ['eigh', () => eigh(bad)],
    ['svd', () => svd(bad)],
    ['cholesky', () => cholesky(bad)],
    ['inverse', () => inverse(bad)],
  ] as const) {
    it(name, () => expect(codeOf(fn)).toBe('ERR_CORE_NON_FINITE'));
  }
});

describeWithPython(['numpy', 'scipy'], 'against numpy/scipy', () => {
  const rng = new Rng(21);
  const tied = Array.from({ length: 200 }, () => rng.int(15) - 7);
  const cont = Array.from({ length: 50 }, () => rng.normal());
  const rankDef = naiveProduct(random(8, 3, 22), random(3, 6, 23));
  const tall = random(9, 4, 24);
  // Long enough for the radix-sort path, with negatives, ±0, ±Infinity, subnormals, huge values and many ties.
  const special = [-0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, -5e-324, 1.7e308, -1.7e308];
  const long = Array.from({ length: 6000 }, (_, i) =>
    i % 7 === 0 ? special[i % special.length] : i % 3 === 0 ? rng.int(40) - 20 : rng.normal() * 10 ** rng.int(12),
  );
  const ref = runPythonJson<{
    tied: number[];
    cont: number[];
    long: number[];
    pinvRd: number[][];
    pinvTall: number[][];
    dist: number[][];
  }>(
    `
import numpy as np
from scipy.stats import rankdata
from scipy.spatial.distance import cdist
special = {'inf': np.inf, '-inf': -np.inf, '-0': -0.0}
long = np.array([special[v] if isinstance(v, str) else v for v in data['long']], dtype=float)
result = {'tied': rankdata(data['tied']).tolist(), 'cont': rankdata(data['cont']).tolist(), 'long': rankdata(long).tolist(),
          'pinvRd': np.linalg.pinv(np.array(data['rd'])).tolist(), 'pinvTall': np.linalg.pinv(np.array(data['tall'])).tolist(),
          'dist': cdist(np.array(data['tall']), np.array(data['tall']), 'sqeuclidean').tolist()}
`,
    {
      tied,
      cont,
      // JSON has no Infinity or -0: send them as strings.
      long: long.map((v) =>
        v === Number.POSITIVE_INFINITY ? 'inf' : v === Number.NEGATIVE_INFINITY ? '-inf' : Object.is(v, -0) ? '-0' : v,
      ),
      rd: rankDef.toArray(),
      tall: tall.toArray(),
    },
  );

  it('ranks = scipy.stats.rankdata (method average) with many ties', () => {
    expect(Array.from(ranks(tied))).toEqual(ref.tied);
    expect(Array.from(ranks(cont))).toEqual(ref.cont);
  });

  it('ranks = scipy.stats.rankdata on 6000 values with ±0, ±Infinity, subnormals and ties (radix-sort path)', () => {
    expect(Array.from(ranks(long))).toEqual(ref.long);
    expect(Array.from(ranks(Float64Array.from(long)))).toEqual(ref.long);
  });

  it('pinv = numpy.linalg.pinv (rank-deficient and tall)', () => {
    expect(maxAbsDiff(pinv(rankDef), ref.pinvRd)).toBeLessThan(1e-10);
    expect(maxAbsDiff(pinv(tall), ref.pinvTall)).toBeLessThan(1e-12);
  });

  it('squaredDistances = scipy cdist sqeuclidean', () => {
    expect(maxAbsDiff(squaredDistances(tall), ref.dist)).toBeLessThan(1e-12);
  });
});
