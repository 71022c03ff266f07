/**
 * EEGLAB .set reader (MAT v5 or v7.3/HDF5 through @concord/io's readMat), as MNE 1.3 reads it: data in µV
 * (returned in volts), either inside the .set (EEG.data) or in the float32 .fdt file it names (channels
 * interleaved per sample, read window by window); channel names, types and positions from EEG.chanlocs ('EEG 000',
 * ... when absent; positions [−Y, X, Z] mm → metres, as MNE); events → annotations at (latency − 1) / srate lasting duration / srate (NaN → 0). Epoched sets
 * (trials > 1) are read with `readEpochsEeglab`, which names conditions as MNE does.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileFormatError } from '@concord/core';
import {
  isMatArray,
  isMatCell,
  isMatStruct,
  isMatStructArray,
  type MatStruct,
  type MatValue,
  readMat,
} from '@concord/io';
import { cropAnnotations } from './annotations.ts';
import { Epochs } from './epochs.ts';
import { EEG_ERRORS } from './errors.ts';
import type { Events } from './events.ts';
import { checkedFileSize, readExactly, withFd } from './file-access.ts';
import { type Annotation, type ChannelType, Raw, type RawInfo } from './raw.ts';

const CAL = 1e-6;
const CHUNK_BYTES = 8 << 20;

function scalar(path: string, v: MatValue | undefined, field: string): number {
  if (isMatArray(v) && v.data.length >= 1) return Number(v.data[0]);
  throw new FileFormatError(
    EEG_ERRORS.badHeader,
    path,
    `expected a number, received ${v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v) : 'a non-numeric value'}`,
    { field },
  );
}

function structs(v: MatValue | undefined): MatStruct[] {
  if (v === undefined) return [];
  if (isMatStructArray(v)) return v.structs;
  if (isMatStruct(v)) return [v];
  return [];
}

function text(v: MatValue | undefined): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join('');
  if (isMatArray(v) && v.data.length > 0) return String(Number(v.data[0]));
  return '';
}

const KNOWN_TYPES = new Set<string>([
  'eeg',
  'stim',
  'eog',
  'ecg',
  'emg',
  'misc',
  'mag',
  'grad',
  'ref_meg',
  'resp',
  'bio',
  'syst',
  'seeg',
  'ecog',
]);

function num(v: MatValue | undefined): number {
  return isMatArray(v) && v.data.length > 0 ? Number(v.data[0]) : Number.NaN;
}

interface EeglabHeader {
  path: string;
  nch: number;
  chTypes: ChannelType[];
  positions: ([number, number, number] | null)[] | null;
  pnts: number;
  trials: number;
  srate: number;
  xmin: number;
  chNames: string[];
  eeg: MatStruct;
  /** Embedded data (channels × pnts × trials in MATLAB order, C-order values), or null when in a .fdt file. */
  embedded: ArrayLike<number> | null;
  fdt: string | null;
  /** Non-fatal oddities (a renamed .fdt). */
  warnings: string[];
}

