/**
 * Events as MNE represents them: rows of [sample, previous value, event code] (`Int32Array` of n × 3, row-major).
 * `findEvents` reads stim channels like `mne.find_events`; `eventsFromAnnotations` like
 * `mne.events_from_annotations`; `readEvents` reads .eve text and FIF event files like `mne.read_events`.
 */
import { readFileSync } from 'node:fs';
import { checkChoice, FileFormatError, ParameterError } from '@concord/core';
import { EEG_ERRORS } from './errors.ts';
import { FIFF, findBlocks, readFifTree, tagInts, tagString } from './fif/tags.ts';
import { checkedFileSize, withFd } from './file-access.ts';
import type { Annotation, Picks, Raw } from './raw.ts';

/** n × 3 events: [sample, previous value, code] per row. */
export type Events = number[][];

export interface FindEventsOptions {
  /** Stim channel(s); default every channel of type 'stim'. */
  stimChannel?: Picks;
  /** 'onset' (default), 'offset' or 'step', as MNE. */
  output?: 'onset' | 'offset' | 'step';
  /** true, false or 'increasing' (default): whether a change between two non-zero codes starts an event. */
  consecutive?: boolean | 'increasing';
  /** Seconds; steps closer than this are merged (MNE min_duration). */
  minDuration?: number;
  /** Minimum samples between events before MNE's sanity check fails (default 2). */
  shortestEvent?: number;
  /** Bit mask applied to the codes. */
  mask?: number;
  maskType?: 'and' | 'not_and';
  /** Cast codes to uint16 first. */
  uintCast?: boolean;
  /** Report an event at the first sample if the channel starts non-zero (default false, as MNE). */
  initialEvent?: boolean;
}

/** MNE's `_find_stim_steps(data, first_samp, pad_stop=0, merge)`: every change, plus a final step back to 0. */
function stimSteps(d: Float64Array, firstSamp: number, merge: number): Events {
  const n = d.length;
  let steps: Events = [];
  for (let i = 0; i + 1 < n; i++) if (d[i + 1] !== d[i]) steps.push([i + 1 + firstSamp, d[i], d[i + 1]]);
  if (steps.length === 0) return steps;
  const last = steps[steps.length - 1][2];
  if (last !== 0) steps.push([n + firstSamp, last, 0]);
  if (merge !== 0 && steps.length > 1) {
    const close: boolean[] = [];
    for (let i = 0; i + 1 < steps.length; i++) close.push(steps[i + 1][0] - steps[i][0] <= Math.abs(merge));
    if (close.some(Boolean)) {
      // merge > 0: drop the earlier of two close steps, carrying its previous value forward
      const keep = [...close.map((c) => !c), true];
      // numpy's vectorised assignment reads the original values (no chaining through runs of close steps)
      const pre = steps.map((st) => st[1]);
      for (let i = 0; i < close.length; i++) if (close[i]) steps[i + 1][1] = pre[i];
      steps = steps.filter((st, i) => keep[i] && st[1] !== st[2]);
    }
  }
  return steps;
}

