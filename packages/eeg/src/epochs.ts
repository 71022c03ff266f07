/**
 * `Epochs` and `Evoked`, MNE-style: segments of a Raw around events, baseline-corrected, with peak-to-peak
 * rejection, selectable by condition, averaged into an Evoked, and bridged to the metrics as a TemporalDataset
 * (observations = epochs, obs descriptor `condition` plus `event`, `sample`, `epoch` and optional `fold`).
 */
import { type Descriptors, Matrix, ParameterError, TemporalDataset } from '@concord/core';
import { EEG_ERRORS } from './errors.ts';
import type { Events } from './events.ts';
import type { ChannelType, Picks, Raw, RawInfo } from './raw.ts';

export interface EpochsOptions {
  /** Condition name → event code; default one condition per code present, named by the code. */
  eventId?: Record<string, number>;
  /** Seconds relative to the event; default −0.2 and 0.5 (MNE). */
  tmin?: number;
  tmax?: number;
  /** Baseline interval in seconds (null = from tmin / to tmax); default [null, 0] (MNE); null for none. */
  baseline?: [number | null, number | null] | null;
  /** Channels to keep; default every non-stim channel. */
  picks?: Picks;
  /** Drop an epoch when any channel of a type has a peak-to-peak amplitude above this (volts), e.g. { eeg: 100e-6 }. */
  reject?: Partial<Record<ChannelType, number>>;
  /** Drop an epoch when any channel of a type has a peak-to-peak amplitude below this. */
  flat?: Partial<Record<ChannelType, number>>;
}

export interface EpochsInit {
  data: Float64Array;
  nChannels: number;
  nTimes: number;
  times: Float64Array;
  info: RawInfo;
  events: Events;
  eventId: Record<string, number>;
  /** One entry per original event: [] when kept, the reasons when dropped. */
  dropLog: string[][];
  baseline: [number, number] | null;
}

export class Evoked {
  constructor(
    /** Channels × times, mean over epochs. */
    readonly data: Matrix,
    readonly times: Float64Array,
    readonly info: RawInfo,
    /** Number of epochs averaged. */
    readonly nave: number,
    readonly comment: string,
  ) {}
}

export class Epochs {
  /** Epochs × channels × times, row-major (MNE's get_data() layout). */
  readonly data: Float64Array;
  readonly nChannels: number;
  readonly nTimes: number;
  readonly times: Float64Array;
  readonly info: RawInfo;
  /** Events of the kept epochs. */
  readonly events: Events;
  readonly eventId: Record<string, number>;
  readonly dropLog: string[][];
  readonly baseline: [number, number] | null;

  constructor(init: EpochsInit) {
    this.data = init.data;
    this.nChannels = init.nChannels;
    this.nTimes = init.nTimes;
    this.times = init.times;
    this.info = init.info;
    this.events = init.events;
    this.eventId = init.eventId;
    this.dropLog = init.dropLog;
    this.baseline = init.baseline;
  }

  /** `mne.Epochs(raw, events, ...)`: the same as `createEpochs`. */
  static fromRaw(raw: Raw, events: Events, options: EpochsOptions = {}): Epochs {
    return createEpochs(raw, events, options);
  }

  get nEpochs(): number {
    return this.events.length;
  }

  /** Condition name of each kept epoch. */
  get conditions(): string[] {
    const byCode = new Map(Object.entries(this.eventId).map(([k, v]) => [v, k]));
    return this.events.map((e) => byCode.get(e[2]) ?? String(e[2]));
  }

  /** Epochs of some conditions (MNE epochs['name'] / epochs[['a', 'b']]; 'a/b' tags match as in MNE). */
  select(conditions: string | string[]): Epochs {
    const wanted = Array.isArray(conditions) ? conditions : [conditions];
    const names = Object.keys(this.eventId);
    const match = (name: string, w: string) =>
      name === w || name.split('/').includes(w) || w.split('/').every((p) => name.split('/').includes(p));
    for (const w of wanted) {
      if (!names.some((n) => match(n, w))) {
        throw new ParameterError(
          EEG_ERRORS.badParameter,
          'conditions',
          `no condition matches '${w}'; conditions: ${names.join(', ')}`,
        );
      }
    }
    const keep: number[] = [];
    this.conditions.forEach((c, i) => {
      if (wanted.some((w) => match(c, w))) keep.push(i);
    });
    return this.selectEpochs(keep);
  }

