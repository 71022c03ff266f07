import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defined } from '@concord/core/testing';
import { loadHdf5, readNpz } from '@concord/io';
import { afterAll, describe, expect, it } from 'vitest';
import { provenancePath, readActivations } from './activation-files.ts';
import { extractToFile, extractWithProvenance } from './cache.ts';
import { loadModel } from './load-model.ts';
import { stimuliFromArray } from './stimuli.ts';
import { tinyMlp, tinyMlpForward } from './test-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'concord-extract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasNumpy = spawnSync('python3', ['-c', 'import numpy, scipy.io'], { encoding: 'utf8' }).status === 0;

const mlp = tinyMlp();
const modelFile = join(dir, 'mlp.onnx');
writeFileSync(modelFile, mlp.bytes);
const n = 20;
const x = Float32Array.from({ length: n * 4 }, (_, i) => Math.cos(i * 0.37) * 3);
const names = ['stim/a', ...Array.from({ length: n - 1 }, (_, i) => `s${i}`)];

describe('extractToFile: npz + provenance', () => {
  it('writes one float32 entry per layer and provenance with hashes, runtime and preprocessing', async () => {
    const model = await loadModel(modelFile);
    const out = join(dir, 'acts.npz');
    const r = await extractToFile(model, stimuliFromArray(x, [n, 4], { descriptors: { stimulus: names } }), out, {
      layers: ['hidden', 'out'],
      batchSize: 6,
    });
    expect(r.layers).toEqual({ hidden: { key: 'hidden', shape: [n, 3] }, out: { key: 'out', shape: [n, 2] } });
    const npz = readNpz(out);
    const want = tinyMlpForward(mlp, x, n);
    expect(npz.hidden.dtype).toBe('float32');
    expect(npz.hidden.shape).toEqual([n, 3]);
    for (let i = 0; i < want.hidden.length; i++) expect(npz.hidden.data[i]).toBeCloseTo(want.hidden[i], 5);
    const prov = JSON.parse(readFileSync(provenancePath(out), 'utf8'));
    expect(prov.model.sha256).toBe(createHash('sha256').update(mlp.bytes).digest('hex'));
    expect(prov.model.runtime).toMatch(/^onnxruntime-node \d+\.\d+\.\d+$/);
    expect(prov.stimuli.count).toBe(n);
    expect(prov.stimuli.descriptors.stimulus[0]).toBe('stim/a');
    expect(prov.layers.hidden).toMatchObject({ key: 'hidden', shape: [n, 3], unitShape: [3], reductions: [] });
    expect(prov.batchSize).toBe(6);
    // Reading back restores values and stimulus descriptors.
    const back = readActivations(out);
    expect([...back.keys()]).toEqual(['hidden', 'out']);
    expect(defined(back.get('out')).obsDescriptor('stimulus')).toEqual(names);
    expect(Array.from(defined(back.get('out')).measurements.data)).toEqual(Array.from(npz.out.data as Float32Array));
    await model.dispose();
  });

  it('layer names that are not valid file names get sanitised, unique npz keys', async () => {
    const { layerKeys } = await import('./activation-files.ts');
    expect([...layerKeys(['a/b:0', 'a_b_0', 'x y']).values()]).toEqual(['a_b_0', 'a_b_0_2', 'x_y']);
  });
});

describe('on-disk cache keyed by model, stimuli, preprocessing, layers and reductions', () => {
  it('reuses results for the same inputs and recomputes when the stimuli change', async () => {
    const model = await loadModel(modelFile);
    const cacheDir = join(dir, 'cache');
    const s = stimuliFromArray(x, [n, 4]);
    const first = await extractWithProvenance(model, s, { layers: ['pre'], cacheDir });
    const second = await extractWithProvenance(model, s, { layers: ['pre'], cacheDir });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(Array.from(defined(second.datasets.get('pre')).measurements.data)).toEqual(
      Array.from(defined(first.datasets.get('pre')).measurements.data),
    );
    const changed = x.slice();
    changed[0] += 1;
    const third = await extractWithProvenance(model, stimuliFromArray(changed, [n, 4]), { layers: ['pre'], cacheDir });
    expect(third.cached).toBe(false);
    expect(defined(third.datasets.get('pre')).measurements.data[0]).not.toBe(
      defined(first.datasets.get('pre')).measurements.data[0],
    );
    const reduced = await extractWithProvenance(model, s, {
      layers: ['pre'],
      cacheDir,
      reduce: { kind: 'randomProjection', nComponents: 2, seed: 1 },
    });
    expect(reduced.cached).toBe(false);
    expect(defined(reduced.datasets.get('pre')).nChannels).toBe(2);
    await model.dispose();
  });
});

