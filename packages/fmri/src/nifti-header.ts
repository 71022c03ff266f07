/**
 * NIfTI-1 (348-byte) and NIfTI-2 (540-byte) header parsing in either byte order, with the same silent fixes
 * nibabel's `check_fix` applies on load (qfac not ±1 → 1, zero/negative pixdim[1..3] → 1/abs, unknown xform
 * codes → 0, bitpix inconsistent with datatype → ignored) and typed errors for what nibabel refuses.
 */
import { FileFormatError } from '@concord/core';
import { type DatatypeInfo, datatypeByCode, UNSUPPORTED_DATATYPES } from './datatypes.ts';
import { FMRI_ERRORS } from './errors.ts';

export type NiftiFormat = 'nifti1' | 'nifti2';

export interface NiftiExtension {
  /** ecode (e.g. 4 AFNI, 6 comment, 32 CIFTI). */
  code: number;
  /** esize on disk, including the 8-byte code/size prefix (a multiple of 16 in valid files). */
  size: number;
  /** The extension's content (esize − 8 bytes). */
  content: Uint8Array;
}

/** Header fields exactly as stored on disk, with nibabel's names. */
export type HeaderFields = Record<string, number | string | number[]>;

export interface NiftiHeader {
  format: NiftiFormat;
  littleEndian: boolean;
  sizeofHdr: number;
  magic: string;
  /** True for a single .nii file ('n+1'/'n+2'), false for a .hdr/.img pair ('ni1'/'ni2'). */
  single: boolean;
  fields: HeaderFields;
  datatypeCode: number;
  /** Undefined when the datatype is one Concord does not read (see `unsupportedReason`). */
  datatype: DatatypeInfo | undefined;
  unsupportedReason?: string;
  /** dim[1..dim[0]]. */
  shape: number[];
  /** pixdim after nibabel's fixes (qfac in [0]). */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: [number[], number[], number[]];
  xyztUnits: number;
  extensions: NiftiExtension[];
  /** Fixes applied on load, as nibabel logs them. */
  warnings: string[];
}

const VALID_XFORM_CODES = new Set([0, 1, 2, 3, 4, 5]);

function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder('latin1').decode(bytes.subarray(start, end));
}

/**
 * Parse a header from the first bytes of a file (at least sizeof_hdr; pass more to read extensions).
 * Extensions are read up to vox_offset (single file) or the end of `bytes` (pair header); skip them with
 * `extensions: false` when `bytes` holds only the fixed header.
 */
