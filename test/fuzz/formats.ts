/**
 * The fuzz table: one entry per reader. An entry names its seed files (real files from ../shared/data when present,
 * plus files Concord's own writers or a small builder make, so the fuzzer also runs on a fresh clone), how its files
 * are mutated, and how a file is read and checked against the reader's own invariants. Adding a reader (IDX, CIFAR
 * from packages/learning) is one more entry here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Matrix } from '@concord/core';
import { repoPath, sharedData, sharedDataDir } from '@concord/core/testing';
import type { Epochs, Raw } from '@concord/eeg';
import type { MatValue, NdArray } from '@concord/io';
import { LEARNING_FUZZ_FORMATS } from './learning-formats.ts';
import type { MutateOptions } from './mutate.ts';
import { brainVisionSeed, eeglabSeed, eeglabV73Seed } from './seed-builders.ts';

/** A set of files read together (a header and its data files); `main` is the one passed to the reader. */
export interface FuzzSeed {
  name: string;
  main: string;
  files: Record<string, Uint8Array>;
}

export interface FuzzFormat {
  name: string;
  /** Seeds: shared files when present, writer-made ones always. `quick` keeps only small ones (the CI sample). */
  seeds(quick: boolean): Promise<FuzzSeed[]>;
  /** Which file of a seed a case mutates (default: the main file). */
  pickMember?(seed: FuzzSeed, r: number): string;
  mutateOptions(member: string, bytes: Uint8Array): MutateOptions;
  /** Read the case and return the violated invariants (empty when the result is valid); throw what the reader throws. */
  read(main: string, totalBytes: number): Promise<string[]>;
}

const shared = (...p: string[]): string | null => {
  const f = sharedData(...p);
  return existsSync(f) ? f : null;
};
const file = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const binary = (headerEnd: number) => (): MutateOptions => ({ headerEnd, text: false, fixedWidth: false });

/** Shared seeds that exist, each with its companions (same directory). */
function sharedSeeds(entries: { parts: string[]; companions?: string[]; maxQuick?: boolean }[], quick: boolean) {
  const out: FuzzSeed[] = [];
  for (const e of entries) {
    const main = shared(...e.parts);
    if (!main) continue;
    if (quick && e.maxQuick === false) continue;
    const dir = main.slice(0, main.length - basename(main).length);
    const files: Record<string, Uint8Array> = { [basename(main)]: file(main) };
    for (const c of e.companions ?? []) if (existsSync(join(dir, c))) files[c] = file(join(dir, c));
    out.push({ name: `shared:${e.parts.join('/')}`, main: basename(main), files });
  }
  return out;
}

// ---- invariants -------------------------------------------------------------------------------------------------

/** Largest number of values we read back in one go when checking samples (bounded memory in the harness). */
const MAX_CHECKED_VALUES = 4_000_000;

function checkFinite(values: ArrayLike<number>, what: string, out: string[]): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      out.push(`${what}: non-finite value ${values[i]} at ${i}`);
      return;
    }
  }
}

