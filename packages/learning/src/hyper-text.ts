/**
 * Hyper-parameters written as text, `key=value,key=value` (`concord train --hyper`, the full-run script): numbers,
 * `true`/`false`, anything else as a string. Ranges are checked later, against the rule's declaration.
 */
import { ParameterError } from '@concord/core';
import type { HyperValue } from './rule.ts';

export function parseHyperText(text: string, flag = '--hyper'): Record<string, HyperValue> {
  const out: Record<string, HyperValue> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 1)
      throw new ParameterError(
        'ERR_LEARNING_HYPER',
        flag,
        `expected key=value pairs separated by commas, received '${part}'`,
      );
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    out[key] =
      raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}
