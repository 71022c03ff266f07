/**
 * EDF+/BDF+ writers. Each channel's physical range is its data range (in µV for voltage channels, rounded outward
 * to fit the 8-character header field), so the quantisation step is (pmax − pmin) / (dmax − dmin): about
 * range / 65535 for EDF and range / 16777215 for BDF. Stim channels are written as digital codes
 * (physical = digital). Annotations go into an 'EDF Annotations' / 'BDF Annotations' signal as UTF-8 TALs.
 * Records are streamed (bounded memory) into a temporary file renamed over the target at the end.
 */
import type { Matrix, ProgressCallback } from '@concord/core';
import { FileFormatError, ParameterError } from '@concord/core';
import { writeStreamAtomic } from '../atomic-stream.ts';
import { EEG_ERRORS } from '../errors.ts';
import { type Annotation, type ChannelType, Raw } from '../raw.ts';

export interface WriteEdfOptions {
  /** Seconds per data record; default 1 when sfreq is an integer, else the smallest whole-second duration with whole samples. */
  recordDuration?: number;
  patientId?: string;
  recordingId?: string;
  /** Default: raw.info.measDate, else 1 Jan 2000 (EDF needs a date). */
  measDate?: Date;
  /**
   * Start of each data record in seconds from the start of the recording (EDF+D, discontinuous: a record may
   * start later than the previous one ends). Increasing, one per record. Default: contiguous records (EDF+C).
   * Annotation onsets are then in recording time too.
   */
  recordOnsets?: readonly number[];
  onProgress?: ProgressCallback;
}

export interface WriteEdfResult {
  nRecords: number;
  samplesPerRecord: number;
  /** Samples appended (zeros) to fill the last record. */
  padded: number;
  /** Quantisation step of each channel in getData() units (volts; 1 for stim codes). */
  quantisationSteps: number[];
}

/** What writeEdf accepts: a Raw, or an array of channels × samples (volts; stim channels in raw codes). */
export type EdfSource =
  | Raw
  | {
      data: Matrix;
      sfreq: number;
      chNames: string[];
      chTypes?: ChannelType[];
      annotations?: Annotation[];
      measDate?: Date;
    };

const CHUNK_SAMPLES = 1 << 20;

function asRaw(src: EdfSource): Raw {
  if (src instanceof Raw) return src;
  return Raw.fromArray(
    src.data,
    {
      chNames: src.chNames,
      sfreq: src.sfreq,
      ...(src.chTypes ? { chTypes: src.chTypes } : {}),
      measDate: src.measDate ?? null,
    },
    src.annotations ?? [],
  );
}

/** Format a number into at most 8 characters, rounding toward −∞ (down) or +∞ (up). */
export function formatEdfNumber(v: number, direction: 'down' | 'up', file: string, field: string): string {
  if (Number.isInteger(v) && String(v).length <= 8) return String(v);
  for (let d = 7; d >= 0; d--) {
    const f = 10 ** d;
    const r = direction === 'down' ? Math.floor(v * f) / f : Math.ceil(v * f) / f;
    const s = r
      .toFixed(d)
      .replace(/(\.\d*?)0+$/, '$1')
      .replace(/\.$/, '');
    if (s.length <= 8) return s;
  }
  throw new FileFormatError(EEG_ERRORS.cannotWrite, file, `value ${v} does not fit the 8-character header field`, {
    field,
  });
}

function pad(s: string, width: number): string {
  if (s.length > width) s = s.slice(0, width);
  return s + ' '.repeat(width - s.length);
}

function chooseRecordDuration(sfreq: number, path: string, requested?: number): number {
  if (requested !== undefined) {
    const spr = requested * sfreq;
    if (!(requested > 0) || Math.abs(spr - Math.round(spr)) > 1e-9) {
      throw new ParameterError(
        EEG_ERRORS.badParameter,
        'recordDuration',
        `must give a whole number of samples per record (sfreq ${sfreq} Hz), received ${requested}`,
      );
    }
    return requested;
  }
  for (let d = 1; d <= 60; d++) if (Math.abs(d * sfreq - Math.round(d * sfreq)) < 1e-9) return d;
  throw new FileFormatError(
    EEG_ERRORS.cannotWrite,
    path,
    `sampling rate ${sfreq} Hz gives no whole number of samples in records of 1..60 s`,
    { field: 'duration of a data record' },
  );
}

/** Record start times: given ones checked (one per record, increasing by at least a record), else contiguous. */
function recordOnsetsOf(
  given: readonly number[] | undefined,
  nRecords: number,
  recordDuration: number,
  path: string,
): number[] {
  if (given === undefined) return Array.from({ length: nRecords }, (_, r) => r * recordDuration);
  if (given.length !== nRecords)
    throw new FileFormatError(
      EEG_ERRORS.cannotWrite,
      path,
      `recordOnsets: expected one onset per data record (${nRecords} records of ${recordDuration} s), received ${given.length}`,
      { field: 'recordOnsets' },
    );
  given.forEach((t, r) => {
    if (!Number.isFinite(t) || (r > 0 && t < given[r - 1] + recordDuration - 1e-9))
      throw new FileFormatError(
        EEG_ERRORS.cannotWrite,
        path,
        `recordOnsets[${r}]: ${t} s starts before record ${r - 1} (at ${given[r - 1]} s, ${recordDuration} s long) ends`,
        { field: `recordOnsets[${r}]` },
      );
  });
  return [...given];
}

