/**
 * EDF / EDF+ / BDF / BDF+ header parsing (the fixed 256-byte part and 256 bytes per signal). Every numeric field is
 * checked; a bad one raises a FileFormatError naming the field, the signal and its byte offset.
 */
import { FileFormatError } from '@concord/core';
import { EEG_ERRORS } from '../errors.ts';

export interface EdfSignalHeader {
  label: string;
  transducer: string;
  physicalDimension: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  prefiltering: string;
  samplesPerRecord: number;
  /** True for 'EDF Annotations' / 'BDF Annotations' signals. */
  isAnnotation: boolean;
}

export interface EdfHeader {
  /** 'edf' or 'bdf' (24-bit). */
  kind: 'edf' | 'bdf';
  /** '', 'EDF+C', 'EDF+D', 'BDF+C', '24BIT', ... from the reserved field. */
  variant: string;
  patientId: string;
  recordingId: string;
  /** Start date/time from the header (whole seconds, UTC as written). */
  startDate: Date | null;
  headerBytes: number;
  /** Record count from the header (−1 when unknown). */
  nRecordsInHeader: number;
  recordDuration: number;
  signals: EdfSignalHeader[];
  /** Bytes per sample (2 or 3). */
  bytesPerSample: number;
  /** Bytes of one data record. */
  recordBytes: number;
  /** Byte offset of each signal inside a record. */
  signalOffsets: number[];
}

const FIXED = 256;
const PER_SIGNAL_FIELDS: [keyof EdfSignalHeader | 'reserved', number][] = [
  ['label', 16],
  ['transducer', 80],
  ['physicalDimension', 8],
  ['physicalMin', 8],
  ['physicalMax', 8],
  ['digitalMin', 8],
  ['digitalMax', 8],
  ['prefiltering', 80],
  ['samplesPerRecord', 8],
  ['reserved', 32],
];

function ascii(buf: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length; i++) s += String.fromCharCode(buf[i]);
  return s.trim();
}

function numberField(
  file: string,
  buf: Uint8Array,
  offset: number,
  length: number,
  field: string,
  integer: boolean,
): number {
  // MNE reads a field up to its first NUL and accepts a decimal comma in the physical and digital ranges
  let s = ascii(buf, offset, length);
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul).trim();
  if (!integer) s = s.replace(',', '.');
  // EDF numbers are plain ASCII decimals; Number('') is 0 and Number('0x10') is 16, so check the text itself
  const ok = integer ? /^[+-]?\d+$/.test(s) : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s);
  const value = Number(s);
  if (!ok || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value)))
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      file,
      `expected ${integer ? 'an integer' : 'a finite number'}, received ${JSON.stringify(s)}`,
      { field, offset },
    );
  return value;
}

