/**
 * Time-resolved RSA: one RDM per time point (or per time bin) with any `calcRdm` method, e.g. crossnobis across
 * epoch folds or sessions. Returns one Rdms with an RDM descriptor `time` (seconds; bin centres for bins).
 *
 * Works on a core TemporalDataset (observations × channels × times) or on anything that turns itself into one
 * (`toTemporalDataset()`, e.g. @concord/eeg's Epochs); where the data came from is not this module's business.
 */
import { type Descriptors, ParameterError, type ProgressCallback, TemporalDataset } from '@concord/core';
import { type CalcRdmOptions, calcRdm } from './calc-rdm.ts';
import { RSA_ERRORS } from './errors.ts';
import { Rdms } from './rdms.ts';

/** Anything that can present itself as a TemporalDataset (observations × channels × times). */
export interface TemporalDatasetSource {
  toTemporalDataset(): TemporalDataset;
}

export interface TimeResolvedOptions extends Omit<CalcRdmOptions, 'onProgress'> {
  /** Time bins as arrays of time indices (rsatoolbox bin_time); default one RDM per time point. */
  bins?: number[][];
  /**
   * Assign each condition's observations round-robin (in observation order) to this many folds, as obs descriptor
   * 'fold', and cross-validate over it unless `cvDescriptor` is given.
   */
  folds?: number;
  onProgress?: ProgressCallback;
}

/** A copy of `tds` with obs descriptor 'fold': the i-th observation of each condition goes to fold i mod k. */
function withFolds(tds: TemporalDataset, k: number, descriptor: string): TemporalDataset {
  if (!Number.isInteger(k) || k < 2)
    throw new ParameterError(RSA_ERRORS.CROSS_VALIDATION, 'folds', `must be an integer ≥ 2, received ${k}`);
  const col = tds.obsDescriptors[descriptor];
  if (col === undefined)
    throw new ParameterError(
      RSA_ERRORS.DESCRIPTOR,
      'descriptor',
      `folds are assigned per condition, but the data have no obs descriptor '${descriptor}' (have: ${Object.keys(tds.obsDescriptors).join(', ') || 'none'})`,
    );
  const seen = new Map<unknown, number>();
  const fold = Array.from(col, (c) => {
    const i = seen.get(c) ?? 0;
    seen.set(c, i + 1);
    return i % k;
  });
  const obsDescriptors: Descriptors = { ...tds.obsDescriptors, fold };
  return new TemporalDataset(tds.data, tds.shape, {
    descriptors: tds.descriptors,
    obsDescriptors,
    channelDescriptors: tds.channelDescriptors,
    timeDescriptors: tds.timeDescriptors,
  });
}

export function timeResolvedRdms(
  data: TemporalDataset | TemporalDatasetSource,
  options: TimeResolvedOptions = {},
): Rdms {
  const { bins, folds, onProgress, ...rdmOptions } = options;
  const opts: CalcRdmOptions = { descriptor: 'condition', ...rdmOptions };
  let tds = data instanceof TemporalDataset ? data : data.toTemporalDataset();
  if (folds !== undefined) {
    tds = withFolds(tds, folds, opts.descriptor ?? 'condition');
    if (opts.cvDescriptor === undefined) opts.cvDescriptor = 'fold';
  }
  if (bins) tds = tds.binTime(bins);
  const list: Rdms[] = [];
  for (let t = 0; t < tds.nTimes; t++) {
    const r = calcRdm(tds.timeSlice(t), opts);
    list.push(
      new Rdms(r.dissimilarities, {
        dissimilarityMeasure: r.dissimilarityMeasure,
        descriptors: r.descriptors,
        patternDescriptors: r.patternDescriptors,
        rdmDescriptors: { time: [tds.times[t]] },
      }),
    );
    onProgress?.({ stage: 'time-resolved rdms', done: t + 1, total: tds.nTimes });
  }
  return Rdms.concat(list);
}