  /** Epochs by index. */
  selectEpochs(indices: readonly number[]): Epochs {
    const per = this.nChannels * this.nTimes;
    const data = new Float64Array(indices.length * per);
    indices.forEach((e, k) => {
      data.set(this.data.subarray(e * per, (e + 1) * per), k * per);
    });
    const events = indices.map((i) => this.events[i]);
    const codes = new Set(events.map((e) => e[2]));
    return new Epochs({
      data,
      nChannels: this.nChannels,
      nTimes: this.nTimes,
      times: this.times,
      info: this.info,
      events,
      eventId: Object.fromEntries(Object.entries(this.eventId).filter(([, v]) => codes.has(v))),
      dropLog: this.dropLog,
      baseline: this.baseline,
    });
  }

  /** One epoch as channels × times. */
  epoch(i: number): Matrix {
    const per = this.nChannels * this.nTimes;
    return new Matrix(this.nChannels, this.nTimes, this.data.slice(i * per, (i + 1) * per));
  }

  /** `epochs.average()`: the mean over epochs. */
  average(): Evoked {
    const per = this.nChannels * this.nTimes;
    const mean = new Float64Array(per);
    const n = this.nEpochs;
    if (n === 0)
      throw new ParameterError(
        EEG_ERRORS.badParameter,
        'epochs',
        'cannot average zero epochs (all dropped or none selected)',
      );
    for (let e = 0; e < n; e++) for (let i = 0; i < per; i++) mean[i] += this.data[e * per + i];
    for (let i = 0; i < per; i++) mean[i] /= n;
    return new Evoked(
      new Matrix(this.nChannels, this.nTimes, mean),
      this.times,
      this.info,
      n,
      Object.keys(this.eventId).join(' + '),
    );
  }

  /**
   * The bridge to the metrics: observations = epochs (descriptors `condition`, `event`, `sample`, `epoch`, and with
   * `folds` a `fold` descriptor assigning each condition's epochs round-robin to that many folds, for crossnobis).
   */
  toTemporalDataset(options: { folds?: number; obsDescriptors?: Descriptors } = {}): TemporalDataset {
    const obs: Descriptors = {
      condition: this.conditions,
      event: this.events.map((e) => e[2]),
      sample: this.events.map((e) => e[0]),
      epoch: this.events.map((_, i) => i),
      ...(options.obsDescriptors ?? {}),
    };
    if (options.folds !== undefined) {
      const k = options.folds;
      if (!Number.isInteger(k) || k < 2)
        throw new ParameterError(EEG_ERRORS.badParameter, 'folds', `must be an integer ≥ 2, received ${k}`);
      const seen = new Map<string, number>();
      obs.fold = this.conditions.map((c) => {
        const i = seen.get(c) ?? 0;
        seen.set(c, i + 1);
        return i % k;
      });
    }
    return new TemporalDataset(Float64Array.from(this.data), [this.nEpochs, this.nChannels, this.nTimes], {
      obsDescriptors: obs,
      channelDescriptors: { name: [...this.info.chNames], type: [...this.info.chTypes] },
      timeDescriptors: { time: Array.from(this.times) },
    });
  }
}

