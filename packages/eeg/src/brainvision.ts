/**
 * BrainVision reader (.vhdr/.vmrk/.eeg and the V-Amp .ahdr/.amrk variant), as MNE 1.3 reads it: INT_16, INT_32 or
 * IEEE_FLOAT_32 samples, MULTIPLEXED or VECTORIZED, per-channel resolution × unit (V, mV, µV/uV, nV; an empty unit
 * means µV); channels with a non-voltage unit are 'misc' (µS, S, C: SI-scaled; others, e.g. ARU: resolution only); with a [Coordinates]
 * section, channels at radius 0 are 'misc' (as MNE types them). Markers become annotations 'Type/Description' at
 * (position − 1) / sfreq lasting size / sfreq (a size that is not a plain integer is 0, as in MNE). Header text is
 * decoded in the codepage a `Codepage=` line names (ANSI = Windows-1252), UTF-8 when none is named, latin-1 when the
 * bytes are invalid in that encoding; keys and section names are case-insensitive, ':' works as '=' (configparser).
 * Float samples that are NaN or infinite are a corrupt file (typed error), as are resolutions or sampling
 * intervals that make the scaling or the rate non-finite.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { FileFormatError } from '@concord/core';
import { cropAnnotations } from './annotations.ts';
import { EEG_ERRORS } from './errors.ts';
import { checkedFileSize, readExactly, withFd } from './file-access.ts';
import { type Annotation, type ChannelType, Raw, type RawInfo } from './raw.ts';

type Sections = Map<string, Map<string, string>>;

const FORMATS = { INT_16: 2, INT_32: 4, IEEE_FLOAT_32: 4 } as const;
type BinaryFormat = keyof typeof FORMATS;
const PREFIX: Record<string, number> = { '': 1, m: 1e-3, µ: 1e-6, μ: 1e-6, u: 1e-6, n: 1e-9 };

/** Scale to SI and base unit of a BrainVision unit ('µV' → 1e-6 'V', 'µS' → 1e-6 'S'); an empty unit means µV. */
function parseUnit(unit: string): { scale: number; base: string } {
  if (unit === '') return { scale: 1e-6, base: 'V' };
  const m = /^([mµμun]?)(V|S|C)$/.exec(unit);
  if (m) return { scale: PREFIX[m[1]], base: m[2] };
  return { scale: 1, base: unit };
}
const CHUNK_BYTES = 8 << 20;

/**
 * Header text as MNE decodes it: the codepage named by a `Codepage=` line (ANSI = Windows-1252), UTF-8 when none
 * is named, and latin-1 when the bytes are not valid in that encoding (older recordings).
 */
function decodeText(bytes: Uint8Array): string {
  const probe = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 1 << 16)));
  const declared = /Codepage=(.+)/.exec(probe)?.[1].trim() ?? 'UTF-8';
  const label = declared.toUpperCase() === 'ANSI' ? 'windows-1252' : declared;
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch {
    // an unknown codepage label or bytes invalid in it: latin-1, which decodes anything
    return new TextDecoder('latin1').decode(bytes);
  }
}

function readText(path: string, what: string): string {
  const size = checkedFileSize(path, what);
  return withFd(path, (fd) => {
    const buf = new Uint8Array(size);
    readExactly(fd, path, buf, 0, size, 0);
    return decodeText(buf);
  });
}

/**
 * INI sections as MNE reads them through Python's configparser: keys are case-insensitive ('DataFile' =
 * 'datafile'), '=' or ':' separates a key from its value, both trimmed, lines starting with ';' or '#' are
 * comments, and everything from '[Comment]' on is free text. Section names are matched case-insensitively too
 * (MNE accepts 'Common infos' from NeurOne exports and finds '[Marker Infos]' in any case).
 */
function parseIni(text: string): { firstLine: string; sections: Sections } {
  const sections: Sections = new Map();
  let current: Map<string, string> | undefined;
  const commentAt = text.indexOf('[Comment]');
  const lines = (commentAt >= 0 ? text.slice(0, commentAt) : text).split(/\r?\n|\r/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      const name = sec[1].trim().toLowerCase();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.search(/[=:]/);
    if (current && eq > 0) {
      const key = line.slice(0, eq).trim().toLowerCase();
      if (!current.has(key)) current.set(key, line.slice(eq + 1).trim());
    }
  }
  return { firstLine: text.split(/\r?\n|\r/, 1)[0]?.trim() ?? '', sections };
}

