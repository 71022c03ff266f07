/** The `concord activations` commands, spawned as users run them (node --import tsx packages/cli/src/main.ts). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '@concord/core/testing';
import { readNpz, writeNpy } from '@concord/io';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tinyMlp, tinyMlpForward } from './test-models.ts';

// Each spawn starts a whole CLI (a few seconds; much more on a loaded machine).
vi.setConfig({ testTimeout: 240_000 });

const dir = mkdtempSync(join(tmpdir(), 'concord-cli-act-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function concord(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', repoPath('packages/cli/src/main.ts'), ...args], {
    cwd: repoPath(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const mlp = tinyMlp();
const model = join(dir, 'mlp.onnx');
const inputs = join(dir, 'x.npy');
const x = Float32Array.from({ length: 6 * 4 }, (_, i) => (i % 7) - 3);

beforeAll(() => {
  writeFileSync(model, mlp.bytes);
  writeNpy(inputs, { data: x, shape: [6, 4] });
});

describe('concord activations layers', () => {
  it('--json prints exactly the contract: inputs and layers with shapes', () => {
    const r = concord(['activations', 'layers', '--model', model, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.inputs).toEqual([{ name: 'x', shape: ['N', 4], dtype: 'float32' }]);
    expect(out.layers.map((l: { name: string; shape: unknown }) => [l.name, l.shape])).toEqual([
      ['mm1', ['N', 3]],
      ['pre', ['N', 3]],
      ['hidden', ['N', 3]],
      ['out', ['N', 2]],
    ]);
  });

  it('a corrupt model exits 2 with one line naming the file', () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, mlp.bytes.subarray(0, 60));
    const r = concord(['activations', 'layers', '--model', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bad.onnx');
  });
});

describe('concord activations extract', () => {
  it('--inputs x.npy feeds the tensor as is and writes the npz of the contract', () => {
    const out = join(dir, 'acts.npz');
    const r = concord([
      'activations',
      'extract',
      '--model',
      model,
      '--inputs',
      inputs,
      '--layers',
      'hidden,out',
      '--out',
      out,
      '--json',
      '--batch-size',
      '4',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.out).toBe(out);
    expect(res.layers).toEqual({ hidden: { key: 'hidden', shape: [6, 3] }, out: { key: 'out', shape: [6, 2] } });
    const npz = readNpz(out);
    const want = tinyMlpForward(mlp, x, 6);
    for (let i = 0; i < want.out.length; i++) expect(npz.out.data[i]).toBeCloseTo(want.out[i], 5);
    const prov = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(prov.stimuli.preprocessing).toMatchObject({ kind: 'npy', fedAsIs: true });
  });

  it('--stimuli DIR scales to [0,1], normalises with --mean/--std and feeds NCHW', async () => {
    // A 1×4 "image" network: treat the 4 inputs as a 2×2 grey image via a 1-channel layout.
    const imgs = join(dir, 'imgs');
    mkdirSync(imgs);
    const px = [
      [10, 200, 30, 255],
      [0, 128, 64, 1],
    ];
    for (const [k, p] of px.entries()) {
      await sharp(Buffer.from(p), { raw: { width: 2, height: 2, channels: 1 } })
        .png()
        .toFile(join(imgs, `img${k}.png`));
    }
    // An image model: x[N,3,2,2] -> Flatten; written with python-free onnx-proto.
    const onnxProto = (await import('onnx-proto')).default;
    const vi = (name: string, dims: (number | string)[]) => ({
      name,
      type: {
        tensorType: {
          elemType: 1,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    const flat = onnxProto.onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'flat',
        node: [{ opType: 'Flatten', input: ['x'], output: ['y'] }],
        input: [vi('x', ['N', 3, 2, 2])],
        output: [vi('y', ['N', 12])],
      },
    }).finish();
    const flatModel = join(dir, 'flat.onnx');
    writeFileSync(flatModel, flat);
    const out = join(dir, 'img-acts.npz');
    const r = concord([
      'activations',
      'extract',
      '--model',
      flatModel,
      '--stimuli',
      imgs,
      '--mean',
      '0.5,0.4,0.3',
      '--std',
      '0.2,0.5,0.25',
      '--layers',
      'y',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const y = readNpz(out).y;
    expect(y.shape).toEqual([2, 12]);
    const mean = [0.5, 0.4, 0.3];
    const std = [0.2, 0.5, 0.25];
    for (let k = 0; k < 2; k++)
      for (let c = 0; c < 3; c++)
        for (let p = 0; p < 4; p++)
          expect(y.data[k * 12 + c * 4 + p]).toBeCloseTo((px[k][p] / 255 - mean[c]) / std[c], 6);
    // A wrong size is a one-line error showing both shapes.
    const bad = concord([
      'activations',
      'extract',
      '--model',
      flatModel,
      '--stimuli',
      imgs,
      '--size',
      '3',
      '--layers',
      'y',
      '--out',
      join(dir, 'no.npz'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('[N, 3, 2, 2]');
    expect(bad.stderr).toContain('[2, 3, 3, 3]');
  });

  it('an unknown layer exits 2 listing the valid ones, and no output file appears', () => {
    const out = join(dir, 'never.npz');
    const r = concord([
      'activations',
      'extract',
      '--model',
      model,
      '--inputs',
      inputs,
      '--layers',
      'fc9',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'fc9'");
    expect(r.stderr).toContain("'hidden'");
    expect(() => readFileSync(out)).toThrow();
  });

  it('--help states the defaults', () => {
    const r = concord(['activations', 'extract', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(default: 0,0,0)');
    expect(r.stdout).toContain('(default: 1,1,1)');
    expect(r.stdout).toContain('nchw for .onnx');
  });
});
