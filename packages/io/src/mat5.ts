/**
 * Level-5 MAT files (MATLAB v5, v6, v7; not v7.3, which is HDF5): decode a whole buffer into a value tree.
 *
 * Layout (MathWorks, "MAT-File Format", matfile_format.pdf): a 128-byte header (116 bytes text, 8 bytes subsystem
 * offset, version 0x0100, endian indicator 'IM' little / 'MI' big), then data elements, each an 8-byte tag
 * (type, byte count) or a packed 4-byte "small element" tag, padded to 8 bytes. Variables are miMATRIX elements,
 * or miCOMPRESSED elements holding a zlib stream of one miMATRIX. Arrays are column-major; they are returned in
 * C order with MATLAB's shape, the way scipy.io.loadmat returns them.
 */
import { FileFormatError } from '@concord/core';
import { IO_ERRORS } from './errors.ts';
import { inflateBounded, inflatePrefix } from './inflate.ts';
import {
  dtypeOfClass,
  type MatArray,
  type MatCell,
  type MatFile,
  type MatNumericClass,
  type MatReadOptions,
  type MatStruct,
  type MatStructArray,
  type MatValue,
  type MatVariableInfo,
  type MatWarning,
} from './mat-types.ts';
import {
  arrayFromBytes,
  castArray,
  DTYPE_INFO,
  dtypeOfArray,
  fortranToC,
  fortranToCList,
  type NpDtype,
  type NumericArray,
  product,
} from './typed.ts';

const mi = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

const MI_DTYPE: Record<number, NpDtype> = {
  1: 'int8',
  2: 'uint8',
  3: 'int16',
  4: 'uint16',
  5: 'int32',
  6: 'uint32',
  7: 'float32',
  9: 'float64',
  12: 'int64',
  13: 'uint64',
};

const MX_NUMERIC: Record<number, MatNumericClass> = {
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};

const MX_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  16: 'function_handle',
  17: 'opaque (MATLAB class object, e.g. string, table, datetime)',
};

const MX = { CELL: 1, STRUCT: 2, OBJECT: 3, CHAR: 4, SPARSE: 5 } as const;
const FLAG_COMPLEX = 0x800;
const FLAG_LOGICAL = 0x200;
const MAX_DEPTH = 256;
const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

/** One top-level element: a cheap look at its first bytes, and the full miMATRIX on demand. */
interface TopElement {
  prefix: () => Source;
  open: () => { src: Source; tag: Tag };
  /** Offset of the miMATRIX tag in `prefix()` when it is the file itself (uncompressed variables). */
  start?: number;
}

interface Tag {
  type: number;
  nbytes: number;
  /** Start of the element's data. */
  data: number;
  /** Start of the next element (after padding). */
  next: number;
}

/** Raised for a variable the reader cannot represent; caught where skipping is possible. */
class Unsupported extends Error {
  constructor(
    readonly className: string,
    readonly path: string,
  ) {
    super(className);
  }
}

/** One buffer being parsed: the whole file, or the inflated contents of one compressed variable. */
class Source {
  readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    readonly le: boolean,
    /** Describes where this buffer sits in the file, for messages ('' for the file itself). */
    readonly where: string,
    /** Byte offset in the file reported for errors inside an inflated buffer. */
    readonly fileOffset: number | undefined,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  u32(p: number): number {
    return this.view.getUint32(p, this.le);
  }
  i32(p: number): number {
    return this.view.getInt32(p, this.le);
  }
}

export class Mat5Decoder {
  private readonly maxBytes: number;
  readonly warnings: MatWarning[] = [];