/** Build epochs from a Raw and events (`mne.Epochs(raw, events, event_id, tmin, tmax, baseline, reject=...)`). */
export function createEpochs(raw: Raw, events: Events, options: EpochsOptions = {}): Epochs {
  const sfreq = raw.info.sfreq;
  const tmin = options.tmin ?? -0.2;
  const tmax = options.tmax ?? 0.5;
  if (!(tmax >= tmin))
    throw new ParameterError(EEG_ERRORS.badParameter, 'tmax', `must be ≥ tmin (${tmin}), received ${tmax}`);
  const i0 = Math.round(tmin * sfreq);
  const i1 = Math.round(tmax * sfreq);
  const nTimes = i1 - i0 + 1;
  const times = new Float64Array(nTimes);
  for (let t = 0; t < nTimes; t++) times[t] = (i0 + t) / sfreq;
  const picks = raw.pickIndices(options.picks ?? 'data');
  const eventId =
    options.eventId ??
    Object.fromEntries([...new Set(events.map((e) => e[2]))].sort((a, b) => a - b).map((c) => [String(c), c]));
  const codes = new Set(Object.values(eventId));
  for (const [name, code] of Object.entries(eventId)) {
    if (!events.some((e) => e[2] === code))
      throw new ParameterError(EEG_ERRORS.badParameter, 'eventId', `condition '${name}' (code ${code}) has no events`);
  }
  let baseline: [number, number] | null = null;
  if (options.baseline !== null) {
    const [b0, b1] = options.baseline ?? [null, 0];
    const bmin = b0 ?? times[0];
    const bmax = b1 ?? times[nTimes - 1];
    const lo = times.findIndex((t) => t >= bmin - 1e-12);
    let hi = -1;
    for (let t = 0; t < nTimes; t++) if (times[t] <= bmax + 1e-12) hi = t;
    if (lo < 0 || hi < lo)
      throw new ParameterError(
        EEG_ERRORS.badParameter,
        'baseline',
        `interval [${bmin}, ${bmax}] s holds no sample of the epoch [${tmin}, ${tmax}] s`,
      );
    baseline = [lo, hi + 1];
  }
  const selected = events.filter((e) => codes.has(e[2]));
  const nch = picks.length;
  const per = nch * nTimes;
  const kept: Events = [];
  const chunks: Float64Array[] = [];
  const dropLog: string[][] = [];
  const types = picks.map((p) => raw.info.chTypes[p]);
  for (const ev of selected) {
    const start = ev[0] - raw.firstSamp + i0;
    if (start < 0 || start + nTimes > raw.nTimes) {
      dropLog.push(['NO_DATA']);
      continue;
    }
    const m = raw.getData({ picks, start, stop: start + nTimes });
    const reasons: string[] = [];
    for (let c = 0; c < nch; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let t = 0; t < nTimes; t++) {
        const v = m.data[c * nTimes + t];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const ptp = hi - lo;
      const r = options.reject?.[types[c]];
      const f = options.flat?.[types[c]];
      if ((r !== undefined && ptp > r) || (f !== undefined && ptp < f)) reasons.push(raw.info.chNames[picks[c]]);
    }
    dropLog.push(reasons);
    if (reasons.length > 0) continue;
    if (baseline) {
      for (let c = 0; c < nch; c++) {
        if (types[c] === 'stim') continue;
        let s = 0;
        for (let t = baseline[0]; t < baseline[1]; t++) s += m.data[c * nTimes + t];
        const mean = s / (baseline[1] - baseline[0]);
        for (let t = 0; t < nTimes; t++) m.data[c * nTimes + t] -= mean;
      }
    }
    kept.push(ev);
    chunks.push(m.data as Float64Array);
  }
  const data = new Float64Array(kept.length * per);
  chunks.forEach((c, i) => {
    data.set(c, i * per);
  });
  const info: RawInfo = {
    ...raw.info,
    chNames: picks.map((p) => raw.info.chNames[p]),
    chTypes: types,
    units: picks.map((p) => raw.info.units[p]),
  };
  delete info.fileSfreq;
  const presentCodes = new Set(kept.map((e) => e[2]));
  return new Epochs({
    data,
    nChannels: nch,
    nTimes,
    times,
    info,
    events: kept,
    eventId: Object.fromEntries(Object.entries(eventId).filter(([, v]) => presentCodes.has(v))),
    dropLog,
    baseline,
  });
}
