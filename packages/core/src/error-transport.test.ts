import { describe, expect, it } from 'vitest';
import { deserializeError, serializeError } from './error-transport.ts';
import { FileFormatError, isConcordError, ParameterError } from './errors.ts';

/** Through structured clone, as a worker's message travels. */
const roundTrip = (e: unknown) => deserializeError(structuredClone(serializeError(e)));

describe('errors across a thread boundary', () => {
  it('a Concord error comes back with its class, message, code, details and badInput', () => {
    const original = new FileFormatError('ERR_IO_HDF5', 'x.h5', 'bad header', { offset: 12, field: 'sig' });
    const back = roundTrip(original);
    expect(back).toBeInstanceOf(FileFormatError);
    expect(isConcordError(back)).toBe(true);
    expect(back.message).toBe(original.message);
    expect(back.stack).toBe(original.stack);
    expect(back).toMatchObject({ code: 'ERR_IO_HDF5', badInput: true, details: original.details });
    expect(roundTrip(new ParameterError('ERR_X', 'lr', 'must be > 0'))).toBeInstanceOf(ParameterError);
  });

  it('serialised errors come back with their class; unknown classes as plain errors of the same name', () => {
    const plain = roundTrip(new RangeError('boom'));
    expect(plain).toBeInstanceOf(RangeError);
    expect(isConcordError(plain)).toBe(false);
    class Odd extends Error {}
    const odd = roundTrip(new Odd('x'));
    expect(odd).toBeInstanceOf(Error);
    expect(odd.message).toBe('x');
    expect(roundTrip('a string').message).toBe('a string');
  });

  it('details that structured clone refuses (a function, a BigInt beside it) still travel, as JSON', () => {
    const e = new FileFormatError('ERR_IO_HDF5', 'x.h5', 'odd', { received: 5n, callback: () => 1 } as never);
    const back = roundTrip(e) as Error & { details: Record<string, unknown> };
    expect(back.details).toEqual({ file: 'x.h5', received: '5' });
  });
});
