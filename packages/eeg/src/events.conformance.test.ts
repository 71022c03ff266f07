/** Events against MNE 1.3: find_events on stim channels, events_from_annotations, read_events (.eve and FIF). */
import { readdirSync, readFileSync } from 'node:fs';
import { Matrix } from '@concord/core';
import { defined, describeWithSharedData, sharedData } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { eventsFromAnnotations, findEvents, readEvents } from './events.ts';
import { loadMneReference } from './mne-reference.ts';
import { Raw } from './raw.ts';
import { readRaw } from './read-raw.ts';

describeWithSharedData(['eeg'], 'events match MNE 1.3', () => {
  for (const parts of [
    ['mne-python', 'edf', 'test.edf'],
    ['mne-python', 'edf', 'test.bdf'],
    ['mne-python', 'edf', 'test_bdf_stim_channel.bdf'],
  ]) {
    it(`find_events(raw, shortest_event=1, initial_event=True): ${parts.join('/')}`, () => {
      const path = sharedData('eeg', ...parts);
      const ref = loadMneReference(path);
      expect(ref.events_find_events?.call).toContain('shortest_event=1, initial_event=True');
      expect(findEvents(readRaw(path), { shortestEvent: 1, initialEvent: true })).toEqual(
        defined(ref.events_find_events).events,
      );
    });
  }

  const withAnnotations = [
    ['mne-python', 'edf', 'test.edf'],
    ['mne-testing-data', 'EDF', 'subsecond_starttime.edf'],
    ['mne-python', 'brainvision', 'test.vhdr'],
    ['mne-python', 'brainvision', 'testv2.vhdr'],
    ['mne-testing-data', 'Brainvision', 'Analyzer_nV_Export.vhdr'],
  ];
  for (const parts of withAnnotations) {
    it(`events_from_annotations: ${parts.join('/')}`, () => {
      const path = sharedData('eeg', ...parts);
      const ref = loadMneReference(path);
      const { events, eventId } = eventsFromAnnotations(readRaw(path));
      expect(eventId).toEqual(defined(ref.events_from_annotations).event_id);
      expect(events).toEqual(defined(ref.events_from_annotations).events);
    });
  }

  const dir = sharedData('eeg', 'mne-python', 'events');
  for (const name of readdirSync(dir).filter((f) => !f.endsWith('.json'))) {
    it(`read_events: ${name}`, () => {
      const ref = JSON.parse(readFileSync(`${dir}/${name}.mne.json`, 'utf8'));
      const { events, eventId } = readEvents(`${dir}/${name}`);
      expect(events).toEqual(ref.events);
      if (ref.event_id) expect(eventId).toEqual(ref.event_id);
    });
  }
});

describe('findEvents options (MNE semantics on a synthetic stim channel)', () => {
  const stim = (codes: number[]) =>
    Raw.fromArray(Matrix.from([codes]), { chNames: ['STI'], chTypes: ['stim'], sfreq: 10 });
  const x = [0, 0, 1, 1, 0, 2, 2, 3, 3, 0, 0, 4, 0, 0, 5, 5, 5, 0];

  it('consecutive: increasing (default) counts a rise between non-zero codes, not a fall', () => {
    expect(findEvents(stim(x), { shortestEvent: 1 })).toEqual([
      [2, 0, 1],
      [5, 0, 2],
      [7, 2, 3],
      [11, 0, 4],
      [14, 0, 5],
    ]);
    expect(findEvents(stim([0, 3, 3, 2, 2, 0]), { shortestEvent: 1 }).map((e) => e[2])).toEqual([3]);
    expect(findEvents(stim([0, 3, 3, 2, 2, 0]), { shortestEvent: 1, consecutive: true }).map((e) => e[2])).toEqual([
      3, 2,
    ]);
    expect(findEvents(stim(x), { shortestEvent: 1, consecutive: false }).map((e) => e[2])).toEqual([1, 2, 4, 5]);
  });

  it('output offset and step', () => {
    // MNE: [last sample of the event, value after it, the event's code]
    expect(findEvents(stim(x), { shortestEvent: 1, output: 'offset', consecutive: false })).toEqual([
      [3, 0, 1],
      [8, 0, 2],
      [11, 0, 4],
      [16, 0, 5],
    ]);
    expect(findEvents(stim([0, 1, 1, 0]), { output: 'step' })).toEqual([
      [1, 0, 1],
      [3, 1, 0],
    ]);
  });

  it('mask keeps selected bits; minDuration merges steps closer than it', () => {
    expect(findEvents(stim([0, 0, 257, 257, 0, 0]), { mask: 0xff }).map((e) => e[2])).toEqual([1]);
    expect(findEvents(stim([0, 0, 257, 257, 0, 0]), { mask: 0xff, maskType: 'not_and' }).map((e) => e[2])).toEqual([
      256,
    ]);
    // a one-sample glitch to 1 before code 2: merged away with minDuration of 2 samples
    expect(findEvents(stim([0, 0, 1, 2, 2, 2, 0, 0]), { minDuration: 0.2, shortestEvent: 1 })).toEqual([[3, 0, 2]]);
  });

  it('events closer than shortestEvent are refused, as MNE does', () => {
    expect(() => findEvents(stim([0, 1, 2, 2, 0]))).toThrow(/shortestEvent/);
    expect(findEvents(stim([0, 1, 2, 2, 0]), { shortestEvent: 1 })).toHaveLength(2);
  });
});
