/**
 * FIF under corrupt input (root causes the fuzzer found): tags shorter than their type, non-finite sampling rates
 * and calibrations (and, in the reader, NaN float samples and absurd skips) are typed errors naming the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConcordError } from '@concord/core';
import { describeWithSharedData, sharedData } from '@concord/core/testing';
import { afterAll, expect, it } from 'vitest';
import { EEG_ERRORS } from '../errors.ts';
import { readRawFif } from './read-fif.ts';
import { FIFF } from './tags.ts';

const SOURCE = ['eeg', 'mne-python', 'brainvision', 'test_bin_raw.fif'];
const dir = mkdtempSync(join(tmpdir(), 'concord-fif-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TagAt {
  pos: number;
  kind: number;
  type: number;
  size: number;
}

/** The file's tags in order (each tag header is big-endian kind, type, size, next). */
function tags(bytes: Buffer): TagAt[] {
  const out: TagAt[] = [];
  let pos = 0;
  while (pos + 16 <= bytes.length) {
    const t = { pos, kind: bytes.readInt32BE(pos), type: bytes.readInt32BE(pos + 4), size: bytes.readInt32BE(pos + 8) };
    out.push(t);
    const next = bytes.readInt32BE(pos + 12);
    if (next === -1) break;
    pos = next > 0 ? next : pos + 16 + t.size;
  }
  return out;
}

function expectTyped(path: string, where: RegExp): void {
  let err: unknown;
  try {
    readRawFif(path).getData();
  } catch (e) {
    err = e;
  }
  expect(isConcordError(err), `not a Concord error: ${String(err)}`).toBe(true);
  const e = err as Error & { code: string };
  expect(e.code).toBe(EEG_ERRORS.badHeader);
  expect(e.message).toContain(path);
  expect(e.message).toMatch(where);
}

describeWithSharedData(SOURCE, 'FIF tags and values that used to escape as RangeErrors or non-finite data', () => {
  const original = () => Buffer.from(readFileSync(sharedData(...SOURCE)));

  it('an FIFF_SFREQ tag of 2 bytes (a float needs 4) is a typed error, not a DataView RangeError', () => {
    const b = original();
    const t = tags(b).find((x) => x.kind === FIFF.SFREQ);
    expect(t).toBeDefined();
    if (!t) return;
    // shrink the tag, keeping the chain intact through an explicit next pointer
    b.writeInt32BE(2, t.pos + 8);
    b.writeInt32BE(t.pos + 16 + t.size, t.pos + 12);
    const p = join(dir, 'short-sfreq.fif');
    writeFileSync(p, b);
    expectTyped(p, /tag kind 201 has 2 data bytes/);
  });

  it('an infinite sampling rate is a typed error', () => {
    const b = original();
    const t = tags(b).find((x) => x.kind === FIFF.SFREQ);
    if (!t) throw new Error('no FIFF_SFREQ tag');
    b.writeFloatBE(Number.POSITIVE_INFINITY, t.pos + 16);
    const p = join(dir, 'inf-sfreq.fif');
    writeFileSync(p, b);
    expectTyped(p, /FIFF_SFREQ/);
  });

  it('a NaN channel calibration (every sample of the channel non-finite) is a typed error', () => {
    const b = original();
    const t = tags(b).find((x) => x.kind === FIFF.CH_INFO);
    if (!t) throw new Error('no channel info');
    b.writeFloatBE(Number.NaN, t.pos + 16 + 16); // the chinfo struct's cal
    const p = join(dir, 'nan-cal.fif');
    writeFileSync(p, b);
    expectTyped(p, /calibration/);
  });
});
