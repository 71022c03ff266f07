/**
 * `pnpm bench io`: reading array files, beside numpy.load / scipy.io.loadmat on the same files (best of 3 each).
 * Activations arrive as big .npy files (float32, tens of MB); EEG and RDM data as MAT files. Reported, not asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { type BenchRow, printRows, timeBest, timePython } from '@concord/core/bench';
import { hasSharedData, sharedData } from '@concord/core/testing';
import { readNpy, writeNpy } from './arrays.ts';
import { loadHdf5 } from './h5wasm-runtime.ts';
import { readMat } from './mat.ts';
import { readNpz, writeNpz } from './npz.ts';
import { readTable, writeTable } from './table.ts';

// MAT v7.3 (HDF5) support is loaded on demand.
await loadHdf5();

const dir = mkdtempSync(join(tmpdir(), 'concord-io-bench-'));
try {
  const rows: BenchRow[] = [];
  const rng = new Rng(1);

  for (const [n, p, dtype, fortran] of [
    [1000, 20000, 'float32', false],
    [1000, 5000, 'float64', false],
    [1000, 5000, 'float64', true],
  ] as const) {
    const data = dtype === 'float32' ? new Float32Array(n * p) : new Float64Array(n * p);
    rng.fillNormal(data);
    const path = join(dir, `x-${dtype}-${fortran ? 'F' : 'C'}.npy`);
    if (fortran) {
      // Written by numpy in Fortran order when python is present; our own writer only writes C order.
      timePython(
        `
import numpy as np
def setup():
    np.save(${JSON.stringify(path)}, np.asfortranarray(np.zeros((${n}, ${p}), dtype=np.${dtype})))
def run(_):
    pass
`,
        1,
      );
    } else writeNpy(path, { data, shape: [n, p] });
    const seconds = timeBest(() => readNpy(path));
    const reference = timePython(`
import numpy as np
def setup():
    return ${JSON.stringify(path)}
def run(p):
    return np.ascontiguousarray(np.load(p))
`);
    rows.push({
      name: `readNpy ${n}x${p} ${dtype}${fortran ? ' Fortran order' : ''} (${((n * p * (dtype === 'float32' ? 4 : 8)) / 2 ** 20).toFixed(0)} MiB)`,
      seconds,
      reference,
      referenceName: 'np.load (+ C order)',
    });
  }

  {
    const a = new Float64Array(2000 * 1000);
    rng.fillNormal(a);
    const path = join(dir, 'z.npz');
    writeNpz(path, { a: { data: a, shape: [2000, 1000] } }, true);
    const seconds = timeBest(() => readNpz(path));
    const reference = timePython(`
import numpy as np
def setup():
    return ${JSON.stringify(path)}
def run(p):
    z = np.load(p); return z['a']
`);
    rows.push({ name: 'readNpz 2000x1000 float64 deflated', seconds, reference, referenceName: 'np.load(npz)' });
  }

  const matCases: [string, string[]][] = [
    [
      'Kriegeskorte 92 images (v5 compressed, 3.6 MB)',
      ['rsa', 'rsatoolbox', '92imageData', 'Kriegeskorte_Neuron2008_supplementalData.mat'],
    ],
    ['EEGLAB test_epochs.set (v5 uncompressed)', ['eeg', 'mne-testing-data', 'EEGLAB', 'test_epochs.set']],
    ['EEGLAB test_raw_hdf5.set (v7.3, 2.4 MB)', ['eeg', 'mne-testing-data', 'EEGLAB', 'test_raw_hdf5.set']],
  ];
  for (const [name, parts] of matCases) {
    if (!hasSharedData(...parts)) continue;
    const path = sharedData(...parts);
    const seconds = timeBest(() => readMat(path));
    const v73 = name.includes('v7.3');
    const reference = v73
      ? undefined
      : timePython(
          `
import scipy.io as sio
def setup():
    return ${JSON.stringify(path)}
def run(p):
    return sio.loadmat(p)
`,
          3,
          ['numpy', 'scipy'],
        );
    rows.push({
      name: `readMat ${name}`,
      seconds,
      reference,
      referenceName: v73 ? 'h5py absent here' : 'scipy.io.loadmat',
      note: v73 ? 'h5wasm' : '',
    });
  }

  {
    const n = 100_000;
    const onset = new Float64Array(n).map((_, i) => i * 0.5);
    const type = Array.from({ length: n }, (_, i) => `cond${i % 13}`);
    const path = join(dir, 'events.tsv');
    writeTable(path, {
      names: ['onset', 'duration', 'trial_type'],
      columns: { onset, duration: onset.map(() => 0.5), trial_type: type },
    });
    const seconds = timeBest(() => readTable(path));
    const reference = timePython(`
import csv
def setup():
    return ${JSON.stringify(path)}
def run(p):
    with open(p, newline='') as f:
        rows = list(csv.reader(f, delimiter='\\t'))
    return [float(r[0]) for r in rows[1:]]
`);
    rows.push({ name: `readTable ${n} rows x 3 (TSV)`, seconds, reference, referenceName: 'python csv + float()' });
  }

  printRows('io: reading files (ratio > 1: Concord faster)', rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