/** A Raw's invariants: finite sfreq > 0, counts consistent with the bytes read, finite annotations inside it, finite samples. */
export function checkRaw(raw: Raw, totalBytes: number, expansion: number): string[] {
  const v: string[] = [];
  const { sfreq, chNames, chTypes, units } = raw.info;
  const nch = chNames.length;
  if (!(Number.isFinite(sfreq) && sfreq > 0)) v.push(`sfreq ${sfreq}`);
  if (!Number.isSafeInteger(raw.nTimes) || raw.nTimes < 0) v.push(`nTimes ${raw.nTimes}`);
  if (chTypes.length !== nch || units.length !== nch) v.push('chTypes/units do not match chNames');
  const budget = totalBytes * expansion;
  if (raw.nTimes > budget) v.push(`nTimes ${raw.nTimes} exceeds what ${totalBytes} bytes can hold`);
  if (nch > budget) v.push(`${nch} channels exceed what ${totalBytes} bytes can hold`);
  if (v.length) return v;
  const duration = raw.nTimes / sfreq;
  for (const a of raw.annotations) {
    if (!(Number.isFinite(a.onset) && Number.isFinite(a.duration) && a.duration >= 0)) {
      v.push(`annotation ${JSON.stringify(a)} is not finite`);
      break;
    }
    // an annotation-only recording (EDF+ hypnogram: no channels, no samples) keeps every annotation it holds
    if (nch > 0 && (a.onset < 0 || a.onset > duration + 1e-9 * Math.max(1, duration))) {
      v.push(`annotation onset ${a.onset} outside the recording [0, ${duration}]`);
      break;
    }
  }
  if (nch === 0 || raw.nTimes === 0) return v;
  const perChunk = Math.max(1, Math.floor(MAX_CHECKED_VALUES / nch));
  // the first and the last window (a whole read when small)
  const windows =
    raw.nTimes <= 2 * perChunk
      ? [[0, raw.nTimes]]
      : [
          [0, perChunk],
          [raw.nTimes - perChunk, raw.nTimes],
        ];
  for (const [start, stop] of windows) {
    const m = raw.getData({ start, stop });
    checkFinite(m.data, `samples [${start}, ${stop})`, v);
  }
  return v;
}

function checkEpochs(ep: Epochs, totalBytes: number, expansion: number): string[] {
  const v: string[] = [];
  const sfreq = ep.info.sfreq;
  if (!(Number.isFinite(sfreq) && sfreq > 0)) v.push(`sfreq ${sfreq}`);
  if (ep.data.length > totalBytes * expansion) v.push(`${ep.data.length} values from ${totalBytes} bytes`);
  checkFinite(ep.data, 'epochs data', v);
  checkFinite(ep.times, 'epochs times', v);
  return v;
}

function checkNd(a: NdArray, totalBytes: number, expansion: number, what: string, v: string[]): void {
  if (!a.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) v.push(`${what}: shape ${a.shape}`);
  const n = a.shape.reduce((p, d) => p * d, 1);
  if (n !== a.data.length) v.push(`${what}: shape ${a.shape} but ${a.data.length} values`);
  if (a.data.length > totalBytes * expansion) v.push(`${what}: ${a.data.length} values from ${totalBytes} bytes`);
}

function checkMatValue(x: MatValue, totalBytes: number, path: string, v: string[], depth = 0): void {
  if (depth > 100) return;
  if (typeof x === 'string' || Array.isArray(x)) return;
  if ('data' in x && 'matlabClass' in x) {
    checkNd(x as NdArray, totalBytes, 1100, path, v);
    return;
  }
  if ('cell' in x && Array.isArray(x.cell)) {
    x.cell.forEach((c, i) => {
      checkMatValue(c as MatValue, totalBytes, `${path}{${i}}`, v, depth + 1);
    });
    return;
  }
  if ('structs' in x && Array.isArray(x.structs)) {
    for (const s of x.structs as Record<string, MatValue>[])
      for (const [k, f] of Object.entries(s)) checkMatValue(f, totalBytes, `${path}.${k}`, v, depth + 1);
    return;
  }
  for (const [k, f] of Object.entries(x as Record<string, MatValue>))
    checkMatValue(f, totalBytes, `${path}.${k}`, v, depth + 1);
}

// ---- the table --------------------------------------------------------------------------------------------------

async function eeg() {
  return import('@concord/eeg');
}

/** EDF/BDF header size from the file's own field (256 × (1 + ns)), bounded by the file. */
function edfHeaderEnd(bytes: Uint8Array): number {
  const ns = Number(new TextDecoder('latin1').decode(bytes.subarray(252, 256)).trim());
  return Math.min(bytes.length, Number.isFinite(ns) && ns >= 0 ? 256 * (ns + 1) : 256);
}

