/** FIF raw files against MNE 1.3's read_raw_fif (<file>.mne.json): info, first_samp and samples (cal × range). */
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { expect, it } from 'vitest';
import { expectMatchesMne, loadMneReference } from '../mne-reference.ts';
import { readRaw } from '../read-raw.ts';

const FILES = [
  ['mne-python', 'brainvision', 'test_bin_raw.fif'],
  ['mne-testing-data', 'misc', 'neuromag122_test_file-raw.fif'],
  ['mne-testing-data', 'misc', 'test_elekta_3ch_raw.fif'],
];

describeWithSharedData(['eeg'], 'FIF raw reader matches MNE 1.3', () => {
  for (const parts of FILES) {
    it(parts.join('/'), () => {
      const path = sharedData('eeg', ...parts);
      const raw = readRaw(path);
      const ref = loadMneReference(path);
      expect(raw.format).toBe('fif');
      expect(raw.firstSamp).toBe(ref.first_samp);
      // samples are stored as integers × cal or as float32: compare to 1e-9 relative, floor 1e-9 of a tiny MEG scale
      expectMatchesMne(raw, ref, {
        scales: raw.info.chTypes.map((t) => (t === 'stim' ? 1 : t === 'eeg' ? 1e-12 : 1e-20)),
      });
    });
  }
});