export function parseNiftiHeader(bytes: Uint8Array, file: string, opts: { extensions?: boolean } = {}): NiftiHeader {
  if (bytes.length < 4)
    throw new FileFormatError(
      FMRI_ERRORS.TRUNCATED,
      file,
      `file is ${bytes.length} bytes, too short for a NIfTI header (needs ≥ 348)`,
      { offset: 0, field: 'sizeof_hdr' },
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getInt32(0, true);
  const be = view.getInt32(0, false);
  let littleEndian: boolean;
  let sizeofHdr: number;
  if (le === 348 || le === 540) [littleEndian, sizeofHdr] = [true, le];
  else if (be === 348 || be === 540) [littleEndian, sizeofHdr] = [false, be];
  else {
    throw new FileFormatError(
      FMRI_ERRORS.NOT_NIFTI,
      file,
      `sizeof_hdr is ${le} (little-endian) / ${be} (big-endian); a NIfTI-1 header has 348, NIfTI-2 has 540`,
      {
        offset: 0,
        field: 'sizeof_hdr',
        expected: [348, 540],
        received: le,
      },
    );
  }
  if (bytes.length < sizeofHdr) {
    throw new FileFormatError(
      FMRI_ERRORS.TRUNCATED,
      file,
      `file is ${bytes.length} bytes, shorter than its ${sizeofHdr}-byte header`,
      { offset: bytes.length, field: 'sizeof_hdr' },
    );
  }
  const hdr =
    sizeofHdr === 348 ? parseNifti1(bytes, view, littleEndian, file) : parseNifti2(bytes, view, littleEndian, file);
  if (opts.extensions !== false) hdr.extensions = parseExtensions(bytes, view, hdr, file);
  return hdr;
}

function parseNifti1(bytes: Uint8Array, v: DataView, le: boolean, file: string): NiftiHeader {
  const i16 = (o: number) => v.getInt16(o, le);
  const i32 = (o: number) => v.getInt32(o, le);
  const f32 = (o: number) => v.getFloat32(o, le);
  const f32s = (o: number, n: number) => Array.from({ length: n }, (_, k) => f32(o + 4 * k));
  const magic = cString(bytes, 344, 4);
  if (magic !== 'n+1' && magic !== 'ni1') {
    throw new FileFormatError(
      FMRI_ERRORS.NOT_NIFTI,
      file,
      `magic is ${JSON.stringify(magic)}, expected "n+1" (single file) or "ni1" (pair); an Analyze 7.5 file is not NIfTI`,
      {
        offset: 344,
        field: 'magic',
        received: magic,
      },
    );
  }
  const fields: HeaderFields = {
    sizeof_hdr: 348,
    data_type: cString(bytes, 4, 10),
    db_name: cString(bytes, 14, 18),
    extents: i32(32),
    session_error: i16(36),
    regular: cString(bytes, 38, 1),
    dim_info: bytes[39],
    dim: Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k)),
    intent_p1: f32(56),
    intent_p2: f32(60),
    intent_p3: f32(64),
    intent_code: i16(68),
    datatype: i16(70),
    bitpix: i16(72),
    slice_start: i16(74),
    pixdim: f32s(76, 8),
    vox_offset: f32(108),
    scl_slope: f32(112),
    scl_inter: f32(116),
    slice_end: i16(120),
    slice_code: bytes[122],
    xyzt_units: bytes[123],
    cal_max: f32(124),
    cal_min: f32(128),
    slice_duration: f32(132),
    toffset: f32(136),
    glmax: i32(140),
    glmin: i32(144),
    descrip: cString(bytes, 148, 80),
    aux_file: cString(bytes, 228, 24),
    qform_code: i16(252),
    sform_code: i16(254),
    quatern_b: f32(256),
    quatern_c: f32(260),
    quatern_d: f32(264),
    qoffset_x: f32(268),
    qoffset_y: f32(272),
    qoffset_z: f32(276),
    srow_x: f32s(280, 4),
    srow_y: f32s(296, 4),
    srow_z: f32s(312, 4),
    intent_name: cString(bytes, 328, 16),
    magic,
  };
  return finish('nifti1', fields, le, 348, magic, magic === 'n+1', file, { dim: 40, datatype: 70, voxOffset: 108 });
}

function parseNifti2(bytes: Uint8Array, v: DataView, le: boolean, file: string): NiftiHeader {
  const i16 = (o: number) => v.getInt16(o, le);
  const i32 = (o: number) => v.getInt32(o, le);
  const i64 = (o: number) => Number(v.getBigInt64(o, le));
  const f64 = (o: number) => v.getFloat64(o, le);
  const f64s = (o: number, n: number) => Array.from({ length: n }, (_, k) => f64(o + 8 * k));
  const magic = cString(bytes, 4, 8);
  const tail = Array.from(bytes.subarray(7, 12));
  if ((magic !== 'n+2' && magic !== 'ni2') || tail.join(',') !== '0,13,10,26,10') {
    throw new FileFormatError(
      FMRI_ERRORS.NOT_NIFTI,
      file,
      `magic is ${JSON.stringify(magic)} followed by bytes [${tail.slice(1).join(', ')}], expected "n+2" or "ni2" then \\0 \\r \\n \\032 \\n`,
      {
        offset: 4,
        field: 'magic',
        received: magic,
      },
    );
  }
  const fields: HeaderFields = {
    sizeof_hdr: 540,
    magic,
    datatype: i16(12),
    bitpix: i16(14),
    dim: Array.from({ length: 8 }, (_, k) => i64(16 + 8 * k)),
    intent_p1: f64(80),
    intent_p2: f64(88),
    intent_p3: f64(96),
    pixdim: f64s(104, 8),
    vox_offset: i64(168),
    scl_slope: f64(176),
    scl_inter: f64(184),
    cal_max: f64(192),
    cal_min: f64(200),
    slice_duration: f64(208),
    toffset: f64(216),
    slice_start: i64(224),
    slice_end: i64(232),
    descrip: cString(bytes, 240, 80),
    aux_file: cString(bytes, 320, 24),
    qform_code: i32(344),
    sform_code: i32(348),
    quatern_b: f64(352),
    quatern_c: f64(360),
    quatern_d: f64(368),
    qoffset_x: f64(376),
    qoffset_y: f64(384),
    qoffset_z: f64(392),
    srow_x: f64s(400, 4),
    srow_y: f64s(432, 4),
    srow_z: f64s(464, 4),
    slice_code: i32(496),
    xyzt_units: i32(500),
    intent_code: i32(504),
    intent_name: cString(bytes, 508, 16),
    dim_info: bytes[524],
    eol_check: Array.from(bytes.subarray(8, 12)),
    unused_str: cString(bytes, 525, 15),
  };
  void i16;
  return finish('nifti2', fields, le, 540, magic, magic === 'n+2', file, { dim: 16, datatype: 12, voxOffset: 168 });
}

