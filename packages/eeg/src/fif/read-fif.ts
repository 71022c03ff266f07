/**
 * FIF raw reader (Neuromag/Elekta/MEGIN and MNE-written files), as `mne.io.read_raw_fif(path)` reads them:
 * measurement info (channel names, kinds, cal × range, sampling rate, date), raw data buffers (short, int,
 * float, double, dau_pack16; big-endian; samples × channels) with skips filled by zeros, and first_samp.
 * Values are data × cal × range (tesla, T/m, volts; stim in codes); SSP projectors are not applied (MNE's default
 * proj=False). MNE's annotation block is read (onsets from the first sample). Buffers are read on demand, so a window touches only the buffers it overlaps.
 * Split recordings (MNE's raw.save(split_size=...), Neuromag's 2 GB parts: name.fif, name-1.fif, ...) are followed
 * through each part's FIFFB_REF "next file" entry and read as one recording, as read_raw_fif does.
 */

import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FileFormatError } from '@concord/core';
import { cropAnnotations } from '../annotations.ts';
import { EEG_ERRORS } from '../errors.ts';
import { checkedFileSize, readExactly, withFd } from '../file-access.ts';
import { type Annotation, type ChannelType, type Projection, Raw, type RawInfo } from '../raw.ts';
import {
  FIFF,
  type FifBlock,
  type FifTag,
  findBlocks,
  readFifTree,
  readTagData,
  tagFloats,
  tagMatrix,
  tagNumber,
  tagString,
} from './tags.ts';

const KIND_TYPE: Record<number, ChannelType> = {
  2: 'eeg',
  3: 'stim',
  202: 'eog',
  302: 'emg',
  402: 'ecg',
  502: 'misc',
  602: 'resp',
  802: 'seeg',
  805: 'bio',
  900: 'syst',
  902: 'ecog',
  910: 'ias',
  920: 'exci',
  1000: 'dipole',
  1001: 'gof',
  301: 'ref_meg',
};
const UNIT_T = 112;
const UNIT_T_M = 201;
const UNIT_V = 107;

interface Buffer {
  /** The file (part of a split recording) the buffer is in. */
  path: string;
  /** First sample (relative to first_samp). */
  first: number;
  nsamp: number;
  /** null for a skip (zeros). */
  tag: FifTag | null;
}

interface ChannelInfo {
  name: string;
  type: ChannelType;
  cal: number;
  unit: number;
}

function readChInfo(view: DataView): ChannelInfo {
  const kind = view.getInt32(8);
  const range = view.getFloat32(12);
  const cal = view.getFloat32(16);
  const unit = view.getInt32(20 + 4 + 48);
  const nameBytes = new Uint8Array(view.buffer, view.byteOffset + 80, 16);
  const end = nameBytes.indexOf(0);
  const name = new TextDecoder('latin1').decode(nameBytes.subarray(0, end < 0 ? 16 : end));
  let type: ChannelType = KIND_TYPE[kind] ?? 'misc';
  if (kind === 1) type = unit === UNIT_T_M ? 'grad' : 'mag';
  return { name, type, cal: cal * range, unit };
}

/**
 * Skips stand for samples without bytes in the file, so a corrupt count would make a recording of any length: one
 * tag may skip at most 2^31 samples, and all skips together at most 1000 × the stored samples (or 10^6).
 */
const MAX_SKIP_SAMPLES = 2 ** 31;
const MAX_SKIP_RATIO = 1000;

const BYTES: Record<number, number> = {
  [FIFF.T_SHORT]: 2,
  [FIFF.T_DAU_PACK16]: 2,
  [FIFF.T_INT]: 4,
  [FIFF.T_FLOAT]: 4,
  [FIFF.T_DOUBLE]: 8,
};