  constructor(
    private readonly file: string,
    private readonly opts: MatReadOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  private fail(src: Source, code: string, message: string, offset: number, field?: string): never {
    const inside = src.where ? `${src.where}, byte ${offset} of the inflated data: ` : '';
    throw new FileFormatError(code, this.file, `${inside}${message}`, { offset: src.fileOffset ?? offset, field });
  }

  private warn(w: MatWarning): void {
    this.warnings.push(w);
    this.opts.onWarning?.(w);
  }

  decode(buf: Uint8Array): MatFile {
    const { headerText } = readHeader(buf, this.file);
    const variables: Record<string, MatValue> = {};
    const wanted = this.opts.variableNames ? new Set(this.opts.variableNames) : undefined;
    for (const el of this.elements(buf)) {
      if (wanted && !wanted.has(this.peek(el).name)) continue;
      const inner = el.open();
      this.readVariable(inner.src, inner.tag, variables);
    }
    return { format: 'v5', headerText, variables, warnings: this.warnings };
  }

  /** Name, MATLAB shape and class of every variable, without reading the data (scipy.io.whosmat). */
  whos(buf: Uint8Array): MatVariableInfo[] {
    return Array.from(this.elements(buf), (el) => this.peek(el));
  }

  /** The top-level variables: where each starts, and how to get at its miMATRIX (inflating when compressed). */
  private *elements(buf: Uint8Array): Generator<TopElement> {
    const { le } = readHeader(buf, this.file);
    const src = new Source(buf, le, '', undefined);
    let pos = 128;
    while (pos + 8 <= buf.length) {
      const tag = this.readTag(src, pos, buf.length);
      const at = pos;
      if (tag.type === mi.COMPRESSED) {
        const body = buf.subarray(tag.data, tag.data + tag.nbytes);
        yield {
          prefix: () => new Source(inflatePrefix(body), le, `compressed variable at byte ${at}`, at),
          open: () => {
            const inflated = inflateBounded(body, this.maxBytes, this.file, at, IO_ERRORS.MAT_COMPRESSED);
            const inner = new Source(inflated, le, `compressed variable at byte ${at}`, at);
            if (inflated.length < 8)
              this.fail(
                inner,
                IO_ERRORS.MAT_TRUNCATED,
                `inflated data holds ${inflated.length} bytes, too few for an element tag`,
                0,
              );
            const innerTag = this.readTag(inner, 0, inflated.length);
            if (innerTag.type !== mi.MATRIX)
              this.fail(
                inner,
                IO_ERRORS.MAT_ELEMENT,
                `expected a miMATRIX (14) element, found type ${innerTag.type}`,
                0,
                'type',
              );
            return { src: inner, tag: innerTag };
          },
        };
      } else if (tag.type === mi.MATRIX) {
        yield { prefix: () => src, open: () => ({ src, tag }), start: at };
      } else {
        this.fail(
          src,
          IO_ERRORS.MAT_ELEMENT,
          `expected a miMATRIX (14) or miCOMPRESSED (15) element, found data type ${tag.type}`,
          pos,
          'type',
        );
      }
      // Top-level elements are not padded after compressed data (scipy reads the next tag right after the bytes).
      pos = tag.data + tag.nbytes;
    }
  }

  /** Read a variable's name, shape and class from the first bytes of its miMATRIX. */
  private peek(el: TopElement): MatVariableInfo {
    let src = el.prefix();
    let start = el.start ?? 0;
    const parse = (): MatVariableInfo | undefined => {
      try {
        // Tags are read against the bytes at hand: a compressed prefix holds the header, not the data.
        const end = src.buf.length;
        const flagsTag = this.readTag(src, start + 8, end);
        const mxClass = src.u32(flagsTag.data) & 0xff;
        const logical = (src.u32(flagsTag.data) & FLAG_LOGICAL) !== 0;
        const className = logical ? 'logical' : (MX_NUMERIC[mxClass] ?? MX_NAMES[mxClass] ?? `code ${mxClass}`);
        if (mxClass === 16 || mxClass === 17)
          return { name: this.findName(src, flagsTag.next, end), shape: [], className };
        const dimsTag = this.readTag(src, flagsTag.next, end);
        const shape: number[] = [];
        for (let k = 0; k < dimsTag.nbytes / 4; k++) shape.push(src.i32(dimsTag.data + 4 * k));
        const nameTag = this.readTag(src, dimsTag.next, end);
        return {
          name: decodeLatin1(src.buf.subarray(nameTag.data, nameTag.data + nameTag.nbytes)) || '__function_workspace__',
          shape,
          className,
        };
      } catch {
        return undefined;
      }
    };
    const quick = parse();
    if (quick) return quick;
    // The prefix was too short (or corrupt): open the whole variable, which reports corruption properly.
    const full = el.open();
    src = full.src;
    start = full.tag.data - 8;
    const info = parse();
    if (!info) this.fail(src, IO_ERRORS.MAT_ELEMENT, 'cannot read the variable header', start);
    return info;
  }

  private readVariable(src: Source, tag: Tag, variables: Record<string, MatValue>): void {
    let name = '';
    try {
      const r = this.readMatrix(src, tag.data, tag.data + tag.nbytes, '', 0);
      name = r.name || '__function_workspace__';
      if (r.value !== undefined) variables[name] = r.value;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      name = e.path || this.peekName(src, tag) || '<unnamed>';
      this.unsupported(e.className, name);
    }
  }

  private unsupported(className: string, path: string): void {
    const message = `${path}: MATLAB class ${className} is not supported; skipped`;
    if (this.opts.strict)
      throw new FileFormatError(IO_ERRORS.MAT_UNSUPPORTED_CLASS, this.file, message, {
        field: path,
        received: className,
      });
    this.warn({ path, code: IO_ERRORS.MAT_UNSUPPORTED_CLASS, message });
  }

  /** The name of a variable whose contents could not be read (the first int8 string in its header). */
  private peekName(src: Source, tag: Tag): string {
    try {
      let p = tag.data;
      const end = tag.data + tag.nbytes;
      for (let k = 0; k < 3 && p + 8 <= end; k++) {
        const t = this.readTag(src, p, end);
        if (t.type === mi.INT8 && k > 0) return decodeLatin1(src.buf.subarray(t.data, t.data + t.nbytes));
        p = t.next;
      }
    } catch {
      // A name is a courtesy for the warning; a malformed header just leaves it unnamed.
    }
    return '';
  }

  /** Read an element tag at `pos`, checking that its data lies before `end`. */
  private readTag(src: Source, pos: number, end: number): Tag {
    if (pos + 8 > end) this.fail(src, IO_ERRORS.MAT_TRUNCATED, `element tag needs 8 bytes, ${end - pos} remain`, pos);
    const word = src.u32(pos);
    if (word >>> 16 !== 0) {
      // Small data element: type in the low half, byte count (<= 4) in the high half, data in the next 4 bytes.
      const nbytes = word >>> 16;
      if (nbytes > 4)
        this.fail(
          src,
          IO_ERRORS.MAT_ELEMENT,
          `small data element claims ${nbytes} bytes (at most 4 fit)`,
          pos,
          'nbytes',
        );
      return { type: word & 0xffff, nbytes, data: pos + 4, next: pos + 8 };
    }
    const nbytes = src.u32(pos + 4);
    const data = pos + 8;
    if (nbytes > end - data) {
      this.fail(
        src,
        IO_ERRORS.MAT_TRUNCATED,
        `element of type ${word} declares ${nbytes} bytes but only ${end - data} remain`,
        pos + 4,
        'nbytes',
      );
    }
    return { type: word, nbytes, data, next: Math.min(end, data + nbytes + ((8 - (nbytes % 8)) % 8)) };
  }

  /** Parse the contents [start, end) of a miMATRIX element. `value` is undefined for a skipped struct field. */
  private readMatrix(
    src: Source,
    start: number,
    end: number,
    path: string,
    depth: number,
  ): { name: string; value: MatValue } {
    if (depth > MAX_DEPTH)
      this.fail(src, IO_ERRORS.MAT_ELEMENT, `structs/cells nested deeper than ${MAX_DEPTH} levels`, start);
    if (start === end) {
      // MATLAB writes some empty fields/cells as zero-byte miMATRIX elements. scipy returns np.array([[]]), an empty
      // double of shape (1, 0); we do the same so shapes agree with scipy.
      return { name: '', value: { dtype: 'float64', shape: [1, 0], data: new Float64Array(0), matlabClass: 'double' } };
    }
    const flagsTag = this.readTag(src, start, end);
    if (flagsTag.type !== mi.UINT32 || flagsTag.nbytes !== 8) {
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `array flags must be a miUINT32 element of 8 bytes, found type ${flagsTag.type} with ${flagsTag.nbytes} bytes`,
        start,
        'array flags',
      );
    }
    const flags = src.u32(flagsTag.data);
    const nzmax = src.u32(flagsTag.data + 4);
    const mxClass = flags & 0xff;
    let pos = flagsTag.next;

    if (mxClass === 16 || mxClass === 17 || !(mxClass in MX_NUMERIC || mxClass in MX_NAMES)) {
      const name = this.findName(src, pos, end);
      throw new Unsupported(MX_NAMES[mxClass] ?? `code ${mxClass}`, joinPath(path, name));
    }

    const dimsTag = this.readTag(src, pos, end);
    if (dimsTag.type !== mi.INT32 || dimsTag.nbytes % 4 !== 0 || dimsTag.nbytes === 0) {
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `dimensions must be a non-empty miINT32 element, found type ${dimsTag.type} with ${dimsTag.nbytes} bytes`,
        pos,
        'dimensions',
      );
    }
    const shape: number[] = [];
    for (let k = 0; k < dimsTag.nbytes / 4; k++) {
      const d = src.i32(dimsTag.data + 4 * k);
      if (d < 0)
        this.fail(src, IO_ERRORS.MAT_ELEMENT, `dimension ${k} is negative (${d})`, dimsTag.data + 4 * k, 'dimensions');
      shape.push(d);
    }
    if (shape.length === 1) shape.push(1);
    pos = dimsTag.next;

