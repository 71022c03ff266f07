/**
 * Reading a 200 MB BDF (64 channels + Status, 2048 Hz, written by writeBdf into a temp dir): full read, and a
 * 10 s × 8 channel window (time and peak memory, in a fresh process so the full read does not inflate it).
 * MNE 1.3 (Debian python3-mne, /usr/bin/python3) runs the same reads side by side when installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, printRows } from '@concord/core/bench';
import { writeBdf } from './edf/write-edf.ts';
import { Raw } from './raw.ts';

const MNE_PYTHON = '/usr/bin/python3';
const hasMne = spawnSync(MNE_PYTHON, ['-c', 'import mne'], { encoding: 'utf8' }).status === 0;

function mne(script: string): { seconds: number; peakMiB: number } | undefined {
  if (!hasMne) return undefined;
  const r = spawnSync(
    MNE_PYTHON,
    [
      '-c',
      `import resource, time, mne\nmne.set_log_level('ERROR')\n${script}\nprint(best, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)`,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) {
    process.stderr.write(`MNE reference failed: ${r.stderr.split('\n').slice(-3).join(' ')}\n`);
    return undefined;
  }
  const [s, m] = (r.stdout.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { seconds: s, peakMiB: m };
}

const dir = mkdtempSync(join(tmpdir(), 'concord-eeg-bench-'));
try {
  const sfreq = 2048;
  const nEeg = 64;
  const seconds = 512; // 65 channels × 3 bytes × 2048 Hz × 512 s ≈ 204 MB
  const n = sfreq * seconds;
  const names = [...Array.from({ length: nEeg }, (_, c) => `EEG${c + 1}`), 'Status'];
  // a synthetic recording generated on demand (bounded memory while writing)
  const synthetic = new Raw({
    info: {
      chNames: names,
      chTypes: [...names.slice(0, nEeg).map(() => 'eeg' as const), 'stim' as const],
      sfreq,
      units: [...names.slice(0, nEeg).map(() => 'V'), ''],
      measDate: null,
    },
    nTimes: n,
    format: 'array',
    reader: (channels, start, stop, out) => {
      const len = stop - start;
      channels.forEach((c, k) => {
        for (let t = 0; t < len; t++) {
          const i = start + t;
          out[k * len + t] =
            c === nEeg
              ? i % 2048 === 0
                ? (i / 2048) % 8
                : 0
              : 40e-6 * Math.sin(0.001 * i * (c + 1)) + 5e-6 * Math.sin(i * 0.37 + c);
        }
      });
    },
  });
  const path = join(dir, 'big.bdf');
  const t0 = performance.now();
  writeBdf(path, synthetic);
  const size = statSync(path).size;
  process.stdout.write(
    `wrote ${(size / 1e6).toFixed(1)} MB BDF in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  // each measurement in a fresh process: peak memory is VmHWM (/proc/self/status), which exec resets
  const child = (body: string, repeats: number) => {
    const script = `
import { readFileSync } from 'node:fs';
import { readRaw } from './packages/eeg/src/index.ts';
const hwm = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const base = hwm();
let best = Infinity;
for (let r = 0; r < ${repeats}; r++) {
  const t0 = performance.now();
  ${body}
  best = Math.min(best, performance.now() - t0);
}
console.log(JSON.stringify({ seconds: best / 1000, peakMiB: hwm(), baseMiB: base }));
`;
    const w = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '../../..'),
    });
    if (w.status !== 0) throw new Error(w.stderr);
    return JSON.parse(w.stdout.trim().split('\n').pop() ?? '{}') as {
      seconds: number;
      peakMiB: number;
      baseMiB: number;
    };
  };
  const p = JSON.stringify(path);
  const win = child(
    `const m = readRaw(${p}).getData({ picks: [0, 8, 16, 24, 32, 40, 48, 56], start: 200 * 2048, stop: 210 * 2048 }); if (m.cols !== 20480) throw new Error('bad window');`,
    5,
  );
  const mneWin = mne(`
best = 1e9
for _ in range(5):
    t0 = time.perf_counter()
    raw = mne.io.read_raw_bdf(${JSON.stringify(path)}, preload=False)
    d = raw.get_data(picks=[0, 8, 16, 24, 32, 40, 48, 56], start=200 * 2048, stop=210 * 2048)
    best = min(best, time.perf_counter() - t0)
`);

  const fullRun = child(`readRaw(${p}).getData();`, 3);
  const full = fullRun.seconds;
  const fullPeak = fullRun.peakMiB;
  const mneFull = mne(`
best = 1e9
for _ in range(3):
    t0 = time.perf_counter()
    raw = mne.io.read_raw_bdf(${JSON.stringify(path)}, preload=True)
    best = min(best, time.perf_counter() - t0)
    del raw
`);
  const rows: BenchRow[] = [
    {
      name: `full read ${(size / 1e6).toFixed(0)} MB BDF (65 ch × ${n} samples → float64 volts)`,
      seconds: full,
      reference: mneFull?.seconds,
      referenceName: hasMne ? 'MNE 1.3 read_raw_bdf(preload=True)' : 'MNE absent',
      target: 1,
      note: `peak RSS ${fullPeak.toFixed(0)} MiB (node + tsx baseline ${fullRun.baseMiB.toFixed(0)} MiB; result 532 MB)${mneFull ? `; MNE ${mneFull.peakMiB.toFixed(0)} MiB` : ''}`,
    },
    {
      name: 'window 10 s × 8 channels (open + read)',
      seconds: win.seconds,
      reference: mneWin?.seconds,
      referenceName: hasMne ? 'MNE 1.3 preload=False + get_data' : 'MNE absent',
      note: `target < 0.050 s; peak RSS ${win.peakMiB.toFixed(0)} MiB (node + tsx baseline ${win.baseMiB.toFixed(0)} MiB)${mneWin ? `; MNE peak ${mneWin.peakMiB.toFixed(0)} MiB` : ''}`,
    },
  ];
  printRows('EEG: reading a 200 MB BDF', rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