export function readRawFif(path: string): Raw {
  const size = checkedFileSize(path, 'FIF file');
  return withFd(path, (fd) => {
    const tree = readFifTree(path, fd, size);
    const infoBlock = findBlocks(tree, FIFF.B_MEAS_INFO)[0];
    if (!infoBlock)
      throw new FileFormatError(EEG_ERRORS.badHeader, path, 'no measurement info block (FIFFB_MEAS_INFO)', {
        field: 'FIFFB_MEAS_INFO',
      });
    let nchan = -1;
    let sfreq = Number.NaN;
    let measDate: Date | null = null;
    let lowpass: number | undefined;
    let highpass: number | undefined;
    const chs: ChannelInfo[] = [];
    for (const t of infoBlock.tags) {
      if (t.kind === FIFF.NCHAN) nchan = tagNumber(path, fd, t);
      else if (t.kind === FIFF.SFREQ) sfreq = tagNumber(path, fd, t);
      else if (t.kind === FIFF.LOWPASS) lowpass = tagNumber(path, fd, t);
      else if (t.kind === FIFF.HIGHPASS) highpass = tagNumber(path, fd, t);
      else if (t.kind === FIFF.CH_INFO) {
        if (t.size < 96)
          throw new FileFormatError(EEG_ERRORS.badHeader, path, `channel info tag has ${t.size} bytes, expected 96`, {
            offset: t.dataPos,
            field: 'FIFF_CH_INFO',
          });
        chs.push(readChInfo(readTagData(path, fd, t)));
      } else if (t.kind === FIFF.MEAS_DATE && t.size >= 8) {
        const v = readTagData(path, fd, t);
        measDate = new Date(v.getInt32(0) * 1000 + Math.round(v.getInt32(4) / 1000));
      }
    }
    const projs = readProjections(path, fd, infoBlock);
    const bads = readBads(path, fd, infoBlock);
    if (nchan < 0)
      throw new FileFormatError(EEG_ERRORS.badHeader, path, 'no FIFF_NCHAN in the measurement info', {
        field: 'FIFF_NCHAN',
      });
    if (!(sfreq > 0 && Number.isFinite(sfreq)))
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `sampling frequency must be a finite number > 0, received ${sfreq}`,
        { field: 'FIFF_SFREQ' },
      );
    const badCal = chs.findIndex((c) => !Number.isFinite(c.cal));
    if (badCal >= 0)
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `channel ${chs[badCal].name}: calibration × range is ${chs[badCal].cal}, expected a finite number`,
        { field: 'FIFF_CH_INFO' },
      );
    if (chs.length !== nchan)
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `FIFF_NCHAN says ${nchan} channels, found ${chs.length} channel info tags`,
        { field: 'FIFF_CH_INFO' },
      );
    const dataBlock = rawDataBlock(tree);
    if (!dataBlock)
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        'no raw data block (FIFFB_RAW_DATA / FIFFB_CONTINUOUS_DATA): not a raw file',
        { field: 'FIFFB_RAW_DATA' },
      );
    const { buffers, firstSamp, nTimes: firstPartTimes } = layoutBuffers(path, fd, dataBlock, nchan, 0);
    const warnings: string[] = [];
    const nTimes = appendSplitParts(path, tree, buffers, firstPartTimes, nchan, warnings);
    const info: RawInfo = {
      chNames: chs.map((c) => c.name),
      chTypes: chs.map((c) => c.type),
      sfreq,
      units: chs.map((c) =>
        c.type === 'stim' ? '' : c.unit === UNIT_T ? 'T' : c.unit === UNIT_T_M ? 'T/m' : c.unit === UNIT_V ? 'V' : '',
      ),
      measDate,
      ...(lowpass !== undefined ? { lowpass } : {}),
      ...(highpass !== undefined ? { highpass } : {}),
      ...(projs.length > 0 ? { projs } : {}),
      ...(bads.length > 0 ? { bads } : {}),
    };
    const cals = chs.map((c) => c.cal);
    const stored = readAnnotations(path, fd, tree, measDate, firstSamp / sfreq);
    const cropped = cropAnnotations(stored, nTimes / sfreq);
    if (cropped.omitted > 0) warnings.push(`Omitted ${cropped.omitted} annotation(s) that were outside data range.`);
    return new Raw({
      info,
      nTimes,
      annotations: cropped.kept,
      warnings,
      format: 'fif',
      firstSamp,
      filename: path,
      reader: (channels, start, stop, out) => readWindow(buffers, nchan, cals, channels, start, stop, out),
    });
  });
}