function field(path: string, sections: Sections, section: string, key: string, required: true): string;
function field(path: string, sections: Sections, section: string, key: string, required: boolean): string | undefined;
function field(path: string, sections: Sections, section: string, key: string, required: boolean): string | undefined {
  const v = sections.get(section.toLowerCase())?.get(key.toLowerCase());
  if (v === undefined && required)
    throw new FileFormatError(EEG_ERRORS.badHeader, path, `missing ${key}= in [${section}]`, {
      field: `${section}.${key}`,
    });
  return v?.trim();
}

function positiveNumber(path: string, text: string | undefined, fieldName: string, integer: boolean): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      path,
      `expected a positive ${integer ? 'integer' : 'number'}, received ${JSON.stringify(text)}`,
      { field: fieldName },
    );
  }
  return n;
}

/** Split a comma-separated entry; "\1" encodes a comma inside a field. */
function splitFields(v: string): string[] {
  return v.split(',').map((s) => s.replaceAll('\\1', ','));
}

function parseSegmentDate(s: string | undefined): Date | null {
  const m = s ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d{6})$/.exec(s.trim()) : null;
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], Math.floor(+m[7] / 1000));
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** The `Mk<n>=` lines of the [Marker Infos] section (any case), as MNE finds them. */
function markerLines(text: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  let inside = false;
  for (const raw of text.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (/^\[.*\]$/.test(line)) {
      inside = line.toLowerCase() === '[marker infos]';
      continue;
    }
    const m = inside ? /^(Mk\d+)=(.*)$/.exec(line) : null;
    if (m) out.push({ key: m[1], value: m[2] });
  }
  return out;
}

function readMarkers(path: string, sfreq: number): { annotations: Annotation[]; measDate: Date | null } {
  const annotations: Annotation[] = [];
  let measDate: Date | null = null;
  for (const { key, value } of markerLines(readText(path, 'BrainVision marker file'))) {
    const f = splitFields(value);
    const position = Number(f[2]);
    if (!Number.isFinite(position))
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `marker position must be a number, received ${JSON.stringify(f[2])}`,
        { field: `Marker Infos.${key}` },
      );
    // MNE: a size that is not a plain non-negative integer is 0
    const size = f[3] !== undefined && /^\d+$/.test(f[3]) ? Number(f[3]) : 0;
    if (f[0] === 'New Segment' && measDate === null) measDate = parseSegmentDate(f[5]);
    annotations.push({
      onset: (position - 1) / sfreq,
      duration: size / sfreq,
      description: `${f[0]}/${f[1] ?? ''}`,
    });
  }
  return { annotations, measDate };
}