function readHeader(path: string): EeglabHeader {
  checkedFileSize(path, 'EEGLAB .set file');
  const warnings: string[] = [];
  const vars = readMat(path);
  const top = (vars.EEG ?? vars) as MatValue;
  // MNE also accepts an EEG structure nested inside EEG
  const eeg = isMatStruct(top) && top.nbchan === undefined && isMatStruct(top.EEG) ? top.EEG : top;
  if (!isMatStruct(eeg) || eeg.nbchan === undefined) {
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      path,
      `no EEG structure with nbchan (variables: ${Object.keys(vars).join(', ') || 'none'})`,
      { field: 'EEG' },
    );
  }
  const nch = scalar(path, eeg.nbchan, 'EEG.nbchan');
  const pnts = scalar(path, eeg.pnts, 'EEG.pnts');
  const trials = eeg.trials !== undefined ? scalar(path, eeg.trials, 'EEG.trials') : 1;
  const srate = scalar(path, eeg.srate, 'EEG.srate');
  const xmin = eeg.xmin !== undefined ? scalar(path, eeg.xmin, 'EEG.xmin') : 0;
  for (const [name, v] of [
    ['EEG.nbchan', nch],
    ['EEG.pnts', pnts],
    ['EEG.trials', trials],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new FileFormatError(EEG_ERRORS.badHeader, path, `must be a positive integer, received ${v}`, {
        field: name,
      });
  }
  if (!(srate > 0 && Number.isFinite(srate)))
    throw new FileFormatError(EEG_ERRORS.badHeader, path, `must be a finite number > 0, received ${srate}`, {
      field: 'EEG.srate',
    });
  if (!Number.isFinite(xmin))
    throw new FileFormatError(EEG_ERRORS.badHeader, path, `must be finite, received ${xmin}`, { field: 'EEG.xmin' });
  // the data's size is checked before anything is built per channel (a corrupt nbchan of 1e9 must not build names)
  const values = nch * pnts * trials;
  if (!Number.isSafeInteger(values * 4))
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      path,
      `nbchan × pnts × trials = ${nch} × ${pnts} × ${trials} is too large for any file`,
      { field: 'EEG.nbchan' },
    );
  let embedded: ArrayLike<number> | null = null;
  let fdt: string | null = null;
  if (isMatArray(eeg.data)) {
    if (eeg.data.data.length !== values) {
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `EEG.data has ${eeg.data.data.length} values, nbchan × pnts × trials = ${values}`,
        { field: 'EEG.data' },
      );
    }
    embedded = eeg.data.data as ArrayLike<number>;
  } else if (typeof eeg.data === 'string' && eeg.data !== '') {
    fdt = join(dirname(path), basename(eeg.data.replaceAll('\\', '/')));
    // MNE: when the named .fdt is missing but one named after the .set exists, the file was renamed on disk
    const renamed = join(dirname(path), `${basename(path).replace(/\.set$/i, '')}.fdt`);
    if (!existsSync(fdt) && existsSync(renamed)) {
      warnings.push(
        `Data file name in EEG.data (${eeg.data}) is incorrect, the file name must have changed on disk, using the correct file name (${basename(renamed)}).`,
      );
      fdt = renamed;
    }
    if (!existsSync(fdt)) {
      throw new FileFormatError(
        EEG_ERRORS.missingCompanion,
        path,
        `data file ${JSON.stringify(eeg.data)} named by EEG.data does not exist (looked for ${fdt})`,
        { field: 'EEG.data' },
      );
    }
    const size = checkedFileSize(fdt, 'EEGLAB .fdt data file');
    const need = values * 4;
    if (size < need)
      throw new FileFormatError(
        EEG_ERRORS.truncated,
        fdt,
        `nbchan × pnts × trials × 4 bytes = ${need}, the file has ${size}`,
        { field: 'EEG.pnts', offset: size },
      );
  } else {
    throw new FileFormatError(EEG_ERRORS.badHeader, path, 'EEG.data is neither an array nor the name of a .fdt file', {
      field: 'EEG.data',
    });
  }
  const locs = structs(eeg.chanlocs);
  const hasLocs = locs.length === nch;
  const chNames = hasLocs
    ? locs.map((l) => text(l.labels))
    : Array.from({ length: nch }, (_, i) => `EEG ${String(i).padStart(3, '0')}`);
  // MNE: chanlocs.type when it names a channel type (any case), else EEG; positions [−Y, X, Z] in mm → metres
  const chTypes: ChannelType[] = hasLocs
    ? locs.map((l) => {
        const t = text(l.type).trim().toLowerCase();
        return (KNOWN_TYPES.has(t) ? t : 'eeg') as ChannelType;
      })
    : chNames.map(() => 'eeg' as ChannelType);
  const positions = hasLocs
    ? locs.map((l): [number, number, number] | null => {
        const [x, y, z] = [num(l.X), num(l.Y), num(l.Z)];
        return [x, y, z].some(Number.isNaN) ? null : [-y / 1000, x / 1000, z / 1000];
      })
    : null;
  return { path, nch, chTypes, positions, pnts, trials, srate, xmin, chNames, eeg, embedded, fdt, warnings };
}

/** A non-finite sample is a corrupt file, not data: a typed error naming where it is. */
function nonFinite(file: string, field: string, v: number, channel: number, sample: number, offset?: number): never {
  throw new FileFormatError(
    EEG_ERRORS.badHeader,
    file,
    `sample ${sample} of channel ${channel} is ${v}; samples must be finite`,
    offset === undefined ? { field } : { field, offset },
  );
}

/** Fill out[k·len + t] with channels × [start, stop) of trial `trial` (volts). */
function readSamples(
  h: EeglabHeader,
  channels: readonly number[],
  start: number,
  stop: number,
  out: Float64Array,
  trial = 0,
): void {
  const len = stop - start;
  const { nch, pnts } = h;
  const base = trial * pnts;
  if (h.embedded) {
    // MATLAB [nch, pnts, trials] in C order: value (c, t, e) at (c·pnts + t)·trials + e
    const d = h.embedded;
    const tr = h.trials;
    for (let k = 0; k < channels.length; k++) {
      const c = channels[k];
      for (let t = 0; t < len; t++) {
        const v = Number(d[(c * pnts + start + t) * tr + trial]);
        if (!Number.isFinite(v)) nonFinite(h.path, 'EEG.data', v, c, start + t);
        out[k * len + t] = v * CAL;
      }
    }
    return;
  }
  const fdt = h.fdt ?? '';
  const frame = nch * 4;
  const framesPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / frame));
  withFd(fdt, (fd) => {
    const buf = new Uint8Array(Math.min(len, framesPerChunk) * frame);
    const view = new DataView(buf.buffer);
    for (let t0 = start; t0 < stop; t0 += framesPerChunk) {
      const t1 = Math.min(stop, t0 + framesPerChunk);
      readExactly(fd, fdt, buf, 0, (t1 - t0) * frame, (base + t0) * frame);
      for (let k = 0; k < channels.length; k++) {
        const c = channels[k];
        for (let t = t0; t < t1; t++) {
          const v = view.getFloat32((t - t0) * frame + c * 4, true);
          if (!Number.isFinite(v)) nonFinite(fdt, 'samples', v, c, t, (base + t) * frame + c * 4);
          out[k * len + t - start] = v * CAL;
        }
      }
    }
  });
}

