/** `concord rdm --out .h5/.json` and `concord rdm convert` (the file formats themselves: @concord/rsa/node's tests). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { loadHdf5, readNpy, writeNpy } from '@concord/io';
import { Rdms } from '@concord/rsa';
import { loadRdms, saveRdms } from '@concord/rsa/node';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run.ts';

// HDF5 / MAT v7.3 support loads on demand.
await loadHdf5();

const dir = mkdtempSync(join(tmpdir(), 'concord-rdm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('concord rdm --out .h5/.json and concord rdm convert', () => {
  class Capture {
    text = '';
    write(chunk: string | Uint8Array): boolean {
      this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }
  }
  async function run(argv: string[]) {
    const stdout = new Capture();
    const stderr = new Capture();
    const status = await runCli([...argv, '--quiet'], { stdout: stdout as never, stderr: stderr as never, cwd: dir });
    return { status, stdout: stdout.text, stderr: stderr.text };
  }
  // 6 observations of 3 conditions × 4 channels.
  const patterns = [
    [1, 2, 3, 4],
    [2, 1, 0, 3],
    [5, 5, 1, 2],
    [0, 1, 1, 1],
    [3, 2, 2, 9],
    [4, 0, 1, 2],
  ];
  writeNpy(join(dir, 'patterns.npy'), { data: Float64Array.from(patterns.flat()), shape: [6, 4] });
  writeFileSync(join(dir, 'conds.json'), JSON.stringify(['b', 'a', 'c', 'a', 'b', 'c']));
  const base = ['rdm', '--data', 'patterns.npy', '--conditions', 'conds.json', '--method', 'euclidean', '--json'];

  it('--out rdm.h5 writes an rsatoolbox RDM file with the printed vector, measure and conditions', async () => {
    const r = await run([...base, '--out', 'rdm.h5']);
    expect(r.status, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    const saved = loadRdms(join(dir, 'rdm.h5'));
    expect(Array.from(saved.getVector(0))).toEqual(printed.dissimilarities);
    expect(saved.patternDescriptors.conds).toEqual(['a', 'b', 'c']);
    expect(saved.dissimilarityMeasure).not.toBe('');
    // Independent check of one entry: mean squared difference of the condition means (rsatoolbox euclidean).
    const mean = (rows: number[][]) => rows[0].map((_, j) => rows.reduce((s, row) => s + row[j], 0) / rows.length);
    const a = mean([patterns[1], patterns[3]]);
    const b = mean([patterns[0], patterns[4]]);
    expect(saved.getVector(0)[0]).toBeCloseTo(a.reduce((s, x, j) => s + (x - b[j]) ** 2, 0) / 4, 12);
  });

  it('--out rdm.npy still writes the 1-D vector (issue 3 contract)', async () => {
    const r = await run([...base, '--out', 'rdm.npy']);
    expect(r.status, r.stderr).toBe(0);
    const raw = readNpy(join(dir, 'rdm.npy'));
    expect(raw.shape).toEqual([3]);
    expect(Array.from(raw.data as Float64Array)).toEqual(JSON.parse(r.stdout).dissimilarities);
  });

  it('rdm convert: h5 → json → npy keeps the values; the JSON report names the format', async () => {
    expect((await run([...base, '--out', 'conv.h5'])).status).toBe(0);
    const toJson = await run(['rdm', 'convert', '--in', 'conv.h5', '--out', 'conv.json', '--json']);
    expect(toJson.status, toJson.stderr).toBe(0);
    expect(JSON.parse(toJson.stdout)).toMatchObject({
      in: 'conv.h5',
      out: 'conv.json',
      format: 'json',
      nRdms: 1,
      nCond: 3,
    });
    const fromJson = JSON.parse(readFileSync(join(dir, 'conv.json'), 'utf8'));
    expect(fromJson.patternDescriptors.conds).toEqual(['a', 'b', 'c']);
    const toNpy = await run(['rdm', 'convert', '--in', 'conv.json', '--out', 'conv.npy', '--json']);
    expect(toNpy.status, toNpy.stderr).toBe(0);
    expect(Array.from(readNpy(join(dir, 'conv.npy')).data as Float64Array)).toEqual(
      Array.from(loadRdms(join(dir, 'conv.h5')).getVector(0)),
    );
  });

  it('compare and noise-ceiling read .h5/.json RDM files: the same numbers as from the .npy of the same vectors', async () => {
    const flat = new Float64Array(5 * 15);
    new Rng(7).fillNormal(flat);
    const subjects = Array.from({ length: 5 }, (_, i) => Array.from(flat.subarray(i * 15, (i + 1) * 15), Math.abs));
    const asNpy = join(dir, 'subjects.npy');
    writeNpy(asNpy, { data: Float64Array.from(subjects.flat()), shape: [5, 15] });
    saveRdms(
      join(dir, 'subjects.h5'),
      Rdms.fromVectors(subjects, { rdmDescriptors: { subject: ['a', 'b', 'c', 'd', 'e'] } }),
    );
    saveRdms(join(dir, 'subjects.json'), Rdms.fromVectors(subjects));
    const viaNpy = await run(['noise-ceiling', '--rdms', 'subjects.npy', '--method', 'spearman', '--json']);
    expect(viaNpy.status, viaNpy.stderr).toBe(0);
    for (const file of ['subjects.h5', 'subjects.json']) {
      const r = await run(['noise-ceiling', '--rdms', file, '--method', 'spearman', '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout), file).toEqual(JSON.parse(viaNpy.stdout));
      const c = await run(['compare', '--a', file, '--b', 'subjects.npy', '--method', 'corr', '--json']);
      expect(c.status, c.stderr).toBe(0);
      const values = JSON.parse(c.stdout).values as number[][];
      // Each RDM against itself: Pearson correlation 1.
      for (let i = 0; i < 5; i++) expect(values[i][i]).toBeCloseTo(1, 14);
      expect(values[0][1]).toBeCloseTo(values[1][0], 14);
    }
  });

  it('bad extensions exit 2 with one line, before any work', async () => {
    const r = await run([...base, '--out', 'rdm.csv']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--out.*rdm\.csv.*\.h5, \.hdf5, \.npy, \.json/);
    const c = await run(['rdm', 'convert', '--in', 'conv.h5', '--out', 'x.mat']);
    expect(c.status).toBe(2);
  });
});