/** Read a BrainVision recording from its header (.vhdr or .ahdr). */
export function readRawBrainVision(path: string): Raw {
  const { firstLine, sections } = parseIni(readText(path, 'BrainVision header'));
  const warnings: string[] = [];
  // MNE only warns about an unknown identification line (other software writes its own)
  if (!/^Brain ?Vision/i.test(firstLine))
    warnings.push(
      `unknown identification line ${JSON.stringify(firstLine.slice(0, 60))}; read as a BrainVision header`,
    );
  const isVamp = extname(path).toLowerCase() === '.ahdr';
  const dir = dirname(path);
  const dataFormat = field(path, sections, 'Common Infos', 'DataFormat', false) ?? 'BINARY';
  if (dataFormat.toUpperCase() !== 'BINARY') {
    throw new FileFormatError(
      EEG_ERRORS.unsupported,
      path,
      `DataFormat ${JSON.stringify(dataFormat)} is not supported (only BINARY)`,
      { field: 'Common Infos.DataFormat' },
    );
  }
  const orientation = (field(path, sections, 'Common Infos', 'DataOrientation', false) ?? 'MULTIPLEXED').toUpperCase();
  if (orientation !== 'MULTIPLEXED' && orientation !== 'VECTORIZED') {
    throw new FileFormatError(
      EEG_ERRORS.unsupported,
      path,
      `DataOrientation must be MULTIPLEXED or VECTORIZED, received ${JSON.stringify(orientation)}`,
      { field: 'Common Infos.DataOrientation' },
    );
  }
  const nch = positiveNumber(
    path,
    field(path, sections, 'Common Infos', 'NumberOfChannels', true),
    'Common Infos.NumberOfChannels',
    true,
  );
  const interval = positiveNumber(
    path,
    field(path, sections, 'Common Infos', 'SamplingInterval', true),
    'Common Infos.SamplingInterval',
    false,
  );
  const sfreq = 1e6 / interval;
  if (!Number.isFinite(sfreq))
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      path,
      `SamplingInterval=${interval} µs gives a sampling rate of ${sfreq} Hz`,
      { field: 'Common Infos.SamplingInterval' },
    );
  const formatName = (field(path, sections, 'Binary Infos', 'BinaryFormat', true) ?? '').toUpperCase();
  if (!(formatName in FORMATS)) {
    throw new FileFormatError(
      EEG_ERRORS.unsupported,
      path,
      `BinaryFormat must be one of ${Object.keys(FORMATS).join(', ')}, received ${JSON.stringify(formatName)}`,
      { field: 'Binary Infos.BinaryFormat' },
    );
  }
  const format = formatName as BinaryFormat;
  const bps = FORMATS[format];
  const dataName = field(path, sections, 'Common Infos', 'DataFile', true);
  const dataPath = join(dir, dataName);
  if (!existsSync(dataPath)) {
    throw new FileFormatError(
      EEG_ERRORS.missingCompanion,
      path,
      `data file ${JSON.stringify(dataName)} named by DataFile= does not exist (looked for ${dataPath})`,
      { field: 'Common Infos.DataFile' },
    );
  }
  const dataSize = checkedFileSize(dataPath, 'BrainVision data file');
  // V-Amp files store one extra (marker) column after the announced channels
  const stored = isVamp ? nch + 1 : nch;
  const frameBytes = stored * bps;
  // MNE counts samples from the data file size (Analyzer exports may announce more DataPoints than they hold)
  const nTimes = Math.floor(dataSize / frameBytes);
  const dpText = field(path, sections, 'Common Infos', 'DataPoints', false);
  if (dpText === undefined || dpText === '')
    warnings.push('No info on DataPoints found. Inferring number of samples from the data file size.');
  else if (Number(dpText) !== nTimes)
    warnings.push(
      `DataPoints=${dpText} disagrees with the data file (${nTimes} samples of ${frameBytes} bytes); using the file size, as MNE does`,
    );
  if (dataSize % frameBytes !== 0)
    warnings.push(
      `data file size ${dataSize} is not a multiple of ${frameBytes} bytes per sample; the trailing ${dataSize % frameBytes} bytes are ignored`,
    );

  const chInfos = sections.get('channel infos');
  const coords = sections.get('coordinates');
  const chNames: string[] = [];
  const chTypes: ChannelType[] = [];
  const units: string[] = [];
  const scales: number[] = [];
  for (let i = 1; i <= nch; i++) {
    const entry = chInfos?.get(`ch${i}`);
    if (entry === undefined)
      throw new FileFormatError(EEG_ERRORS.badHeader, path, `missing Ch${i}= (NumberOfChannels=${nch})`, {
        field: `Channel Infos.Ch${i}`,
      });
    const f = splitFields(entry);
    const resText = (f[2] ?? '').trim();
    const resolution = resText === '' ? 1 : Number(resText);
    // the largest INT_32 sample times the resolution must stay finite
    if (!Number.isFinite(resolution * 2 ** 31))
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `resolution must be a finite number, received ${JSON.stringify(resText)}`,
        { field: `Channel Infos.Ch${i}` },
      );
    // MNE drops stray 0xC2 bytes (the first half of a UTF-8 'µ' read as latin-1)
    const unit = (f[3] ?? '').trim().replaceAll('\xc2', '');
    const { scale: unitScale, base } = parseUnit(unit);
    let type: ChannelType = base === 'V' ? 'eeg' : 'misc';
    if (coords && type === 'eeg') {
      const c = coords.get(`ch${i}`);
      if (c === undefined || Number(splitFields(c)[0]) === 0) type = 'misc';
    }
    chNames.push(f[0]);
    chTypes.push(type);
    units.push(base);
    scales.push(resolution * unitScale);
  }
  const markerName = field(path, sections, 'Common Infos', 'MarkerFile', false);
  let annotations: Annotation[] = [];
  let measDate: Date | null = null;
  if (markerName) {
    const markerPath = join(dir, markerName);
    if (!existsSync(markerPath)) {
      throw new FileFormatError(
        EEG_ERRORS.missingCompanion,
        path,
        `marker file ${JSON.stringify(markerName)} named by MarkerFile= does not exist (looked for ${markerPath})`,
        { field: 'Common Infos.MarkerFile' },
      );
    }
    const m = readMarkers(markerPath, sfreq);
    const cropped = cropAnnotations(m.annotations, nTimes / sfreq);
    annotations = cropped.kept;
    measDate = m.measDate;
    if (cropped.omitted > 0) warnings.push(`Omitted ${cropped.omitted} annotation(s) that were outside data range.`);
  }
  const info: RawInfo = { chNames, chTypes, sfreq, units, measDate };
  return new Raw({
    info,
    nTimes,
    annotations,
    format: 'brainvision',
    warnings,
    filename: path,
    reader: (channels, start, stop, out) => {
      const read = sampleDecoder(format);
      const len = stop - start;
      // float samples can be NaN or infinite in a corrupt file (integers times a finite resolution cannot)
      const isFloat = format === 'IEEE_FLOAT_32';
      const checkFinite = (
        values: Float64Array,
        from: number,
        n: number,
        offsetOf: (t: number) => number,
        ch: number,
      ) => {
        for (let t = 0; t < n; t++) {
          if (!Number.isFinite(values[from + t]))
            throw new FileFormatError(
              EEG_ERRORS.badHeader,
              dataPath,
              `sample of channel ${chNames[ch]} is ${values[from + t]}; samples must be finite`,
              { offset: offsetOf(t), field: 'samples' },
            );
        }
      };
      withFd(dataPath, (fd) => {
        if (orientation === 'VECTORIZED') {
          const buf = new Uint8Array(len * bps);
          const view = new DataView(buf.buffer);
          for (let k = 0; k < channels.length; k++) {
            const ch = channels[k];
            readExactly(fd, dataPath, buf, 0, len * bps, (ch * nTimes + start) * bps);
            const s = scales[ch];
            for (let t = 0; t < len; t++) out[k * len + t] = read(view, t * bps) * s;
            if (isFloat) checkFinite(out, k * len, len, (t) => (ch * nTimes + start + t) * bps, ch);
          }
          return;
        }
        const framesPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / frameBytes));
        const buf = new Uint8Array(Math.min(len, framesPerChunk) * frameBytes);
        const view = new DataView(buf.buffer);
        for (let t0 = start; t0 < stop; t0 += framesPerChunk) {
          const t1 = Math.min(stop, t0 + framesPerChunk);
          readExactly(fd, dataPath, buf, 0, (t1 - t0) * frameBytes, t0 * frameBytes);
          for (let k = 0; k < channels.length; k++) {
            const ch = channels[k];
            const s = scales[ch];
            const rowBase = k * len - start;
            for (let t = t0; t < t1; t++) out[rowBase + t] = read(view, (t - t0) * frameBytes + ch * bps) * s;
            if (isFloat) checkFinite(out, rowBase + t0, t1 - t0, (t) => (t0 + t) * frameBytes + ch * bps, ch);
          }
        }
      });
    },
  });
}

function sampleDecoder(format: BinaryFormat): (view: DataView, at: number) => number {
  switch (format) {
    case 'INT_16':
      return (v, at) => v.getInt16(at, true);
    case 'INT_32':
      return (v, at) => v.getInt32(at, true);
    default:
      return (v, at) => v.getFloat32(at, true);
  }
}
