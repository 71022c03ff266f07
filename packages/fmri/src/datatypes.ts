/** NIfTI datatype codes, their names (numpy-style) and byte sizes. */

export type NiftiDatatype =
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

export interface DatatypeInfo {
  code: number;
  name: NiftiDatatype;
  bytes: number;
}

/** The real-valued datatypes Concord reads and writes. */
export const DATATYPES: readonly DatatypeInfo[] = [
  { code: 2, name: 'uint8', bytes: 1 },
  { code: 4, name: 'int16', bytes: 2 },
  { code: 8, name: 'int32', bytes: 4 },
  { code: 16, name: 'float32', bytes: 4 },
  { code: 64, name: 'float64', bytes: 8 },
  { code: 256, name: 'int8', bytes: 1 },
  { code: 512, name: 'uint16', bytes: 2 },
  { code: 768, name: 'uint32', bytes: 4 },
  { code: 1024, name: 'int64', bytes: 8 },
  { code: 1280, name: 'uint64', bytes: 8 },
];

/** Codes the NIfTI standard defines that Concord refuses with a typed error (nibabel reads some as structured or complex arrays). */
export const UNSUPPORTED_DATATYPES: Record<number, string> = {
  0: 'unknown',
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'RGB24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

export function datatypeByCode(code: number): DatatypeInfo | undefined {
  return DATATYPES.find((d) => d.code === code);
}

export function datatypeByName(name: string): DatatypeInfo | undefined {
  return DATATYPES.find((d) => d.name === name);
}

export type RawArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** A typed-array view of native-endian (little-endian) bytes; `bytes.byteOffset` must be aligned to the element size. */
export function rawView(name: NiftiDatatype, bytes: Uint8Array): RawArray {
  const { buffer, byteOffset, byteLength } = bytes;
  const b = buffer as ArrayBuffer;
  switch (name) {
    case 'uint8':
      return bytes;
    case 'int8':
      return new Int8Array(b, byteOffset, byteLength);
    case 'int16':
      return new Int16Array(b, byteOffset, byteLength / 2);
    case 'uint16':
      return new Uint16Array(b, byteOffset, byteLength / 2);
    case 'int32':
      return new Int32Array(b, byteOffset, byteLength / 4);
    case 'uint32':
      return new Uint32Array(b, byteOffset, byteLength / 4);
    case 'int64':
      return new BigInt64Array(b, byteOffset, byteLength / 8);
    case 'uint64':
      return new BigUint64Array(b, byteOffset, byteLength / 8);
    case 'float32':
      return new Float32Array(b, byteOffset, byteLength / 4);
    case 'float64':
      return new Float64Array(b, byteOffset, byteLength / 8);
  }
}

/** Reverse the byte order of every `size`-byte element in place (big-endian file → native). */
export function swapBytesInPlace(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  const n = bytes.length - (bytes.length % size);
  for (let i = 0; i < n; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
