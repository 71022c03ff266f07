/**
 * FIF tag layer: a FIF file is a chain of big-endian tags (kind, type, size, next, data) nested in blocks
 * (FIFF_BLOCK_START / FIFF_BLOCK_END). We walk the chain with positional reads of the 16-byte tag headers, so the
 * data of large tags (raw buffers) is only read when asked for.
 */
import { FileFormatError } from '@concord/core';
import { EEG_ERRORS } from '../errors.ts';
import { readExactly } from '../file-access.ts';

export const FIFF = {
  FILE_ID: 100,
  DIR_POINTER: 101,
  BLOCK_START: 104,
  BLOCK_END: 105,
  NCHAN: 200,
  SFREQ: 201,
  CH_INFO: 203,
  MEAS_DATE: 204,
  DESCRIPTION: 206,
  LOWPASS: 219,
  HIGHPASS: 223,
  FIRST_SAMPLE: 208,
  DATA_SKIP: 301,
  DATA_BUFFER: 300,
  DATA_SKIP_SAMP: 303,
  MNE_EVENT_LIST: 3561,
  MNE_BASELINE_MIN: 3568,
  MNE_BASELINE_MAX: 3569,
  COMMENT: 206,
  MNE_EVENT_COMMENTS: 3566,
  NAME: 233,
  PROJ_ITEM_KIND: 3411,
  PROJ_ITEM_NVEC: 3414,
  PROJ_ITEM_VECTORS: 3415,
  PROJ_ITEM_CH_NAME_LIST: 3417,
  MNE_PROJ_ITEM_ACTIVE: 3560,
  MNE_CH_NAME_LIST: 3507,
  REF_ROLE: 115,
  REF_FILE_NUM: 117,
  REF_FILE_NAME: 118,
  ROLE_NEXT_FILE: 2,
  // blocks
  B_MEAS: 100,
  B_MEAS_INFO: 101,
  B_RAW_DATA: 102,
  B_CONTINUOUS_DATA: 112,
  B_IAS_RAW_DATA: 119,
  B_MNE_EVENTS: 361,
  B_MNE_ANNOTATIONS: 3810,
  B_REF: 118,
  B_PROJ: 313,
  B_PROJ_ITEM: 314,
  B_MNE_BAD_CHANNELS: 359,
  // types
  T_SHORT: 2,
  T_INT: 3,
  T_FLOAT: 4,
  T_DOUBLE: 5,
  T_DAU_PACK16: 16,
  T_STRING: 10,
  T_CH_INFO: 30,
  /** Type bit of a matrix tag (the element type in the low bits). */
  T_MATRIX: 0x40000000,
} as const;

export interface FifTag {
  kind: number;
  type: number;
  size: number;
  /** Byte offset of the tag's data. */
  dataPos: number;
}

export interface FifBlock {
  kind: number;
  tags: FifTag[];
  children: FifBlock[];
}

/** Parse the block tree of a FIF file (headers only). */
export function readFifTree(path: string, fd: number, fileSize: number): FifBlock {
  const root: FifBlock = { kind: -1, tags: [], children: [] };
  const stack: FifBlock[] = [root];
  const head = new Uint8Array(16);
  const view = new DataView(head.buffer);
  let pos = 0;
  let first = true;
  const seen = new Set<number>();
  while (pos >= 0 && pos < fileSize) {
    if (seen.has(pos))
      throw new FileFormatError(EEG_ERRORS.badHeader, path, `tag chain loops back to byte ${pos}`, { offset: pos });
    seen.add(pos);
    if (pos + 16 > fileSize)
      throw new FileFormatError(
        EEG_ERRORS.truncated,
        path,
        `tag header at byte ${pos} runs past the end of the file (${fileSize} bytes)`,
        { offset: pos },
      );
    readExactly(fd, path, head, 0, 16, pos);
    const kind = view.getInt32(0);
    const type = view.getInt32(4);
    const size = view.getInt32(8);
    const next = view.getInt32(12);
    if (first && kind !== FIFF.FILE_ID)
      throw new FileFormatError(
        EEG_ERRORS.unknownFormat,
        path,
        `not a FIF file: the first tag must be FIFF_FILE_ID (100), received kind ${kind}`,
        { offset: 0 },
      );
    first = false;
    if (size < 0 || pos + 16 + size > fileSize) {
      throw new FileFormatError(
        EEG_ERRORS.truncated,
        path,
        `tag kind ${kind} announces ${size} data bytes, past the end of the file (${fileSize} bytes)`,
        { offset: pos + 8, field: 'tag size' },
      );
    }
    const tag: FifTag = { kind, type, size, dataPos: pos + 16 };
    const top = stack[stack.length - 1];
    if (kind === FIFF.BLOCK_START) {
      const b = new Uint8Array(4);
      readExactly(fd, path, b, 0, 4, pos + 16);
      const block: FifBlock = { kind: new DataView(b.buffer).getInt32(0), tags: [], children: [] };
      top.children.push(block);
      stack.push(block);
    } else if (kind === FIFF.BLOCK_END) {
      if (stack.length > 1) stack.pop();
    } else top.tags.push(tag);
    if (next === -1) break;
    pos = next > 0 ? next : pos + 16 + size;
  }
  return root;
}