/** SSP projection items of the measurement info (as mne.io.proj._read_proj). */
function readProjections(path: string, fd: number, info: FifBlock): Projection[] {
  const block = findBlocks(info, FIFF.B_PROJ)[0];
  if (!block) return [];
  return findBlocks(block, FIFF.B_PROJ_ITEM).map((item, k) => {
    const tag = (kind: number) => item.tags.find((t) => t.kind === kind);
    const need = (kind: number, what: string) => {
      const t = tag(kind);
      if (!t)
        throw new FileFormatError(EEG_ERRORS.badHeader, path, `projection item ${k}: ${what} is missing`, {
          field: 'FIFFB_PROJ_ITEM',
        });
      return t;
    };
    const descTag = tag(FIFF.DESCRIPTION) ?? tag(FIFF.NAME);
    const channels = tagString(path, fd, need(FIFF.PROJ_ITEM_CH_NAME_LIST, 'the channel list')).split(':');
    const nVectors = tagNumber(path, fd, need(FIFF.PROJ_ITEM_NVEC, 'the number of vectors'));
    let m = tagMatrix(path, fd, need(FIFF.PROJ_ITEM_VECTORS, 'the vectors'));
    // stored transposed by some writers (MNE accepts both)
    if (m.rows === channels.length && m.cols === nVectors && m.rows !== m.cols) {
      const t = new Float64Array(m.data.length);
      for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t[j * m.rows + i] = m.data[i * m.cols + j];
      m = { rows: m.cols, cols: m.rows, data: t };
    }
    if (m.cols !== channels.length)
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `projection item ${k}: ${m.cols} vector elements for ${channels.length} channel names`,
        { field: 'FIFF_PROJ_ITEM_VECTORS' },
      );
    const active = tag(FIFF.MNE_PROJ_ITEM_ACTIVE);
    return {
      description: descTag ? tagString(path, fd, descTag) : '',
      kind: tagNumber(path, fd, need(FIFF.PROJ_ITEM_KIND, 'the kind')),
      active: active ? tagNumber(path, fd, active) !== 0 : false,
      channels,
      nVectors: m.rows,
      vectors: m.data,
    };
  });
}

/** Channels marked bad (FIFFB_MNE_BAD_CHANNELS). */
function readBads(path: string, fd: number, info: FifBlock): string[] {
  const block = findBlocks(info, FIFF.B_MNE_BAD_CHANNELS)[0];
  const t = block?.tags.find((x) => x.kind === FIFF.MNE_CH_NAME_LIST);
  if (!t) return [];
  const text = tagString(path, fd, t);
  return text.length ? text.split(':') : [];
}

/**
 * MNE's annotations block (onsets and ends as float32, descriptions ':'-joined with '{COLON}' escapes). Stored
 * onsets count from orig_time when it is written (else from the first sample); ours count from the first sample.
 */
function readAnnotations(
  path: string,
  fd: number,
  tree: FifBlock,
  measDate: Date | null,
  firstTime: number,
): Annotation[] {
  const block = findBlocks(tree, FIFF.B_MNE_ANNOTATIONS)[0];
  if (!block) return [];
  let onsets: Float64Array = new Float64Array(0);
  let ends: Float64Array = new Float64Array(0);
  let descriptions: string[] = [];
  let origTime: number | null = null;
  for (const t of block.tags) {
    if (t.kind === FIFF.MNE_BASELINE_MIN) onsets = tagFloats(path, fd, t);
    else if (t.kind === FIFF.MNE_BASELINE_MAX) ends = tagFloats(path, fd, t);
    else if (t.kind === FIFF.COMMENT) {
      const text = tagString(path, fd, t);
      descriptions = text.length ? text.split(':').map((d) => d.replaceAll('{COLON}', ':')) : [];
    } else if (t.kind === FIFF.MEAS_DATE && t.type === FIFF.T_DOUBLE) {
      // (seconds, microseconds) as two doubles; one double in old files
      const v = tagFloats(path, fd, t);
      origTime = v[0] + (v.length > 1 ? v[1] / 1e6 : 0);
    }
  }
  if (onsets.length !== ends.length || onsets.length !== descriptions.length) {
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      path,
      `annotations block has ${onsets.length} onsets, ${ends.length} ends and ${descriptions.length} descriptions`,
      { field: 'FIFFB_MNE_ANNOTATIONS' },
    );
  }
  const shift = origTime !== null ? (measDate ? origTime - measDate.getTime() / 1000 : 0) - firstTime : 0;
  return Array.from(onsets, (o, i) => ({ onset: o + shift, duration: ends[i] - o, description: descriptions[i] }));
}

/**
 * The next part of a split recording, from the FIFFB_REF block whose role is "next file": the name it gives,
 * looked up beside this file (never elsewhere); if that is absent (a renamed set), MNE's convention
 * <base>-<number>.fif. undefined for the last part; { missing } when the part it names cannot be found.
 */
