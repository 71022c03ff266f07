import { isConcordError } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { parseHyperText } from './hyper-text.ts';

describe('parseHyperText (concord train --hyper, the full-run script)', () => {
  it('numbers, booleans and strings; spaces around keys and values ignored', () => {
    expect(parseHyperText('sigma=0.1, hebbianEpochs=20,symmetric=false,init=normal,x=1e-3')).toEqual({
      sigma: 0.1,
      hebbianEpochs: 20,
      symmetric: false,
      init: 'normal',
      x: 0.001,
    });
    expect(parseHyperText('name=')).toEqual({ name: '' });
  });

  it('a part without key=value is a typed error naming --hyper and the part', () => {
    for (const bad of ['sigma', '=3', 'a=1,,b=2']) {
      let error: unknown;
      try {
        parseHyperText(bad);
      } catch (e) {
        error = e;
      }
      expect(isConcordError(error) && error.badInput).toBe(true);
      expect((error as Error).message).toMatch(/^--hyper: expected key=value pairs separated by commas, received '/);
    }
  });
});
