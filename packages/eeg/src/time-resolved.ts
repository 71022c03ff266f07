/**
 * Time-resolved RSA: one RDM per time point (or per time bin) with any `calcRdm` method, e.g. crossnobis across
 * epoch folds or sessions. Returns one Rdms with an RDM descriptor `time` (seconds; bin centres for bins).
 */
import type { ProgressCallback, TemporalDataset } from '@concord/core';
import { type CalcRdmOptions, calcRdm, Rdms } from '@concord/rsa';
import { Epochs } from './epochs.ts';

export interface TimeResolvedOptions extends Omit<CalcRdmOptions, 'onProgress'> {
  /** Time bins as arrays of time indices (rsatoolbox bin_time); default one RDM per time point. */
  bins?: number[][];
  /** With an Epochs input: assign each condition's epochs round-robin to this many folds (descriptor 'fold'). */
  folds?: number;
  onProgress?: ProgressCallback;
}

export function timeResolvedRdms(data: Epochs | TemporalDataset, options: TimeResolvedOptions = {}): Rdms {
  const { bins, folds, onProgress, ...rdmOptions } = options;
  let tds = data instanceof Epochs ? data.toTemporalDataset(folds !== undefined ? { folds } : {}) : data;
  if (bins) tds = tds.binTime(bins);
  const opts: CalcRdmOptions = { descriptor: 'condition', ...rdmOptions };
  if (opts.cvDescriptor === undefined && folds !== undefined) opts.cvDescriptor = 'fold';
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
