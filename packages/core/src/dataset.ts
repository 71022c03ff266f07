/**
 * Dataset: measurements (observations × channels) with descriptors, the one form in which recordings and network
 * activations reach the metrics. Mirrors rsatoolbox.data.Dataset (descriptors, obs_descriptors, channel_descriptors).
 */
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
import { CORE_ERRORS, ParameterError } from './errors.ts';
import { type DType, Matrix } from './matrix.ts';

export interface DatasetInit {
  descriptors?: Record<string, unknown>;
  obsDescriptors?: Descriptors;
  channelDescriptors?: Descriptors;
}

export class Dataset {
  readonly measurements: Matrix;
  /** Dataset-level descriptors (subject, session, roi, layer, ...). */
  readonly descriptors: Record<string, unknown>;
  readonly obsDescriptors: Descriptors;
  readonly channelDescriptors: Descriptors;

  constructor(measurements: Matrix, init: DatasetInit = {}) {
    this.measurements = measurements;
    this.descriptors = { ...(init.descriptors ?? {}) };
    this.obsDescriptors = { ...(init.obsDescriptors ?? {}) };
    this.channelDescriptors = { ...(init.channelDescriptors ?? {}) };
    checkDescriptors('obsDescriptors', this.obsDescriptors, measurements.rows);
    checkDescriptors('channelDescriptors', this.channelDescriptors, measurements.cols);
  }

  /** From nested arrays (nObs rows of nChannels). */
  static from(rows: ArrayLike<ArrayLike<number>>, init: DatasetInit = {}, dtype: DType = 'float64'): Dataset {
    return new Dataset(Matrix.from(rows, dtype), init);
  }

  get nObs(): number {
    return this.measurements.rows;
  }

  get nChannels(): number {
    return this.measurements.cols;
  }

  obsDescriptor(name: string): Descriptor {
    return getDescriptor('obsDescriptors', this.obsDescriptors, name);
  }

  channelDescriptor(name: string): Descriptor {
    return getDescriptor('channelDescriptors', this.channelDescriptors, name);
  }

  selectObs(indices: ArrayLike<number>): Dataset {
    return new Dataset(this.measurements.selectRows(indices), {
      descriptors: this.descriptors,
      obsDescriptors: selectDescriptors(this.obsDescriptors, indices),
      channelDescriptors: this.channelDescriptors,
    });
  }

  selectChannels(indices: ArrayLike<number>): Dataset {
    return new Dataset(this.measurements.selectCols(indices), {
      descriptors: this.descriptors,
      obsDescriptors: this.obsDescriptors,
      channelDescriptors: selectDescriptors(this.channelDescriptors, indices),
    });
  }

  /** Observations whose descriptor `by` takes one of `values` (rsatoolbox subset_obs). */
  subsetObs(by: string, values: DescriptorValue | readonly DescriptorValue[]): Dataset {
    return this.selectObs(indicesWhere(this.obsDescriptor(by), values));
  }

  subsetChannel(by: string, values: DescriptorValue | readonly DescriptorValue[]): Dataset {
    return this.selectChannels(indicesWhere(this.channelDescriptor(by), values));
  }

  /** One Dataset per unique value of `by`, in sorted order (rsatoolbox split_obs). */
  splitObs(by: string): Dataset[] {
    const { values, groups } = groupIndices(this.obsDescriptor(by));
    return groups.map((g, i) => {
      const d = this.selectObs(g);
      d.descriptors[by] = values[i];
      return d;
    });
  }

  splitChannel(by: string): Dataset[] {
    const { values, groups } = groupIndices(this.channelDescriptor(by));
    return groups.map((g, i) => {
      const d = this.selectChannels(g);
      d.descriptors[by] = values[i];
      return d;
    });
  }

  /** Observations sorted (stably) by descriptor `by`. */
  sortBy(by: string): Dataset {
    const col = this.obsDescriptor(by);
    const { groups } = groupIndices(col);
    return this.selectObs(groups.flat());
  }

  /**
   * Mean pattern per unique value of `by` (rsatoolbox average_dataset_by): rows in sorted value order, with
   * the count of observations behind each mean. Other obs descriptors are kept when constant within a group.
   */
  averageBy(by: string): { dataset: Dataset; values: DescriptorValue[]; counts: number[] } {
    const { values, groups } = groupIndices(this.obsDescriptor(by));
    const p = this.nChannels;
    const out = Matrix.zeros(values.length, p, this.measurements.dtype);
    const src = this.measurements.data;
    groups.forEach((g, k) => {
      const acc = new Float64Array(p);
      for (const i of g) {
        const off = i * p;
        for (let j = 0; j < p; j++) acc[j] += src[off + j];
      }
      const dst = k * p;
      for (let j = 0; j < p; j++) out.data[dst + j] = acc[j] / g.length;
    });
    const obsDescriptors: Descriptors = { [by]: values.slice() };
    for (const [name, col] of Object.entries(this.obsDescriptors)) {
      if (name === by) continue;
      const constant = groups.every((g) => g.every((i) => col[i] === col[g[0]]));
      if (constant) obsDescriptors[name] = groups.map((g) => col[g[0]]);
    }
    return {
      dataset: new Dataset(out, {
        descriptors: this.descriptors,
        obsDescriptors,
        channelDescriptors: this.channelDescriptors,
      }),
      values,
      counts: groups.map((g) => g.length),
    };
  }

  /** Copy with extra dataset-level descriptors. */
  withDescriptors(extra: Record<string, unknown>): Dataset {
    return new Dataset(this.measurements, {
      descriptors: { ...this.descriptors, ...extra },
      obsDescriptors: this.obsDescriptors,
      channelDescriptors: this.channelDescriptors,
    });
  }

  toJSON(): object {
    return {
      measurements: this.measurements.toArray(),
      descriptors: this.descriptors,
      obsDescriptors: this.obsDescriptors,
      channelDescriptors: this.channelDescriptors,
    };
  }
}

export function assertHasObs(ds: Dataset, min: number, what: string): void {
  if (ds.nObs < min)
    throw new ParameterError(
      CORE_ERRORS.TOO_FEW_OBSERVATIONS,
      what,
      `needs at least ${min} observations, received ${ds.nObs}`,
    );
}
