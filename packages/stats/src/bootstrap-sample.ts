/**
 * Bootstrap draws as rsatoolbox makes them (inference/bootstrap.py): n draws with replacement from the n distinct
 * values of a pattern descriptor (conditions) and/or of an rdm descriptor (subjects). A draw is stored as indices
 * into the sorted distinct values (np.unique order); with the default descriptor 'index' these are the condition
 * or RDM indices themselves. Draws come from core's seeded Rng, so they are reproducible but not numpy's: to
 * reproduce an rsatoolbox run (or cross-check one) pass the same draws explicitly.
 */
import { type Descriptor, describeValue, groupIndices, ParameterError, Rng } from '@concord/core';
import { STATS_ERRORS } from './errors.ts';

export interface BootstrapDraw {
  /** Drawn pattern groups (conditions, with repeats). */
  patterns?: ArrayLike<number>;
  /** Drawn rdm groups (subjects, with repeats). */
  rdms?: ArrayLike<number>;
}

export type BootstrapKind = 'pattern' | 'rdm' | 'both';

/** Items grouped by a descriptor: group id per item (np.unique order) and the number of groups. */
export interface Grouping {
  groupOf: Int32Array;
  nGroups: number;
}

export function groupingOf(descriptor: Descriptor): Grouping {
  const { groups } = groupIndices(descriptor);
  const groupOf = new Int32Array(descriptor.length);
  groups.forEach((members, g) => {
    for (const i of members) groupOf[i] = g;
  });
  return { groupOf, nGroups: groups.length };
}

/** `nSamples` seeded draws; patterns are drawn before rdms within a sample only when both are resampled. */
export function drawBootstrapSamples(
  kind: BootstrapKind,
  nPatternGroups: number,
  nRdmGroups: number,
  nSamples: number,
  seed: number,
): BootstrapDraw[] {
  if (!(Number.isInteger(nSamples) && nSamples >= 1))
    throw new ParameterError(STATS_ERRORS.TOO_FEW, 'nSamples', `expected an integer ≥ 1; received ${nSamples}`);
  const rng = new Rng(seed);
  const draw = (n: number) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.int(n);
    return out;
  };
  const out: BootstrapDraw[] = [];
  for (let s = 0; s < nSamples; s++) {
    // rsatoolbox's bootstrap_sample draws rdms first, then patterns.
    const rdms = kind !== 'pattern' ? draw(nRdmGroups) : undefined;
    const patterns = kind !== 'rdm' ? draw(nPatternGroups) : undefined;
    out.push({ ...(patterns ? { patterns } : {}), ...(rdms ? { rdms } : {}) });
  }
  return out;
}

function checkList(v: unknown, n: number, where: string): void {
  if (v === undefined) return;
  const list = v as ArrayLike<unknown>;
  if (v === null || typeof v !== 'object' || typeof list.length !== 'number')
    throw new ParameterError(STATS_ERRORS.INDICES, where, `expected an array of indices; received ${describeValue(v)}`);
  if (list.length === 0)
    throw new ParameterError(STATS_ERRORS.INDICES, where, 'expected at least one index; received an empty array');
  for (let k = 0; k < list.length; k++) {
    const x = list[k];
    if (!(typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < n))
      throw new ParameterError(
        STATS_ERRORS.INDICES,
        `${where}[${k}]`,
        `expected an integer in [0, ${n}); received ${describeValue(x)}`,
        { expected: [0, n], received: x },
      );
  }
}

/** Throws ERR_STATS_INDICES naming `parameter[i].patterns[k]` (or .rdms) for a malformed or out-of-range draw. */
export function checkDraws(
  draws: readonly BootstrapDraw[],
  kind: BootstrapKind,
  nPatternGroups: number,
  nRdmGroups: number,
  parameter = 'indices',
): void {
  if (!Array.isArray(draws) || draws.length === 0)
    throw new ParameterError(
      STATS_ERRORS.INDICES,
      parameter,
      `expected a non-empty array of draws; received ${describeValue(draws)}`,
    );
  draws.forEach((d, i) => {
    if (d === null || typeof d !== 'object')
      throw new ParameterError(
        STATS_ERRORS.INDICES,
        `${parameter}[${i}]`,
        `expected an object with "patterns" and/or "rdms"; received ${describeValue(d)}`,
      );
    if (kind !== 'rdm' && d.patterns === undefined)
      throw new ParameterError(
        STATS_ERRORS.INDICES,
        `${parameter}[${i}].patterns`,
        `a ${kind} bootstrap needs drawn condition indices`,
      );
    if (kind !== 'pattern' && d.rdms === undefined)
      throw new ParameterError(
        STATS_ERRORS.INDICES,
        `${parameter}[${i}].rdms`,
        `a ${kind} bootstrap needs drawn subject indices`,
      );
    checkList(d.patterns, nPatternGroups, `${parameter}[${i}].patterns`);
    checkList(d.rdms, nRdmGroups, `${parameter}[${i}].rdms`);
  });
}

/** How often each item (condition or RDM) occurs in the sample: the count of draws of its group. */
export function itemMultiplicities(drawn: ArrayLike<number> | undefined, grouping: Grouping): Float64Array {
  const n = grouping.groupOf.length;
  const out = new Float64Array(n);
  if (drawn === undefined) {
    out.fill(1);
    return out;
  }
  const perGroup = new Float64Array(grouping.nGroups);
  for (let k = 0; k < drawn.length; k++) perGroup[drawn[k]]++;
  for (let i = 0; i < n; i++) out[i] = perGroup[grouping.groupOf[i]];
  return out;
}

/** Number of distinct values in a draw. */
export function distinctCount(drawn: ArrayLike<number>): number {
  return new Set(Array.from(drawn)).size;
}

/**
 * The items of the sample in rsatoolbox's order: for RDMs (RDMs.subsample) every member of each drawn group in
 * draw order; for patterns (RDMs.subsample_pattern) the same selection sorted by item index.
 */
export function sampleItems(drawn: ArrayLike<number> | undefined, grouping: Grouping, sorted: boolean): Int32Array {
  const n = grouping.groupOf.length;
  if (drawn === undefined) return Int32Array.from({ length: n }, (_, i) => i);
  const members: number[][] = Array.from({ length: grouping.nGroups }, () => []);
  for (let i = 0; i < n; i++) members[grouping.groupOf[i]].push(i);
  const out: number[] = [];
  for (let k = 0; k < drawn.length; k++) out.push(...members[drawn[k]]);
  const arr = Int32Array.from(out);
  return sorted ? arr.sort() : arr;
}
