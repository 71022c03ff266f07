/**
 * A second, independent reader: EEGLAB's reads of test.edf / test.bdf saved as MAT ('data', channels × samples,
 * float32, µV). Tolerance: float32 rounding of the µV value (6e-8 relative) plus 1e-9 µV.
 */
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { isMatArray, readMat } from '@concord/io';
import { expect, it } from 'vitest';
import { readRawEdf } from './read-edf.ts';

function eeglabData(name: string): { data: ArrayLike<number>; shape: number[] } {
  const v = readMat(sharedData('eeg', 'mne-python', 'edf', name)).data;
  if (!isMatArray(v)) throw new Error(`${name}: 'data' is not a numeric array`);
  return { data: v.data as ArrayLike<number>, shape: v.shape };
}

describeWithSharedData(['eeg', 'mne-python', 'edf'], 'EDF/BDF samples equal EEGLAB’s reads', () => {
  for (const [file, mat, nch] of [
    ['test.edf', 'test_edf_eeglab.mat', 139],
    ['test.bdf', 'test_bdf_eeglab.mat', 72],
  ] as const) {
    it(`${file} vs ${mat}`, () => {
      const ref = eeglabData(mat);
      const raw = readRawEdf(sharedData('eeg', 'mne-python', 'edf', file));
      expect(ref.shape).toEqual([nch, raw.nTimes]);
      // EEGLAB keeps the Status channel of test.edf as a signal but drops it from test.bdf
      const d = raw.getData({ picks: Array.from({ length: nch }, (_, i) => i) });
      let worst = 0;
      const n = raw.nTimes;
      for (let i = 0; i < ref.data.length; i++) {
        // voltage channels in µV; EEGLAB, like us, keeps the Status channel's raw codes
        const ours = raw.info.chTypes[Math.floor(i / n)] === 'stim' ? d.data[i] : d.data[i] * 1e6;
        const err = Math.abs(ours - ref.data[i]) / (Math.abs(ours) * 6e-8 + 1e-9);
        if (err > worst) worst = err;
      }
      expect(worst).toBeLessThanOrEqual(1);
    });
  }
});
