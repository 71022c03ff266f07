/**
 * Small valid seed files for formats Concord has no writer for (BrainVision, EEGLAB .set as MAT v5), so the fuzzer
 * has seeds on a fresh clone without ../shared/data. Built by hand from the format descriptions.
 */
import type { FuzzSeed } from './formats.ts';

const enc = new TextEncoder();

/** A BrainVision header + markers + data: 3 channels × 200 samples at 500 Hz, INT_16 or IEEE_FLOAT_32. */
export function brainVisionSeed(kind: 'int16' | 'float32'): FuzzSeed {
  const nch = 3;
  const n = 200;
  const vhdr = [
    'Brain Vision Data Exchange Header File Version 1.0',
    '; written by the Concord fuzz harness',
    '',
    '[Common Infos]',
    'Codepage=UTF-8',
    'DataFile=seed.eeg',
    'MarkerFile=seed.vmrk',
    'DataFormat=BINARY',
    `DataOrientation=${kind === 'int16' ? 'MULTIPLEXED' : 'VECTORIZED'}`,
    `NumberOfChannels=${nch}`,
    'SamplingInterval=2000',
    `DataPoints=${n}`,
    '',
    '[Binary Infos]',
    `BinaryFormat=${kind === 'int16' ? 'INT_16' : 'IEEE_FLOAT_32'}`,
    '',
    '[Channel Infos]',
    'Ch1=Fp1,,0.1,µV',
    'Ch2=Fp2,,0.5,µV',
    'Ch3=EOG,,1,mV',
    '',
    '[Coordinates]',
    'Ch1=1,-90,-72',
    'Ch2=1,90,72',
    'Ch3=0,0,0',
    '',
  ].join('\r\n');
  const vmrk = [
    'Brain Vision Data Exchange Marker File, Version 1.0',
    '',
    '[Common Infos]',
    'Codepage=UTF-8',
    'DataFile=seed.eeg',
    '',
    '[Marker Infos]',
    'Mk1=New Segment,,1,1,0,20200101120000000000',
    'Mk2=Stimulus,S  1,40,1,0',
    'Mk3=Response,R  2,120,5,0',
    'Mk4=Comment,a\\1b,150,1,0',
    '',
  ].join('\r\n');
  const data = kind === 'int16' ? new Int16Array(nch * n) : new Float32Array(nch * n);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.sin(i * 0.1) * 300);
  return {
    name: `builder:brainvision-${kind}`,
    main: 'seed.vhdr',
    files: { 'seed.vhdr': enc.encode(vhdr), 'seed.vmrk': enc.encode(vmrk), 'seed.eeg': new Uint8Array(data.buffer) },
  };
}

// ---- MAT v5 (little-endian) ----------------------------------------------------------------------------------------

const MI_INT8 = 1;
const MI_UINT16 = 4;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_SINGLE = 7;
const MI_DOUBLE = 9;
const MI_MATRIX = 14;
const MX_STRUCT = 2;
const MX_CHAR = 4;
const MX_DOUBLE = 6;
const MX_SINGLE = 7;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function element(type: number, payload: Uint8Array): Uint8Array {
  const pad = (8 - (payload.length % 8)) % 8;
  const out = new Uint8Array(8 + payload.length + pad);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, payload.length, true);
  out.set(payload, 8);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A MATLAB value for the builder: number array (column-major values), string, or struct (array). */
type Value =
  | { num: number[]; dims?: number[]; single?: boolean }
  | string
  | { fields: string[]; elements: Record<string, Value>[] };

function matrix(name: string, v: Value): Uint8Array {
  const nameEl = element(MI_INT8, enc.encode(name));
  if (typeof v === 'string') {
    const codes = Uint16Array.from(v, (c) => c.charCodeAt(0));
    return element(
      MI_MATRIX,
      concat([
        element(MI_UINT32, bytesOf(Uint32Array.of(MX_CHAR, 0))),
        element(MI_INT32, bytesOf(Int32Array.of(v.length === 0 ? 0 : 1, v.length))),
        nameEl,
        element(MI_UINT16, bytesOf(codes)),
      ]),
    );
  }
  if ('num' in v) {
    const dims = v.dims ?? [1, v.num.length];
    const data = v.single ? Float32Array.from(v.num) : Float64Array.from(v.num);
    return element(
      MI_MATRIX,
      concat([
        element(MI_UINT32, bytesOf(Uint32Array.of(v.single ? MX_SINGLE : MX_DOUBLE, 0))),
        element(MI_INT32, bytesOf(Int32Array.from(dims))),
        nameEl,
        element(v.single ? MI_SINGLE : MI_DOUBLE, bytesOf(data)),
      ]),
    );
  }
  const fieldBytes = new Uint8Array(32 * v.fields.length);
  v.fields.forEach((f, i) => {
    fieldBytes.set(enc.encode(f), 32 * i);
  });
  const parts = [
    element(MI_UINT32, bytesOf(Uint32Array.of(MX_STRUCT, 0))),
    element(MI_INT32, bytesOf(Int32Array.of(1, v.elements.length))),
    nameEl,
    element(MI_INT32, bytesOf(Int32Array.of(32))),
    element(MI_INT8, fieldBytes),
  ];
  for (const e of v.elements) for (const f of v.fields) parts.push(matrix('', e[f] ?? { num: [], dims: [0, 0] }));
  return element(MI_MATRIX, concat(parts));
}