function info(h: EeglabHeader): RawInfo {
  return {
    chNames: h.chNames,
    chTypes: h.chTypes,
    sfreq: h.srate,
    units: h.chTypes.map((t) => (t === 'stim' ? '' : 'V')),
    measDate: null,
    ...(h.positions?.some((p) => p !== null) ? { positions: h.positions } : {}),
  };
}

/** Read a continuous EEGLAB dataset. */
export function readRawEeglab(path: string): Raw {
  const h = readHeader(path);
  if (h.trials > 1) {
    throw new FileFormatError(
      EEG_ERRORS.unsupported,
      path,
      `the dataset is epoched (${h.trials} trials); read it with readEpochsEeglab`,
      { field: 'EEG.trials' },
    );
  }
  const annotations: Annotation[] = [];
  for (const ev of structs(h.eeg.event)) {
    const latency = isMatArray(ev.latency) ? Number(ev.latency.data[0]) : Number.NaN;
    if (!Number.isFinite(latency)) continue;
    const dur = isMatArray(ev.duration) ? Number(ev.duration.data[0]) : 0;
    annotations.push({
      onset: (latency - 1) / h.srate,
      duration: Number.isFinite(dur) ? dur / h.srate : 0,
      description: text(ev.type),
    });
  }
  const warnings = [...h.warnings];
  const cropped = cropAnnotations(annotations, h.pnts / h.srate);
  if (cropped.omitted > 0) warnings.push(`Omitted ${cropped.omitted} annotation(s) that were outside data range.`);
  if (annotations.some((a) => a.description === 'boundary')) {
    warnings.push(
      "The data contains 'boundary' events, indicating data discontinuities. Be cautious of filtering and epoching around these events.",
    );
  }
  return new Raw({
    info: info(h),
    nTimes: h.pnts,
    annotations: cropped.kept,
    format: 'eeglab',
    warnings,
    filename: path,
    reader: (channels, start, stop, out) => readSamples(h, channels, start, stop, out),
  });
}

function cellStrings(v: MatValue | undefined): string[] | null {
  if (isMatCell(v)) return v.cell.map((c) => text(c));
  if (Array.isArray(v)) return v;
  return null;
}

/** Read an epoched EEGLAB dataset (`mne.read_epochs_eeglab`): conditions named from EEG.epoch.eventtype. */
export function readEpochsEeglab(path: string): Epochs {
  const h = readHeader(path);
  const evs = structs(h.eeg.event);
  const eps = structs(h.eeg.epoch);
  const names: string[] = [];
  const latencies: number[] = [];
  const unique: string[] = [];
  const warnings: string[] = [];
  let evIdx = 0;
  for (const ep of eps) {
    const many = cellStrings(ep.eventtype);
    const name = many && many.length !== 1 ? many.join('/') : many ? many[0] : text(ep.eventtype);
    const lat =
      evs[evIdx] && isMatArray(evs[evIdx].latency)
        ? Number((evs[evIdx].latency as { data: ArrayLike<number> }).data[0])
        : evIdx;
    names.push(name);
    latencies.push(lat);
    evIdx += many && many.length !== 1 ? many.length : 1;
    if (many && many.length > 1) warnings.push('multiple');
    if (!unique.includes(name)) unique.push(name);
  }
  const eventId = Object.fromEntries(unique.map((n, i) => [n, i + 1]));
  const events: Events = names.map((n, i) => [
    Math.trunc(latencies[i]),
    i > 0 && latencies[i] - latencies[i - 1] === 1 ? eventId[names[i - 1]] : 0,
    eventId[n],
  ]);
  const per = h.nch * h.pnts;
  const data = new Float64Array(h.trials * per);
  const all = Array.from({ length: h.nch }, (_, i) => i);
  const tmp = new Float64Array(per);
  for (let e = 0; e < h.trials; e++) {
    readSamples(h, all, 0, h.pnts, tmp, e);
    data.set(tmp, e * per);
  }
  const times = new Float64Array(h.pnts);
  for (let t = 0; t < h.pnts; t++) times[t] = h.xmin + t / h.srate;
  return new Epochs({
    data,
    nChannels: h.nch,
    nTimes: h.pnts,
    times,
    info: info(h),
    events: events.length === h.trials ? events : Array.from({ length: h.trials }, (_, i) => [i, 0, 1]),
    eventId: events.length === h.trials ? eventId : { '1': 1 },
    dropLog: Array.from({ length: h.trials }, () => []),
    baseline: null,
  });
}
