/**
 * TemporalDataset: observations × channels × time points (rsatoolbox TemporalDataset), e.g. EEG epochs.
 * Stored flat in that order: value (o, c, t) at index (o * nChannels + c) * nTimes + t.
 */
import { Dataset } from './dataset.ts';
import {
  checkDescriptors,
  type Descriptor,
  type Descriptors,
  type DescriptorValue,
  getDescriptor,
  groupIndices,
  indicesWhere,
  selectDescriptors,
} from './descriptors.ts';
import { CORE_ERRORS, ParameterError, ShapeError } from './errors.ts';
import { allocate, type DType, dtypeOf, type FloatArray, Matrix } from './matrix.ts';

export interface TemporalDatasetInit {
  descriptors?: Record<string, unknown>;
  obsDescriptors?: Descriptors;
  channelDescriptors?: Descriptors;
  /** Must contain `time` (seconds); defaults to 0..nTimes-1. */
  timeDescriptors?: Descriptors;
}

export class TemporalDataset {
  readonly data: FloatArray;
  readonly nObs: number;
  readonly nChannels: number;
  readonly nTimes: number;
  readonly descriptors: Record<string, unknown>;
  readonly obsDescriptors: Descriptors;
  readonly channelDescriptors: Descriptors;
  readonly timeDescriptors: Descriptors;

  constructor(data: FloatArray, shape: [number, number, number], init: TemporalDatasetInit = {}) {
    const [o, c, t] = shape;
    if (data.length !== o * c * t)
      throw new ShapeError(`TemporalDataset: data of length ${data.length} does not fit shape [${o}, ${c}, ${t}]`);
    this.data = data;
    this.nObs = o;
    this.nChannels = c;
    this.nTimes = t;
    this.descriptors = { ...(init.descriptors ?? {}) };
    this.obsDescriptors = { ...(init.obsDescriptors ?? {}) };
    this.channelDescriptors = { ...(init.channelDescriptors ?? {}) };
    this.timeDescriptors = { time: Array.from({ length: t }, (_, i) => i), ...(init.timeDescriptors ?? {}) };
    checkDescriptors('obsDescriptors', this.obsDescriptors, o);
    checkDescriptors('channelDescriptors', this.channelDescriptors, c);
    checkDescriptors('timeDescriptors', this.timeDescriptors, t);
  }

  get shape(): [number, number, number] {
    return [this.nObs, this.nChannels, this.nTimes];
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get times(): number[] {
    return this.timeDescriptors.time as number[];
  }

  at(o: number, c: number, t: number): number {
    return this.data[(o * this.nChannels + c) * this.nTimes + t];
  }

  private init(extra: Partial<TemporalDatasetInit> = {}): TemporalDatasetInit {
    return {
      descriptors: this.descriptors,
      obsDescriptors: this.obsDescriptors,
      channelDescriptors: this.channelDescriptors,
      timeDescriptors: this.timeDescriptors,
      ...extra,
    };
  }

  selectObs(indices: ArrayLike<number>): TemporalDataset {
    const block = this.nChannels * this.nTimes;
    const out = allocate(this.dtype, indices.length * block);
    for (let k = 0; k < indices.length; k++)
      out.set(this.data.subarray(indices[k] * block, (indices[k] + 1) * block), k * block);
    return new TemporalDataset(
      out,
      [indices.length, this.nChannels, this.nTimes],
      this.init({ obsDescriptors: selectDescriptors(this.obsDescriptors, indices) }),
    );
  }

  subsetObs(by: string, values: DescriptorValue | readonly DescriptorValue[]): TemporalDataset {
    return this.selectObs(indicesWhere(getDescriptor('obsDescriptors', this.obsDescriptors, by), values));
  }

  splitObs(by: string): TemporalDataset[] {
    const { values, groups } = groupIndices(getDescriptor('obsDescriptors', this.obsDescriptors, by));
    return groups.map((g, i) => {
      const d = this.selectObs(g);
      d.descriptors[by] = values[i];
      return d;
    });
  }

  /** The Dataset at time index `t` (observations × channels). */
  timeSlice(t: number): Dataset {
    if (!(t >= 0 && t < this.nTimes))
      throw new ParameterError(CORE_ERRORS.TIME_INDEX, 't', `expected an index in [0, ${this.nTimes}), received ${t}`);
    const m = Matrix.zeros(this.nObs, this.nChannels, this.dtype);
    const T = this.nTimes;
    for (let i = 0; i < this.nObs * this.nChannels; i++) m.data[i] = this.data[i * T + t];
    return new Dataset(m, {
      descriptors: { ...this.descriptors, time: this.times[t] },
      obsDescriptors: this.obsDescriptors,
      channelDescriptors: this.channelDescriptors,
    });
  }

  /** Mean over time within each bin (arrays of time indices), as rsatoolbox bin_time. */
  binTime(bins: number[][]): TemporalDataset {
    const nb = bins.length;
    const out = allocate(this.dtype, this.nObs * this.nChannels * nb);
    const T = this.nTimes;
    for (let i = 0; i < this.nObs * this.nChannels; i++) {
      for (let b = 0; b < nb; b++) {
        let s = 0;
        for (const t of bins[b]) s += this.data[i * T + t];
        out[i * nb + b] = s / bins[b].length;
      }
    }
    const time = bins.map((b) => b.reduce((s, t) => s + this.times[t], 0) / b.length);
    return new TemporalDataset(out, [this.nObs, this.nChannels, nb], this.init({ timeDescriptors: { time } }));
  }

  /** Stack time into observations (rsatoolbox convert_to_dataset('time')): rows (o, t), obs descriptor `time`. */
  toDataset(): Dataset {
    const { nObs: O, nChannels: C, nTimes: T } = this;
    const m = Matrix.zeros(O * T, C, this.dtype);
    for (let o = 0; o < O; o++)
      for (let c = 0; c < C; c++)
        for (let t = 0; t < T; t++) m.data[(o * T + t) * C + c] = this.data[(o * C + c) * T + t];
    const obs: Descriptors = {};
    for (const [k, col] of Object.entries(this.obsDescriptors)) {
      const c2: Descriptor = [];
      for (let o = 0; o < O; o++) for (let t = 0; t < T; t++) c2.push(col[o]);
      obs[k] = c2;
    }
    obs.time = [];
    for (let o = 0; o < O; o++) for (let t = 0; t < T; t++) obs.time.push(this.times[t]);
    return new Dataset(m, {
      descriptors: this.descriptors,
      obsDescriptors: obs,
      channelDescriptors: this.channelDescriptors,
    });
  }
}
