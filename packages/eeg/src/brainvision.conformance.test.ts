/** BrainVision conformance: every .vhdr/.ahdr in ../shared/data/eeg against MNE 1.3's read (<file>.mne.json). */
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { expect, it } from 'vitest';
import { readRawBrainVision } from './brainvision.ts';
import { expectMatchesMne, loadMneReference } from './mne-reference.ts';
import { readRaw } from './read-raw.ts';

const FILES: { parts: string[]; step: number; checks?: (raw: ReturnType<typeof readRaw>) => void }[] = [
  { parts: ['mne-python', 'brainvision', 'test.vhdr'], step: 0.5e-6 },
  { parts: ['mne-python', 'brainvision', 'testv2.vhdr'], step: 0.5e-6 },
  { parts: ['mne-python', 'brainvision', 'test_units.vhdr'], step: 0.5e-6 },
  { parts: ['mne-python', 'brainvision', 'test_highpass_hz.vhdr'], step: 0.5e-6 },
  { parts: ['mne-python', 'brainvision', 'test_old_layout_latin1_software_filter.vhdr'], step: 1e-7 },
  { parts: ['mne-testing-data', 'Brainvision', 'Analyzer_nV_Export.vhdr'], step: 1e-9 },
  { parts: ['mne-testing-data', 'Brainvision', 'test_VAmp.ahdr'], step: 0.0488281e-6 },
];

describeWithSharedData(['eeg'], 'BrainVision reader matches MNE 1.3', () => {
  for (const f of FILES) {
    it(f.parts.join('/'), () => {
      const path = sharedData('eeg', ...f.parts);
      const raw = readRaw(path);
      expect(raw.format).toBe('brainvision');
      const ref = loadMneReference(path);
      // misc channels with non-voltage units keep resolution-scaled values (e.g. 195.6 'C'): their step is the resolution
      const scales = raw.info.units.map((u) => (u === 'V' ? f.step : 0.5e-6));
      expectMatchesMne(raw, ref, { scales });
    });
  }

  it('per-channel units: 500 nV, 0.0005 mV, 0.0000005 V and 0.5 uV give the same volts as 0.5 µV', () => {
    const a = readRawBrainVision(sharedData('eeg', 'mne-python', 'brainvision', 'test.vhdr')).getData({
      picks: [0, 1, 2, 3],
      stop: 200,
    });
    const b = readRawBrainVision(sharedData('eeg', 'mne-python', 'brainvision', 'test_units.vhdr')).getData({
      picks: [0, 1, 2, 3],
      stop: 200,
    });
    for (let i = 0; i < a.data.length; i++)
      expect(Math.abs(a.data[i] - b.data[i])).toBeLessThanOrEqual(1e-15 * Math.abs(a.data[i]) + 1e-20);
  });

  it('latin-1 header without DataPoints: samples inferred from the file size, as MNE warns', () => {
    const raw = readRawBrainVision(
      sharedData('eeg', 'mne-python', 'brainvision', 'test_old_layout_latin1_software_filter.vhdr'),
    );
    expect(raw.warnings[0]).toBe(
      loadMneReference(sharedData('eeg', 'mne-python', 'brainvision', 'test_old_layout_latin1_software_filter.vhdr'))
        .warnings[0],
    );
  });

  it('testv2: markers past the end are omitted, as MNE does', () => {
    const raw = readRawBrainVision(sharedData('eeg', 'mne-python', 'brainvision', 'testv2.vhdr'));
    expect(raw.warnings).toContain('Omitted 3 annotation(s) that were outside data range.');
  });

  it('window reads equal slices of the full read (MULTIPLEXED and VECTORIZED)', () => {
    for (const name of ['test.vhdr', 'test_old_layout_latin1_software_filter.vhdr']) {
      const raw = readRawBrainVision(sharedData('eeg', 'mne-python', 'brainvision', name));
      const full = raw.getData();
      const w = raw.getData({ picks: [5, 1], start: 17, stop: 90 });
      for (let t = 0; t < 73; t++) {
        expect(w.data[t]).toBe(full.data[5 * raw.nTimes + 17 + t]);
        expect(w.data[73 + t]).toBe(full.data[1 * raw.nTimes + 17 + t]);
      }
    }
  });
});
