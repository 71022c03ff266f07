/**
 * `pnpm bench hdf5-tree`: writing and reading rsatoolbox-style RDM files (a float64 dissimilarities dataset plus
 * descriptor groups) with writeHdf5Tree/readHdf5Tree, beside h5py doing the same in the same run (Debian
 * python3-h5py at /usr/bin/python3, or h5py on python3; rows say when absent). Best of 3; reported, not asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { type BenchRow, printRows, timeBest } from '@concord/core/bench';
import { loadHdf5 } from './h5wasm-runtime.ts';
import { type Hdf5TreeGroup, hdf5, readHdf5Tree, writeHdf5Tree } from './hdf5-tree.ts';

// HDF5 support is loaded on demand.
await loadHdf5();

const python = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import h5py, numpy'], { encoding: 'utf8' }).status === 0,
);

/** Best-of-3 seconds of h5py writing (mode 'w') or reading the same layout, or undefined without h5py. */
function timeH5py(path: string, nRdms: number, nCond: number, mode: 'write' | 'read'): number | undefined {
  if (!python) return undefined;
  const script = `
import time, h5py, numpy as np
path = ${JSON.stringify(path)}
d = np.random.default_rng(1).random((${nRdms}, ${(nCond * (nCond - 1)) / 2}))
def write():
    with h5py.File(path + '.py.h5', 'w') as f:
        f.attrs['rsatoolbox_version'] = '0.0.1'
        f.attrs['dissimilarity_measure'] = 'correlation'
        f['dissimilarities'] = d
        f.create_group('descriptors')
        f.create_group('rdm_descriptors')['index'] = np.arange(${nRdms})
        g = f.create_group('pattern_descriptors')
        g['index'] = np.arange(${nCond})
        g['stim'] = np.array(['stim%d' % i for i in range(${nCond})]).astype('S')
def read():
    out = {}
    with h5py.File(path, 'r') as f:
        out['d'] = np.array(f['dissimilarities'])
        out['stim'] = np.array(f['pattern_descriptors/stim']).astype('unicode')
    return out
fn = ${mode === 'write' ? 'write' : 'read'}
best = float('inf')
for _ in range(3):
    t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
print(best)
`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

function rdmTree(nRdms: number, nCond: number, rng: Rng): Hdf5TreeGroup {
  const d = new Float64Array((nRdms * nCond * (nCond - 1)) / 2);
  rng.fillNormal(d);
  return hdf5.group(
    {
      dissimilarities: hdf5.numeric(d, [nRdms, d.length / nRdms]),
      descriptors: hdf5.group(),
      rdm_descriptors: hdf5.group({ index: hdf5.numeric(BigInt64Array.from({ length: nRdms }, (_, i) => BigInt(i))) }),
      pattern_descriptors: hdf5.group({
        index: hdf5.numeric(BigInt64Array.from({ length: nCond }, (_, i) => BigInt(i))),
        stim: hdf5.strings(Array.from({ length: nCond }, (_, i) => `stim${i}`)),
      }),
    },
    { rsatoolbox_version: '0.0.1', dissimilarity_measure: 'correlation' },
  );
}

const dir = mkdtempSync(join(tmpdir(), 'concord-h5tree-bench-'));
try {
  const rows: BenchRow[] = [];
  const rng = new Rng(1);
  for (const [nRdms, nCond] of [
    [100, 100],
    [20, 1000],
  ] as const) {
    const tree = rdmTree(nRdms, nCond, rng);
    const path = join(dir, `rdms-${nRdms}x${nCond}.h5`);
    const mib = ((nRdms * nCond * (nCond - 1)) / 2 / 2 ** 20) * 8;
    const label = `${nRdms} RDMs × ${nCond} conditions (${mib.toFixed(1)} MiB)`;
    rows.push({
      name: `writeHdf5Tree ${label}`,
      seconds: timeBest(() => writeHdf5Tree(path, tree)),
      reference: timeH5py(path, nRdms, nCond, 'write'),
      referenceName: python ? 'h5py write' : 'h5py absent',
    });
    rows.push({
      name: `readHdf5Tree ${label}`,
      seconds: timeBest(() => readHdf5Tree(path)),
      reference: timeH5py(path, nRdms, nCond, 'read'),
      referenceName: python ? 'h5py read' : 'h5py absent',
    });
  }
  printRows('HDF5 RDM files (rsatoolbox layout): h5wasm tree vs h5py', rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
