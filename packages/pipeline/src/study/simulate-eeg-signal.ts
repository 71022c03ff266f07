/**
 * Simulated EEG with a known time course of representational structure: every trial adds the condition's
 * pattern (channels) times a Gaussian bump peaking at `peak` s after onset, plus a response common to all
 * conditions, on top of white sensor noise and a 10 Hz alpha rhythm of random phase per channel.
 */
import { type Matrix, Rng } from '@concord/core';

export interface SimulatedEeg {
  /** channels × samples, volts. */
  data: Float64Array[];
  sfreq: number;
  chNames: string[];
  /** One per trial: onset (s), condition label, repetition index. */
  events: { onset: number; condition: string; repetition: number }[];
}

export interface EegSimulationOptions {
  sfreq?: number;
  repetitions?: number;
  /** Stimulus onset asynchrony (s) and its jitter (s). */
  soa?: number;
  jitter?: number;
  /** Signal amplitude (V) of the condition-specific patterns (unit-power patterns are scaled by it). */
  amplitude?: number;
  /** Sensor noise standard deviation (V). */
  noise?: number;
  /** Latency (s) and width (s, standard deviation) of the representational bump. */
  peak?: number;
  width?: number;
  seed?: number;
}

/** `patterns`: conditions × channels with unit power (see embedGeometry); `labels` names the conditions. */
export function simulateEeg(patterns: Matrix, labels: string[], opts: EegSimulationOptions = {}): SimulatedEeg {
  const sfreq = opts.sfreq ?? 250;
  const reps = opts.repetitions ?? 6;
  const soa = opts.soa ?? 0.9;
  const jitter = opts.jitter ?? 0.1;
  const amp = opts.amplitude ?? 4e-6;
  const noise = opts.noise ?? 8e-6;
  const peak = opts.peak ?? 0.2;
  const width = opts.width ?? 0.05;
  const rng = new Rng(opts.seed ?? 0);
  const nCond = patterns.rows;
  const nCh = patterns.cols;
  // Trial order: each repetition block presents every condition once, shuffled.
  const events: SimulatedEeg['events'] = [];
  const eventConditions: number[] = []; // row of `patterns` for each event
  let t = 1.0;
  for (let r = 0; r < reps; r++) {
    const order = rng.permutation(nCond);
    for (const c of order) {
      events.push({ onset: Math.round(t * sfreq) / sfreq, condition: labels[c], repetition: r });
      eventConditions.push(c);
      t += soa + rng.uniform(-jitter, jitter);
    }
  }
  const duration = Math.ceil(t + 1.0);
  const nSamples = duration * sfreq;
  const data = Array.from({ length: nCh }, () => new Float64Array(nSamples));
  // Background: white noise + alpha.
  for (let ch = 0; ch < nCh; ch++) {
    const d = data[ch];
    const phase = rng.uniform(0, 2 * Math.PI);
    const alpha = rng.uniform(0.5, 1.5) * noise * 0.5;
    for (let i = 0; i < nSamples; i++)
      d[i] = rng.normal(0, noise) + alpha * Math.sin((2 * Math.PI * 10 * i) / sfreq + phase);
  }
  // Common evoked response (same for all conditions): removed by any pattern-difference measure.
  const common = Array.from({ length: nCh }, () => rng.normal(0, amp));
  const half = Math.ceil((peak + 4 * width) * sfreq);
  for (let ei = 0; ei < events.length; ei++) {
    const c = eventConditions[ei];
    const start = Math.round(events[ei].onset * sfreq);
    for (let k = 0; k < half && start + k < nSamples; k++) {
      const tt = k / sfreq;
      const g = Math.exp(-0.5 * ((tt - peak) / width) ** 2);
      const e = Math.exp(-0.5 * ((tt - 0.1) / 0.03) ** 2) - 0.6 * Math.exp(-0.5 * ((tt - 0.17) / 0.04) ** 2);
      for (let ch = 0; ch < nCh; ch++) data[ch][start + k] += amp * g * patterns.data[c * nCh + ch] + common[ch] * e;
    }
  }
  const chNames = Array.from({ length: nCh }, (_, i) => `EEG${String(i + 1).padStart(3, '0')}`);
  return { data, sfreq, chNames, events };
}
