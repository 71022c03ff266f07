/**
 * MAT v7.3 files: HDF5 with a 512-byte MATLAB header as the user block. MATLAB's conventions on top of HDF5:
 * - every variable carries a MATLAB_class attribute ('double', 'char', 'cell', 'struct', 'logical', ...);
 * - arrays are stored column-major, so HDF5 shapes are MATLAB's reversed (we reverse them back and reorder the
 *   data into C order, matching scipy/MATLAB shapes);
 * - char arrays are uint16 code units; empty arrays are a uint64 vector of their dimensions with MATLAB_empty = 1;
 * - cell arrays are datasets of object references into the '#refs#' group;
 * - a 1x1 struct is a group of its fields; a struct array is a group whose fields are reference datasets
 *   (one reference per element, no MATLAB_class on the dataset);
 * - sparse arrays are groups with data/ir/jc and a MATLAB_sparse attribute (the row count).
 */
import { FileFormatError } from '@concord/core';
import type * as h5wasm from 'h5wasm/node';
import { IO_ERRORS } from './errors.ts';
import { h5 } from './h5wasm-runtime.ts';
import { attrsOf, datasetContents, type RefResolver, refResolver, withHdf5 } from './hdf5.ts';
import { guardedHdf5Read } from './hdf5-guard.ts';
import {
  dtypeOfClass,
  type MatArray,
  type MatFile,
  type MatNumericClass,
  type MatReadOptions,
  type MatStruct,
  type MatStructArray,
  type MatValue,
  type MatVariableInfo,
  type MatWarning,
} from './mat-types.ts';
import { charsToStrings } from './mat5.ts';
import {
  castArray,
  DTYPE_INFO,
  dtypeOfArray,
  fortranToC,
  fortranToCList,
  type NumericArray,
  product,
} from './typed.ts';

export { isHdf5At } from './hdf5.ts';

const NUMERIC = new Set<string>([
  'double',
  'single',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'logical',
]);
const MAX_DEPTH = 64;

class Unsupported extends Error {
  constructor(readonly className: string) {
    super(className);
  }
}

class Mat73Decoder {
  readonly warnings: MatWarning[] = [];
  constructor(
    private readonly file: string,
    private readonly opts: MatReadOptions,
  ) {}

  private fail(path: string, message: string): never {
    throw new FileFormatError(IO_ERRORS.MAT_ELEMENT, this.file, `${path}: ${message}`, { field: path });
  }

  private unsupported(className: string, path: string): void {
    const message = `${path}: MATLAB class ${className} is not supported; skipped`;
    if (this.opts.strict)
      throw new FileFormatError(IO_ERRORS.MAT_UNSUPPORTED_CLASS, this.file, message, {
        field: path,
        received: className,
      });
    const w = { path, code: IO_ERRORS.MAT_UNSUPPORTED_CLASS, message };
    this.warnings.push(w);
    this.opts.onWarning?.(w);
  }

  private resolve: RefResolver = () => null;