function finish(
  format: NiftiFormat,
  fields: HeaderFields,
  littleEndian: boolean,
  sizeofHdr: number,
  magic: string,
  single: boolean,
  file: string,
  offsets: { dim: number; datatype: number; voxOffset: number },
): NiftiHeader {
  const warnings: string[] = [];
  const dim = fields.dim as number[];
  const ndim = dim[0];
  if (!(ndim >= 1 && ndim <= 7)) {
    throw new FileFormatError(FMRI_ERRORS.BAD_HEADER, file, `dim[0] (number of dimensions) is ${ndim}, expected 1..7`, {
      offset: offsets.dim,
      field: 'dim[0]',
      received: ndim,
    });
  }
  const shape = dim.slice(1, ndim + 1);
  // NIfTI-1: "dim[i] = length of dimension #i, i=1..dim[0] (must be positive)". A zero-length axis would make an
  // image of no voxels that every consumer then trips over; the pymvpa/nibabel files never have one.
  shape.forEach((n, k) => {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new FileFormatError(
        FMRI_ERRORS.BAD_HEADER,
        file,
        `dim[${k + 1}] is ${n}, expected a positive integer (dim[1..dim[0]] must be positive)`,
        { offset: offsets.dim, field: `dim[${k + 1}]`, received: n },
      );
    }
  });
  const datatypeCode = fields.datatype as number;
  const datatype = datatypeByCode(datatypeCode);
  let unsupportedReason: string | undefined;
  if (!datatype)
    unsupportedReason = UNSUPPORTED_DATATYPES[datatypeCode]
      ? `datatype ${datatypeCode} (${UNSUPPORTED_DATATYPES[datatypeCode]}) is not supported`
      : `datatype ${datatypeCode} is not a NIfTI datatype code`;
  else if (fields.bitpix !== datatype.bytes * 8)
    warnings.push(`bitpix ${fields.bitpix} does not match datatype ${datatype.name}; using ${datatype.bytes * 8}`);

  const voxOffsetRaw = fields.vox_offset as number;
  if (!Number.isFinite(voxOffsetRaw) || voxOffsetRaw < 0 || voxOffsetRaw > Number.MAX_SAFE_INTEGER) {
    throw new FileFormatError(
      FMRI_ERRORS.BAD_HEADER,
      file,
      `vox_offset is ${voxOffsetRaw}, expected a non-negative byte offset`,
      { offset: offsets.voxOffset, field: 'vox_offset', received: voxOffsetRaw },
    );
  }
  const voxOffset = Math.floor(voxOffsetRaw);
  if (single && voxOffset < sizeofHdr + 4) {
    throw new FileFormatError(
      FMRI_ERRORS.BAD_HEADER,
      file,
      `vox_offset is ${voxOffsetRaw}, too low for a single-file NIfTI (data must start at ≥ ${sizeofHdr + 4}, after the header and extension flag)`,
      {
        offset: offsets.voxOffset,
        field: 'vox_offset',
        received: voxOffsetRaw,
        expected: `>= ${sizeofHdr + 4}`,
      },
    );
  }

  // nibabel check_fix: qfac, pixdim[1..3]
  const pixdim = (fields.pixdim as number[]).slice();
  if (pixdim[0] !== 1 && pixdim[0] !== -1) {
    warnings.push(`pixdim[0] (qfac) is ${pixdim[0]}, should be 1 or -1; setting qfac to 1`);
    pixdim[0] = 1;
  }
  for (let k = 1; k <= 3; k++) {
    if (pixdim[k] === 0) {
      warnings.push(`pixdim[${k}] is 0; setting to 1`);
      pixdim[k] = 1;
    } else if (pixdim[k] < 0) {
      warnings.push(`pixdim[${k}] is negative; setting to its absolute value`);
      pixdim[k] = Math.abs(pixdim[k]);
    }
  }
  let qformCode = fields.qform_code as number;
  let sformCode = fields.sform_code as number;
  if (!VALID_XFORM_CODES.has(qformCode)) {
    warnings.push(`qform_code ${qformCode} not valid; setting to 0`);
    qformCode = 0;
  }
  if (!VALID_XFORM_CODES.has(sformCode)) {
    warnings.push(`sform_code ${sformCode} not valid; setting to 0`);
    sformCode = 0;
  }
  return {
    format,
    littleEndian,
    sizeofHdr,
    magic,
    single,
    fields,
    datatypeCode,
    datatype,
    ...(unsupportedReason ? { unsupportedReason } : {}),
    shape,
    pixdim,
    voxOffset,
    sclSlope: fields.scl_slope as number,
    sclInter: fields.scl_inter as number,
    qformCode,
    sformCode,
    quatern: [fields.quatern_b as number, fields.quatern_c as number, fields.quatern_d as number],
    qoffset: [fields.qoffset_x as number, fields.qoffset_y as number, fields.qoffset_z as number],
    srow: [fields.srow_x as number[], fields.srow_y as number[], fields.srow_z as number[]],
    xyztUnits: fields.xyzt_units as number,
    extensions: [],
    warnings,
  };
}

