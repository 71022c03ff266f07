/** `concord eeg info FILE [--samples START:COUNT]`: what a recording holds, optionally with a window of samples. */
import { resolve } from 'node:path';
import { readRaw } from '@concord/eeg';
import { type Command, stringOption, UsageError } from '../command.ts';

function parseSamples(spec: string, nTimes: number): { start: number; count: number } {
  const m = /^(\d+):(\d+)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--samples: expected START:COUNT (two non-negative integers), received '${spec}'`);
  const start = Number(m[1]);
  const count = Number(m[2]);
  if (start > nTimes)
    throw new UsageError(`--samples: START ${start} is past the end of the recording (${nTimes} samples)`);
  if (start + count > nTimes)
    throw new UsageError(`--samples: START+COUNT = ${start + count} exceeds the recording's ${nTimes} samples`);
  return { start, count };
}

const eegInfo: Command = {
  name: 'eeg info',
  summary:
    'format, channels, sampling rate, length and annotations of an EEG recording (EDF/BDF/BrainVision/EEGLAB/FIF)',
  positionals: [{ name: 'FILE', description: 'the recording (.edf, .bdf, .vhdr, .ahdr, .set, .fif)' }],
  options: {
    samples: {
      type: 'string',
      value: 'START:COUNT',
      description: 'also print COUNT samples of every channel from sample START ("data": channels × samples)',
    },
  },
  details:
    'Sample values are volts for voltage channels and raw codes for stim/Status channels. Channels are every signal in the file except EDF+/BDF+ annotation signals, names as in the header (padding trimmed, duplicates kept).',
  run(opts, positionals, ctx) {
    const path = resolve(ctx.cwd, positionals[0]);
    const raw = readRaw(path);
    const result: Record<string, unknown> = {
      format: raw.format,
      nChannels: raw.nChannels,
      sfreq: raw.info.sfreq,
      nTimes: raw.nTimes,
      chNames: raw.info.chNames,
      chTypes: raw.info.chTypes,
      annotations: raw.annotations.map((a) => ({ onset: a.onset, duration: a.duration, description: a.description })),
      units: raw.info.units,
      measDate: raw.info.measDate ? raw.info.measDate.toISOString() : null,
      ...(raw.info.fileSfreq ? { fileSfreq: raw.info.fileSfreq } : {}),
      warnings: raw.warnings,
    };
    const spec = stringOption(opts, 'samples');
    if (spec !== undefined) {
      const { start, count } = parseSamples(spec, raw.nTimes);
      const m = raw.getData({ start, stop: start + count });
      result.samples = { start, count };
      result.data = Array.from({ length: m.rows }, (_, i) => Array.from(m.row(i)));
    }
    ctx.output(result, (r: typeof result) => {
      const lines = [
        `${path}: ${r.format}, ${r.nChannels} channels at ${r.sfreq} Hz, ${r.nTimes} samples (${(raw.duration || 0).toFixed(3)} s)`,
        `channels: ${raw.info.chNames.map((n, i) => `${n} (${raw.info.chTypes[i]})`).join(', ')}`,
        `annotations: ${raw.annotations.length}`,
        ...raw.annotations.slice(0, 20).map((a) => `  ${a.onset.toFixed(6)} s  +${a.duration} s  ${a.description}`),
        ...(raw.annotations.length > 20 ? [`  ... ${raw.annotations.length - 20} more`] : []),
        ...raw.warnings.map((w) => `warning: ${w}`),
      ];
      if (r.data) {
        const data = r.data as number[][];
        lines.push(`samples ${spec}:`);
        data.forEach((row, i) => {
          lines.push(`  ${raw.info.chNames[i]}: ${row.join(' ')}`);
        });
      }
      return lines.join('\n');
    });
    return 0;
  },
};

export const eegCommands: Command[] = [eegInfo];