/** MNE's `_find_events` for one channel. */
function stepsOf(data: Float64Array, firstSamp: number, o: FindEventsOptions, sfreq: number): Events {
  const n = data.length;
  const d = new Float64Array(n);
  let negative = false;
  for (let i = 0; i < n; i++) {
    let v = Math.trunc(data[i]);
    if (o.uintCast) v = ((v % 65536) + 65536) % 65536;
    if (v < 0) negative = true;
    d[i] = v;
  }
  if (negative) for (let i = 0; i < n; i++) d[i] = Math.abs(d[i]);
  const minSamples = (o.minDuration ?? 0) * sfreq;
  let merge = 0;
  if (minSamples > 0) {
    merge = Math.floor(minSamples);
    if (merge === minSamples) merge -= 1;
  }
  let steps = stimSteps(d, firstSamp, merge);
  if (n > 0 && d[0] !== 0 && o.initialEvent) steps.unshift([firstSamp, 0, d[0]]);
  if (o.mask !== undefined && steps.length > 0) {
    const m = BigInt(o.mask);
    const apply = (v: number) => Number(o.maskType === 'not_and' ? BigInt(v) & ~m : BigInt(v) & m);
    steps = steps.map((st) => [st[0], apply(st[1]), apply(st[2])]).filter((st) => st[1] !== st[2]);
  }
  const consecutive = o.consecutive ?? 'increasing';
  const onsets = steps.map((st) =>
    consecutive === 'increasing' ? st[2] > st[1] : consecutive ? st[2] > 0 : st[1] === 0,
  );
  const offsets = steps.map((st, i) =>
    consecutive === 'increasing' ? (onsets[i] || st[2] === 0) && st[1] > 0 : consecutive ? st[1] > 0 : st[2] === 0,
  );
  let onIdx = steps.map((_, i) => i).filter((i) => onsets[i]);
  let offIdx = steps.map((_, i) => i).filter((i) => offsets[i]);
  if (onIdx.length === 0 || offIdx.length === 0) return [];
  // orphaned offset at the start, orphaned onset at the end (as MNE)
  if (onIdx[0] > offIdx[0]) offIdx = offIdx.slice(1);
  if (onIdx[onIdx.length - 1] > offIdx[offIdx.length - 1]) onIdx = onIdx.slice(0, -1);
  const output = o.output ?? 'onset';
  if (output === 'onset') return onIdx.map((i) => [...steps[i]]);
  if (output === 'step') return [...new Set([...onIdx, ...offIdx])].sort((a, b) => a - b).map((i) => [...steps[i]]);
  // offset: [last sample of the event, value after it, the code of the matching onset]
  if (onIdx.length !== offIdx.length) {
    // MNE fails here too (a broadcasting ValueError); say why instead
    throw new ParameterError(
      EEG_ERRORS.badParameter,
      'output',
      `'offset' needs onsets and offsets to pair up; found ${onIdx.length} onsets and ${offIdx.length} offsets (try consecutive: false or a different minDuration)`,
    );
  }
  return offIdx.map((i, k) => [steps[i][0] - 1, steps[i][2], steps[onIdx[k]]?.[2] ?? 0]);
}

