/** `concord eeg info` spawned for real: the JSON contract of issue 5, checked against MNE's reads. */
import { spawnSync } from 'node:child_process';
import { defined, describeWithSharedData, repoPath, sharedData } from '@concord/core/testing';
import { expect, it } from 'vitest';
import { expectClose, loadMneReference } from './mne-reference.ts';

function concord(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
    cwd: repoPath(),
    encoding: 'utf8',
    timeout: 60000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeWithSharedData(['eeg'], 'concord eeg info', () => {
  it('prints the contract fields and, with --samples, volts per channel (raw codes for Status)', () => {
    const path = sharedData('eeg', 'mne-python', 'edf', 'test.edf');
    const r = concord('eeg', 'info', path, '--samples', '0:5', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const ref = loadMneReference(path);
    expect(out.format).toBe('edf');
    expect(out.nChannels).toBe(139);
    expect(out.sfreq).toBe(512);
    expect(out.nTimes).toBe(3072);
    expect(out.chNames).toEqual(ref.ch_names);
    expect(out.chTypes).toEqual(ref.ch_types);
    expect(out.annotations.map((a: { description: string }) => a.description)).toEqual(ref.annotations.description);
    expect(Object.keys(out.annotations[1]).sort()).toEqual(['description', 'duration', 'onset']);
    expect(out.data).toHaveLength(139);
    ref.first5_samples_ch0_volts.forEach((v, t) => {
      expectClose(out.data[0][t], v, 1e-6, `data[0][${t}]`);
    });
    // Status (raw codes): MNE's first event is code 4352 at sample 0
    expect(out.data[138][0]).toBe(defined(ref.events_find_events).events[0][2]);
  });

  it('a window in the middle of a BDF', () => {
    const path = sharedData('eeg', 'mne-python', 'edf', 'test_bdf_stim_channel.bdf');
    const out = JSON.parse(concord('eeg', 'info', path, '--samples', '100:1', '--json').stdout);
    const ref = loadMneReference(path);
    expect(out.data.map((row: number[]) => row.length)).toEqual([1, 1, 1, 1]);
    ref.sample_at_index_100_all_channels.forEach((v, c) => {
      expectClose(out.data[c][0], v, 1e-9, `channel ${c}`);
    });
  });

  it('BrainVision and FIF recordings go through the same contract', () => {
    const vhdr = sharedData('eeg', 'mne-python', 'brainvision', 'testv2.vhdr');
    const out = JSON.parse(concord('eeg', 'info', vhdr, '--samples', '100:2', '--json').stdout);
    const ref = loadMneReference(vhdr);
    expect(out.format).toBe('brainvision');
    expect([out.nChannels, out.sfreq, out.nTimes]).toEqual([ref.n_channels, ref.sfreq, ref.n_times]);
    expect(out.annotations.map((a: { description: string }) => a.description)).toEqual(ref.annotations.description);
    ref.sample_at_index_100_all_channels.forEach((v, c) => {
      expectClose(out.data[c][0], v, 1e-9, `channel ${c}`);
    });
    const fif = sharedData('eeg', 'mne-testing-data', 'misc', 'test_elekta_3ch_raw.fif');
    const f = JSON.parse(concord('eeg', 'info', fif, '--json').stdout);
    expect(f.chTypes).toEqual(loadMneReference(fif).ch_types);
    expect(f.data).toBeUndefined();
  });

  it('bad input exits 2 with a one-line message naming the problem', () => {
    const dir = concord('eeg', 'info', sharedData('eeg'), '--json');
    expect(dir.code).toBe(2);
    expect(JSON.parse(dir.stdout).error.message).toMatch(/directory/); // --json: the error as a JSON document
    expect(dir.stderr).toMatch(/directory/);
    const range = concord('eeg', 'info', sharedData('eeg', 'mne-python', 'edf', 'test.edf'), '--samples', '3070:5');
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/3075 exceeds/);
    const spec = concord('eeg', 'info', sharedData('eeg', 'mne-python', 'edf', 'test.edf'), '--samples', 'abc');
    expect(spec.code).toBe(2);
    expect(spec.stderr).toMatch(/START:COUNT/);
  });
});
