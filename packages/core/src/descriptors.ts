/**
 * Descriptor helpers: descriptor columns are arrays of strings or numbers, one entry per observation/channel/time.
 * Unique values are ordered as numpy's np.unique orders them (numbers ascending, strings by code point), so
 * conditions come out in the same order as in rsatoolbox.
 */
import { CORE_ERRORS, ParameterError, ShapeError } from './errors.ts';

export type DescriptorValue = string | number;
export type Descriptor = DescriptorValue[];
export type Descriptors = Record<string, Descriptor>;

export function compareDescriptorValues(a: DescriptorValue, b: DescriptorValue): number {
  if (typeof a === 'number' && typeof b === 'number') {
    // NaN sorts last and equal to itself, as in np.unique (equal_nan=True).
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return a - b;
  }
  // numpy cannot mix types in one array either; numbers sort before strings here so the order is total.
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareCodePoints(a, b);
}

/**
 * Order strings by Unicode code point, as numpy does. JavaScript's `<` compares UTF-16 code units, which puts
 * characters beyond U+FFFF (stored as surrogates D800–DFFF) before BMP characters from U+E000 up.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
  }
  return a.length - b.length;
}

export function uniqueSorted(values: readonly DescriptorValue[]): DescriptorValue[] {
  const seen = new Set<DescriptorValue>(values);
  return [...seen].sort(compareDescriptorValues);
}

/** Indices of the first-occurrence order of unique values (np.unique(..., return_index) order is sorted; this is appearance order). */
export function uniqueInOrder(values: readonly DescriptorValue[]): DescriptorValue[] {
  return [...new Set<DescriptorValue>(values)];
}

export function checkDescriptors(kind: string, descriptors: Descriptors, expectedLength: number): void {
  for (const [name, col] of Object.entries(descriptors)) {
    if (!Array.isArray(col))
      throw new ParameterError(CORE_ERRORS.DESCRIPTOR, `${kind}.${name}`, `expected an array, received ${typeof col}`);
    if (col.length !== expectedLength) {
      throw new ShapeError(
        `${kind}.${name} has ${col.length} entries, expected ${expectedLength} (one per ${kind === 'obsDescriptors' ? 'observation' : kind === 'channelDescriptors' ? 'channel' : 'time point'})`,
        {
          field: `${kind}.${name}`,
          expected: expectedLength,
          received: col.length,
        },
      );
    }
  }
}

export function getDescriptor(kind: string, descriptors: Descriptors, name: string): Descriptor {
  const col = descriptors[name];
  if (!col) {
    throw new ParameterError(
      CORE_ERRORS.DESCRIPTOR,
      'descriptor',
      `'${name}' is not one of the ${kind} (${
        Object.keys(descriptors)
          .map((k) => `'${k}'`)
          .join(', ') || 'none'
      })`,
      {
        received: name,
        expected: Object.keys(descriptors),
      },
    );
  }
  return col;
}

export function selectDescriptors(descriptors: Descriptors, indices: ArrayLike<number>): Descriptors {
  const out: Descriptors = {};
  for (const [k, col] of Object.entries(descriptors)) {
    const c: Descriptor = new Array(indices.length);
    for (let i = 0; i < indices.length; i++) c[i] = col[indices[i]];
    out[k] = c;
  }
  return out;
}

/** Indices whose descriptor value is in `values`. */
export function indicesWhere(col: Descriptor, values: DescriptorValue | readonly DescriptorValue[]): number[] {
  const set = new Set<DescriptorValue>(Array.isArray(values) ? values : [values as DescriptorValue]);
  const out: number[] = [];
  for (let i = 0; i < col.length; i++) if (set.has(col[i])) out.push(i);
  return out;
}

/** Group indices by descriptor value; groups in np.unique order. */
export function groupIndices(col: Descriptor): { values: DescriptorValue[]; groups: number[][] } {
  const values = uniqueSorted(col);
  const groups: number[][] = values.map(() => []);
  const byValue = new Map<DescriptorValue, number[]>(values.map((v, i) => [v, groups[i]]));
  // every value of `col` is among `values` (they were taken from it)
  for (let i = 0; i < col.length; i++) byValue.get(col[i])?.push(i);
  return { values, groups };
}