function matFile(vars: Record<string, Value>): Uint8Array {
  const header = new Uint8Array(128).fill(0x20);
  header.set(enc.encode('MATLAB 5.0 MAT-file, Platform: GLNXA64, written by the Concord fuzz harness'));
  new DataView(header.buffer).setUint16(124, 0x0100, true);
  header.set([0x49, 0x4d], 126);
  return concat([header, ...Object.entries(vars).map(([k, v]) => matrix(k, v))]);
}

/** Fields of the built EEGLAB dataset that tests override (header values that need not match the data). */
export interface EeglabOverrides {
  nbchan?: number;
  srate?: number;
  /** Sample (channel 0-based, time 0-based) set to this value. */
  sample?: { channel: number; time: number; value: number };
  /** Name written into EEG.data for the .fdt variant. */
  fdtName?: string;
  /** Wrap the dataset as EEG.EEG (MNE reads nested structures). */
  nested?: boolean;
}

/** An EEGLAB dataset (MAT v5, uncompressed): 4 channels × 150 samples at 250 Hz, 3 events; data inline or in a .fdt. */
export function eeglabSeed(withFdt: boolean, o: EeglabOverrides = {}): FuzzSeed {
  const nch = 4;
  const pnts = 150;
  const values: number[] = [];
  // MATLAB column-major [nch, pnts]: channel fastest
  for (let t = 0; t < pnts; t++) for (let c = 0; c < nch; c++) values.push(Math.sin(t * 0.05 + c) * 20);
  if (o.sample) values[o.sample.time * nch + o.sample.channel] = o.sample.value;
  const labels = ['Fz', 'Cz', 'Pz', 'EOG'];
  const eeg: Value = {
    fields: ['setname', 'nbchan', 'trials', 'pnts', 'srate', 'xmin', 'data', 'chanlocs', 'event'],
    elements: [
      {
        setname: 'fuzz seed',
        nbchan: { num: [o.nbchan ?? nch] },
        trials: { num: [1] },
        pnts: { num: [pnts] },
        srate: { num: [o.srate ?? 250] },
        xmin: { num: [0] },
        data: withFdt ? (o.fdtName ?? 'seed.fdt') : { num: values, dims: [nch, pnts], single: true },
        chanlocs: {
          fields: ['labels', 'type', 'X', 'Y', 'Z'],
          elements: labels.map((l, i) => ({
            labels: l,
            type: i === 3 ? 'EOG' : 'EEG',
            X: { num: [10 * i] },
            Y: { num: [5 - i] },
            Z: { num: [80] },
          })),
        },
        event: {
          fields: ['type', 'latency', 'duration'],
          elements: [
            { type: 'stim', latency: { num: [11] }, duration: { num: [0] } },
            { type: 'resp', latency: { num: [60.5] }, duration: { num: [3] } },
            { type: 'boundary', latency: { num: [100] }, duration: { num: [Number.NaN] } },
          ],
        },
      },
    ],
  };
  const set = matFile({ EEG: o.nested ? { fields: ['EEG'], elements: [{ EEG: eeg }] } : eeg });
  const files: Record<string, Uint8Array> = { 'seed.set': set };
  if (withFdt) files['seed.fdt'] = bytesOf(Float32Array.from(values));
  return { name: `builder:eeglab-${withFdt ? 'fdt' : 'inline'}`, main: 'seed.set', files };
}

/**
 * The same dataset as MAT v7.3 (HDF5 after a 512-byte MATLAB header; arrays stored transposed, MATLAB_class on
 * every variable): 4 channels × 150 samples inline, one event.
 */
export async function eeglabV73Seed(): Promise<FuzzSeed> {
  const io = await import('@concord/io');
  await io.loadHdf5();
  const nch = 4;
  const pnts = 150;
  const data = new Float32Array(nch * pnts);
  // stored shape [pnts, nch] (MATLAB's [nch, pnts] reversed), C order: channel fastest
  for (let t = 0; t < pnts; t++) for (let c = 0; c < nch; c++) data[t * nch + c] = Math.sin(t * 0.05 + c) * 20;
  const dbl = (v: number) => ({ ...io.hdf5.numeric(Float64Array.of(v), [1, 1]), attrs: { MATLAB_class: 'double' } });
  const chars = (s: string) => ({
    ...io.hdf5.numeric(
      Uint16Array.from(s, (c) => c.charCodeAt(0)),
      [s.length, 1],
    ),
    attrs: { MATLAB_class: 'char' },
  });
  const tree = io.hdf5.group({
    EEG: io.hdf5.group(
      {
        setname: chars('fuzz seed'),
        nbchan: dbl(nch),
        trials: dbl(1),
        pnts: dbl(pnts),
        srate: dbl(250),
        xmin: dbl(0),
        data: { ...io.hdf5.numeric(data, [pnts, nch]), attrs: { MATLAB_class: 'single' } },
        event: io.hdf5.group({ type: chars('stim'), latency: dbl(11), duration: dbl(0) }, { MATLAB_class: 'struct' }),
      },
      { MATLAB_class: 'struct' },
    ),
  });
  const h5 = io.encodeHdf5Tree(tree);
  const header = new Uint8Array(512);
  header.fill(0x20, 0, 116);
  header.set(
    enc.encode('MATLAB 7.3 MAT-file, Platform: GLNXA64, written by the Concord fuzz harness HDF5 schema 1.00 .'),
  );
  new DataView(header.buffer).setUint16(124, 0x0200, true);
  header.set([0x49, 0x4d], 126);
  return { name: 'builder:eeglab-v7.3', main: 'seed73.set', files: { 'seed73.set': concat([header, h5]) } };
}
