/** EEGLAB .set (MAT v5 and v7.3/HDF5, embedded data or .fdt) against MNE 1.3's reads. */
import { readFileSync } from 'node:fs';
import { defined, describeWithSharedData, sharedData } from '@concord/core/testing';
import { loadHdf5 } from '@concord/io';
import { expect, it } from 'vitest';
import { readEpochsEeglab, readRawEeglab } from './eeglab.ts';
import { eventsFromAnnotations } from './events.ts';
import { expectClose, expectMatchesMne, loadMneReference } from './mne-reference.ts';
import { readRaw } from './read-raw.ts';

// HDF5 / MAT v7.3 support loads on demand.
await loadHdf5();

const RAW = [
  'test_raw.set',
  'test_raw_h5.set',
  'test_raw_hdf5.set',
  'test_raw_chanloc.set',
  'test_raw_event_duration.set',
];

describeWithSharedData(['eeg', 'mne-testing-data', 'EEGLAB'], 'EEGLAB reader matches MNE 1.3', () => {
  for (const name of RAW) {
    it(name, () => {
      const path = sharedData('eeg', 'mne-testing-data', 'EEGLAB', name);
      const raw = readRaw(path);
      expect(raw.format).toBe('eeglab');
      const ref = loadMneReference(path);
      // float32 µV samples: MNE scales them in float64, as we do, so the tolerance stays 1e-9 relative
      expectMatchesMne(raw, ref, { scales: raw.info.chNames.map(() => 1e-12) });
      const { events, eventId } = eventsFromAnnotations(raw);
      expect(eventId).toEqual(defined(ref.events_from_annotations).event_id);
      const refEvents = defined(ref.events_from_annotations);
      expect(events.length).toBe(refEvents.count);
      expect(events.slice(0, refEvents.events.length)).toEqual(refEvents.events);
    });
  }

  it('test_raw.set (MAT v5 + .fdt) and test_raw_h5.set (HDF5 + the same .fdt) read the same samples', () => {
    const a = readRawEeglab(sharedData('eeg', 'mne-testing-data', 'EEGLAB', 'test_raw.set')).getData({
      start: 1000,
      stop: 1200,
    });
    const b = readRawEeglab(sharedData('eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_h5.set')).getData({
      start: 1000,
      stop: 1200,
    });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('test_epochs.set: epochs, times and MNE-named conditions', () => {
    const path = sharedData('eeg', 'mne-testing-data', 'EEGLAB', 'test_epochs.set');
    const ref = JSON.parse(readFileSync(`${path}.mne.json`, 'utf8'));
    const ep = readEpochsEeglab(path);
    expect(ep.nEpochs).toBe(ref.n_epochs);
    expect(ep.nChannels).toBe(ref.n_channels);
    expect(ep.nTimes).toBe(ref.n_times_per_epoch);
    expect(ep.info.sfreq).toBe(ref.sfreq);
    expect(ep.info.chNames).toEqual(ref.ch_names);
    expectClose(ep.times[0], ref.tmin, 1e-12, 'tmin');
    expectClose(ep.times[ep.nTimes - 1], ref.tmax, 1e-12, 'tmax');
    ref.first5_samples_epoch0_ch0_volts.forEach((v: number, t: number) => {
      expectClose(ep.data[t], v, 1e-12, `epoch 0 sample ${t}`);
    });
    ref.first5_samples_epoch1_ch0_volts.forEach((v: number, t: number) => {
      expectClose(ep.data[2 * ep.nTimes + t], v, 1e-12, `epoch 1 sample ${t}`);
    });
    expect(ep.events).toEqual(ref.events.events);
    expect(ep.eventId).toEqual(ref.events.event_id);
    expect(() => readRawEeglab(path)).toThrow(/epoched/);
  });
});