function edfFormat(kind: 'edf' | 'bdf'): FuzzFormat {
  return {
    name: kind,
    async seeds(quick) {
      const { writeEdf, writeBdf } = await eeg();
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const dir = mkdtempSync(join(tmpdir(), 'concord-fuzz-seed-'));
      const out: FuzzSeed[] = [];
      try {
        const m = Matrix.zeros(3, 500);
        for (let i = 0; i < 1000; i++) m.data[i] = Math.sin(i * 0.07) * 5e-5;
        for (let i = 1000; i < 1500; i += 50) m.data[i] = (i / 50) % 4; // the stim channel: codes
        const src = {
          data: m,
          sfreq: 100,
          chNames: ['Fz', 'Cz', 'Status'],
          chTypes: ['eeg', 'eeg', 'stim'] as ('eeg' | 'stim')[],
          annotations: [
            { onset: 0.5, duration: 0.25, description: 'stimulus/A' },
            { onset: 3.25, duration: 0, description: 'response' },
          ],
        };
        const p = join(dir, `seed.${kind}`);
        (kind === 'edf' ? writeEdf : writeBdf)(p, src);
        out.push({ name: `writer:${kind}`, main: `seed.${kind}`, files: { [`seed.${kind}`]: file(p) } });
        // uneven rates: a record of 2 s holds 200 and 50 samples
        const p2 = join(dir, `uneven.${kind}`);
        (kind === 'edf' ? writeEdf : writeBdf)(p2, { data: Matrix.zeros(1, 400), sfreq: 100, chNames: ['a'] });
        out.push({ name: `writer:${kind}-plain`, main: `uneven.${kind}`, files: { [`uneven.${kind}`]: file(p2) } });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const sharedList =
        kind === 'edf'
          ? [
              { parts: ['eeg', 'mne-python', 'edf', 'test_uneven_samp.edf'] },
              { parts: ['eeg', 'mne-python', 'edf', 'duplicate_channel_labels.edf'] },
              { parts: ['eeg', 'mne-testing-data', 'EDF', 'SC4001EC-Hypnogram.edf'] },
              { parts: ['eeg', 'mne-testing-data', 'EDF', 'subsecond_starttime.edf'] },
              { parts: ['eeg', 'mne-python', 'edf', 'test_edf_stim_channel.edf'] },
              { parts: ['eeg', 'mne-python', 'edf', 'test.edf'], maxQuick: false },
            ]
          : [
              { parts: ['eeg', 'mne-python', 'edf', 'test_bdf_stim_channel.bdf'] },
              { parts: ['eeg', 'mne-python', 'edf', 'test.bdf'], maxQuick: false },
            ];
      return [...out, ...sharedSeeds(sharedList, quick)];
    },
    mutateOptions: (_member, bytes) => ({ headerEnd: edfHeaderEnd(bytes), text: true, fixedWidth: true }),
    async read(main, total) {
      const { readRawEdf } = await eeg();
      return checkRaw(readRawEdf(main), total, 1);
    },
  };
}

const brainvision: FuzzFormat = {
  name: 'brainvision',
  async seeds(quick) {
    return [
      brainVisionSeed('int16'),
      brainVisionSeed('float32'),
      ...sharedSeeds(
        [
          { parts: ['eeg', 'mne-python', 'brainvision', 'test.vhdr'], companions: ['test.vmrk', 'test.eeg'] },
          {
            parts: ['eeg', 'mne-python', 'brainvision', 'test_old_layout_latin1_software_filter.vhdr'],
            companions: ['test_old_layout_latin1_software_filter.vmrk', 'test_old_layout_latin1_software_filter.eeg'],
          },
          {
            parts: ['eeg', 'mne-testing-data', 'Brainvision', 'Analyzer_nV_Export.vhdr'],
            companions: ['Analyzer_nV_Export.vmrk', 'Analyzer_nV_Export.eeg'],
          },
          {
            parts: ['eeg', 'mne-testing-data', 'Brainvision', 'test_VAmp.ahdr'],
            companions: ['test_VAmp.amrk', 'test_VAmp.eeg'],
          },
        ],
        quick,
      ),
    ];
  },
  pickMember(seed, r) {
    const names = Object.keys(seed.files);
    const others = names.filter((n) => n !== seed.main);
    // the header half of the time, the marker and data files the other half
    return r < 0.5 || others.length === 0 ? seed.main : others[Math.floor(((r - 0.5) / 0.5) * others.length)];
  },
  mutateOptions: (member, bytes) =>
    /\.(eeg)$/i.test(member)
      ? { headerEnd: bytes.length, text: false, fixedWidth: false }
      : { headerEnd: bytes.length, text: true, fixedWidth: false },
  async read(main, total) {
    const { readRawBrainVision } = await eeg();
    return checkRaw(readRawBrainVision(main), total, 1);
  },
};

function eeglabFormat(version: 'v5' | 'v7.3'): FuzzFormat {
  return {
    name: version === 'v5' ? 'eeglab' : 'eeglab-v7.3',
    async seeds(quick) {
      const EL = ['eeg', 'mne-testing-data', 'EEGLAB'];
      // the shared v7.3 sets keep their data in a 3.9 MB .fdt (too slow to rewrite per case): a built seed instead
      if (version === 'v7.3') return [await eeglabV73Seed()];
      return [
        eeglabSeed(false),
        eeglabSeed(true),
        ...sharedSeeds(
          [
            { parts: [...EL, 'test_raw_event_duration.set'] },
            { parts: [...EL, 'test_raw_chanloc.set'], companions: ['test_raw_chanloc.fdt'], maxQuick: false },
            { parts: [...EL, 'test_epochs.set'], companions: ['test_epochs.fdt'], maxQuick: false },
          ],
          quick,
        ),
      ];
    },
    pickMember(seed, r) {
      const fdt = Object.keys(seed.files).find((n) => n.endsWith('.fdt'));
      return fdt && r > 0.8 ? fdt : seed.main;
    },
    mutateOptions: (member, bytes) => ({
      headerEnd: member.endsWith('.fdt') ? bytes.length : Math.min(bytes.length, 64 << 10),
      text: false,
      fixedWidth: false,
    }),
    async read(main, total) {
      const { readRawEeglab, readEpochsEeglab } = await eeg();
      if (version === 'v7.3') {
        const { loadHdf5 } = await import('@concord/io');
        await loadHdf5();
      }
      let raw: Raw;
      try {
        raw = readRawEeglab(main);
      } catch (e) {
        if ((e as { details?: { field?: string } }).details?.field === 'EEG.trials')
          return checkEpochs(readEpochsEeglab(main), total, 1100);
        throw e;
      }
      return checkRaw(raw, total, 1100);
    },
  };
}

const fif: FuzzFormat = {
  name: 'fif',
  async seeds() {
    return sharedSeeds(
      [
        { parts: ['eeg', 'mne-python', 'brainvision', 'test_bin_raw.fif'] },
        { parts: ['eeg', 'mne-testing-data', 'misc', 'neuromag122_test_file-raw.fif'] },
      ],
      false,
    );
  },
  mutateOptions: binary(32 << 10),
  async read(main, total) {
    const { readRawFif } = await eeg();
    // skips stand for samples without bytes: the reader allows 1000× the stored samples (or 10^6)
    return checkRaw(readRawFif(main), total, 1000 + 1e6 / total);
  },
};

function niftiFormat(gz: boolean): FuzzFormat {
  return {
    name: gz ? 'nifti-gz' : 'nifti',
    async seeds(quick) {
      const { encodeNifti1 } = await import('@concord/fmri');
      const data = new Int16Array(6 * 5 * 4 * 3);
      for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 1000;
      const bytes = encodeNifti1({
        data,
        shape: [6, 5, 4, 3],
        affine: [
          [2, 0, 0, -6],
          [0, 2, 0, -5],
          [0, 0, 2.5, -4],
          [0, 0, 0, 1],
        ],
        sclSlope: 0.5,
        sclInter: 10,
      } as Parameters<typeof encodeNifti1>[0]);
      const writer: FuzzSeed = {
        name: `writer:nifti${gz ? '.gz' : ''}`,
        main: gz ? 'seed.nii.gz' : 'seed.nii',
        files: { [gz ? 'seed.nii.gz' : 'seed.nii']: gz ? new Uint8Array(gzipSync(bytes)) : bytes },
      };
      const N = ['nifti', 'nibabel'];
      const list = gz
        ? [
            { parts: [...N, 'standard.nii.gz'] },
            { parts: ['nifti', 'pymvpa-example', 'mask.nii.gz'] },
            { parts: ['nifti', 'nifti-reader-js', 'with_extension.nii.gz'], maxQuick: false },
          ]
        : [
            { parts: [...N, 'functional.nii'] },
            { parts: [...N, 'resampled_anat_moved.nii'] },
            { parts: ['nifti', 'nifti-reader-js', '5D_small.nii'] },
            { parts: [...N, 'anatomical.nii'], maxQuick: false },
          ];
      return [writer, ...sharedSeeds(list, quick)];
    },
    mutateOptions: (_m, bytes) => ({ headerEnd: gz ? bytes.length : 352, text: false, fixedWidth: false }),
    async read(main, total) {
      const { readNifti, readNiftiSync } = await import('@concord/fmri');
      const v: string[] = [];
      let syncError: unknown;
      let syncImage: Awaited<ReturnType<typeof readNifti>> | undefined;
      try {
        syncImage = readNiftiSync(main);
      } catch (e) {
        syncError = e;
      }
      let streamError: unknown;
      let streamImage: Awaited<ReturnType<typeof readNifti>> | undefined;
      try {
        streamImage = await readNifti(main);
      } catch (e) {
        streamError = e;
      }
      if (syncError && streamError) throw syncError;
      if (syncError || streamError)
        return [
          `the ${syncError ? 'streaming' : 'synchronous'} reader accepts what the other rejects: ${String(syncError ?? streamError)}`,
        ];
      for (const [img, which] of [
        [syncImage, 'sync'],
        [streamImage, 'stream'],
      ] as const) {
        if (!img) continue;
        const shape = img.shape;
        if (!shape.every((d) => Number.isSafeInteger(d) && d >= 1)) v.push(`${which}: shape ${shape}`);
        const data = img.getData();
        const n = shape.reduce((p, d) => p * d, 1);
        if (data.length !== n) v.push(`${which}: ${data.length} values for shape ${shape}`);
        if (n > total * (gz ? 1100 : 1)) v.push(`${which}: ${n} voxels from ${total} bytes`);
      }
      if (syncImage && streamImage) {
        const a = syncImage.getData();
        const b = streamImage.getData();
        for (let i = 0; i < a.length; i++)
          if (!Object.is(a[i], b[i])) {
            v.push(`sync and streaming readers differ at voxel ${i}`);
            break;
          }
      }
      return v;
    },
  };
}

function fixtures(pattern: RegExp): FuzzSeed[] {
  const dir = repoPath('data', 'fixtures', 'io');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => ({ name: `fixture:${n}`, main: n, files: { [n]: file(join(dir, n)) } }));
}