/**
 * Extensions follow the 4-byte extender after the header when its first byte is non-zero; they end at
 * vox_offset in a single file and at the end of the .hdr in a pair (nibabel's rule).
 */
function parseExtensions(bytes: Uint8Array, view: DataView, hdr: NiftiHeader, file: string): NiftiExtension[] {
  const start = hdr.sizeofHdr;
  if (bytes.length < start + 4 || bytes[start] === 0) return [];
  const end = hdr.single ? Math.min(hdr.voxOffset, bytes.length) : bytes.length;
  const out: NiftiExtension[] = [];
  let pos = start + 4;
  // nibabel's loop: another extension while ≥ 16 bytes remain before the limit; like nibabel, its content is
  // read in full even if esize runs past vox_offset
  while (end - pos >= 16 || (!hdr.single && end - pos >= 8)) {
    const esize = view.getInt32(pos, hdr.littleEndian);
    const code = view.getInt32(pos + 4, hdr.littleEndian);
    if (esize < 8) {
      throw new FileFormatError(
        FMRI_ERRORS.BAD_HEADER,
        file,
        `extension ${out.length} declares esize ${esize}; esize must be ≥ 8 (and a multiple of 16)`,
        {
          offset: pos,
          field: `extension[${out.length}].esize`,
          received: esize,
        },
      );
    }
    if (pos + esize > bytes.length) {
      throw new FileFormatError(
        FMRI_ERRORS.TRUNCATED,
        file,
        `extension ${out.length} declares esize ${esize} at byte ${pos}, but the file ends at byte ${bytes.length}`,
        {
          offset: pos,
          field: `extension[${out.length}].esize`,
          received: esize,
        },
      );
    }
    out.push({ code, size: esize, content: bytes.slice(pos + 8, pos + esize) });
    pos += esize;
  }
  return out;
}