function tal(onset: number, duration: number, text: string): string {
  const o = `${onset >= 0 ? '+' : ''}${Number(onset.toFixed(6))}`;
  return `${o}${duration > 0 ? `\x15${Number(duration.toFixed(6))}` : ''}\x14${text}\x14\x00`;
}

function writeEdfLike(kind: 'edf' | 'bdf', path: string, source: EdfSource, options: WriteEdfOptions): WriteEdfResult {
  const raw = asRaw(source);
  const { sfreq } = raw.info;
  const nch = raw.nChannels;
  const n = raw.nTimes;
  const recordDuration = chooseRecordDuration(sfreq, path, options.recordDuration);
  const spr = Math.round(recordDuration * sfreq);
  const nRecords = Math.max(1, Math.ceil(n / spr));
  const padded = nRecords * spr - n;
  const bps = kind === 'bdf' ? 3 : 2;
  const dmin = kind === 'bdf' ? -8388608 : -32768;
  const dmax = kind === 'bdf' ? 8388607 : 32767;
  const isStim = raw.info.chTypes.map((t) => t === 'stim');

  // physical ranges: one pass over the data in chunks (bounded memory)
  const lo = new Float64Array(nch).fill(Infinity);
  const hi = new Float64Array(nch).fill(-Infinity);
  for (let t0 = 0; t0 < n; t0 += CHUNK_SAMPLES) {
    const t1 = Math.min(n, t0 + CHUNK_SAMPLES);
    const m = raw.getData({ start: t0, stop: t1 });
    const len = t1 - t0;
    for (let c = 0; c < nch; c++) {
      for (let t = 0; t < len; t++) {
        const v = m.data[c * len + t];
        if (!Number.isFinite(v))
          throw new FileFormatError(
            EEG_ERRORS.cannotWrite,
            path,
            `channel ${raw.info.chNames[c]} has a non-finite value ${v} at sample ${t0 + t}`,
            { field: `channel ${c}` },
          );
        if (v < lo[c]) lo[c] = v;
        if (v > hi[c]) hi[c] = v;
      }
    }
  }
  const labels: string[] = [];
  const dims: string[] = [];
  const pminText: string[] = [];
  const pmaxText: string[] = [];
  const scale: number[] = [];
  const offset: number[] = [];
  const steps: number[] = [];
  for (let c = 0; c < nch; c++) {
    labels.push(raw.info.chNames[c]);
    if (isStim[c]) {
      if (n > 0 && (lo[c] < dmin || hi[c] > dmax || !Number.isInteger(lo[c]) || !Number.isInteger(hi[c]))) {
        throw new FileFormatError(
          EEG_ERRORS.cannotWrite,
          path,
          `stim channel ${labels[c]} needs integer codes in [${dmin}, ${dmax}], range is [${lo[c]}, ${hi[c]}]`,
          { field: `channel ${c}` },
        );
      }
      dims.push('');
      pminText.push(String(dmin));
      pmaxText.push(String(dmax));
      scale.push(1);
      offset.push(0);
      steps.push(1);
      continue;
    }
    const volts = raw.info.units[c] === 'V';
    const f = volts ? 1e6 : 1;
    let a = n > 0 ? lo[c] * f : 0;
    let b = n > 0 ? hi[c] * f : 1;
    if (a === b) {
      a -= 1;
      b += 1;
    }
    const pa = formatEdfNumber(a, 'down', path, `physical minimum of ${labels[c]}`);
    const pb = formatEdfNumber(b, 'up', path, `physical maximum of ${labels[c]}`);
    const pmin = Number(pa);
    const pmax = Number(pb);
    dims.push(volts ? 'uV' : raw.info.units[c]);
    pminText.push(pa);
    pmaxText.push(pb);
    // digital = (physical − pmin) / cal + dmin, with the cal the reader will use
    const cal = (pmax - pmin) / (dmax - dmin);
    scale.push(f / cal);
    offset.push(dmin - pmin / cal);
    steps.push(cal / f);
  }

  // annotations: each goes to the record its onset falls in; every record starts with its time-keeping TAL
  const onsets = recordOnsetsOf(options.recordOnsets, nRecords, recordDuration, path);
  const discontinuous = onsets.some((t, r) => Math.abs(t - r * recordDuration) > 1e-9);
  const encoder = new TextEncoder();
  const perRecord: string[] = onsets.map((t) => tal(t, 0, ''));
  for (const a of raw.annotations) {
    let r = 0;
    while (r + 1 < nRecords && onsets[r + 1] <= a.onset) r++;
    perRecord[r] += tal(a.onset, a.duration, a.description.replaceAll('\x14', ' ').replaceAll('\x00', ' '));
  }
  const talBytes = perRecord.map((s) => encoder.encode(s));
  const annSamples = Math.max(1, Math.ceil(Math.max(...talBytes.map((b) => b.length)) / bps));

  const ns = nch + 1;
  const headerBytes = 256 * (ns + 1);
  const header = new Uint8Array(headerBytes);
  let pos = 0;
  const put = (s: string, width: number) => {
    const p = pad(s, width);
    for (let i = 0; i < width; i++) header[pos + i] = p.charCodeAt(i) & 0xff;
    pos += width;
  };
  const date = options.measDate ?? raw.info.measDate ?? new Date(Date.UTC(2000, 0, 1));
  const two = (v: number) => String(v).padStart(2, '0');
  const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
  if (kind === 'bdf') {
    header[0] = 0xff;
    pos = 1;
    put('BIOSEMI', 7);
  } else put('0', 8);
  put(options.patientId ?? 'X X X X', 80);
  put(
    options.recordingId ??
      `Startdate ${two(date.getUTCDate())}-${months[date.getUTCMonth()]}-${date.getUTCFullYear()} X X X`,
    80,
  );
  put(`${two(date.getUTCDate())}.${two(date.getUTCMonth() + 1)}.${two(date.getUTCFullYear() % 100)}`, 8);
  put(`${two(date.getUTCHours())}.${two(date.getUTCMinutes())}.${two(date.getUTCSeconds())}`, 8);
  put(String(headerBytes), 8);
  put(`${kind === 'bdf' ? 'BDF' : 'EDF'}+${discontinuous ? 'D' : 'C'}`, 44);
  put(String(nRecords), 8);
  put(formatEdfNumber(recordDuration, 'up', path, 'duration of a data record'), 8);
  put(String(ns), 4);
  const annLabel = kind === 'bdf' ? 'BDF Annotations' : 'EDF Annotations';
  const each = (f: (c: number) => string, ann: string, width: number) => {
    for (let c = 0; c < nch; c++) put(f(c), width);
    put(ann, width);
  };
  each((c) => labels[c], annLabel, 16);
  each(() => '', '', 80);
  each((c) => dims[c], '', 8);
  each((c) => pminText[c], '-1', 8);
  each((c) => pmaxText[c], '1', 8);
  each(() => String(dmin), String(dmin), 8);
  each(() => String(dmax), String(dmax), 8);
  each(() => '', '', 80);
  each(() => String(spr), String(annSamples), 8);
  each(() => '', '', 32);

  const recordBytes = (nch * spr + annSamples) * bps;
  const recordsPerChunk = Math.max(1, Math.floor((8 << 20) / recordBytes));
  writeStreamAtomic(path, (write) => {
    write(header);
    for (let r0 = 0; r0 < nRecords; r0 += recordsPerChunk) {
      const r1 = Math.min(nRecords, r0 + recordsPerChunk);
      const t0 = r0 * spr;
      const t1 = Math.min(n, r1 * spr);
      const m = t1 > t0 ? raw.getData({ start: t0, stop: t1 }) : null;
      const len = t1 - t0;
      const out = new Uint8Array((r1 - r0) * recordBytes);
      for (let r = r0; r < r1; r++) {
        let at = (r - r0) * recordBytes;
        for (let c = 0; c < nch; c++) {
          const s = scale[c];
          const o = offset[c];
          for (let i = 0; i < spr; i++) {
            const t = r * spr + i - t0;
            let d = 0;
            if (t < len && m) {
              const v = m.data[c * len + t];
              d = isStim[c] ? v : Math.round(v * s + o);
              if (d < dmin) d = dmin;
              else if (d > dmax) d = dmax;
            } else if (!isStim[c]) d = Math.max(dmin, Math.min(dmax, Math.round(o)));
            out[at] = d & 0xff;
            out[at + 1] = (d >> 8) & 0xff;
            if (bps === 3) out[at + 2] = (d >> 16) & 0xff;
            at += bps;
          }
        }
        out.set(talBytes[r], at);
      }
      write(out);
      options.onProgress?.({ stage: `write ${kind}`, done: r1, total: nRecords });
    }
  });
  return { nRecords, samplesPerRecord: spr, padded, quantisationSteps: steps };
}

/** Write an EDF+ file (16-bit). */
export function writeEdf(path: string, source: EdfSource, options: WriteEdfOptions = {}): WriteEdfResult {
  return writeEdfLike('edf', path, source, options);
}

/** Write a BDF+ file (24-bit). */
export function writeBdf(path: string, source: EdfSource, options: WriteEdfOptions = {}): WriteEdfResult {
  return writeEdfLike('bdf', path, source, options);
}
