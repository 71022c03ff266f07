/**
 * EDF/BDF conformance: every EDF/BDF recording in ../shared/data/eeg against what MNE 1.3 read from it
 * (<file>.mne.json), to 1e-9 relative or 1e-9 of the quantisation step.
 */
import { defined, describeWithSharedData, sharedData } from '@concord/core/testing';
import { expect, it } from 'vitest';
import { expectAnnotationsMatch, expectMatchesMne, loadMneReference } from '../mne-reference.ts';
import { readRaw } from '../read-raw.ts';
import { readAnnotationsEdf, readEdfHeader, readRawEdf } from './read-edf.ts';

const UNIT: Record<string, number> = { uV: 1e-6, mV: 1e-3, V: 1 };

/** Quantisation step of each data channel from the header (volts; 1 for stim codes). */
function steps(path: string): number[] {
  const h = readEdfHeader(path);
  return h.signals
    .filter((s) => !s.isAnnotation)
    .map((s) =>
      /^(status|trigger)$/i.test(s.label)
        ? 1
        : ((s.physicalMax - s.physicalMin) / (s.digitalMax - s.digitalMin)) * (UNIT[s.physicalDimension] ?? 1),
    );
}

const PLAIN = [
  ['mne-python', 'edf', 'test.edf'],
  ['mne-python', 'edf', 'test.bdf'],
  ['mne-python', 'edf', 'test_bdf_stim_channel.bdf'],
  ['mne-python', 'edf', 'test_edf_stim_channel.edf'],
  ['mne-testing-data', 'EDF', 'subsecond_starttime.edf'],
  ['mne-testing-data', 'EDF', 'test_edf_overlapping_annotations.edf'],
];

describeWithSharedData(['eeg'], 'EDF/BDF readers match MNE 1.3', () => {
  for (const parts of PLAIN) {
    it(parts.join('/'), () => {
      const path = sharedData('eeg', ...parts);
      const raw = readRaw(path);
      expect(raw.format).toBe(parts[2].endsWith('.bdf') ? 'bdf' : 'edf');
      expectMatchesMne(raw, loadMneReference(path), { scales: steps(path) });
    });
  }

  it('test.bdf and test_bdf_stim_channel.bdf: the Status channel holds the trigger codes MNE reports (low 16 bits)', () => {
    const raw = readRawEdf(sharedData('eeg', 'mne-python', 'edf', 'test.bdf'));
    const status = raw.getData({ picks: ['Status'] }).data;
    const ref = loadMneReference(sharedData('eeg', 'mne-python', 'edf', 'test.bdf'));
    // MNE's find_events: the first sample of each step up to a non-zero code
    const [[sample, , code]] = defined(ref.events_find_events).events;
    expect(status[sample]).toBe(code);
    expect(status[sample - 1]).toBe(0);
    expect(raw.info.units.at(-1)).toBe('');
  });

  it('duplicate_channel_labels.edf: names kept as in the header (MNE appends -0/-1), samples as MNE', () => {
    const path = sharedData('eeg', 'mne-python', 'edf', 'duplicate_channel_labels.edf');
    const raw = readRawEdf(path);
    const ref = loadMneReference(path);
    expect(raw.info.chNames).toEqual(['EEG F1-Ref', 'EEG F2-Ref', 'EEG F1-Ref']);
    expect(ref.ch_names).toEqual(['EEG F1-Ref-0', 'EEG F2-Ref', 'EEG F1-Ref-1']);
    expectMatchesMne(raw, ref, { scales: steps(path), names: raw.info.chNames });
  });

  it("test_uneven_samp.edf: the 12.8 Hz channel is upsampled to 100 Hz record by record with MNE's FFT resampler", () => {
    const path = sharedData('eeg', 'mne-python', 'edf', 'test_uneven_samp.edf');
    const raw = readRawEdf(path);
    expect(raw.info.fileSfreq).toEqual([100, 12.8]);
    expect(raw.warnings.join(' ')).toMatch(/upsampled/);
    const ref = loadMneReference(path);
    // channel 0 is stored at 100 Hz (exact); channel 1 depends on the resampler: we use MNE's, so it matches too
    expectMatchesMne(raw, ref, { scales: steps(path) });
  });

  it('SC4001EC-Hypnogram.edf: an annotations-only EDF+ gives its 154 annotations (MNE read_annotations) and no channels', () => {
    const path = sharedData('eeg', 'mne-testing-data', 'EDF', 'SC4001EC-Hypnogram.edf');
    const ref = loadMneReference(path);
    expectAnnotationsMatch(readAnnotationsEdf(path), ref.annotations);
    const raw = readRawEdf(path);
    expect(raw.nChannels).toBe(0);
    expect(raw.nTimes).toBe(0);
  });

  it('a window read equals the same slice of a full read (record boundaries, channel subsets)', () => {
    const raw = readRawEdf(sharedData('eeg', 'mne-python', 'edf', 'test.edf'));
    const full = raw.getData();
    const w = raw.getData({ picks: ['A3', 'Status', 'A1'], start: 500, stop: 1600 });
    const idx = [2, 138, 0];
    for (let k = 0; k < 3; k++)
      for (let t = 0; t < 1100; t++) expect(w.data[k * 1100 + t]).toBe(full.data[idx[k] * 3072 + 500 + t]);
  });
});
