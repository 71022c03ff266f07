/**
 * Test helper (not exported): compare a Raw with the `<file>.mne.json` reference written by MNE 1.3
 * (see ../shared/data/MANIFEST.md). Tolerance: 1e-9 relative, or 1e-9 of the channel's quantisation step for
 * values near zero.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Raw } from './raw.ts';

export interface MneReference {
  n_channels: number;
  sfreq: number;
  n_times: number;
  first_samp?: number;
  ch_names: string[];
  ch_types: string[];
  first5_samples_ch0_volts: number[];
  last5_samples_ch0_volts: number[];
  first5_samples_first5_channels: Record<string, number[]>;
  sample_at_index_100_all_channels: number[];
  per_channel_mean: number[];
  per_channel_std: number[];
  per_channel_min: number[];
  per_channel_max: number[];
  annotations: {
    count: number;
    onset_s: number[];
    duration_s: number[];
    description: string[];
    truncated_to: number | null;
  };
  events_find_events?: { events: number[][]; call: string };
  events_from_annotations?: { count: number; events: number[][]; event_id: Record<string, number> };
  warnings: string[];
}

export function loadMneReference(path: string): MneReference {
  return JSON.parse(readFileSync(`${path}.mne.json`, 'utf8')) as MneReference;
}

export function expectClose(actual: number, expected: number, scale: number, what: string): void {
  const tol = 1e-9 * Math.max(Math.abs(expected), scale);
  if (!(Math.abs(actual - expected) <= tol)) {
    expect.fail(
      `${what}: ${actual} differs from MNE's ${expected} by ${Math.abs(actual - expected)} (tolerance ${tol})`,
    );
  }
}

/** Per-channel mean, population std, min and max (as numpy's defaults). */
export function channelStats(raw: Raw): { mean: number[]; std: number[]; min: number[]; max: number[] } {
  const d = raw.getData();
  const n = d.cols;
  const mean: number[] = [];
  const std: number[] = [];
  const min: number[] = [];
  const max: number[] = [];
  for (let c = 0; c < d.rows; c++) {
    let s = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = 0; t < n; t++) {
      const v = d.data[c * n + t];
      s += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const m = s / n;
    let ss = 0;
    for (let t = 0; t < n; t++) ss += (d.data[c * n + t] - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(ss / n));
    min.push(lo);
    max.push(hi);
  }
  return { mean, std, min, max };
}

/**
 * Check sizes, names, types, samples, statistics and annotations against MNE. `scales[c]` is channel c's
 * quantisation step (absolute tolerance floor); `skipChannels` are compared elsewhere (documented differences).
 */
export function expectMatchesMne(
  raw: Raw,
  ref: MneReference,
  opts: { scales: number[]; names?: string[]; skipChannels?: number[] },
): void {
  expect(raw.nChannels).toBe(ref.n_channels);
  expect(raw.info.sfreq).toBe(ref.sfreq);
  expect(raw.nTimes).toBe(ref.n_times);
  expect(raw.info.chNames).toEqual(opts.names ?? ref.ch_names);
  expect(raw.info.chTypes).toEqual(ref.ch_types);
  const skip = new Set(opts.skipChannels ?? []);
  const q = opts.scales;
  const d = raw.getData();
  const n = d.cols;
  if (!skip.has(0)) {
    ref.first5_samples_ch0_volts.forEach((v, t) => {
      expectClose(d.data[t], v, q[0], `channel 0 sample ${t}`);
    });
    const last = ref.last5_samples_ch0_volts;
    last.forEach((v, t) => {
      expectClose(d.data[n - last.length + t], v, q[0], `channel 0 sample ${n - last.length + t}`);
    });
  }
  Object.values(ref.first5_samples_first5_channels).forEach((vals, c) => {
    if (!skip.has(c))
      vals.forEach((v, t) => {
        expectClose(d.data[c * n + t], v, q[c], `channel ${c} sample ${t}`);
      });
  });
  if (n > 100) {
    ref.sample_at_index_100_all_channels.forEach((v, c) => {
      if (!skip.has(c)) expectClose(d.data[c * n + 100], v, q[c], `channel ${c} sample 100`);
    });
  }
  const st = channelStats(raw);
  for (let c = 0; c < raw.nChannels; c++) {
    if (skip.has(c)) continue;
    // sums over thousands of samples: allow the float rounding of the summation (1e-9 of the spread)
    expectClose(st.mean[c], ref.per_channel_mean[c], q[c] + ref.per_channel_std[c], `channel ${c} mean`);
    // a constant channel's std is summation rounding of its mean: allow 1e-12 of |mean|
    expectClose(st.std[c], ref.per_channel_std[c], q[c] + Math.abs(ref.per_channel_mean[c]) * 1e-3, `channel ${c} std`);
    expectClose(st.min[c], ref.per_channel_min[c], q[c], `channel ${c} min`);
    expectClose(st.max[c], ref.per_channel_max[c], q[c], `channel ${c} max`);
  }
  expectAnnotationsMatch(raw.annotations, ref.annotations);
}

export function expectAnnotationsMatch(
  ann: { onset: number; duration: number; description: string }[],
  ref: MneReference['annotations'],
): void {
  const count = ref.truncated_to ?? ref.count;
  expect(ann.length).toBe(ref.count);
  for (let i = 0; i < Math.min(count, ref.onset_s.length); i++) {
    expect(ann[i].description).toBe(ref.description[i]);
    expectClose(ann[i].onset, ref.onset_s[i], 1e-6, `annotation ${i} onset`);
    expectClose(ann[i].duration, ref.duration_s[i], 1e-6, `annotation ${i} duration`);
  }
}
