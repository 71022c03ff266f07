/**
 * The typed error of a settle loop that fails: a state that became NaN/±Inf, or (for rules documented to require it)
 * a relaxation that did not converge within its step budget. It names the rule, the layer and the batch.
 */
import { ConcordRangeError } from '@concord/core';
import type { LEARNING_ERROR_CODES } from '../errors.ts';

/** Where a settle loop runs: the rule's CLI name and the batch (epoch when the engine knows it). */
export interface RelaxationSite {
  readonly rule: string;
  readonly batch?: number;
  readonly epoch?: number;
}

export const RELAXATION_DIVERGED = 'ERR_LEARNING_RELAXATION_DIVERGED' satisfies (typeof LEARNING_ERROR_CODES)[number];

export class RelaxationDivergedError extends ConcordRangeError {
  constructor(
    site: RelaxationSite,
    layer: number,
    step: number,
    reason: 'non-finite' | 'no-convergence',
    detail: string,
  ) {
    const at = [site.epoch !== undefined ? `epoch ${site.epoch + 1}` : '', `batch ${(site.batch ?? 0) + 1}`]
      .filter(Boolean)
      .join(', ');
    super(
      RELAXATION_DIVERGED,
      `${site.rule}: the relaxation ${reason === 'non-finite' ? 'diverged' : 'did not converge'} in layer ${layer} at step ${step} (${at}): ${detail}`,
      { field: `layer ${layer}`, rule: site.rule, layer, batch: site.batch, epoch: site.epoch, step, reason },
    );
  }
}

/** The index of the first non-finite entry, or -1. */
export function firstNonFiniteIndex(d: ArrayLike<number>): number {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}
