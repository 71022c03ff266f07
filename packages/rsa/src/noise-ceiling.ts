/**
 * Noise ceiling (rsatoolbox inference.boot_noise_ceiling): for every subject s (a value of `rdmDescriptor`),
 * lower = mean(compare(pool(all subjects except s), RDMs of s)), upper = mean(compare(pool(all subjects), RDMs of
 * s)); both bounds are averaged over subjects. Pooling follows poolRdms (method-specific normalisation).
 */
import { ConcordRangeError, checkChoice, groupIndices } from '@concord/core';
import { compareRdms } from './compare.ts';
import { RSA_ERRORS } from './errors.ts';
import { poolRdms } from './pool.ts';
import type { Rdms } from './rdms.ts';

export const NOISE_CEILING_METHODS = [
  'cosine',
  'cosine_cov',
  'corr',
  'corr_cov',
  'spearman',
  'rho-a',
  'kendall',
  'tau-b',
  'tau-a',
  'neg_riem_dist',
] as const;

export interface NoiseCeilingOptions {
  method: string;
  /** RDM descriptor grouping RDMs into subjects; default 'index' (every RDM is one subject). */
  rdmDescriptor?: string;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

export function noiseCeiling(rdms: Rdms, opts: NoiseCeilingOptions): { lower: number; upper: number } {
  const method = checkChoice('method', opts.method, NOISE_CEILING_METHODS, RSA_ERRORS.UNKNOWN_METHOD);
  const { groups } = groupIndices(rdms.rdmDescriptor(opts.rdmDescriptor ?? 'index'));
  if (groups.length < 2) {
    throw new ConcordRangeError(
      RSA_ERRORS.TOO_FEW_RDMS,
      `noiseCeiling: needs RDMs of at least 2 subjects (values of '${opts.rdmDescriptor ?? 'index'}'), received ${groups.length}`,
      {
        field: 'rdms',
        received: groups.length,
      },
    );
  }
  const pooledAll = poolRdms(rdms, method);
  let lower = 0;
  let upper = 0;
  for (let s = 0; s < groups.length; s++) {
    const test = rdms.selectRdms(groups[s]);
    const train = rdms.selectRdms(groups.filter((_, t) => t !== s).flat());
    lower += mean(compareRdms(poolRdms(train, method), test, { method }).data);
    upper += mean(compareRdms(pooledAll, test, { method }).data);
  }
  return { lower: lower / groups.length, upper: upper / groups.length };
}