/** Events from stim channels, as `mne.find_events(raw, ...)`. */
export function findEvents(raw: Raw, options: FindEventsOptions = {}): Events {
  if (options.output !== undefined)
    checkChoice('output', options.output, ['onset', 'offset', 'step'] as const, EEG_ERRORS.badParameter);
  if (options.maskType !== undefined)
    checkChoice('maskType', options.maskType, ['and', 'not_and'] as const, EEG_ERRORS.badParameter);
  const picks = raw.pickIndices(options.stimChannel ?? 'stim');
  if (picks.length === 0)
    throw new ParameterError(
      EEG_ERRORS.badParameter,
      'stimChannel',
      `the recording has no stim channel; name one (channels: ${raw.info.chNames.slice(0, 10).join(', ')}${raw.nChannels > 10 ? ', ...' : ''})`,
    );
  const shortest = options.shortestEvent ?? 2;
  const all: Events = [];
  for (const p of picks) {
    const data = raw.getData({ picks: [p] }).data as Float64Array;
    const ev = stepsOf(data, raw.firstSamp, options, raw.info.sfreq);
    let short = 0;
    for (let i = 0; i + 1 < ev.length; i++) if (ev[i + 1][0] - ev[i][0] < shortest) short++;
    if (short > 0) {
      throw new ParameterError(
        EEG_ERRORS.badParameter,
        'shortestEvent',
        `${short} events are shorter than shortestEvent=${shortest} samples; set minDuration to merge them (as MNE asks)`,
      );
    }
    all.push(...ev);
  }
  const seen = new Set<string>();
  const unique = all.filter((e) => {
    const k = e.join(',');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.sort((a, b) => a[0] - b[0]);
}

/** Map descriptions to codes: MNE's default (sorted descriptions → 1, 2, ...) unless given. */
export type EventIdFunction = (descriptions: string[]) => Record<string, number>;

export function defaultEventId(descriptions: string[]): Record<string, number> {
  return Object.fromEntries([...new Set(descriptions)].sort().map((d, i) => [d, i + 1]));
}

const BV_OTHER: Record<string, number> = { 'New Segment/': 99999, 'SyncStatus/Sync On': 99998 };
const BV_OFFSETS: [string, number][] = [
  ['Event/', 0],
  ['Stimulus/S', 0],
  ['Response/R', 1000],
  ['Optic/O', 2000],
];

/** MNE's BrainVision event codes: 'Stimulus/S 12' → 12, 'Response/R 3' → 1003, 'Optic/O 1' → 2001, others 10001.... */
export function brainVisionEventId(descriptions: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  let next = 10001;
  for (const d of [...new Set(descriptions)].sort()) {
    if (d in BV_OTHER) {
      out[d] = BV_OTHER[d];
      continue;
    }
    const hit = BV_OFFSETS.find(([p]) => d.startsWith(p) && /^\s*\d+\s*$/.test(d.slice(p.length)));
    out[d] = hit ? Number(d.slice(hit[0].length)) + hit[1] : next++;
  }
  return out;
}

/** Events from annotations, as `mne.events_from_annotations(raw)`: sample = round(onset · sfreq) + firstSamp. */
export function eventsFromAnnotations(
  raw: Pick<Raw, 'annotations' | 'info' | 'firstSamp' | 'format'>,
  options: { eventId?: Record<string, number> | EventIdFunction } = {},
): { events: Events; eventId: Record<string, number> } {
  const ann: Annotation[] = raw.annotations;
  const descriptions = ann.map((a) => a.description);
  const idOption = options.eventId ?? (raw.format === 'brainvision' ? brainVisionEventId : defaultEventId);
  const eventId = typeof idOption === 'function' ? idOption(descriptions) : idOption;
  const events: Events = [];
  for (const a of ann) {
    if (!(a.description in eventId)) continue;
    events.push([Math.round(a.onset * raw.info.sfreq) + raw.firstSamp, 0, eventId[a.description]]);
  }
  return { events, eventId: Object.fromEntries(Object.entries(eventId).filter(([k]) => descriptions.includes(k))) };
}

/** Read events from a .eve/.txt text file (3 or 4 columns; the time column is dropped) or a FIF event file. */
export function readEvents(path: string): { events: Events; eventId: Record<string, number> | null } {
  const size = checkedFileSize(path, 'event file');
  if (/\.fif(\.gz)?$/i.test(path)) return readFifEvents(path, size);
  const lines = readFileSync(path, 'latin1').split(/\r?\n/);
  const events: Events = [];
  let width = -1;
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const cols = t.split(/\s+/).map(Number);
    if (cols.some((c) => !Number.isFinite(c)) || (cols.length !== 3 && cols.length !== 4)) {
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `line ${i + 1}: expected 3 or 4 numeric columns, received ${JSON.stringify(t.slice(0, 60))}`,
        { field: `line ${i + 1}` },
      );
    }
    if (width >= 0 && cols.length !== width)
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `line ${i + 1} has ${cols.length} columns, earlier lines ${width}`,
        { field: `line ${i + 1}` },
      );
    width = cols.length;
    const row = cols.length === 4 ? [cols[0], cols[2], cols[3]] : cols;
    events.push(row.map((v) => Math.trunc(v)));
  });
  return { events, eventId: null };
}

function readFifEvents(path: string, size: number): { events: Events; eventId: Record<string, number> | null } {
  return withFd(path, (fd) => {
    const tree = readFifTree(path, fd, size);
    const blocks = findBlocks(tree, FIFF.B_MNE_EVENTS);
    const block = blocks[0];
    const listTag = block?.tags.find((t) => t.kind === FIFF.MNE_EVENT_LIST);
    if (!block || !listTag)
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        'no event list (FIFF_MNE_EVENT_LIST in a FIFFB_MNE_EVENTS block) found',
        { field: 'FIFFB_MNE_EVENTS' },
      );
    const flat = tagInts(path, fd, listTag);
    if (flat.length % 3 !== 0)
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `event list has ${flat.length} integers, not a multiple of 3`,
        { offset: listTag.dataPos },
      );
    const events: Events = [];
    for (let i = 0; i < flat.length; i += 3) events.push([flat[i], flat[i + 1], flat[i + 2]]);
    let eventId: Record<string, number> | null = null;
    for (const t of block.tags) {
      if (t.kind === FIFF.DESCRIPTION) {
        // "name:code;name:code" (names may contain ':'; the code follows the last one)
        eventId = {};
        for (const part of tagString(path, fd, t).split(';')) {
          const k = part.lastIndexOf(':');
          if (k > 0) eventId[part.slice(0, k)] = Number(part.slice(k + 1));
        }
        break;
      }
      if (t.kind === FIFF.MNE_EVENT_COMMENTS) {
        const names = tagString(path, fd, t).split('\x00').slice(0, -1);
        eventId = Object.fromEntries(names.map((nm, i) => [nm, events[i]?.[2] ?? 0]));
        break;
      }
    }
    return { events, eventId };
  });
}