function parseStart(date: string, time: string): Date | null {
  const d = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(date);
  const t = /^(\d\d)[.:](\d\d)[.:](\d\d)$/.exec(time);
  if (!d || !t) return null;
  const yy = Number(d[3]);
  const year = yy >= 85 ? 1900 + yy : 2000 + yy;
  const ms = Date.UTC(year, Number(d[2]) - 1, Number(d[1]), Number(t[1]), Number(t[2]), Number(t[3]));
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** Parse the header from the first bytes of the file (`buf` must hold the whole header). */
export function parseEdfHeader(file: string, buf: Uint8Array, fileSize: number): EdfHeader {
  if (buf.length < FIXED) {
    throw new FileFormatError(
      EEG_ERRORS.truncated,
      file,
      `file has ${buf.length} bytes, an EDF/BDF header needs at least ${FIXED}`,
      { offset: buf.length },
    );
  }
  let kind: 'edf' | 'bdf';
  if (buf[0] === 0xff && ascii(buf, 1, 7) === 'BIOSEMI') kind = 'bdf';
  else if (ascii(buf, 0, 8) === '0') kind = 'edf';
  else
    throw new FileFormatError(
      EEG_ERRORS.unknownFormat,
      file,
      `version field must be '0' (EDF) or '\\xffBIOSEMI' (BDF), received ${JSON.stringify(ascii(buf, 0, 8))}`,
      { field: 'version', offset: 0 },
    );
  const variant = ascii(buf, 192, 44);
  const headerBytes = numberField(file, buf, 184, 8, 'header bytes', true);
  const nRecords = numberField(file, buf, 236, 8, 'number of data records', true);
  const recordDuration = numberField(file, buf, 244, 8, 'duration of a data record', false);
  const ns = numberField(file, buf, 252, 4, 'number of signals', true);
  if (ns < 0 || ns > 100000)
    throw new FileFormatError(EEG_ERRORS.badHeader, file, `number of signals must be in [0, 100000], received ${ns}`, {
      field: 'number of signals',
      offset: 252,
    });
  if (headerBytes !== FIXED * (ns + 1)) {
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      file,
      `header bytes must be 256 × (1 + number of signals) = ${FIXED * (ns + 1)}, received ${headerBytes}`,
      { field: 'header bytes', offset: 184 },
    );
  }
  if (headerBytes > fileSize || buf.length < headerBytes) {
    throw new FileFormatError(
      EEG_ERRORS.truncated,
      file,
      `header announces ${headerBytes} bytes (${ns} signals) but the file has ${fileSize}`,
      { field: 'header bytes', offset: 184 },
    );
  }
  if (nRecords < -1)
    throw new FileFormatError(EEG_ERRORS.badHeader, file, `number of data records must be ≥ −1, received ${nRecords}`, {
      field: 'number of data records',
      offset: 236,
    });
  if (recordDuration < 0)
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      file,
      `duration of a data record must be ≥ 0, received ${recordDuration}`,
      { field: 'duration of a data record', offset: 244 },
    );

  const signals: EdfSignalHeader[] = Array.from({ length: ns }, () => ({}) as EdfSignalHeader);
  let offset = FIXED;
  for (const [name, width] of PER_SIGNAL_FIELDS) {
    for (let i = 0; i < ns; i++) {
      const at = offset + i * width;
      const field = `${name} of signal ${i}`;
      const s = signals[i] as unknown as Record<string, unknown>;
      switch (name) {
        case 'label':
        case 'transducer':
        case 'physicalDimension':
        case 'prefiltering':
          s[name] =
            name === 'label'
              ? new TextDecoder('latin1').decode(buf.subarray(at, at + width)).trim()
              : ascii(buf, at, width);
          break;
        case 'digitalMin':
        case 'digitalMax':
        case 'samplesPerRecord':
          s[name] = numberField(file, buf, at, width, field, true);
          break;
        case 'physicalMin':
        case 'physicalMax':
          s[name] = numberField(file, buf, at, width, field, false);
          break;
        default:
          break;
      }
    }
    offset += width * ns;
  }
  const bytesPerSample = kind === 'bdf' ? 3 : 2;
  const signalOffsets: number[] = [];
  let recordBytes = 0;
  signals.forEach((s, i) => {
    s.isAnnotation = s.label === 'EDF Annotations' || s.label === 'BDF Annotations';
    if (s.samplesPerRecord < 0 || s.samplesPerRecord > 1e8) {
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        file,
        `samples per record must be in [0, 1e8], received ${s.samplesPerRecord}`,
        {
          field: `samplesPerRecord of signal ${i}`,
          offset: FIXED + ns * (16 + 80 + 8 * 5 + 80) + i * 8,
        },
      );
    }
    // a data signal without samples has no sampling rate (and would reach the resampler with length 0)
    if (!s.isAnnotation && s.samplesPerRecord === 0) {
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        file,
        `samples per record of data signal ${i} (${s.label}) must be ≥ 1, received 0`,
        {
          field: `samplesPerRecord of signal ${i}`,
          offset: FIXED + ns * (16 + 80 + 8 * 5 + 80) + i * 8,
        },
      );
    }
    signalOffsets.push(recordBytes);
    recordBytes += s.samplesPerRecord * bytesPerSample;
  });
  return {
    kind,
    variant,
    patientId: ascii(buf, 8, 80),
    recordingId: ascii(buf, 88, 80),
    startDate: parseStart(ascii(buf, 168, 8), ascii(buf, 176, 8)),
    headerBytes,
    nRecordsInHeader: nRecords,
    recordDuration,
    signals,
    bytesPerSample,
    recordBytes,
    signalOffsets,
  };
}
