import { describe, expect, it } from 'vitest';
import {
  ConcordError,
  ConcordRangeError,
  ConcordTypeError,
  checkChoice,
  describeValue,
  FileFormatError,
  InternalError,
  isConcordError,
  NonFiniteError,
  ParameterError,
  presentOrBug,
  ShapeError,
} from './errors.ts';
import { type ProgressEvent, ProgressReporter } from './progress.ts';

describe('errors', () => {
  it('every class carries a stable code, details, badInput, and the right built-in base class', () => {
    const cases: [Error & { code: string; badInput: boolean }, string, ErrorConstructor, boolean][] = [
      [new ConcordError('ERR_X', 'm'), 'ERR_X', Error, true],
      [new ConcordTypeError('ERR_T', 'm'), 'ERR_T', TypeError, true],
      [new ConcordRangeError('ERR_R', 'm'), 'ERR_R', RangeError, true],
      [new ShapeError('m'), 'ERR_CORE_SHAPE', RangeError, true],
      [new ParameterError('ERR_P', 'method', 'm'), 'ERR_P', TypeError, true],
      [new NonFiniteError('x', 3, Number.NaN), 'ERR_CORE_NON_FINITE', RangeError, true],
      [new FileFormatError('ERR_F', 'a.npy', 'm'), 'ERR_F', Error, true],
      [new InternalError('ERR_I', 'm'), 'ERR_I', Error, false],
    ];
    for (const [err, code, base, badInput] of cases) {
      expect(err.code).toBe(code);
      expect(err).toBeInstanceOf(base);
      expect(err.badInput).toBe(badInput);
      expect(isConcordError(err)).toBe(true);
      expect(err.name).toBe(err.constructor.name);
    }
  });

  it('isConcordError is false for plain errors and non-errors', () => {
    expect(isConcordError(new Error('x'))).toBe(false);
    expect(isConcordError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isConcordError({ code: 'ERR_X', badInput: true })).toBe(false);
    expect(isConcordError(undefined)).toBe(false);
  });

  it('FileFormatError names the file, the field and the byte offset', () => {
    const e = new FileFormatError('ERR_IO_NPY_HEADER', 'data/x.npy', 'bad shape', { field: 'shape', offset: 10 });
    expect(e.message).toBe('data/x.npy (field shape, byte offset 10): bad shape');
    expect(e.details).toMatchObject({ file: 'data/x.npy', field: 'shape', offset: 10 });
  });

  it('ParameterError prefixes the parameter and records it as the field', () => {
    const e = new ParameterError('ERR_P', 'method', 'bad');
    expect(e.message).toBe('method: bad');
    expect(e.details.field).toBe('method');
  });

  it('InternalError keeps its cause', () => {
    const cause = new Error('inner');
    expect(new InternalError('ERR_I', 'outer', {}, cause).cause).toBe(cause);
  });

  it('checkChoice returns a valid value and lists the valid ones otherwise', () => {
    expect(checkChoice('method', 'cosine', ['cosine', 'spearman'] as const)).toBe('cosine');
    let err: unknown;
    try {
      checkChoice('method', 'pearson', ['cosine', 'spearman'] as const);
    } catch (e) {
      err = e;
    }
    expect((err as ParameterError).code).toBe('ERR_CORE_UNKNOWN_METHOD');
    expect((err as Error).message).toBe(`method: expected one of 'cosine', 'spearman'; received "pearson"`);
    expect(() => checkChoice('m', 3, ['a'], 'ERR_CUSTOM')).toThrow(/received 3/);
  });

  it('describeValue is short and typed', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1, 2])).toBe('array of length 2');
    expect(describeValue(new Float32Array(3))).toBe('Float32Array of length 3');
    expect(describeValue('x'.repeat(100)).length).toBeLessThan(70);
    expect(describeValue({ a: 1 })).toBe('object');
  });

  it('presentOrBug passes present values through (0 and empty strings included) and reports a missing one as a bug', () => {
    expect(presentOrBug(0, 'x')).toBe(0);
    expect(presentOrBug('', 'x')).toBe('');
    for (const missing of [undefined, null]) {
      const err = (() => {
        try {
          presentOrBug(missing, 'layer conv1 of net');
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InternalError);
      expect((err as InternalError).code).toBe('ERR_CORE_INVARIANT');
      expect((err as InternalError).badInput).toBe(false);
      expect((err as Error).message).toContain('layer conv1 of net is missing');
    }
  });
});

describe('ProgressReporter', () => {
  it('emits a first event, throttled ticks, the last tick and finish', () => {
    const events: ProgressEvent[] = [];
    const r = new ProgressReporter('rdm', 1000, (e) => events.push(e), 1e9);
    expect(events).toEqual([{ stage: 'rdm', done: 0, total: 1000 }]);
    // The first tick reports (nothing was reported by tick yet), the next ones are throttled by the interval.
    for (let i = 0; i < 998; i++) r.tick();
    expect(events.length).toBe(2);
    r.tick(2, 'last'); // reaching the total always reports
    expect(events.at(-1)).toEqual({ stage: 'rdm', done: 1000, total: 1000, message: 'last' });
    r.finish('done');
    expect(events.at(-1)).toEqual({ stage: 'rdm', done: 1000, total: 1000, message: 'done' });
  });

  it('with a zero interval every tick reports; without a callback nothing breaks', () => {
    const events: ProgressEvent[] = [];
    const r = new ProgressReporter('read', 3, (e) => events.push(e), 0);
    r.tick();
    r.tick();
    expect(events.map((e) => e.done)).toEqual([0, 1, 2]);
    const silent = new ProgressReporter('x', 2, undefined);
    silent.tick();
    silent.finish();
  });
});
