/**
 * EDF/EDF+/BDF/BDF+ reader. Samples are read on demand with positional reads of whole data records in bounded
 * chunks, scaled exactly as MNE does: physical = (digital − dmin)·(pmax − pmin)/(dmax − dmin) + pmin, times the unit
 * factor (µV → 1e-6, mV → 1e-3, nV → 1e-9). Stim channels ('Status', 'Trigger') keep raw codes (BDF: low 16 bits,
 * the trigger lines, as MNE reports them). Annotation signals are decoded into `raw.annotations` and are not channels.
 *
 * Channels stored at a lower rate than the fastest one are upsampled record by record with MNE's FFT resampler
 * (stim channels with a zero-order hold), so every channel shares `info.sfreq`; `info.fileSfreq` keeps the rates
 * in the file. Duplicate labels are kept as written (MNE appends running numbers).
 */

import { FileFormatError } from '@concord/core';
import { cropAnnotations } from '../annotations.ts';
import { EEG_ERRORS } from '../errors.ts';
import { checkedFileSize, readExactly, withFd } from '../file-access.ts';
import { type Annotation, type ChannelType, Raw, type RawInfo } from '../raw.ts';
import { fftResample, holdResample } from '../resample.ts';
import { type EdfHeader, parseEdfHeader } from './header.ts';
import { parseTals } from './tal.ts';

/** Bytes read per chunk when streaming records (bounded memory whatever the file size). */
const CHUNK_BYTES = 8 << 20;

const UNIT_SCALE: Record<string, number> = { V: 1, mV: 1e-3, uV: 1e-6, µV: 1e-6, μV: 1e-6, nV: 1e-9 };
const STIM_NAMES = new Set(['status', 'trigger']);

export interface ReadEdfOptions {
  /** Extra channel names to treat as stim channels (raw codes). Default: 'Status' and 'Trigger' (any case). */
  stimChannels?: string[];
}

export interface EdfChannelLayout {
  /** File signal index of each channel. */
  signal: number[];
  scale: number[];
  offset: number[];
  isStim: boolean[];
}

function readHeader(path: string, fd: number, size: number): EdfHeader {
  const first = new Uint8Array(Math.min(256, size));
  readExactly(fd, path, first, 0, first.length, 0);
  if (size < 256) return parseEdfHeader(path, first, size);
  const nsText = String.fromCharCode(...first.subarray(252, 256)).trim();
  const ns = /^\d+$/.test(nsText) ? Math.min(Number(nsText), 100000) : 0;
  const want = Math.min(size, 256 * (ns + 1));
  const buf = new Uint8Array(want);
  readExactly(fd, path, buf, 0, want, 0);
  return parseEdfHeader(path, buf, size);
}

/** The header of an EDF/BDF file (no data read). */
export function readEdfHeader(path: string): EdfHeader {
  checkedFileSize(path, 'EDF/BDF file');
  return withFd(path, (fd, size) => readHeader(path, fd, size));
}

/**
 * The number of data records, as MNE's `_read_edf_header` decides it: the whole records the file holds
 * (floor((size − header bytes) / record bytes)) whenever the header's count is −1 or disagrees with them — a
 * recording that was not stopped cleanly leaves a stale count — with a warning; a partial record at the end is
 * ignored. A header that announces records when not one whole record is present is a truncated file.
 */
function recordCount(path: string, h: EdfHeader, size: number): { nRecords: number; warnings: string[] } {
  const warnings: string[] = [];
  const available = Math.max(0, size - h.headerBytes);
  if (h.recordBytes === 0) return { nRecords: Math.max(0, h.nRecordsInHeader), warnings };
  const whole = Math.floor(available / h.recordBytes);
  const partial = available - whole * h.recordBytes;
  if (partial > 0)
    warnings.push(`file ends with ${partial} bytes of an incomplete data record of ${h.recordBytes} bytes (ignored)`);
  if (h.nRecordsInHeader === -1) {
    warnings.push('number of data records is −1 (unknown): counted from the file size');
    return { nRecords: whole, warnings };
  }
  if (h.nRecordsInHeader === whole) return { nRecords: whole, warnings };
  if (whole === 0)
    throw new FileFormatError(
      EEG_ERRORS.truncated,
      path,
      `header announces ${h.nRecordsInHeader} records of ${h.recordBytes} bytes, the file has ${size} bytes: not one whole record after the ${h.headerBytes}-byte header`,
      { field: 'number of data records', offset: 236, expected: h.nRecordsInHeader, received: 0 },
    );
  warnings.push(
    `header announces ${h.nRecordsInHeader} data records, the file holds ${whole} whole records of ${h.recordBytes} bytes: counted from the file size, as MNE does`,
  );
  return { nRecords: whole, warnings };
}