  decode(f: h5wasm.File): Record<string, MatValue> {
    this.resolve = refResolver(f);
    const out: Record<string, MatValue> = {};
    const wanted = this.opts.variableNames ? new Set(this.opts.variableNames) : undefined;
    for (const name of f.keys()) {
      if (name.startsWith('#')) continue; // '#refs#' and '#subsystem#' hold MATLAB's internals
      if (wanted && !wanted.has(name)) continue;
      const v = this.child(f.get(name), name, 0);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }

  /** Decode an entity, or skip it (undefined) when its class is unsupported. */
  private child(e: h5wasm.Entity | null, path: string, depth: number): MatValue | undefined {
    try {
      return this.value(e, path, depth);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      this.unsupported(err.className, path);
      return undefined;
    }
  }

  private value(e: h5wasm.Entity | null, path: string, depth: number): MatValue {
    if (depth > MAX_DEPTH) this.fail(path, `nested deeper than ${MAX_DEPTH} levels (reference cycle?)`);
    if (e instanceof h5().Group) return this.group(e, path, depth);
    if (!(e instanceof h5().Dataset)) this.fail(path, 'expected a dataset or group');
    const attrs = attrsOf(e);
    const cls = typeof attrs.MATLAB_class === 'string' ? attrs.MATLAB_class : undefined;
    if (attrs.MATLAB_object_decode !== undefined || cls === 'function_handle') throw new Unsupported(cls ?? 'object');
    const contents = datasetContents(e, undefined, attrs);
    const shape = contents.shape.slice().reverse();
    if (shape.length === 1) shape.push(1);
    if (attrs.MATLAB_empty !== undefined && Number(attrs.MATLAB_empty) !== 0)
      return this.empty(cls, contents.data, path);
    if (cls === 'canonical empty') return this.empty('double', contents.data, path);
    if (cls === 'cell' || (cls === undefined && contents.dtype === 'reference')) {
      const raw = e.value;
      const refs = Array.isArray(raw) ? raw : [raw];
      const items = refs.map((r, i) => this.deref(r, `${path}{${i}}`, depth));
      return { cell: fortranToCList(items, shape), shape };
    }
    if (cls === 'char') {
      const units = contents.data;
      if (!units) this.fail(path, `char data has type ${contents.dtype}`);
      const chars = Array.from(units as ArrayLike<number | bigint>, (u) => String.fromCharCode(Number(u)));
      return charsToStrings(chars, shape);
    }
    if (cls !== undefined && !NUMERIC.has(cls)) throw new Unsupported(cls);
    if (contents.dtype === 'compound') return this.complex(e, shape, (cls ?? 'double') as MatNumericClass, path);
    if (!contents.data) this.fail(path, `data of type ${contents.dtype} is not numeric`);
    return this.numeric(fortranToC(contents.data, shape), shape, (cls ?? 'double') as MatNumericClass, contents.data);
  }

  private numeric(
    data: NumericArray,
    shape: number[],
    matlabClass: MatNumericClass,
    _stored: NumericArray,
    imag?: NumericArray,
  ): MatArray {
    let d = data;
    let im = imag;
    if (this.opts.matDtype) {
      d = castArray(d, dtypeOfClass(matlabClass));
      if (im) im = castArray(im, dtypeOfClass(matlabClass));
    }
    const out: MatArray = {
      dtype: this.opts.matDtype ? dtypeOfClass(matlabClass) : dtypeOfArray(d),
      shape,
      data: d,
      matlabClass,
    };
    if (im) out.imag = im;
    return out;
  }

  private complex(ds: h5wasm.Dataset, shape: number[], cls: MatNumericClass, path: string): MatArray {
    // Complex numbers are a compound of {real, imag}; h5wasm gives [re, im] pairs.
    const v = ds.value;
    if (!Array.isArray(v)) this.fail(path, 'complex data could not be read');
    const n = v.length;
    const ctor = cls === 'single' ? Float32Array : Float64Array;
    const re = new ctor(n);
    const im = new ctor(n);
    for (let i = 0; i < n; i++) {
      const pair = v[i] as unknown as [number, number];
      re[i] = Number(pair[0]);
      im[i] = Number(pair[1]);
    }
    return this.numeric(fortranToC(re, shape), shape, cls, re, fortranToC(im, shape));
  }

  private empty(cls: string | undefined, dims: NumericArray | undefined, path: string): MatValue {
    const shape = dims ? Array.from(dims as ArrayLike<number | bigint>, (d) => Number(d)) : [0, 0];
    if (shape.length === 1) shape.push(1);
    if (product(shape) !== 0) this.fail(path, `MATLAB_empty array has non-empty dimensions [${shape.join(', ')}]`);
    if (cls === 'char') return '';
    if (cls === 'cell') return { cell: [], shape };
    if (cls === 'struct') return { structs: [], shape, fields: [] };
    // 'canonical empty' is MATLAB's [] (a 0x0 double).
    if (cls !== undefined && cls !== 'canonical empty' && !NUMERIC.has(cls)) throw new Unsupported(cls);
    const matlabClass = (cls === undefined || cls === 'canonical empty' ? 'double' : cls) as MatNumericClass;
    const dtype = dtypeOfClass(matlabClass);
    return { dtype, shape, data: DTYPE_INFO[dtype].make(0), matlabClass };
  }

  private deref(r: unknown, path: string, depth: number): MatValue {
    const target = this.resolve(r);
    if (!target) this.fail(path, 'object reference does not resolve');
    const v = this.child(target as h5wasm.Entity, path, depth + 1);
    return v ?? { dtype: 'float64', shape: [0, 0], data: new Float64Array(0), matlabClass: 'double' };
  }

  private fieldNames(g: h5wasm.Group): string[] {
    const raw = attrsOf(g).MATLAB_fields;
    // MATLAB_fields is a vlen array of char arrays: [['t','y','p','e'], ...]. It fixes the field order.
    const keys = g.keys();
    if (Array.isArray(raw)) {
      const have = new Set(keys);
      const names = raw.map((x) => (Array.isArray(x) ? x.join('') : String(x)));
      if (names.every((n) => have.has(n))) return names;
    }
    return keys;
  }

  private group(g: h5wasm.Group, path: string, depth: number): MatValue {
    const attrs = attrsOf(g);
    const cls = typeof attrs.MATLAB_class === 'string' ? attrs.MATLAB_class : 'struct';
    if (attrs.MATLAB_sparse !== undefined) return this.sparse(g, Number(attrs.MATLAB_sparse), cls, path);
    if (cls !== 'struct') throw new Unsupported(cls);
    const fields = this.fieldNames(g);
    const members = fields.map((f) => g.get(f));
    // A struct array: every field is a reference dataset without MATLAB_class, one reference per element.
    const isArray =
      members.length > 0 &&
      members.every((m) => m instanceof h5().Dataset && m.metadata.type === 7 && attrsOf(m).MATLAB_class === undefined);
    if (!isArray) {
      const s: MatStruct = {};
      fields.forEach((f, k) => {
        const v = this.child(members[k], `${path}.${f}`, depth + 1);
        if (v !== undefined) s[f] = v;
      });
      return s;
    }
    const first = members[0] as h5wasm.Dataset;
    const shape = (first.shape ?? []).slice().reverse();
    if (shape.length === 1) shape.push(1);
    const count = product(shape);
    const structs: MatStruct[] = Array.from({ length: count }, () => ({}));
    fields.forEach((f, k) => {
      const ds = members[k] as h5wasm.Dataset;
      if (product(ds.shape ?? []) !== count)
        this.fail(`${path}.${f}`, `struct array field has ${product(ds.shape ?? [])} elements, expected ${count}`);
      const refs = ds.value as unknown[];
      for (let i = 0; i < count; i++) {
        const r = refs[i];
        const target = this.resolve(r);
        const v = target ? this.child(target as h5wasm.Entity, `${path}(${i}).${f}`, depth + 1) : undefined;
        if (v !== undefined) structs[i][f] = v;
      }
    });
    const out: MatStructArray = { structs: fortranToCList(structs, shape), shape, fields };
    return count === 1 && shape.every((d) => d === 1) ? out.structs[0] : out;
  }

  private sparse(g: h5wasm.Group, rows: number, cls: string, path: string): MatArray {
    const jcE = g.get('jc');
    if (!(jcE instanceof h5().Dataset)) this.fail(path, 'sparse group has no jc dataset');
    const jc = Array.from(datasetContents(jcE).data as ArrayLike<number | bigint>, Number);
    const cols = jc.length - 1;
    const dataE = g.get('data');
    const irE = g.get('ir');
    const nnz = jc[cols] ?? 0;
    const matlabClass = (NUMERIC.has(cls) ? cls : 'double') as MatNumericClass;
    const dtype = this.opts.matDtype
      ? dtypeOfClass(matlabClass)
      : matlabClass === 'logical'
        ? 'uint8'
        : dtypeOfClass(matlabClass);
    const out = DTYPE_INFO[dtype].make(rows * cols);
    if (nnz > 0) {
      if (!(dataE instanceof h5().Dataset) || !(irE instanceof h5().Dataset))
        this.fail(path, 'sparse group lacks data/ir');
      const vals = castArray(datasetContents(dataE).data as NumericArray, dtype);
      const ir = Array.from(datasetContents(irE).data as ArrayLike<number | bigint>, Number);
      for (let j = 0; j < cols; j++) {
        for (let k = jc[j]; k < jc[j + 1]; k++) {
          const r = ir[k];
          if (!(r >= 0 && r < rows) || k >= vals.length) this.fail(path, `sparse index out of range at non-zero ${k}`);
          (out as Float64Array)[r * cols + j] = (vals as Float64Array)[k];
        }
      }
    }
    return { dtype, shape: [rows, cols], data: out, matlabClass, sparse: true };
  }
}

export function decodeMat73(buf: Uint8Array, file: string, opts: MatReadOptions, headerText: string): MatFile {
  h5(file);
  // The reader thread gets the options without the callback and the caller replays the warnings.
  const { onWarning, ...plain } = opts;
  const decoded = guardedHdf5Read<MatFile>(
    { op: 'decodeMat73', args: [buf, file, plain, headerText] },
    file,
    buf.byteLength,
    () => decodeMat73InThread(buf, file, plain, headerText),
  );
  if (onWarning) for (const w of decoded.warnings) onWarning(w);
  return decoded;
}

/** decodeMat73 on the calling thread (the reader thread runs this). */
export function decodeMat73InThread(buf: Uint8Array, file: string, opts: MatReadOptions, headerText: string): MatFile {
  const decoder = new Mat73Decoder(file, opts);
  const variables = withHdf5(buf, file, (f) => decoder.decode(f));
  return { format: 'v7.3', headerText, variables, warnings: decoder.warnings };
}

/** Name, MATLAB shape and class of each top-level variable (shapes un-transposed; struct arrays from a field). */
export function whosMat73(buf: Uint8Array, file: string): MatVariableInfo[] {
  h5(file);
  return guardedHdf5Read({ op: 'whosMat73', args: [buf, file] }, file, buf.byteLength, () =>
    whosMat73InThread(buf, file),
  );
}

export function whosMat73InThread(buf: Uint8Array, file: string): MatVariableInfo[] {
  return withHdf5(buf, file, (f) =>
    f
      .keys()
      .filter((name) => !name.startsWith('#'))
      .map((name) => {
        const e = f.get(name);
        const attrs = e instanceof h5().Dataset || e instanceof h5().Group ? attrsOf(e) : {};
        const className =
          typeof attrs.MATLAB_class === 'string' ? attrs.MATLAB_class : e instanceof h5().Group ? 'struct' : 'double';
        let shape: number[] = [1, 1];
        if (e instanceof h5().Dataset) {
          const stored = e.shape ?? [];
          shape =
            attrs.MATLAB_empty !== undefined && Number(attrs.MATLAB_empty) !== 0
              ? Array.from((e.value as ArrayLike<number | bigint>) ?? [], Number)
              : stored.slice().reverse();
        } else if (e instanceof h5().Group && attrs.MATLAB_sparse === undefined) {
          const first = e
            .keys()
            .map((k) => e.get(k))
            .find((m) => m instanceof h5().Dataset && attrsOf(m).MATLAB_class === undefined && m.metadata.type === 7) as
            | h5wasm.Dataset
            | undefined;
          if (first) shape = (first.shape ?? []).slice().reverse();
        }
        if (shape.length === 1) shape.push(1);
        return { name, shape, className: attrs.MATLAB_sparse !== undefined ? 'sparse' : className };
      }),
  );
}
