/**
 * Band-pass filtering 64 channels × 1 h at 512 Hz with MNE's defaults (1–40 Hz: 1691-tap zero-phase FIR, overlap-add
 * FFT), beside MNE 1.3's raw.filter(1, 40) (Debian python3-mne, /usr/bin/python3) when installed.
 * filterRaw uses a second thread only when the 1-minute load average shows a free core; run after other benches,
 * that average still carries their load, so this bench first waits (up to 90 s) for it to settle, as it would on
 * a machine doing nothing else. The note says how many threads the measurement used.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { Matrix, Rng } from '@concord/core';
import { type BenchRow, printRows, timeBest } from '@concord/core/bench';
import { filterRaw } from './preprocessing.ts';
import { Raw } from './raw.ts';

const MNE_PYTHON = '/usr/bin/python3';
const nch = 64;
const sfreq = 512;
const n = sfreq * 3600;
const rng = new Rng(1);
const m = Matrix.zeros(nch, n);
rng.fillNormal(m.data);
for (let i = 0; i < m.data.length; i++) m.data[i] *= 1e-5;
const raw = Raw.fromArray(m, { chNames: Array.from({ length: nch }, (_, c) => `EEG${c}`), sfreq });
for (let waited = 0; waited < 90 && loadavg()[0] > availableParallelism() - 1; waited += 5)
  await new Promise((r) => setTimeout(r, 5000));
const threads = process.env.CONCORD_EEG_THREADS === '1' || loadavg()[0] > availableParallelism() - 1 ? 1 : 2;
const seconds = timeBest(() => filterRaw(raw, 1, 40), 1);
const peak = process.resourceUsage().maxRSS / 1024;

let reference: number | undefined;
let refPeak: number | undefined;
if (spawnSync(MNE_PYTHON, ['-c', 'import mne'], { encoding: 'utf8' }).status === 0) {
  const r = spawnSync(
    MNE_PYTHON,
    [
      '-c',
      `import time, resource, numpy as np, mne
mne.set_log_level('ERROR')
x = np.random.default_rng(1).standard_normal((${nch}, ${n})) * 1e-5
raw = mne.io.RawArray(x, mne.create_info(${nch}, ${sfreq}, 'eeg'))
t0 = time.perf_counter(); raw.filter(1, 40); t = time.perf_counter() - t0
print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)`,
    ],
    { encoding: 'utf8' },
  );
  if (r.status === 0) [reference, refPeak] = r.stdout.trim().split(' ').map(Number);
  else process.stderr.write(`MNE reference failed: ${r.stderr.split('\n').slice(-3).join(' ')}\n`);
}
const rows: BenchRow[] = [
  {
    name: `band-pass 1–40 Hz, ${nch} ch × ${n} samples (1 h at ${sfreq} Hz)`,
    seconds,
    reference,
    referenceName: reference !== undefined ? 'MNE 1.3 raw.filter(1, 40)' : 'MNE absent',
    target: 1,
    note: `${threads} thread${threads > 1 ? 's' : ''} (MNE: 1); peak RSS ${peak.toFixed(0)} MiB${refPeak ? ` (MNE ${refPeak.toFixed(0)} MiB)` : ''}; machine load ${loadavg()[0].toFixed(1)}`,
  },
];
printRows('EEG: FIR band-pass filtering', rows);