export function findBlocks(block: FifBlock, kind: number): FifBlock[] {
  const out: FifBlock[] = [];
  const walk = (b: FifBlock) => {
    if (b.kind === kind) out.push(b);
    for (const c of b.children) walk(c);
  };
  walk(block);
  return out;
}

/** The data bytes of a tag. */
export function readTagData(path: string, fd: number, tag: FifTag): DataView {
  const buf = new Uint8Array(tag.size);
  readExactly(fd, path, buf, 0, tag.size, tag.dataPos);
  return new DataView(buf.buffer);
}

export function tagInts(path: string, fd: number, tag: FifTag): Int32Array {
  const v = readTagData(path, fd, tag);
  const out = new Int32Array(tag.size >> 2);
  for (let i = 0; i < out.length; i++) out[i] = v.getInt32(i * 4);
  return out;
}

export function tagString(path: string, fd: number, tag: FifTag): string {
  const v = readTagData(path, fd, tag);
  return new TextDecoder('latin1').decode(new Uint8Array(v.buffer));
}

/** A float32 or float64 array tag. */
export function tagFloats(path: string, fd: number, tag: FifTag): Float64Array {
  const v = readTagData(path, fd, tag);
  const width = tag.type === FIFF.T_DOUBLE ? 8 : 4;
  const out = new Float64Array(Math.floor(tag.size / width));
  for (let i = 0; i < out.length; i++) out[i] = width === 8 ? v.getFloat64(i * 8) : v.getFloat32(i * 4);
  return out;
}

/**
 * A float or double matrix tag (FIFF matrix coding: row-major elements, then the dimensions in reverse order, then
 * the number of dimensions). Returns rows × cols.
 */
export function tagMatrix(path: string, fd: number, tag: FifTag): { rows: number; cols: number; data: Float64Array } {
  const element = tag.type & ~FIFF.T_MATRIX;
  const width = element === FIFF.T_DOUBLE ? 8 : element === FIFF.T_FLOAT ? 4 : 0;
  const v = readTagData(path, fd, tag);
  const bad = (why: string) =>
    new FileFormatError(EEG_ERRORS.badHeader, path, `matrix tag kind ${tag.kind}: ${why}`, {
      offset: tag.dataPos - 12,
    });
  if (tag.size < 12) throw bad(`${tag.size} data bytes cannot hold a 2-D matrix's dimensions (12 bytes)`);
  const ndim = v.getInt32(tag.size - 4);
  if (!(tag.type & FIFF.T_MATRIX) || width === 0)
    throw bad(`expected a float or double matrix, received type ${tag.type}`);
  if (ndim !== 2) throw bad(`expected 2 dimensions, received ${ndim}`);
  const cols = v.getInt32(tag.size - 12);
  const rows = v.getInt32(tag.size - 8);
  if (!(rows >= 0 && cols >= 0) || rows * cols * width + 12 !== tag.size)
    throw bad(`${rows} × ${cols} elements do not fill its ${tag.size} bytes`);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = width === 8 ? v.getFloat64(i * 8) : v.getFloat32(i * 4);
  return { rows, cols, data };
}

/** Bytes a numeric tag's type needs; a shorter tag is corrupt (reading it through a DataView would throw). */
const NUMBER_WIDTH: Record<number, number> = {
  [FIFF.T_INT]: 4,
  [FIFF.T_FLOAT]: 4,
  [FIFF.T_DOUBLE]: 8,
  [FIFF.T_SHORT]: 2,
};

export function tagNumber(path: string, fd: number, tag: FifTag): number {
  const width = NUMBER_WIDTH[tag.type];
  if (width !== undefined && tag.size < width)
    throw new FileFormatError(
      EEG_ERRORS.badHeader,
      path,
      `tag kind ${tag.kind} has ${tag.size} data bytes, its type ${tag.type} needs ${width}`,
      { offset: tag.dataPos - 8, field: 'tag size' },
    );
  const v = readTagData(path, fd, tag);
  switch (tag.type) {
    case FIFF.T_INT:
      return v.getInt32(0);
    case FIFF.T_FLOAT:
      return v.getFloat32(0);
    case FIFF.T_DOUBLE:
      return v.getFloat64(0);
    case FIFF.T_SHORT:
      return v.getInt16(0);
    default:
      throw new FileFormatError(
        EEG_ERRORS.badHeader,
        path,
        `tag kind ${tag.kind}: expected a numeric type, received type ${tag.type}`,
        { offset: tag.dataPos - 12 },
      );
  }
}
