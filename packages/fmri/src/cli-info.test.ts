/**
 * `concord fmri info` end to end (spawns the real command): the JSON contract, voxel values against nibabel's
 * reference JSON, exit codes for bad input.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describeWithSharedData, repoPath, sharedData } from '@concord/core/testing';
import { expect, it } from 'vitest';

function concord(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
    cwd: repoPath(),
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeWithSharedData(['nifti', 'nibabel'], 'concord fmri info', () => {
  it('prints the contract fields with nibabel values, voxel values scaled', () => {
    const file = sharedData('nifti', 'nibabel', 'functional.nii');
    const ref = JSON.parse(readFileSync(`${file}.nibabel.json`, 'utf8'));
    const [v0, v1] = ref.voxels;
    const r = concord(
      'fmri',
      'info',
      file,
      '--voxel',
      `${v0.ijk.join(',')},5`,
      '--voxel',
      `${v1.ijk.join(',')},19`,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.format).toBe('nifti1');
    expect(out.shape).toEqual(ref.shape);
    expect(out.datatype).toBe('int16');
    expect(out.sclSlope).toBe(ref.scl_slope_on_disk);
    expect(out.sclInter).toBe(ref.scl_inter_on_disk);
    expect(out.affine).toEqual(ref.affine);
    expect(out.zooms).toEqual(ref.zooms);
    expect(out.voxels).toEqual([
      { index: [...v0.ijk, 5], value: v0.scaled_value[5] },
      { index: [...v1.ijk, 19], value: v1.scaled_value[19] },
    ]);
  });

  it('NIfTI-2 header-only pair: header prints; a voxel request fails with exit 2 naming the .img', () => {
    const file = sharedData('nifti', 'nibabel', 'nifti2.hdr');
    const ok = concord('fmri', 'info', file, '--json');
    expect(ok.code).toBe(0);
    const out = JSON.parse(ok.stdout);
    expect(out.format).toBe('nifti2');
    expect(out.shape).toEqual([91, 109, 91]);
    expect(out.voxels).toEqual([]);
    const bad = concord('fmri', 'info', file, '--voxel', '1,2,3');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('nifti2.img');
  });

  it('bad voxel specs and missing files exit 2 with a one-line message', () => {
    const file = sharedData('nifti', 'nibabel', 'anatomical.nii');
    for (const spec of ['1,2', '1,2,x', '33,0,0', '0,0,0,1']) {
      const r = concord('fmri', 'info', file, '--voxel', spec);
      expect(r.code, spec).toBe(2);
      expect(r.stderr.trim().split('\n').pop()).toMatch(/--voxel/);
    }
    const missing = concord('fmri', 'info', 'no/such/file.nii');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });
});