    const nameTag = this.readTag(src, pos, end);
    if (nameTag.type !== mi.INT8 && nameTag.type !== mi.UINT8) {
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `array name must be a miINT8 element, found type ${nameTag.type}`,
        pos,
        'array name',
      );
    }
    const name = decodeLatin1(src.buf.subarray(nameTag.data, nameTag.data + nameTag.nbytes));
    const here = joinPath(path, name);
    pos = nameTag.next;
    const count = product(shape);

    const numericClass = MX_NUMERIC[mxClass];
    if (numericClass !== undefined) {
      return { name, value: this.readNumeric(src, pos, end, shape, count, numericClass, flags, here) };
    }
    switch (mxClass) {
      case MX.CHAR:
        return { name, value: this.readChar(src, pos, end, shape, count, here) };
      case MX.CELL:
        return { name, value: this.readCell(src, pos, end, shape, count, here, depth) };
      case MX.STRUCT:
        return { name, value: this.readStruct(src, pos, end, shape, count, here, depth) };
      case MX.OBJECT: {
        const clsTag = this.readTag(src, pos, end);
        const cls = decodeLatin1(src.buf.subarray(clsTag.data, clsTag.data + clsTag.nbytes));
        this.warn({
          path: here,
          code: IO_ERRORS.MAT_OBJECT_AS_STRUCT,
          message: `${here}: MATLAB object of class '${cls}' read as a struct of its properties`,
        });
        return { name, value: this.readStruct(src, clsTag.next, end, shape, count, here, depth) };
      }
      default:
        return { name, value: this.readSparse(src, pos, end, shape, nzmax, flags, here) };
    }
  }

  private findName(src: Source, pos: number, end: number): string {
    try {
      for (let k = 0; k < 2 && pos + 8 <= end; k++) {
        const t = this.readTag(src, pos, end);
        if (t.type === mi.INT8) return decodeLatin1(src.buf.subarray(t.data, t.data + t.nbytes));
        pos = t.next;
      }
    } catch {
      // Only used to name a skipped variable.
    }
    return '';
  }

  /** A numeric data element: its stored dtype and values (file order). */
  private readData(
    src: Source,
    pos: number,
    end: number,
    count: number,
    what: string,
    path: string,
  ): { data: NumericArray; next: number } {
    const tag = this.readTag(src, pos, end);
    const dtype = MI_DTYPE[tag.type];
    if (!dtype)
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: ${what} has data type ${tag.type}, expected a numeric type (1-7, 9, 12, 13)`,
        pos,
        'data type',
      );
    const size = DTYPE_INFO[dtype].size;
    if (tag.nbytes !== count * size) {
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: ${what} holds ${tag.nbytes} bytes of ${dtype}, expected ${count} elements (${count * size} bytes)`,
        pos + 4,
        'nbytes',
      );
    }
    return {
      data: arrayFromBytes(src.buf.subarray(tag.data, tag.data + tag.nbytes), dtype, count, src.le),
      next: tag.next,
    };
  }

  private readNumeric(
    src: Source,
    pos: number,
    end: number,
    shape: number[],
    count: number,
    cls: MatNumericClass,
    flags: number,
    path: string,
  ): MatArray {
    const matlabClass: MatNumericClass = flags & FLAG_LOGICAL ? 'logical' : cls;
    const real = this.readData(src, pos, end, count, 'real part', path);
    let data = real.data;
    let imag: NumericArray | undefined;
    if (flags & FLAG_COMPLEX) {
      const im = this.readData(src, real.next, end, count, 'imaginary part', path);
      imag = fortranToC(im.data, shape);
    }
    data = fortranToC(data, shape);
    if (this.opts.matDtype) {
      const target = dtypeOfClass(matlabClass);
      data = castArray(data, target);
      if (imag) imag = castArray(imag, target);
    } else if (imag) {
      imag = castArray(imag, dtypeOfArray(data));
    }
    const out: MatArray = {
      dtype: this.opts.matDtype ? dtypeOfClass(matlabClass) : dtypeOfArray(data),
      shape,
      data,
      matlabClass,
    };
    if (imag) out.imag = imag;
    return out;
  }

  private readChar(
    src: Source,
    pos: number,
    end: number,
    shape: number[],
    count: number,
    path: string,
  ): string | string[] {
    const tag = this.readTag(src, pos, end);
    const bytes = src.buf.subarray(tag.data, tag.data + tag.nbytes);
    let chars: string[];
    switch (tag.type) {
      case mi.UTF8:
        chars = Array.from(new TextDecoder('utf-8').decode(bytes));
        break;
      case mi.UTF16:
        chars = Array.from(new TextDecoder(src.le ? 'utf-16le' : 'utf-16be').decode(bytes));
        break;
      case mi.UINT16:
      case mi.INT16: {
        // UCS-2 code units, one per character (surrogate halves stay separate, as in MATLAB).
        const units = arrayFromBytes(bytes, 'uint16', Math.floor(bytes.length / 2), src.le) as Uint16Array;
        chars = Array.from(units, (u) => String.fromCharCode(u));
        break;
      }
      case mi.UTF32:
      case mi.UINT32:
      case mi.INT32: {
        const units = arrayFromBytes(bytes, 'uint32', Math.floor(bytes.length / 4), src.le) as Uint32Array;
        chars = Array.from(units, (u) => (u <= 0x10ffff ? String.fromCodePoint(u) : '\ufffd'));
        break;
      }
      case mi.UINT8:
      case mi.INT8:
        chars = Array.from(bytes, (b) => String.fromCharCode(b));
        break;
      default:
        this.fail(
          src,
          IO_ERRORS.MAT_ELEMENT,
          `${path}: char data has type ${tag.type}, expected a character or integer type`,
          pos,
          'data type',
        );
    }
    if (count === 0) return '';
    if (chars.length !== count) {
      if (shape.length === 2 && shape[0] === 1) return chars.join('');
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: char array of shape [${shape.join(', ')}] holds ${chars.length} characters, expected ${count}`,
        pos,
        'nbytes',
      );
    }
    return charsToStrings(chars, shape);
  }

  private checkElementCount(src: Source, pos: number, end: number, n: number, what: string, path: string): void {
    // Every element needs at least an 8-byte tag: refuse counts the remaining bytes cannot hold (no huge loops).
    if (n * 8 > end - pos) {
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: ${n} ${what} need at least ${n * 8} bytes, ${end - pos} remain`,
        pos,
        'dimensions',
      );
    }
  }

  private readChild(
    src: Source,
    pos: number,
    end: number,
    path: string,
    depth: number,
  ): { value: MatValue | undefined; next: number } {
    const tag = this.readTag(src, pos, end);
    if (tag.type !== mi.MATRIX)
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: expected a miMATRIX (14) element, found type ${tag.type}`,
        pos,
        'type',
      );
    try {
      return { value: this.readMatrix(src, tag.data, tag.data + tag.nbytes, path, depth + 1).value, next: tag.next };
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      this.unsupported(e.className, path);
      return { value: undefined, next: tag.next };
    }
  }

  private readCell(
    src: Source,
    pos: number,
    end: number,
    shape: number[],
    count: number,
    path: string,
    depth: number,
  ): MatCell {
    this.checkElementCount(src, pos, end, count, 'cell elements', path);
    const items: MatValue[] = [];
    for (let i = 0; i < count; i++) {
      const r = this.readChild(src, pos, end, `${path}{${i}}`, depth);
      // A skipped element keeps its place as an empty double so the other elements keep their positions.
      items.push(r.value ?? { dtype: 'float64', shape: [0, 0], data: new Float64Array(0), matlabClass: 'double' });
      pos = r.next;
    }
    return { cell: fortranToCList(items, shape), shape };
  }

  private readStruct(
    src: Source,
    pos: number,
    end: number,
    shape: number[],
    count: number,
    path: string,
    depth: number,
  ): MatStruct | MatStructArray {
    const lenTag = this.readTag(src, pos, end);
    if (lenTag.type !== mi.INT32 || lenTag.nbytes !== 4)
      this.fail(src, IO_ERRORS.MAT_ELEMENT, `${path}: field name length must be one miINT32`, pos, 'field name length');
    const nameLen = src.i32(lenTag.data);
    pos = lenTag.next;
    const namesTag = this.readTag(src, pos, end);
    if (namesTag.type !== mi.INT8 && namesTag.type !== mi.UINT8)
      this.fail(src, IO_ERRORS.MAT_ELEMENT, `${path}: field names must be a miINT8 element`, pos, 'field names');
    if (nameLen <= 0 ? namesTag.nbytes !== 0 : namesTag.nbytes % nameLen !== 0) {
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: ${namesTag.nbytes} bytes of field names is not a multiple of the name length ${nameLen}`,
        pos,
        'field names',
      );
    }
    const fields: string[] = [];
    for (let p = 0; nameLen > 0 && p < namesTag.nbytes; p += nameLen) {
      fields.push(decodeLatin1(src.buf.subarray(namesTag.data + p, namesTag.data + p + nameLen)));
    }
    pos = namesTag.next;
    if (fields.length > 0) this.checkElementCount(src, pos, end, count * fields.length, 'struct field values', path);
    const structs: MatStruct[] = [];
    const single = count === 1;
    for (let i = 0; i < count; i++) {
      const s: MatStruct = {};
      for (const f of fields) {
        const r = this.readChild(src, pos, end, single ? `${path}.${f}` : `${path}(${i}).${f}`, depth);
        if (r.value !== undefined) s[f] = r.value;
        pos = r.next;
      }
      structs.push(s);
    }
    if (single) return structs[0];
    return { structs: fortranToCList(structs, shape), shape, fields };
  }

  private readSparse(
    src: Source,
    pos: number,
    end: number,
    shape: number[],
    nzmax: number,
    flags: number,
    path: string,
  ): MatArray {
    if (shape.length !== 2)
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: a sparse array must be 2-D, found shape [${shape.join(', ')}]`,
        pos,
        'dimensions',
      );
    const [rows, cols] = shape;
    const irTag = this.readTag(src, pos, end);
    const jcTag = this.readTag(src, irTag.next, end);
    if (irTag.type !== mi.INT32 || jcTag.type !== mi.INT32)
      this.fail(src, IO_ERRORS.MAT_ELEMENT, `${path}: sparse row/column indices must be miINT32`, pos, 'ir/jc');
    if (jcTag.nbytes !== 4 * (cols + 1))
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: sparse jc holds ${jcTag.nbytes / 4} entries, expected ${cols + 1}`,
        irTag.next,
        'jc',
      );
    const ir = arrayFromBytes(
      src.buf.subarray(irTag.data, irTag.data + irTag.nbytes),
      'int32',
      irTag.nbytes >>> 2,
      src.le,
    ) as Int32Array;
    const jc = arrayFromBytes(
      src.buf.subarray(jcTag.data, jcTag.data + jcTag.nbytes),
      'int32',
      cols + 1,
      src.le,
    ) as Int32Array;
    const nnz = jc[cols];
    if (nnz < 0 || nnz > ir.length)
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: sparse array has ${nnz} non-zeros but ${ir.length} row indices (nzmax ${nzmax})`,
        irTag.next,
        'jc',
      );
    const prTag = this.readTag(src, jcTag.next, end);
    const dtype = MI_DTYPE[prTag.type];
    if (!dtype)
      this.fail(src, IO_ERRORS.MAT_ELEMENT, `${path}: sparse values have data type ${prTag.type}`, jcTag.next, 'pr');
    const nvals = prTag.nbytes / DTYPE_INFO[dtype].size;
    if (nvals < nnz || !Number.isInteger(nvals))
      this.fail(
        src,
        IO_ERRORS.MAT_ELEMENT,
        `${path}: sparse array has ${nnz} non-zeros but ${nvals} values`,
        jcTag.next,
        'pr',
      );
    const pr = arrayFromBytes(src.buf.subarray(prTag.data, prTag.data + prTag.nbytes), dtype, nvals, src.le);
    let pi: NumericArray | undefined;
    if (flags & FLAG_COMPLEX) {
      const piTag = this.readTag(src, prTag.next, end);
      const pdt = MI_DTYPE[piTag.type];
      const n = pdt ? piTag.nbytes / DTYPE_INFO[pdt].size : -1;
      if (!pdt || n < nnz)
        this.fail(src, IO_ERRORS.MAT_ELEMENT, `${path}: sparse imaginary part is malformed`, prTag.next, 'pi');
      pi = arrayFromBytes(src.buf.subarray(piTag.data, piTag.data + piTag.nbytes), pdt, Math.floor(n), src.le);
    }
    const size = DTYPE_INFO[dtype].size;
    if (rows * cols * size * (pi ? 2 : 1) > this.maxBytes) {
      this.fail(
        src,
        IO_ERRORS.MAT_SPARSE_TOO_LARGE,
        `${path}: sparse ${rows}x${cols} array would need ${rows * cols * size} bytes as a dense array (limit ${this.maxBytes}; raise maxBytes)`,
        pos,
        'dimensions',
      );
    }
    const matlabClass: MatNumericClass = flags & FLAG_LOGICAL ? 'logical' : 'double';
    const outDtype = this.opts.matDtype ? dtypeOfClass(matlabClass) : dtype;
    const prOut = castArray(pr, outDtype);
    const data = DTYPE_INFO[outDtype].make(rows * cols);
    const imag = pi ? DTYPE_INFO[outDtype].make(rows * cols) : undefined;
    const piOut = pi ? castArray(pi, outDtype) : undefined;
    for (let j = 0; j < cols; j++) {
      const a = jc[j];
      const b = jc[j + 1];
      if (a < 0 || b < a || b > nnz)
        this.fail(
          src,
          IO_ERRORS.MAT_ELEMENT,
          `${path}: sparse column pointers are not increasing at column ${j}`,
          jcTag.data + 4 * j,
          'jc',
        );
      for (let k = a; k < b; k++) {
        const r = ir[k];
        if (r < 0 || r >= rows)
          this.fail(
            src,
            IO_ERRORS.MAT_ELEMENT,
            `${path}: sparse row index ${r} outside 0..${rows - 1}`,
            irTag.data + 4 * k,
            'ir',
          );
        (data as Float64Array)[r * cols + j] = (prOut as Float64Array)[k];
        if (imag && piOut) (imag as Float64Array)[r * cols + j] = (piOut as Float64Array)[k];
      }
    }
    const out: MatArray = { dtype: outDtype, shape, data, matlabClass, sparse: true };
    if (imag) out.imag = imag;
    return out;
  }
}

/**
 * Characters in MATLAB (column-major) order to strings: rows along the last axis of the C-order array, as
 * scipy's chars_as_strings gives them. A 1xN char is one string; anything else a string[]; empty is ''.
 */
export function charsToStrings(chars: string[], shape: number[]): string | string[] {
  const count = product(shape);
  if (count === 0) return '';
  const c = fortranToCList(chars, shape);
  const len = shape[shape.length - 1];
  const rows: string[] = [];
  for (let r = 0; r < count / len; r++) rows.push(c.slice(r * len, (r + 1) * len).join(''));
  return shape.length === 2 && shape[0] === 1 ? rows[0] : rows;
}

function joinPath(parent: string, name: string): string {
  return parent || name;
}

function decodeLatin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** Parse the 128-byte header: descriptive text and byte order. */
export function readHeader(buf: Uint8Array, file: string): { headerText: string; le: boolean; version: number } {
  if (buf.length < 128) {
    throw new FileFormatError(
      IO_ERRORS.MAT_HEADER,
      file,
      `a MAT file starts with a 128-byte header; the file holds ${buf.length} bytes`,
      { offset: 0 },
    );
  }
  const headerText = decodeLatin1(buf.subarray(0, 116)).trimEnd();
  const ind = String.fromCharCode(buf[126], buf[127]);
  if (ind !== 'IM' && ind !== 'MI') {
    if (buf[0] === 0 || buf[1] === 0 || buf[2] === 0 || buf[3] === 0) {
      throw new FileFormatError(
        IO_ERRORS.MAT_VERSION,
        file,
        'this looks like a MAT v4 file (no level-5 header); only MAT v5..v7.3 are supported',
        { offset: 0 },
      );
    }
    throw new FileFormatError(
      IO_ERRORS.MAT_HEADER,
      file,
      `endian indicator must be 'IM' or 'MI', found ${JSON.stringify(ind)}`,
      { offset: 126, field: 'endian indicator' },
    );
  }
  const le = ind === 'IM';
  const version = new DataView(buf.buffer, buf.byteOffset + 124, 2).getUint16(0, le);
  return { headerText, le, version };
}

export function whosMat5(buf: Uint8Array, file = '<buffer>'): MatVariableInfo[] {
  return new Mat5Decoder(file).whos(buf);
}

export function decodeMat5(buf: Uint8Array, file = '<buffer>', opts: MatReadOptions = {}): MatFile {
  return new Mat5Decoder(file, opts).decode(buf);
}