describe.skipIf(!hasNumpy)('reductions through extract and activation files from other tools (numpy/scipy)', () => {
  it('pca through extract equals numpy PCA of the layer (one fitting batch: exact PCA)', async () => {
    const model = await loadModel(modelFile);
    const ds = defined(
      (
        await model.extract(stimuliFromArray(x, [n, 4]), {
          layers: ['mm1'],
          batchSize: 7,
          reduce: { kind: 'pca', nComponents: 2 },
        })
      ).get('mm1'),
    );
    const want = tinyMlpForward(mlp, x, n).mm1;
    const r = spawnSync(
      'python3',
      [
        '-c',
        `
import sys, json, numpy as np
X = np.array(json.loads(sys.stdin.read())).reshape(${n}, 3)
Xc = X - X.mean(0)
U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
signs = np.sign(Vt[np.arange(3), np.argmax(np.abs(Vt), axis=1)]); Vt = Vt * signs[:, None]
print(json.dumps((Xc @ Vt[:2].T).ravel().tolist()))
`,
      ],
      { input: JSON.stringify(Array.from(want)), encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const ref = JSON.parse(r.stdout) as number[];
    expect([ds.nObs, ds.nChannels]).toEqual([n, 2]);
    for (let i = 0; i < ref.length; i++) expect(ds.measurements.data[i]).toBeCloseTo(ref[i], 4);
    await model.dispose();
  });

  it('reads .npz with a manifest and .mat written by scipy (axes after the first flattened in C order)', () => {
    const sub = join(dir, 'py');
    mkdirSync(sub, { recursive: true });
    const r = spawnSync(
      'python3',
      [
        '-c',
        `
import numpy as np, scipy.io, sys
a = np.arange(5 * 2 * 3, dtype=np.float64).reshape(5, 2, 3) * 0.5
b = np.arange(10, dtype=np.float32).reshape(5, 2)
np.savez(sys.argv[1] + '/feat.npz', arr_0=a, arr_1=b)
scipy.io.savemat(sys.argv[1] + '/feat.mat', {'conv1': a, 'fc': b, 'label': 'x'})
`,
        sub,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const npz = readActivations(join(sub, 'feat.npz'), { conv1: 'arr_0', fc: 'arr_1' });
    expect([...npz.keys()]).toEqual(['conv1', 'fc']);
    expect(defined(npz.get('conv1')).measurements.shape).toEqual([5, 6]);
    expect(defined(npz.get('conv1')).measurements.get(4, 5)).toBe(29 * 0.5);
    const mat = readActivations(join(sub, 'feat.mat'));
    expect([...mat.keys()].sort()).toEqual(['conv1', 'fc']);
    expect(defined(mat.get('conv1')).measurements.get(1, 2)).toBe(8 * 0.5);
    expect(Array.from(defined(mat.get('fc')).measurements.data)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const err = (() => {
      try {
        readActivations(join(sub, 'feat.npz'), { conv1: 'features' });
      } catch (e) {
        return e as Error & { code: string };
      }
    })();
    expect(err?.code).toBe('ERR_IO_NPZ_ENTRY');
    expect(err?.message).toContain("'arr_0'");
  });
});

// h5py: Debian's python3-h5py (/usr/bin/python3) or one on the PATH's python3.
const pythonWithH5py = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import h5py, numpy'], { encoding: 'utf8' }).status === 0,
);

describe.skipIf(!pythonWithH5py)(
  `HDF5 activation files as thingsvision writes them (h5py)${pythonWithH5py ? '' : ' [skipped: no python3 with h5py]'}`,
  () => {
    it('features.hdf5 (one dataset, conv maps flattened in C order), its split form features_NN, and nested datasets by manifest', async () => {
      await loadHdf5();
      const sub = join(dir, 'h5');
      mkdirSync(join(sub, 'split'), { recursive: true });
      const r = spawnSync(
        defined(pythonWithH5py),
        [
          '-c',
          `
import h5py, numpy as np, sys, json
root = sys.argv[1]
conv = (np.arange(7 * 3 * 2 * 2, dtype=np.float32).reshape(7, 3, 2, 2) - 40) / 8
# thingsvision store_features(..., 'hdf5')
with h5py.File(root + '/features.hdf5', 'w') as f: f.create_dataset('features', data=conv)
# thingsvision split_features(..., 'hdf5'): row blocks features_01, features_02, ...
fc = np.sin(np.arange(9 * 4, dtype=np.float64)).reshape(9, 4)
with h5py.File(root + '/split/features.hdf5', 'w') as f:
    for i, (a, b) in enumerate([(0, 4), (4, 6), (6, 9)], 1): f.create_dataset('features_%02d' % i, data=fc[a:b])
# a nested layout, chosen by manifest
with h5py.File(root + '/nested.h5', 'w') as f:
    f.create_dataset('model/layer1', data=fc * 2)
    f.create_dataset('model/names', data=np.array([b'a', b'b']))
print(json.dumps({'conv': conv.reshape(7, -1).tolist(), 'fc': fc.tolist()}))
`,
          sub,
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as { conv: number[][]; fc: number[][] };
      const single = readActivations(join(sub, 'features.hdf5'));
      expect([...single.keys()]).toEqual(['features']);
      const conv = defined(single.get('features')).measurements;
      expect(conv.shape).toEqual([7, 12]);
      expect(conv.toArray()).toEqual(ref.conv);
      const split = readActivations(join(sub, 'split', 'features.hdf5'));
      expect([...split.keys()]).toEqual(['features']);
      // activations are kept as float32
      const f32 = (rows: number[][]) => rows.map((row) => row.map(Math.fround));
      expect(defined(split.get('features')).measurements.toArray()).toEqual(f32(ref.fc));
      const nested = readActivations(join(sub, 'nested.h5'), { layer1: 'model/layer1' });
      expect(defined(nested.get('layer1')).measurements.toArray()).toEqual(
        f32(ref.fc.map((row) => row.map((v) => v * 2))),
      );
      // A string dataset is not a layer; asking for it is a typed error naming it.
      expect(() => readActivations(join(sub, 'nested.h5'), { names: 'model/names' })).toThrow(/model\/names/);
    });
  },
);

describe('a bad image in a later batch (decoded ahead while the network runs)', () => {
  it('fails with a typed error naming the image, and nothing else leaks', async () => {
    const { default: sharp } = await import('sharp');
    const { default: onnxProto } = await import('onnx-proto');
    const { loadStimuli } = await import('./stimuli.ts');
    const vi = (name: string, dims: (number | string)[]) => ({
      name,
      type: {
        tensorType: {
          elemType: 1,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    const flat = join(dir, 'flat.onnx');
    writeFileSync(
      flat,
      onnxProto.onnx.ModelProto.encode({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'flat',
          node: [{ opType: 'Flatten', input: ['x'], output: ['y'] }],
          input: [vi('x', ['N', 3, 2, 2])],
          output: [vi('y', ['N', 12])],
        },
      }).finish(),
    );
    const imgs = join(dir, 'later-bad');
    mkdirSync(imgs);
    for (let k = 0; k < 5; k++) {
      if (k === 3) writeFileSync(join(imgs, `img${k}.png`), 'garbage');
      else
        await sharp(Buffer.alloc(12, k * 10), { raw: { width: 2, height: 2, channels: 3 } })
          .png()
          .toFile(join(imgs, `img${k}.png`));
    }
    const model = await loadModel(flat);
    const err = await model.extract(await loadStimuli(imgs), { layers: ['y'], batchSize: 2 }).catch((e) => e);
    expect(err.code).toBe('ERR_ACTIVATIONS_IMAGE_DECODE');
    expect(err.message).toContain('img3.png');
    await model.dispose();
  });
});
