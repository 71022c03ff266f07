/**
 * `Raw`: a continuous recording, MNE-style. It holds the measurement info and annotations and reads samples on
 * demand through a channel reader, so file-backed recordings load only the window and channels asked for.
 */
import { Matrix, ParameterError } from '@concord/core';
import { EEG_ERRORS } from './errors.ts';

/** Channel types as MNE names them. */
export type ChannelType =
  | 'eeg'
  | 'stim'
  | 'eog'
  | 'ecg'
  | 'emg'
  | 'misc'
  | 'mag'
  | 'grad'
  | 'ref_meg'
  | 'resp'
  | 'bio'
  | 'syst'
  | 'seeg'
  | 'ecog'
  | 'ias'
  | 'chpi'
  | 'exci'
  | 'dipole'
  | 'gof';

export interface RawInfo {
  /** Channel names as in the file header (padding trimmed; duplicates kept as they are, unlike MNE). */
  chNames: string[];
  chTypes: ChannelType[];
  /** Sampling rate of the data getData() returns, in Hz. */
  sfreq: number;
  /** Unit of each channel's getData() values: 'V' for voltage channels, '' for raw codes (stim), else the file's unit. */
  units: string[];
  /** Measurement start (UTC), when the file records one. */
  measDate: Date | null;
  /** Per-channel sampling rate in the file when it differs from sfreq (EDF with uneven rates); else absent. */
  fileSfreq?: number[];
  highpass?: number;
  lowpass?: number;
  /** Sensor positions in metres (MNE head coordinates: x right, y front, z up), null where unknown. */
  positions?: ([number, number, number] | null)[];
  /** SSP projection vectors stored with the recording (FIF); applied only by applyProj (MNE's proj=False). */
  projs?: Projection[];
  /** Channels marked bad in the file (FIF); left out of projections, as MNE does. */
  bads?: string[];
}

/** One SSP projection item, as MNE's Projection: nVectors rows over `channels`. */
export interface Projection {
  description: string;
  /** FIFF projection kind (1 field, 2 dip fixed, 3 dip rot, 4 homog grad, 5 homog field, 10 EEG average ref, ...). */
  kind: number;
  /** Already applied to the data it came with. */
  active: boolean;
  channels: string[];
  nVectors: number;
  /** nVectors × channels.length, row-major. */
  vectors: Float64Array;
}

export interface Annotation {
  /** Seconds from the first sample of the recording. */
  onset: number;
  /** Seconds (0 for instantaneous markers). */
  duration: number;
  description: string;
}

/** Channel selection: indices, names, or channel types ('eeg', 'stim', ...; 'data' = every non-stim channel). */
export type Picks = readonly number[] | readonly string[] | string;

/** Fills `out` (picked channels × (stop − start), row-major) with samples in the units of info.units. */
export type ChannelReader = (channels: readonly number[], start: number, stop: number, out: Float64Array) => void;

export interface GetDataOptions {
  picks?: Picks;
  /** First sample (inclusive), default 0. */
  start?: number;
  /** Last sample (exclusive), default nTimes. */
  stop?: number;
}

export interface RawInit {
  info: RawInfo;
  nTimes: number;
  annotations?: Annotation[];
  /** 'edf', 'bdf', 'brainvision', 'eeglab', 'fif', 'array'. */
  format: string;
  reader: ChannelReader;
  /** Sample index of the first sample in the acquisition system's clock (FIF first_samp); 0 otherwise. */
  firstSamp?: number;
  /** Non-fatal oddities noticed while reading the header. */
  warnings?: string[];
  filename?: string;
}

export class Raw {
  readonly info: RawInfo;
  readonly nTimes: number;
  readonly annotations: Annotation[];
  readonly format: string;
  readonly firstSamp: number;
  readonly warnings: string[];
  readonly filename: string | undefined;
  readonly #reader: ChannelReader;

  constructor(init: RawInit) {
    this.info = init.info;
    this.nTimes = init.nTimes;
    this.annotations = init.annotations ?? [];
    this.format = init.format;
    this.firstSamp = init.firstSamp ?? 0;
    this.warnings = init.warnings ?? [];
    this.filename = init.filename;
    this.#reader = init.reader;
  }

  /** A Raw over data already in memory (channels × samples, in the units given, volts for voltage channels). */
  static fromArray(
    data: Matrix,
    info: Partial<RawInfo> & { chNames: string[]; sfreq: number },
    annotations: Annotation[] = [],
  ): Raw {
    if (info.chNames.length !== data.rows) {
      throw new ParameterError(
        EEG_ERRORS.badParameter,
        'info.chNames',
        `has ${info.chNames.length} names for ${data.rows} data rows`,
      );
    }
    if (!(info.sfreq > 0))
      throw new ParameterError(EEG_ERRORS.badParameter, 'info.sfreq', `must be > 0, received ${info.sfreq}`);
    const chTypes = info.chTypes ?? info.chNames.map(() => 'eeg' as ChannelType);
    const full: RawInfo = {
      chNames: [...info.chNames],
      chTypes: [...chTypes],
      sfreq: info.sfreq,
      units: info.units ?? chTypes.map((t) => (t === 'stim' ? '' : 'V')),
      measDate: info.measDate ?? null,
      ...(info.highpass !== undefined ? { highpass: info.highpass } : {}),
      ...(info.lowpass !== undefined ? { lowpass: info.lowpass } : {}),
      ...(info.projs ? { projs: info.projs.map((p) => ({ ...p, channels: [...p.channels] })) } : {}),
      ...(info.bads ? { bads: [...info.bads] } : {}),
    };
    const n = data.cols;
    const src = data.data;
    return new Raw({
      info: full,
      nTimes: n,
      annotations: annotations.map((a) => ({ ...a })),
      format: 'array',
      reader: (channels, start, stop, out) => {
        const len = stop - start;
        for (let k = 0; k < channels.length; k++) {
          const base = channels[k] * n;
          out.set(src.subarray(base + start, base + stop), k * len);
        }
      },
    });
  }

