/**
 * Reading a large 4-D .nii.gz (issue 6 target: ≥ 1.0× nibabel's get_fdata() speed, peak memory < 1.5× the
 * decompressed float32 size; the issue measured nibabel at 4.6–4.8 s and 1,053 MiB peak for 531 MB). nibabel is
 * not installed here, so the side-by-side reference is a numpy proxy, labelled as such: gzip.decompress +
 * np.frombuffer + astype(float64) (what get_fdata does for a float32 file, minus header parsing).
 * Each read runs in a fresh child process; its peak RSS is sampled every 10 ms (and after every volume), so it
 * includes Node's ~50–90 MiB baseline. The generated file is deleted afterwards unless CONCORD_BENCH_KEEP is set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printRows, timePython } from '@concord/core/bench';
import { writeNifti } from './write-nifti.ts';

const shape = [64, 64, 40, 800];
const nvox = shape.reduce((a, b) => a * b, 1);
const path = join(tmpdir(), `concord-bench-4d-${shape.join('x')}.nii.gz`);
if (!existsSync(path)) {
  process.stderr.write(`generating ${path} (${((nvox * 4) / 2 ** 20).toFixed(0)} MiB float32 before compression)...\n`);
  const data = new Float32Array(nvox);
  // smooth signal + noise: compresses like real BOLD rather than like zeros
  let s = 12345;
  for (let i = 0; i < nvox; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = 1000 + 50 * Math.sin(i / 5000) + (s >>> 20) / 64;
  }
  writeNifti(path, { data, shape, tr: 2 });
}
const mib = (nvox * 4) / 2 ** 20;
process.stderr.write(
  `${path}: ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB compressed, ${mib.toFixed(0)} MiB decompressed float32\n`,
);

function child(mode: string): { seconds: number; peakMiB: number } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', new URL('./read-child.ts', import.meta.url).pathname, path, mode],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const whole = child('whole');
const vols = child('volumes');
const proxy = timePython(
  `
import gzip, numpy as np
def setup(): return None
def run(_):
    with open(${JSON.stringify(path)}, 'rb') as f: b = gzip.decompress(f.read())
    return np.frombuffer(b, dtype='<f4', offset=352).astype(np.float64)
`,
  1,
);
// the generated file is ~400 MB: remove it unless asked to keep it for repeated runs
if (!process.env.CONCORD_BENCH_KEEP) rmSync(path, { force: true });
printRows(`reading a 4-D .nii.gz (${shape.join('×')} float32, ${mib.toFixed(0)} MiB decompressed)`, [
  {
    name: 'readNifti (whole image, float32 view)',
    seconds: whole.seconds,
    ...(proxy !== undefined
      ? { reference: proxy, referenceName: 'numpy proxy: gzip.decompress+frombuffer+astype(f8)' }
      : {}),
    target: 1,
    note: `peak RSS ${whole.peakMiB.toFixed(0)} MiB = ${(whole.peakMiB / mib).toFixed(2)}× data (target < 1.5×); nibabel per issue: 4.6–4.8 s, 1,053 MiB for 531 MB`,
  },
  {
    name: 'iterateNiftiVolumes (one volume at a time)',
    seconds: vols.seconds,
    ...(proxy !== undefined ? { reference: proxy, referenceName: 'numpy proxy (whole file)' } : {}),
    note: `peak RSS ${vols.peakMiB.toFixed(0)} MiB`,
  },
]);
