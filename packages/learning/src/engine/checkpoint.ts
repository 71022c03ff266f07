/**
 * Per-epoch checkpoints: a small binary container (magic 'CONCORD-CKPT1\n', a uint32 little-endian header length,
 * a JSON header, then the raw little-endian arrays it lists), written to a temp file and renamed so an interruption
 * never leaves a half-written checkpoint.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ConcordError, FileFormatError, type FloatArray } from '@concord/core';

const MAGIC = 'CONCORD-CKPT1\n';

export interface CheckpointHeader {
  /** Settings that must match for a resume (rule, arch, dataset, seed, hyper-parameters, ...). */
  fingerprint: Record<string, unknown>;
  /** Epochs completed. */
  epoch: number;
  history: { trainLoss: number[]; trainAccuracy: number[]; secondsPerEpoch: number[] };
  /** Adam step counts per parameter. */
  steps: Record<string, number>;
}

interface ArrayEntry {
  name: string;
  dtype: 'float32' | 'float64';
  offset: number;
  length: number;
}

export function writeCheckpoint(path: string, header: CheckpointHeader, arrays: Map<string, FloatArray>): void {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    const dtype = a instanceof Float32Array ? 'float32' : 'float64';
    entries.push({ name, dtype, offset, length: a.length });
    offset += a.byteLength;
    // Keep float64 arrays 8-byte aligned in the data section.
    offset = Math.ceil(offset / 8) * 8;
  }
  const json = Buffer.from(JSON.stringify({ ...header, arrays: entries }), 'utf8');
  const head = Buffer.alloc(MAGIC.length + 4);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, MAGIC.length);
  const data = Buffer.alloc(offset);
  entries.forEach((e, i) => {
    const a = [...arrays.values()][i];
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(data, e.offset);
  });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, Buffer.concat([head, json, data]));
  renameSync(tmp, path);
}

export function readCheckpoint(path: string): { header: CheckpointHeader; arrays: Map<string, FloatArray> } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ConcordError('ERR_LEARNING_CHECKPOINT', `${path}: cannot read the checkpoint (${(e as Error).message})`, {
      file: path,
    });
  }
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC)
    throw new FileFormatError(
      'ERR_LEARNING_CHECKPOINT',
      path,
      `not a Concord checkpoint (expected magic '${MAGIC.trim()}')`,
      {
        offset: 0,
      },
    );
  const jsonLength = bytes.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + jsonLength;
  if (dataStart > bytes.length)
    throw new FileFormatError('ERR_LEARNING_CHECKPOINT', path, `truncated header (needs ${dataStart} bytes)`, {
      offset: MAGIC.length,
    });
  let parsed: CheckpointHeader & { arrays: ArrayEntry[] };
  try {
    parsed = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, dataStart));
  } catch {
    throw new FileFormatError('ERR_LEARNING_CHECKPOINT', path, 'the JSON header does not parse', {
      offset: MAGIC.length + 4,
    });
  }
  const arrays = new Map<string, FloatArray>();
  for (const e of parsed.arrays) {
    const size = e.dtype === 'float32' ? 4 : 8;
    const start = dataStart + e.offset;
    if (start + e.length * size > bytes.length)
      throw new FileFormatError('ERR_LEARNING_CHECKPOINT', path, `array '${e.name}' is truncated`, { offset: start });
    const copy = Uint8Array.prototype.slice.call(bytes, start, start + e.length * size);
    arrays.set(e.name, e.dtype === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer));
  }
  const { arrays: _entries, ...header } = parsed;
  return { header, arrays };
}
