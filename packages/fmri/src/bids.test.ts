/** BIDS: events.tsv parsing ('n/a', extra columns), sidecar inheritance, finding runs in a generated BIDS folder. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { findBidsRuns, readBoldSidecar } from './bids.ts';
import { FMRI_ERRORS } from './errors.ts';
import { readBidsEvents } from './events.ts';
import { writeNifti } from './write-nifti.ts';

const root = mkdtempSync(join(tmpdir(), 'concord-bids-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('BIDS folder', () => {
  const func = join(root, 'sub-01', 'func');
  mkdirSync(func, { recursive: true });
  mkdirSync(join(root, 'sub-01', 'ses-2', 'func'), { recursive: true });
  writeFileSync(
    join(root, 'task-faces_bold.json'),
    JSON.stringify({ RepetitionTime: 2, TaskName: 'faces', SliceTiming: [0, 1] }),
  );
  for (const run of [2, 1]) {
    writeNifti(join(func, `sub-01_task-faces_run-${run}_bold.nii.gz`), {
      data: new Float32Array(8 * 5),
      shape: [2, 2, 2, 5],
      tr: 2,
    });
    writeFileSync(
      join(func, `sub-01_task-faces_run-${run}_events.tsv`),
      'onset\tduration\ttrial_type\tresponse_time\tstim_file\n1.5\t2\tface\t0.43\tn/a\n5\tn/a\thouse\tn/a\thouse1.png\n',
    );
  }
  writeFileSync(join(func, 'sub-01_task-faces_run-2_bold.json'), JSON.stringify({ RepetitionTime: 1.5 }));
  writeNifti(join(func, 'sub-01_task-other_run-1_bold.nii'), { data: new Float32Array(8), shape: [2, 2, 2] });
  writeNifti(join(root, 'sub-01', 'ses-2', 'func', 'sub-01_ses-2_task-faces_bold.nii'), {
    data: new Float32Array(8),
    shape: [2, 2, 2],
  });

  it('finds the runs of a subject/task sorted by session and run, with events and merged sidecars', () => {
    const runs = findBidsRuns(root, '01', 'faces');
    expect(runs.map((r) => [r.session ?? null, r.run ?? null])).toEqual([
      [null, 1],
      [null, 2],
      ['2', null],
    ]);
    expect(runs[0].events).toBe(join(func, 'sub-01_task-faces_run-1_events.tsv'));
    expect(runs[0].sidecar?.RepetitionTime).toBe(2); // inherited from the top level
    expect(runs[1].sidecar?.RepetitionTime).toBe(1.5); // the run's own sidecar overrides
    expect(runs[1].sidecar?.TaskName).toBe('faces');
    expect(runs[2].events).toBeUndefined();
    expect(findBidsRuns(root, '01', 'faces', { session: '2' })).toHaveLength(1);
    expect(() => findBidsRuns(root, '02', 'faces')).toThrow(
      expect.objectContaining({ code: FMRI_ERRORS.FILE_NOT_FOUND }),
    );
  });

  it('events: numeric and text columns, n/a as NaN / null, n/a duration as 0', () => {
    const ev = readBidsEvents(join(func, 'sub-01_task-faces_run-1_events.tsv'));
    expect(ev.columnNames).toEqual(['onset', 'duration', 'trial_type', 'response_time', 'stim_file']);
    expect(Array.from(ev.onset)).toEqual([1.5, 5]);
    expect(Array.from(ev.duration)).toEqual([2, 0]);
    expect(ev.trialType).toEqual(['face', 'house']);
    expect(ev.columns.response_time[0]).toBe(0.43);
    expect(Number.isNaN(ev.columns.response_time[1])).toBe(true);
    expect(ev.columns.stim_file).toEqual([null, 'house1.png']);
    expect(Array.from(ev.modulation)).toEqual([1, 1]);
  });

  it('bad sidecars are typed errors naming the field', () => {
    const p = join(root, 'bad_bold.json');
    writeFileSync(p, JSON.stringify({ RepetitionTime: -2 }));
    expect(() => readBoldSidecar(p)).toThrow(
      expect.objectContaining({ code: FMRI_ERRORS.BAD_EVENTS, message: expect.stringContaining('RepetitionTime') }),
    );
    writeFileSync(p, '{not json');
    expect(() => readBoldSidecar(p)).toThrow(expect.objectContaining({ code: FMRI_ERRORS.BAD_EVENTS }));
  });
});

describeWithSharedData(['nifti', 'pymvpa-haxby2001'], 'Haxby events files', () => {
  it('every run has the 8 categories once, 22.5 s blocks (PyMVPA openfmri layout)', () => {
    for (let r = 1; r <= 12; r++) {
      const ev = readBidsEvents(
        sharedData(
          'nifti',
          'pymvpa-haxby2001',
          'sub001',
          'BOLD',
          `task001_run${String(r).padStart(3, '0')}`,
          'bold_events.tsv',
        ),
      );
      expect([...ev.trialType].sort()).toEqual([
        'bottle',
        'cat',
        'chair',
        'face',
        'house',
        'scissors',
        'scrambledpix',
        'shoe',
      ]);
      expect(Array.from(ev.duration)).toEqual(new Array(8).fill(22.5));
    }
  });
});