function nextPart(path: string, fd: number, tree: FifBlock): { path?: string; missing?: string } | undefined {
  for (const block of findBlocks(tree, FIFF.B_REF)) {
    let role = -1;
    let name: string | undefined;
    let num: number | undefined;
    for (const t of block.tags) {
      if (t.kind === FIFF.REF_ROLE) role = tagNumber(path, fd, t);
      else if (t.kind === FIFF.REF_FILE_NAME) name = tagString(path, fd, t);
      else if (t.kind === FIFF.REF_FILE_NUM) num = tagNumber(path, fd, t);
    }
    if (role !== FIFF.ROLE_NEXT_FILE) continue;
    const candidates: string[] = [];
    if (name) candidates.push(join(dirname(path), basename(name.replaceAll('\\', '/'))));
    if (num !== undefined)
      candidates.push(join(dirname(path), `${basename(path, '.fif').replace(/-\d+$/, '')}-${num}.fif`));
    const found = candidates.find((c) => c !== path && existsSync(c));
    return found ? { path: found } : { missing: candidates[0] ?? `part ${num}` };
  }
  return undefined;
}

/** The block holding the raw data buffers (raw, continuous or IAS raw data), if any. */
function rawDataBlock(tree: FifBlock): FifBlock | undefined {
  return [FIFF.B_RAW_DATA, FIFF.B_CONTINUOUS_DATA, FIFF.B_IAS_RAW_DATA]
    .map((k) => findBlocks(tree, k)[0])
    .find(Boolean);
}

/** Follow the parts after the first, appending their buffers; returns the total number of samples. */
function appendSplitParts(
  first: string,
  firstTree: FifBlock,
  buffers: Buffer[],
  firstPartTimes: number,
  nchan: number,
  warnings: string[],
): number {
  let nTimes = firstPartTimes;
  let current = first;
  let tree = firstTree;
  const seen = new Set([first]);
  for (;;) {
    const next = withFd(current, (fd) => nextPart(current, fd, tree));
    if (!next) return nTimes;
    if (!next.path) {
      // read_raw_fif warns and keeps what it has
      warnings.push(`split recording: the next part ${next.missing} was not found; reading the parts before it`);
      return nTimes;
    }
    const part = next.path;
    if (seen.has(part))
      throw new FileFormatError(EEG_ERRORS.badHeader, part, `split recording refers back to a part already read`, {
        field: 'FIFFB_REF',
      });
    seen.add(part);
    const size = checkedFileSize(part, 'FIF file (part of a split recording)');
    nTimes = withFd(part, (fd) => {
      tree = readFifTree(part, fd, size);
      const block = rawDataBlock(tree);
      if (!block)
        throw new FileFormatError(EEG_ERRORS.badHeader, part, 'no raw data block in this part of a split recording', {
          field: 'FIFFB_RAW_DATA',
        });
      const laid = layoutBuffers(part, fd, block, nchan, nTimes);
      buffers.push(...laid.buffers);
      return laid.nTimes;
    });
    current = part;
  }
}

