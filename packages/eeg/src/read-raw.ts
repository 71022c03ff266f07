/** `readRaw(path)`: choose the reader by file extension (a table, so an unknown extension lists the known ones). */
import { extname } from 'node:path';
import { FileFormatError } from '@concord/core';
import { readRawBrainVision } from './brainvision.ts';
import { readRawEdf } from './edf/read-edf.ts';
import { readRawEeglab } from './eeglab.ts';
import { EEG_ERRORS } from './errors.ts';
import { readRawFif } from './fif/read-fif.ts';
import { checkedFileSize } from './file-access.ts';
import type { Raw } from './raw.ts';

type RawReader = (path: string) => Raw;

const READERS: Record<string, RawReader> = {
  '.edf': readRawEdf,
  '.bdf': readRawEdf,
  '.vhdr': readRawBrainVision,
  '.ahdr': readRawBrainVision,
  '.set': readRawEeglab,
  '.fif': readRawFif,
};

/** Register a reader for an extension (used by the format modules below; keeps this table the one dispatch point). */
export function registerRawReader(ext: string, reader: RawReader): void {
  READERS[ext.toLowerCase()] = reader;
}

export function knownRawExtensions(): string[] {
  return Object.keys(READERS).sort();
}

export function readRaw(path: string): Raw {
  const ext = extname(path).toLowerCase();
  const reader = READERS[ext];
  if (!reader) {
    checkedFileSize(path);
    throw new FileFormatError(
      EEG_ERRORS.unknownFormat,
      path,
      `unknown EEG file extension '${ext}'; known: ${knownRawExtensions().join(', ')}`,
      { field: 'extension' },
    );
  }
  return reader(path);
}
