/**
 * NumPy .npy format (versions 1.0, 2.0, 3.0): decode and encode. Fortran-order files are returned in C order.
 * Spec: numpy.lib.format.
 */
import { FileFormatError } from '@concord/core';
import { IO_ERRORS } from './errors.ts';
import {
  DTYPE_INFO,
  dtypeOfArray,
  fortranToC,
  type NdArray,
  type NpDtype,
  type NumericArray,
  product,
} from './typed.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Headers longer than this are refused (numpy itself refuses > 10000 bytes by default for safety). */
const MAX_HEADER = 1 << 20;

const CODE_TO_DTYPE: Record<string, NpDtype> = {
  f8: 'float64',
  f4: 'float32',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parse the Python-literal header dict, e.g. {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }. */
function parseHeader(text: string, file: string, offset: number): Header {
  const fail: (msg: string, field?: string) => never = (msg, field) => {
    throw new FileFormatError(IO_ERRORS.NPY_HEADER, file, `${msg}; header was ${JSON.stringify(text.slice(0, 200))}`, {
      offset,
      field,
    });
  };
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) fail('no descr entry', 'descr');
  const fo = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fo) fail('no fortran_order entry', 'fortran_order');
  const sh = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!sh) fail('no shape entry', 'shape');
  const parts = sh[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const shape = parts.map((p) => {
    const v = /^\d+L?$/.test(p) ? Number.parseInt(p, 10) : Number.NaN;
    if (!Number.isSafeInteger(v)) fail(`shape entry '${p}' is not a non-negative integer`, 'shape');
    return v;
  });
  return { descr: descr[1], fortranOrder: fo[1] === 'True', shape };
}

function parseDescr(descr: string, file: string, offset: number): { dtype: NpDtype; littleEndian: boolean } {
  const m = /^([<>|=]?)([a-z]\d+)$/.exec(descr);
  const dtype = m ? CODE_TO_DTYPE[m[2]] : undefined;
  if (!m || !dtype) {
    throw new FileFormatError(
      IO_ERRORS.NPY_DTYPE,
      file,
      `unsupported dtype '${descr}'; supported: ${Object.keys(CODE_TO_DTYPE).join(', ')} (little- or big-endian)`,
      {
        field: 'descr',
        offset,
        received: descr,
      },
    );
  }
  return { dtype, littleEndian: m[1] !== '>' };
}

/** What a header says about the data that follows, checked against the file's total length. */
export interface NpyLayout {
  header: Header;
  dtype: NpDtype;
  littleEndian: boolean;
  count: number;
  /** Data bytes. */
  need: number;
  dataOffset: number;
}

/**
 * Parse and check the header at the start of `head` for a file of `totalLength` bytes: the data must fill the rest
 * of the file exactly (a header whose shape disagrees with the data is refused, never read as a wrong shape).
 */
export function npyLayout(head: Uint8Array, totalLength: number, file = '<buffer>'): NpyLayout {
  const { header, dataOffset } = decodeNpyHeader(head, file);
  const { dtype, littleEndian } = parseDescr(header.descr, file, 8);
  const info = DTYPE_INFO[dtype];
  const count = product(header.shape);
  const need = count * info.size;
  const have = totalLength - dataOffset;
  if (have < need) {
    throw new FileFormatError(
      IO_ERRORS.NPY_TRUNCATED,
      file,
      `data is truncated: shape (${header.shape.join(', ')}) of ${dtype} needs ${need} bytes after the header, the file has ${have}`,
      { offset: dataOffset, expected: need, received: have },
    );
  }
  if (have > need) {
    throw new FileFormatError(
      IO_ERRORS.NPY_HEADER,
      file,
      `header shape (${header.shape.join(', ')}) of ${dtype} accounts for ${need} data bytes, but the file holds ${have}`,
      { field: 'shape', offset: dataOffset },
    );
  }
  return { header, dtype, littleEndian, count, need, dataOffset };
}