function layoutBuffers(
  path: string,
  fd: number,
  block: FifBlock,
  nchan: number,
  startAt: number,
): { buffers: Buffer[]; firstSamp: number; nTimes: number } {
  const tags = block.tags;
  let k = 0;
  let firstSamp = 0;
  let firstSkip = 0;
  if (tags[k]?.kind === FIFF.FIRST_SAMPLE) firstSamp = tagNumber(path, fd, tags[k++]);
  if (tags[k]?.kind === FIFF.DATA_SKIP) firstSkip = tagNumber(path, fd, tags[k++]);
  let pos = startAt;
  let nskip = 0;
  const buffers: Buffer[] = [];
  for (; k < tags.length; k++) {
    const t = tags[k];
    if (t.kind === FIFF.DATA_SKIP) {
      nskip = tagNumber(path, fd, t);
      if (!(Number.isSafeInteger(nskip) && nskip >= 0 && nskip <= MAX_SKIP_SAMPLES))
        throw new FileFormatError(
          EEG_ERRORS.badHeader,
          path,
          `a skip of ${nskip} buffers (expected 0 to ${MAX_SKIP_SAMPLES})`,
          { offset: t.dataPos - 12, field: 'FIFF_DATA_SKIP' },
        );
    } else if (t.kind === FIFF.DATA_BUFFER) {
      const bytes = BYTES[t.type];
      if (bytes === undefined)
        throw new FileFormatError(
          EEG_ERRORS.unsupported,
          path,
          `data buffer of type ${t.type} is not supported (short, int, float, double, dau_pack16)`,
          { offset: t.dataPos - 12, field: 'FIFF_DATA_BUFFER' },
        );
      const nsamp = Math.floor(t.size / (bytes * nchan));
      if (nsamp * bytes * nchan !== t.size) {
        throw new FileFormatError(
          EEG_ERRORS.badHeader,
          path,
          `data buffer of ${t.size} bytes is not a whole number of ${nchan}-channel samples`,
          { offset: t.dataPos - 8, field: 'tag size' },
        );
      }
      if (firstSkip > 0) {
        firstSamp += nsamp * firstSkip;
        firstSkip = 0;
      }
      if (nskip > 0) {
        buffers.push({ path, first: pos, nsamp: nskip * nsamp, tag: null });
        pos += nskip * nsamp;
        nskip = 0;
      }
      buffers.push({ path, first: pos, nsamp, tag: t });
      pos += nsamp;
    } else if (t.kind === FIFF.DATA_SKIP_SAMP) {
      const n = tagNumber(path, fd, t);
      if (!(Number.isSafeInteger(n) && n >= 0 && n <= MAX_SKIP_SAMPLES))
        throw new FileFormatError(
          EEG_ERRORS.badHeader,
          path,
          `a skip of ${n} samples (expected 0 to ${MAX_SKIP_SAMPLES})`,
          { offset: t.dataPos - 12, field: 'FIFF_DATA_SKIP_SAMP' },
        );
      buffers.push({ path, first: pos, nsamp: n, tag: null });
      pos += n;
    }
  }
  const stored = buffers.reduce((n, b) => n + (b.tag ? b.nsamp : 0), 0);
  if (pos - stored > Math.max(1e6, MAX_SKIP_RATIO * stored))
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      path,
      `skips add ${pos - stored} samples to the ${stored} stored (at most ${MAX_SKIP_RATIO}× the stored samples or 10^6)`,
      { field: 'FIFF_DATA_SKIP' },
    );
  return { buffers, firstSamp, nTimes: pos };
}

function readWindow(
  buffers: Buffer[],
  nchan: number,
  cals: number[],
  channels: readonly number[],
  start: number,
  stop: number,
  out: Float64Array,
): void {
  const len = stop - start;
  out.fill(0);
  const wanted = buffers.filter((b) => b.first + b.nsamp > start && b.first < stop && b.tag !== null);
  // one open per part of a split recording
  for (const path of new Set(wanted.map((b) => b.path)))
    readWindowOfPart(
      path,
      wanted.filter((b) => b.path === path),
    );

  function readWindowOfPart(path: string, partBuffers: Buffer[]): void {
    withFd(path, (fd) => {
      for (const b of partBuffers) {
        const b0 = b.first;
        const b1 = b.first + b.nsamp;
        if (b.tag === null) continue;
        const bytes = BYTES[b.tag.type];
        const buf = new Uint8Array(b.tag.size);
        readExactly(fd, path, buf, 0, b.tag.size, b.tag.dataPos);
        const view = new DataView(buf.buffer);
        const get =
          b.tag.type === FIFF.T_FLOAT
            ? (at: number) => view.getFloat32(at)
            : b.tag.type === FIFF.T_DOUBLE
              ? (at: number) => view.getFloat64(at)
              : b.tag.type === FIFF.T_INT
                ? (at: number) => view.getInt32(at)
                : (at: number) => view.getInt16(at);
        const t0 = Math.max(start, b0);
        const t1 = Math.min(stop, b1);
        for (let k = 0; k < channels.length; k++) {
          const c = channels[k];
          const cal = cals[c];
          for (let t = t0; t < t1; t++) {
            const v = get(((t - b0) * nchan + c) * bytes) * cal;
            // float buffers can hold NaN/infinity in a corrupt file: not data
            if (!Number.isFinite(v))
              throw new FileFormatError(
                EEG_ERRORS.badHeader,
                path,
                `sample ${t} of channel ${c} is ${v}; samples must be finite`,
                { offset: b.tag.dataPos + ((t - b0) * nchan + c) * bytes, field: 'FIFF_DATA_BUFFER' },
              );
            out[k * len + t - start] = v;
          }
        }
      }
    });
  }
}
