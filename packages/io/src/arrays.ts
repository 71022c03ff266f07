/** Read/write .npy files and convert n-d arrays to core matrices. */
import { type DType, FileFormatError, Matrix } from '@concord/core';
import { IO_ERRORS } from './errors.ts';
import { withFile, writeFileAtomic } from './files.ts';
import { encodeNpy, npyFromLayout, npyLayout } from './npy.ts';
import { type NdArray, type NpDtype, type NumericArray, toFloat64 } from './typed.ts';

/** Read a .npy file: the header first, then the data straight into its typed array (no intermediate copy). */
export function readNpy(path: string): NdArray {
  return withFile(path, (size, read) => {
    // Magic (6) + version (2) + header length (2 or 4); the header itself is at most 1 MiB (decodeNpyHeader checks).
    const prefix = new Uint8Array(Math.min(size, 12));
    read(0, prefix);
    const v2 = prefix[6] >= 2;
    const word = prefix.length >= 12 ? new DataView(prefix.buffer).getUint32(8, true) : 0;
    const hlen = v2 ? word : word & 0xffff;
    const head = new Uint8Array(Math.min(size, (v2 ? 12 : 10) + Math.min(hlen, (1 << 20) + 1)));
    read(0, head);
    const layout = npyLayout(head, size, path);
    return npyFromLayout(layout, (bytes) => {
      const got = read(layout.dataOffset, bytes);
      if (got !== bytes.length)
        throw new FileFormatError(
          IO_ERRORS.NPY_TRUNCATED,
          path,
          `file shrank while reading: ${got} of ${bytes.length} data bytes`,
          { offset: layout.dataOffset },
        );
    });
  });
}

export function writeNpy(path: string, array: { data: NumericArray; shape: readonly number[]; dtype?: NpDtype }): void {
  writeFileAtomic(path, encodeNpy(array));
}

/**
 * A 2-D array as a Matrix (1-D arrays become one row when `vectorAs` is 'row', one column when 'column').
 * float32 data stays float32 unless `dtype` asks otherwise; integer data becomes float64.
 */
export function ndarrayToMatrix(
  a: NdArray,
  opts: { file?: string; dtype?: DType; vectorAs?: 'row' | 'column' } = {},
): Matrix {
  let shape = a.shape;
  if (shape.length === 1) shape = opts.vectorAs === 'column' ? [shape[0], 1] : [1, shape[0]];
  if (shape.length !== 2) {
    throw new FileFormatError(
      IO_ERRORS.NPY_SHAPE,
      opts.file ?? '<array>',
      `expected a 2-D array, received shape (${a.shape.join(', ')})`,
      { field: 'shape', received: a.shape },
    );
  }
  const dtype = opts.dtype ?? (a.data instanceof Float32Array ? 'float32' : 'float64');
  if (dtype === 'float32') {
    const d = a.data instanceof Float32Array ? a.data : Float32Array.from(toFloat64(a.data));
    return new Matrix(shape[0], shape[1], d);
  }
  const d = a.data instanceof Float64Array ? a.data : toFloat64(a.data);
  return new Matrix(shape[0], shape[1], d);
}

export function readMatrixNpy(path: string, opts: { dtype?: DType; vectorAs?: 'row' | 'column' } = {}): Matrix {
  return ndarrayToMatrix(readNpy(path), { ...opts, file: path });
}

export function writeMatrixNpy(path: string, m: Matrix): void {
  writeNpy(path, { data: m.data, shape: [m.rows, m.cols] });
}
