import { describe, expect, it } from 'vitest';
import { Dataset } from './dataset.ts';
import { compareCodePoints, groupIndices, uniqueInOrder, uniqueSorted } from './descriptors.ts';
import { isConcordError, ShapeError } from './errors.ts';
import { Matrix } from './matrix.ts';
import { describeWithPython, runPythonJson } from './node/testing.ts';
import { TemporalDataset } from './temporal-dataset.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isConcordError(e) ? e.code : `not a Concord error: ${String(e)}`;
  }
  return undefined;
}

/** 6 observations × 2 channels; row i is [i, 10·i]. */
function sample(): Dataset {
  return Dataset.from(
    [0, 1, 2, 3, 4, 5].map((i) => [i, 10 * i]),
    {
      descriptors: { subject: 's01' },
      obsDescriptors: {
        stim: ['b', 'a', 'b', 'c', 'a', 'b'],
        run: [1, 1, 1, 2, 2, 2],
        session: [7, 7, 7, 7, 7, 7],
      },
      channelDescriptors: { name: ['Fz', 'Cz'] },
    },
  );
}

describe('descriptors: np.unique order', () => {
  it('numbers ascending (not lexicographic), NaN last', () => {
    expect(uniqueSorted([10, 2, 1.5, -3, 2])).toEqual([-3, 1.5, 2, 10]);
    expect(uniqueSorted([Number.NaN, 1, Number.NaN, 0])).toEqual([0, 1, Number.NaN]);
  });

  it('strings by code point: upper case before lower case, digits first, astral characters after U+FFFF', () => {
    expect(uniqueSorted(['b', 'B', 'a', '10', '9'])).toEqual(['10', '9', 'B', 'a', 'b']);
    // '～' is U+FF5E, '😀' is U+1F600: JavaScript's < would put the emoji first (its surrogates start D83D).
    expect(uniqueSorted(['😀', '～'])).toEqual(['～', '😀']);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('abc', 'abc')).toBe(0);
  });

  it('uniqueInOrder keeps first appearance; groupIndices groups in sorted order', () => {
    expect(uniqueInOrder(['b', 'a', 'b'])).toEqual(['b', 'a']);
    expect(groupIndices(['b', 'a', 'b', 'c'])).toEqual({
      values: ['a', 'b', 'c'],
      groups: [[1], [0, 2], [3]],
    });
  });
});

describeWithPython(['numpy'], 'descriptor order matches numpy.unique', () => {
  const strings = ['b', 'B', 'a', '10', '9', 'ä', 'z', '😀', '～', 'Z', '_', ' x', 'x'];
  const numbers = [3, -1, 2.5, 1e10, -0.5, 3, 0, 100, 20];
  const ref = runPythonJson<{ s: string[]; n: number[] }>(
    `
import numpy as np
result = {'s': np.unique(np.array(data['s'])).tolist(), 'n': np.unique(np.array(data['n'])).tolist()}
`,
    { s: strings, n: numbers },
  );
  it('strings', () => expect(uniqueSorted(strings)).toEqual(ref.s));
  it('numbers', () => expect(uniqueSorted(numbers)).toEqual(ref.n));
});