const npy: FuzzFormat = {
  name: 'npy',
  async seeds() {
    return fixtures(/\.npy$/);
  },
  mutateOptions: binary(128),
  async read(main, total) {
    const { readNpy } = await import('@concord/io');
    const v: string[] = [];
    checkNd(readNpy(main), total, 1, 'array', v);
    return v;
  },
};

const npz: FuzzFormat = {
  name: 'npz',
  async seeds() {
    const { encodeNpz } = await import('@concord/io');
    const a = { data: Float64Array.from({ length: 24 }, (_, i) => i / 7), shape: [4, 6] };
    const b = { data: Int32Array.from({ length: 5 }, (_, i) => i - 2), shape: [5] };
    return [
      ...fixtures(/\.npz$/),
      { name: 'writer:npz-deflated', main: 'w.npz', files: { 'w.npz': encodeNpz({ a, b }, true) } },
    ];
  },
  mutateOptions: (_m, bytes) => ({ headerEnd: bytes.length, text: false, fixedWidth: false }),
  async read(main, total) {
    const { readNpz } = await import('@concord/io');
    const v: string[] = [];
    for (const [k, a] of Object.entries(readNpz(main))) checkNd(a, total, 1100, k, v);
    return v;
  },
};

const mat5: FuzzFormat = {
  name: 'mat-v5',
  async seeds(quick) {
    return [
      ...fixtures(/\.mat$/),
      ...sharedSeeds([{ parts: ['eeg', 'mne-python', 'edf', 'test_uneven_samp.mat'], maxQuick: false }], quick),
    ];
  },
  mutateOptions: binary(1024),
  async read(main, total) {
    const { readMat } = await import('@concord/io');
    const v: string[] = [];
    for (const [k, x] of Object.entries(readMat(main))) checkMatValue(x, total, k, v);
    return v;
  },
};