  get nChannels(): number {
    return this.info.chNames.length;
  }

  /** Duration in seconds. */
  get duration(): number {
    return this.nTimes / this.info.sfreq;
  }

  /** Sample times in seconds from the first sample. */
  times(start = 0, stop = this.nTimes): Float64Array {
    const out = new Float64Array(stop - start);
    for (let i = 0; i < out.length; i++) out[i] = (start + i) / this.info.sfreq;
    return out;
  }

  /** Resolve picks (indices, names, or a channel type) to channel indices, in the order given. */
  pickIndices(picks?: Picks): number[] {
    const n = this.nChannels;
    if (picks === undefined) return Array.from({ length: n }, (_, i) => i);
    if (typeof picks === 'string') {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = this.info.chTypes[i];
        if (picks === 'all' || t === picks || (picks === 'data' && t !== 'stim')) out.push(i);
      }
      if (out.length === 0 && picks !== 'all' && picks !== 'data') {
        const idx = this.info.chNames.indexOf(picks);
        if (idx >= 0) return [idx];
        throw new ParameterError(
          EEG_ERRORS.unknownChannel,
          'picks',
          `no channel of type or name '${picks}' (types present: ${[...new Set(this.info.chTypes)].join(', ')})`,
        );
      }
      return out;
    }
    return picks.map((p, k) => {
      if (typeof p === 'number') {
        if (!Number.isInteger(p) || p < 0 || p >= n)
          throw new ParameterError(
            EEG_ERRORS.badParameter,
            `picks[${k}]`,
            `channel index must be an integer in [0, ${n - 1}], received ${p}`,
          );
        return p;
      }
      const idx = this.info.chNames.indexOf(p);
      if (idx < 0) throw new ParameterError(EEG_ERRORS.unknownChannel, `picks[${k}]`, `no channel named '${p}'`);
      return idx;
    });
  }

  /** Samples (picked channels × [start, stop)), float64, volts for voltage channels, raw codes for stim channels. */
  getData(options: GetDataOptions = {}): Matrix {
    const channels = this.pickIndices(options.picks);
    const start = options.start ?? 0;
    const stop = options.stop ?? this.nTimes;
    if (!Number.isInteger(start) || start < 0 || start > this.nTimes) {
      throw new ParameterError(
        EEG_ERRORS.badParameter,
        'start',
        `must be an integer in [0, ${this.nTimes}], received ${start}`,
      );
    }
    if (!Number.isInteger(stop) || stop < start || stop > this.nTimes) {
      throw new ParameterError(
        EEG_ERRORS.badParameter,
        'stop',
        `must be an integer in [start=${start}, ${this.nTimes}], received ${stop}`,
      );
    }
    const out = new Float64Array(channels.length * (stop - start));
    if (out.length > 0) this.#reader(channels, start, stop, out);
    return new Matrix(channels.length, stop - start, out);
  }

  /** All data in memory (a Raw backed by an array), for repeated access and preprocessing. */
  loadData(): Raw {
    return Raw.fromArray(this.getData(), this.info, this.annotations);
  }

  /** A new in-memory Raw with the same info (channels may be a subset via `picks`) over `data`. */
  withData(data: Matrix, picks?: number[], sfreq?: number): Raw {
    const idx = picks ?? this.pickIndices();
    const info: RawInfo = {
      chNames: idx.map((i) => this.info.chNames[i]),
      chTypes: idx.map((i) => this.info.chTypes[i]),
      units: idx.map((i) => this.info.units[i]),
      sfreq: sfreq ?? this.info.sfreq,
      measDate: this.info.measDate,
    };
    return Raw.fromArray(data, info, this.annotations);
  }

  /** Keep only some channels (reads through to the same source). */
  pick(picks: Picks): Raw {
    const idx = this.pickIndices(picks);
    const reader = this.#reader;
    const fileSfreq = this.info.fileSfreq;
    return new Raw({
      info: {
        ...this.info,
        chNames: idx.map((i) => this.info.chNames[i]),
        chTypes: idx.map((i) => this.info.chTypes[i]),
        units: idx.map((i) => this.info.units[i]),
        ...(fileSfreq ? { fileSfreq: idx.map((i) => fileSfreq[i]) } : {}),
      },
      nTimes: this.nTimes,
      annotations: this.annotations,
      format: this.format,
      firstSamp: this.firstSamp,
      warnings: this.warnings,
      filename: this.filename,
      reader: (channels, start, stop, out) =>
        reader(
          channels.map((c) => idx[c]),
          start,
          stop,
          out,
        ),
    });
  }
}