function decodeSample(buf: Uint8Array, at: number, bps: number): number {
  if (bps === 2) {
    const v = buf[at] | (buf[at + 1] << 8);
    return v >= 0x8000 ? v - 0x10000 : v;
  }
  const v = buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16);
  return v >= 0x800000 ? v - 0x1000000 : v;
}

function readAnnotations(
  path: string,
  fd: number,
  h: EdfHeader,
  nRecords: number,
): { annotations: Annotation[]; firstRecordOnset: number; recordOnsets: Float64Array } {
  const annotations: Annotation[] = [];
  let firstRecordOnset = 0;
  const recordOnsets = new Float64Array(nRecords).fill(Number.NaN);
  const annSignals = h.signals.map((s, i) => (s.isAnnotation ? i : -1)).filter((i) => i >= 0);
  if (annSignals.length === 0) return { annotations, firstRecordOnset, recordOnsets };
  for (let r = 0; r < nRecords; r++) {
    for (const s of annSignals) {
      const len = h.signals[s].samplesPerRecord * h.bytesPerSample;
      const buf = new Uint8Array(len);
      readExactly(fd, path, buf, 0, len, h.headerBytes + r * h.recordBytes + h.signalOffsets[s]);
      const parsed = parseTals(buf);
      if (s === annSignals[0] && parsed.recordOnset !== null) recordOnsets[r] = parsed.recordOnset;
      if (r === 0 && s === annSignals[0] && parsed.recordOnset !== null) firstRecordOnset = parsed.recordOnset;
      annotations.push(...parsed.annotations);
    }
  }
  // MNE reports onsets relative to the first record's time stamp (sub-second start times), to the microsecond
  for (const a of annotations) a.onset = Math.round((a.onset - firstRecordOnset) * 1e6) / 1e6;
  return { annotations, firstRecordOnset, recordOnsets };
}

/** A gap in an EDF+D/BDF+D recording: record `record` starts `seconds` after the previous record ends. */
interface RecordGap {
  record: number;
  seconds: number;
}

/**
 * Gaps between the records of a discontinuous file, from each record's time-keeping TAL (relative to the first
 * record). Steps smaller than half a sample are rounding in the time stamps, not gaps.
 */
function recordGaps(recordOnsets: Float64Array, recordDuration: number, sfreq: number): RecordGap[] {
  const gaps: RecordGap[] = [];
  const tolerance = sfreq > 0 ? 0.5 / sfreq : 1e-6;
  for (let r = 1; r < recordOnsets.length; r++) {
    const step = recordOnsets[r] - recordOnsets[r - 1] - recordDuration;
    if (step > tolerance) gaps.push({ record: r, seconds: step });
  }
  return gaps;
}

/**
 * Annotations of a discontinuous file moved from recording time onto the concatenated records the samples form
 * (an onset inside a gap moves to the start of the record after it), and a zero-length 'BAD_ACQ_SKIP' (MNE's
 * name for skipped acquisition) where each gap was. MNE keeps recording-time onsets, which then point past the
 * samples they belong to.
 */
function annotationsOnRecords(
  annotations: Annotation[],
  recordOnsets: Float64Array,
  recordDuration: number,
  gaps: RecordGap[],
): Annotation[] {
  const first = recordOnsets[0];
  const out = annotations.map((a) => {
    const t = a.onset + first; // back to the file's recording time
    let r = 0;
    while (r + 1 < recordOnsets.length && recordOnsets[r + 1] <= t) r++;
    const within = Math.min(Math.max(t - recordOnsets[r], 0), recordDuration);
    return { ...a, onset: Math.round((r * recordDuration + within) * 1e6) / 1e6 };
  });
  // the gap markers first, so that at equal onsets the boundary comes before what follows it (the sort is stable)
  const markers = gaps.map((g) => ({ onset: g.record * recordDuration, duration: 0, description: 'BAD_ACQ_SKIP' }));
  return [...markers, ...out].sort((a, b) => a.onset - b.onset);
}