/** Fill a fresh array for `layout` through `fill(bytes)` (copy or file read), then fix byte order and axis order. */
export function npyFromLayout(layout: NpyLayout, fill: (bytes: Uint8Array) => void): NdArray {
  const info = DTYPE_INFO[layout.dtype];
  const data = info.make(layout.count);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, layout.need);
  fill(bytes);
  if (!layout.littleEndian && info.size > 1) swapBytes(bytes, info.size);
  const cData: NumericArray = layout.header.fortranOrder ? fortranToC(data, layout.header.shape) : data;
  return { dtype: layout.dtype, shape: layout.header.shape, data: cData };
}

/** Decode a whole .npy buffer. `file` names the source in errors. */
export function decodeNpy(buf: Uint8Array, file = '<buffer>'): NdArray {
  const layout = npyLayout(buf, buf.length, file);
  return npyFromLayout(layout, (bytes) => bytes.set(buf.subarray(layout.dataOffset, layout.dataOffset + layout.need)));
}

export function decodeNpyHeader(
  buf: Uint8Array,
  file = '<buffer>',
): { header: Header; dataOffset: number; version: number } {
  if (buf.length < 10 || !MAGIC.every((b, i) => buf[i] === b)) {
    throw new FileFormatError(
      IO_ERRORS.NPY_MAGIC,
      file,
      `not a .npy file: expected the magic string \\x93NUMPY at byte 0, found ${JSON.stringify(Array.from(buf.subarray(0, 6)))}`,
      { offset: 0 },
    );
  }
  const major = buf[6];
  if (major < 1 || major > 3)
    throw new FileFormatError(
      IO_ERRORS.NPY_HEADER,
      file,
      `unsupported format version ${major}.${buf[7]} (1.0, 2.0 and 3.0 are known)`,
      { offset: 6, field: 'version' },
    );
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes)
    throw new FileFormatError(IO_ERRORS.NPY_TRUNCATED, file, 'file ends inside the header length', { offset: 8 });
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (hlen > MAX_HEADER)
    throw new FileFormatError(
      IO_ERRORS.NPY_HEADER,
      file,
      `header length ${hlen} exceeds the ${MAX_HEADER}-byte limit`,
      { offset: 8, field: 'header_len' },
    );
  if (start + hlen > buf.length)
    throw new FileFormatError(
      IO_ERRORS.NPY_TRUNCATED,
      file,
      `header of ${hlen} bytes runs past the end of the file (${buf.length} bytes)`,
      { offset: start },
    );
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + hlen));
  return { header: parseHeader(text, file, start), dataOffset: start + hlen, version: major };
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Encode as .npy version 1.0 (2.0 when the header needs it), C order, little-endian. */
export function encodeNpy(array: { data: NumericArray; shape: readonly number[]; dtype?: NpDtype }): Uint8Array {
  // A Uint8Array is written as uint8 unless the array says it holds booleans.
  const dtype = array.dtype === 'bool' && array.data instanceof Uint8Array ? 'bool' : dtypeOfArray(array.data);
  if (product(array.shape) !== array.data.length) {
    throw new FileFormatError(
      IO_ERRORS.NPY_HEADER,
      '<encode>',
      `shape (${array.shape.join(', ')}) does not match ${array.data.length} elements`,
      { field: 'shape' },
    );
  }
  const shapeStr = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const order = DTYPE_INFO[dtype].size === 1 ? '|' : '<';
  let dict = `{'descr': '${order}${DTYPE_INFO[dtype].code}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  let version = 1;
  let prefix = 10;
  if (dict.length + 1 + prefix > 65535) {
    version = 2;
    prefix = 12;
  }
  const pad = 64 - ((prefix + dict.length + 1) % 64);
  dict = `${dict}${' '.repeat(pad % 64)}\n`;
  const headerBytes = new TextEncoder().encode(dict);
  const dataBytes = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(prefix + headerBytes.length + dataBytes.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(dataBytes, prefix + headerBytes.length);
  return out;
}