const hdf5: FuzzFormat = {
  name: 'hdf5',
  async seeds() {
    const io = await import('@concord/io');
    await io.loadHdf5();
    const tree = io.hdf5.group({
      rdm: io.hdf5.numeric(
        Float64Array.from({ length: 15 }, (_, i) => i * 0.5),
        [15],
      ),
      labels: io.hdf5.strings(['a', 'bb', 'ccc']),
      sub: io.hdf5.group(
        {
          m: io.hdf5.numeric(
            Int32Array.from({ length: 6 }, (_, i) => i),
            [2, 3],
          ),
        },
        { note: 'x' },
      ),
    });
    return [{ name: 'writer:hdf5', main: 'seed.h5', files: { 'seed.h5': io.encodeHdf5Tree(tree) } }];
  },
  mutateOptions: binary(2048),
  async read(main, total) {
    const io = await import('@concord/io');
    await io.loadHdf5();
    const v: string[] = [];
    for (const [k, d] of Object.entries(io.readHdf5(main))) {
      if (!d.data) continue;
      const n = d.shape.reduce((p, s) => p * s, 1);
      if (n !== d.data.length) v.push(`${k}: shape ${d.shape} but ${d.data.length} values`);
      if (d.data.length > total * 1100) v.push(`${k}: ${d.data.length} values from ${total} bytes`);
    }
    return v;
  },
};