describe('Dataset', () => {
  it('nObs, nChannels and descriptor access', () => {
    const ds = sample();
    expect(ds.nObs).toBe(6);
    expect(ds.nChannels).toBe(2);
    expect(ds.obsDescriptor('run')).toEqual([1, 1, 1, 2, 2, 2]);
    expect(ds.channelDescriptor('name')).toEqual(['Fz', 'Cz']);
  });

  it('a descriptor of the wrong length is a ShapeError naming the descriptor and both lengths', () => {
    let err: unknown;
    try {
      new Dataset(Matrix.zeros(3, 2), { obsDescriptors: { stim: ['a', 'b'] } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toMatch(/obsDescriptors\.stim has 2 entries, expected 3/);
    expect(codeOf(() => new Dataset(Matrix.zeros(3, 2), { channelDescriptors: { name: ['x'] } }))).toBe(
      'ERR_CORE_SHAPE',
    );
  });

  it('an unknown descriptor is a typed error listing the known ones', () => {
    expect(codeOf(() => sample().obsDescriptor('condition'))).toBe('ERR_CORE_DESCRIPTOR');
    expect(() => sample().obsDescriptor('condition')).toThrow(/'stim', 'run', 'session'/);
  });

  it('subsetObs keeps the original order and the matching rows', () => {
    const sub = sample().subsetObs('stim', ['b', 'c']);
    expect(sub.obsDescriptor('stim')).toEqual(['b', 'b', 'c', 'b']);
    expect(sub.measurements.column(0)).toEqual(new Float64Array([0, 2, 3, 5]));
    expect(sample().subsetObs('run', 2).nObs).toBe(3);
    expect(sample().subsetObs('run', 9).nObs).toBe(0);
  });

  it('splitObs returns one dataset per value in np.unique order, tagged with the value', () => {
    const parts = sample().splitObs('stim');
    expect(parts.map((p) => p.descriptors.stim)).toEqual(['a', 'b', 'c']);
    expect(parts.map((p) => Array.from(p.measurements.column(0)))).toEqual([[1, 4], [0, 2, 5], [3]]);
    expect(parts[0].descriptors.subject).toBe('s01');
  });

  it('averageBy: mean per value in sorted order, counts, constant descriptors kept, varying ones dropped', () => {
    const { dataset, values, counts } = sample().averageBy('stim');
    expect(values).toEqual(['a', 'b', 'c']);
    expect(counts).toEqual([2, 3, 1]);
    expect(dataset.measurements.toArray()).toEqual([
      [2.5, 25],
      [7 / 3, 70 / 3],
      [3, 30],
    ]);
    expect(dataset.obsDescriptors.stim).toEqual(['a', 'b', 'c']);
    expect(dataset.obsDescriptors.session).toEqual([7, 7, 7]);
    expect(dataset.obsDescriptors.run).toBeUndefined();
  });

  it('sortBy is stable', () => {
    const s = sample().sortBy('stim');
    expect(s.obsDescriptor('stim')).toEqual(['a', 'a', 'b', 'b', 'b', 'c']);
    expect(Array.from(s.measurements.column(0))).toEqual([1, 4, 0, 2, 5, 3]);
  });

  it('channel selection and split', () => {
    const ds = sample();
    const cz = ds.subsetChannel('name', 'Cz');
    expect(cz.nChannels).toBe(1);
    expect(Array.from(cz.measurements.column(0))).toEqual([0, 10, 20, 30, 40, 50]);
    expect(ds.splitChannel('name').map((d) => d.descriptors.name)).toEqual(['Cz', 'Fz']);
    expect(ds.selectChannels([1, 0]).channelDescriptor('name')).toEqual(['Cz', 'Fz']);
  });

  it('withDescriptors adds dataset-level descriptors without touching the original', () => {
    const ds = sample();
    const tagged = ds.withDescriptors({ roi: 'V1' });
    expect(tagged.descriptors).toEqual({ subject: 's01', roi: 'V1' });
    expect(ds.descriptors).toEqual({ subject: 's01' });
  });
});

describe('TemporalDataset', () => {
  // 3 observations × 2 channels × 4 times; value = 100·o + 10·c + t.
  function temporal(): TemporalDataset {
    const data = new Float64Array(24);
    for (let o = 0; o < 3; o++)
      for (let c = 0; c < 2; c++) for (let t = 0; t < 4; t++) data[(o * 2 + c) * 4 + t] = 100 * o + 10 * c + t;
    return new TemporalDataset(data, [3, 2, 4], {
      obsDescriptors: { stim: ['y', 'x', 'y'] },
      channelDescriptors: { name: ['O1', 'O2'] },
      timeDescriptors: { time: [-0.1, 0, 0.1, 0.2] },
    });
  }

  it('layout (o, c, t), shape and times', () => {
    const td = temporal();
    expect(td.shape).toEqual([3, 2, 4]);
    expect(td.at(2, 1, 3)).toBe(213);
    expect(td.times).toEqual([-0.1, 0, 0.1, 0.2]);
    expect(new TemporalDataset(new Float64Array(6), [1, 2, 3]).times).toEqual([0, 1, 2]);
  });

  it('shape and descriptor length errors', () => {
    expect(codeOf(() => new TemporalDataset(new Float64Array(5), [1, 2, 3]))).toBe('ERR_CORE_SHAPE');
    expect(
      codeOf(() => new TemporalDataset(new Float64Array(6), [1, 2, 3], { timeDescriptors: { time: [0, 1] } })),
    ).toBe('ERR_CORE_SHAPE');
  });

  it('timeSlice gives the observations × channels dataset at one time', () => {
    const ds = temporal().timeSlice(2);
    expect(ds.measurements.toArray()).toEqual([
      [2, 12],
      [102, 112],
      [202, 212],
    ]);
    expect(ds.descriptors.time).toBe(0.1);
    expect(codeOf(() => temporal().timeSlice(4))).toBe('ERR_CORE_TIME_INDEX');
  });

  it('splitObs and subsetObs keep the (o, c, t) blocks', () => {
    const [x, y] = temporal().splitObs('stim');
    expect(x.descriptors.stim).toBe('x');
    expect(x.at(0, 1, 2)).toBe(112);
    expect(y.nObs).toBe(2);
    expect(y.at(1, 0, 0)).toBe(200);
    expect(temporal().subsetObs('stim', 'y').obsDescriptors.stim).toEqual(['y', 'y']);
  });

  it('binTime averages within bins and averages their times', () => {
    const b = temporal().binTime([
      [0, 1],
      [2, 3],
    ]);
    expect(b.shape).toEqual([3, 2, 2]);
    expect(b.at(1, 1, 0)).toBe(110.5);
    expect(b.times[0]).toBeCloseTo(-0.05, 15);
    expect(b.times[1]).toBeCloseTo(0.15, 15);
  });

  it('toDataset stacks time into observations (row o·T + t) with a time descriptor', () => {
    const ds = temporal().toDataset();
    expect(ds.nObs).toBe(12);
    expect(ds.nChannels).toBe(2);
    expect(ds.measurements.row(5)).toEqual(new Float64Array([101, 111]));
    expect(ds.obsDescriptor('stim').slice(3, 6)).toEqual(['y', 'x', 'x']);
    expect(ds.obsDescriptor('time').slice(0, 5)).toEqual([-0.1, 0, 0.1, 0.2, -0.1]);
  });
});
