/**
 * Ready RDMs grouped into subjects: sessions of one subject are averaged, so subjects are the unit of inference.
 * The 92-image hIT RDMs (4 subjects × 2 sessions) are checked against scipy's reading of the same MAT file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithSharedData, hasPythonModules, repoPath, runPythonJson, sharedData } from '@concord/core/testing';
import { encodeNpy } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { readyRdmSubjects } from './brain-stage.ts';
import { loadStudyConfig, StudyConfigError } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-rdm-subjects-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ready RDMs with a subject per RDM', () => {
  // 4 RDMs over 3 conditions (3 pairs): subjects a, a, b, b
  const file = join(dir, 'rdms.npy');
  const vectors = [
    [1, 2, 3],
    [3, 2, 1],
    [0, 1, 0],
    [2, 1, 4],
  ];
  writeFileSync(file, encodeNpy({ data: Float64Array.from(vectors.flat()), shape: [4, 3] }));
  const entry = { name: 'toy', type: 'rdms', file } as const;

  it('averages the RDMs of each subject (in order of first appearance)', () => {
    const subjects = readyRdmSubjects({ ...entry, subjects: ['a', 'a', 'b', 'b'] }, ['x', 'y', 'z']);
    expect(subjects.map((s) => [s.subject, s.sessions])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(Array.from(subjects[0].rdms.getVector(0))).toEqual([2, 2, 2]);
    expect(Array.from(subjects[1].rdms.getVector(0))).toEqual([1, 1, 2]);
  });
  it('without subjects every RDM is one; a label list of the wrong length is a config error', () => {
    expect(readyRdmSubjects(entry, [])).toHaveLength(4);
    expect(() => readyRdmSubjects({ ...entry, subjects: ['a', 'b'] }, [])).toThrow(StudyConfigError);
  });
});

describeWithSharedData(
  ['rsa', 'rsatoolbox', '92imageData', '92_brainRDMs.mat'],
  'data/studies/kriegeskorte92.json: 4 hIT subjects × 2 sessions',
  () => {
    it('reads 4 subjects (BE, KO, SN, TI), each the mean of its 2 sessions (was 8 "subjects")', () => {
      const { config } = loadStudyConfig(repoPath('data', 'studies', 'kriegeskorte92.json'));
      const brain = config.brain[0];
      if (brain.type !== 'rdms') throw new Error('the study lists hIT as ready RDMs');
      const subjects = readyRdmSubjects(brain, []);
      expect(subjects.map((s) => s.subject)).toEqual(['BE', 'KO', 'SN', 'TI']);
      expect(subjects.every((s) => s.sessions === 2)).toBe(true);
      if (!hasPythonModules(['numpy', 'scipy'])) return;
      // scipy's reading: RDMs[0, subject, session].RDM, averaged over sessions, upper triangle row by row
      const ref = runPythonJson<Record<string, number[]>>(
        `
import numpy as np, scipy.io as sio
r = sio.loadmat(data['file'])['RDMs']
iu = np.triu_indices(92, 1)
result = {}
for s in range(r.shape[1]):
    name = str(r[0, s, 0]['name'][0]).split('|')[1].strip()
    result[name] = ((r[0, s, 0]['RDM'].astype(np.float64) + r[0, s, 1]['RDM'].astype(np.float64)) / 2)[iu].tolist()
`,
        { file: sharedData('rsa', 'rsatoolbox', '92imageData', '92_brainRDMs.mat') },
      );
      for (const s of subjects) {
        const v = s.rdms.getVector(0);
        const e = ref[s.subject];
        expect(v.length).toBe(e.length);
        let worst = 0;
        for (let k = 0; k < e.length; k++) worst = Math.max(worst, Math.abs(v[k] - e[k]));
        expect(worst).toBeLessThan(1e-12);
      }
    });
  },
);