const onnx: FuzzFormat = {
  name: 'onnx',
  async seeds() {
    const { syntheticConvNet } = await import('../../packages/activations/src/test-models.ts');
    return [{ name: 'writer:onnx-cnn', main: 'net.onnx', files: { 'net.onnx': syntheticConvNet(8, 2, 3, 4) } }];
  },
  mutateOptions: (_m, bytes) => ({ headerEnd: bytes.length, text: false, fixedWidth: false }),
  async read(main) {
    const { loadOnnxModel } = await import('@concord/activations');
    const model = await loadOnnxModel(main);
    const v: string[] = [];
    if (model.inputs.length === 0) v.push('model with no inputs accepted');
    await model.dispose();
    return v;
  },
};

export const FUZZ_FORMATS: FuzzFormat[] = [
  edfFormat('edf'),
  edfFormat('bdf'),
  brainvision,
  eeglabFormat('v5'),
  eeglabFormat('v7.3'),
  fif,
  niftiFormat(false),
  niftiFormat(true),
  npy,
  npz,
  mat5,
  hdf5,
  onnx,
  ...LEARNING_FUZZ_FORMATS,
];

export function fuzzFormat(name: string): FuzzFormat {
  const f = FUZZ_FORMATS.find((x) => x.name === name);
  if (!f) throw new Error(`unknown fuzz format '${name}' (known: ${FUZZ_FORMATS.map((x) => x.name).join(', ')})`);
  return f;
}

export { sharedDataDir };