/** Read an EDF, EDF+, BDF or BDF+ file (header and annotations now; samples on demand). */
export function readRawEdf(path: string, options: ReadEdfOptions = {}): Raw {
  const size = checkedFileSize(path, 'EDF/BDF file');
  return withFd(path, (fd) => {
    const h = readHeader(path, fd, size);
    const { nRecords, warnings } = recordCount(path, h, size);
    const { annotations: recordedAnnotations, firstRecordOnset, recordOnsets } = readAnnotations(path, fd, h, nRecords);
    let annotations = recordedAnnotations;
    const dataSignals = h.signals.map((s, i) => (s.isAnnotation ? -1 : i)).filter((i) => i >= 0);
    const sprMax = dataSignals.reduce((m, i) => Math.max(m, h.signals[i].samplesPerRecord), 0);
    // MNE: a record duration of 0 is read as 1 s (typically an annotation-only file)
    let duration = h.recordDuration;
    if (duration === 0) {
      duration = 1;
      warnings.push('duration of a data record is 0: read as 1 s (as MNE does)');
    }
    const hasData = dataSignals.length > 0;
    // an annotation-only file (no data signals, e.g. a hypnogram) takes its rate from its annotation signal, as MNE
    const sfreq = hasData
      ? sprMax / duration
      : h.signals.reduce((m, s) => Math.max(m, s.samplesPerRecord), 0) / duration || 1 / duration;
    if (!(Number.isFinite(sfreq) && sfreq > 0))
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `duration of a data record ${h.recordDuration} s with ${sprMax} samples per record gives a sampling rate of ${sfreq} Hz`,
        { field: 'duration of a data record', offset: 244 },
      );
    const extraStim = new Set((options.stimChannels ?? []).map((s) => s.toLowerCase()));
    const layout: EdfChannelLayout = { signal: [], scale: [], offset: [], isStim: [] };
    const chTypes: ChannelType[] = [];
    const units: string[] = [];
    const fileSfreq: number[] = [];
    for (const i of dataSignals) {
      const s = h.signals[i];
      const lower = s.label.toLowerCase();
      const isStim = STIM_NAMES.has(lower) || extraStim.has(lower);
      const unitScale = UNIT_SCALE[s.physicalDimension];
      // MNE: a digital or physical range of 0 (undefined scaling) is taken as 1
      let digitalRange = s.digitalMax - s.digitalMin;
      let physicalRange = s.physicalMax - s.physicalMin;
      if (digitalRange === 0 && !isStim) {
        digitalRange = 1;
        warnings.push(`Scaling factor is not defined in channel ${s.label} (digital minimum = maximum): taken as 1`);
      }
      if (physicalRange === 0 && !isStim) {
        physicalRange = 1;
        warnings.push(`Physical range is not defined in channel ${s.label} (physical minimum = maximum): taken as 1`);
      }
      const cal = physicalRange / digitalRange;
      const scale = isStim ? 1 : cal * (unitScale ?? 1);
      const offset = isStim ? 0 : (s.physicalMin - s.digitalMin * cal) * (unitScale ?? 1);
      // finite fields can still overflow (1e300 / 1e-300): every sample would be non-finite
      if (!(Number.isFinite(scale) && Number.isFinite(offset) && Number.isFinite(scale * 8388608 + offset)))
        throw new FileFormatError(
          EEG_ERRORS.badHeader,
          path,
          `physical range [${s.physicalMin}, ${s.physicalMax}] over digital range [${s.digitalMin}, ${s.digitalMax}] gives a non-finite scaling`,
          {
            field: `physicalMax of signal ${i} (${s.label})`,
            offset: 256 + h.signals.length * (16 + 80 + 8 + 8) + i * 8,
          },
        );
      layout.signal.push(i);
      layout.isStim.push(isStim);
      layout.scale.push(scale);
      layout.offset.push(offset);
      chTypes.push(isStim ? 'stim' : 'eeg');
      units.push(isStim ? '' : unitScale !== undefined ? 'V' : s.physicalDimension);
      fileSfreq.push(s.samplesPerRecord / duration);
    }
    const uneven = fileSfreq.some((f) => f !== sfreq);
    if (uneven)
      warnings.push(
        `channels with lower sampling rates (${[...new Set(fileSfreq)].join(', ')} Hz) are upsampled to ${sfreq} Hz record by record (as MNE does)`,
      );
    if (h.variant.endsWith('+D')) {
      const gaps = recordOnsets.every((t) => Number.isFinite(t)) ? recordGaps(recordOnsets, duration, sfreq) : null;
      if (gaps === null)
        warnings.push(`${h.variant}: discontinuous recording read as if continuous (some records have no time stamp)`);
      else if (gaps.length > 0) {
        annotations = annotationsOnRecords(annotations, recordOnsets, duration, gaps);
        const total = gaps.reduce((s, g) => s + g.seconds, 0);
        warnings.push(
          `${h.variant}: ${gaps.length} gap(s) between records (${Number(total.toFixed(6))} s without data in all; the first before record ${gaps[0].record}, ${Number(gaps[0].seconds.toFixed(6))} s): the records are read back to back, annotations are moved onto them and each gap is marked 'BAD_ACQ_SKIP'`,
        );
      }
    }
    const startMs = h.startDate ? h.startDate.getTime() + Math.round(firstRecordOnset * 1e6) / 1e3 : Number.NaN;
    const measDate = Number.isFinite(startMs) && Math.abs(startMs) <= 8.64e15 ? new Date(startMs) : null;
    const info: RawInfo = {
      chNames: dataSignals.map((i) => h.signals[i].label),
      chTypes,
      sfreq,
      units,
      measDate,
      ...(uneven ? { fileSfreq } : {}),
    };
    const nTimes = hasData ? nRecords * sprMax : 0;
    let kept = annotations;
    if (hasData) {
      const cropped = cropAnnotations(annotations, nTimes / sfreq);
      kept = cropped.kept;
      if (cropped.omitted > 0) warnings.push(`Omitted ${cropped.omitted} annotation(s) that were outside data range.`);
    }
    return new Raw({
      info,
      nTimes,
      annotations: kept,
      format: h.kind,
      warnings,
      filename: path,
      reader: (channels, start, stop, out) => readEdfWindow(path, h, layout, sprMax, channels, start, stop, out),
    });
  });
}

function readEdfWindow(
  path: string,
  h: EdfHeader,
  layout: EdfChannelLayout,
  sprMax: number,
  channels: readonly number[],
  start: number,
  stop: number,
  out: Float64Array,
): void {
  const len = stop - start;
  const r0 = Math.floor(start / sprMax);
  const r1 = Math.ceil(stop / sprMax);
  const chunkRecords = Math.max(1, Math.floor(CHUNK_BYTES / h.recordBytes));
  const buf = new Uint8Array(Math.min(r1 - r0, chunkRecords) * h.recordBytes);
  const bps = h.bytesPerSample;
  const bdfStimMask = h.kind === 'bdf';
  withFd(path, (fd) => {
    for (let c0 = r0; c0 < r1; c0 += chunkRecords) {
      const c1 = Math.min(r1, c0 + chunkRecords);
      readExactly(fd, path, buf, 0, (c1 - c0) * h.recordBytes, h.headerBytes + c0 * h.recordBytes);
      for (let k = 0; k < channels.length; k++) {
        const ch = channels[k];
        const sig = layout.signal[ch];
        const spr = h.signals[sig].samplesPerRecord;
        const scale = layout.scale[ch];
        const offset = layout.offset[ch];
        const stim = layout.isStim[ch];
        const rowBase = k * len;
        for (let r = c0; r < c1; r++) {
          const recStart = r * sprMax;
          const t0 = Math.max(start, recStart);
          const t1 = Math.min(stop, recStart + sprMax);
          const at = (r - c0) * h.recordBytes + h.signalOffsets[sig];
          if (spr === sprMax) {
            for (let t = t0; t < t1; t++) {
              const d = decodeSample(buf, at + (t - recStart) * bps, bps);
              out[rowBase + t - start] = stim ? (bdfStimMask ? d & 0xffff : d) : d * scale + offset;
            }
          } else {
            const raw = new Float64Array(spr);
            for (let i = 0; i < spr; i++) {
              const d = decodeSample(buf, at + i * bps, bps);
              raw[i] = stim ? (bdfStimMask ? d & 0xffff : d) : d * scale + offset;
            }
            const up = stim ? holdResample(raw, sprMax) : fftResample(raw, sprMax);
            for (let t = t0; t < t1; t++) out[rowBase + t - start] = up[t - recStart];
          }
        }
      }
    }
  });
}

/** Alias kept for MNE users: BDF files go through the same reader. */
export const readRawBdf = readRawEdf;

/** Only the annotations of an EDF+/BDF+ file (MNE's read_annotations), e.g. a hypnogram. */
export function readAnnotationsEdf(path: string): Annotation[] {
  return readRawEdf(path).annotations;
}
