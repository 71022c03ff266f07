/**
 * NIfTI-1 writer for images Concord produces (maps, masks, betas): .nii or .nii.gz (chosen by the extension),
 * little-endian, vox_offset 352, header extensions kept, the affine stored in both sform and qform
 * (codes 'aligned' = 2 unless given), written atomically (temporary file + rename).
 */
import { gzipSync } from 'node:zlib';
import { ParameterError } from '@concord/core';
import { writeFileAtomic } from '@concord/io';
import type { Affine } from './affine.ts';
import { datatypeByName, type NiftiDatatype, type RawArray } from './datatypes.ts';
import { FMRI_ERRORS } from './errors.ts';
import { type NiftiExtension, parseNiftiHeader } from './nifti-header.ts';
import { NiftiImage } from './nifti-image.ts';

export interface NiftiImageInit {
  /** Values in NIfTI order (x fastest), length = product of `shape`. Written as is (or `(v − sclInter) / sclSlope` for integer types). */
  data: ArrayLike<number> | RawArray;
  shape: number[];
  /** Voxel-to-world 4×4 (default: identity scaled by zooms). */
  affine?: Affine;
  /** On-disk type (default float32 for Float32Array data, else float64). */
  datatype?: NiftiDatatype;
  /** pixdim[1..ndim] (default: column norms of the affine, 1 for other axes or `tr` for axis 4). */
  zooms?: number[];
  /** Repetition time in seconds for 4-D images (sets pixdim[4] and the time unit 'sec'). */
  tr?: number;
  sclSlope?: number;
  sclInter?: number;
  descrip?: string;
  intentCode?: number;
  intentName?: string;
  qformCode?: number;
  sformCode?: number;
  /** Space unit code (default 2 = mm) and time unit code (default 8 = sec). */
  spaceUnit?: number;
  timeUnit?: number;
  extensions?: NiftiExtension[];
}

const INT_RANGES: Partial<Record<NiftiDatatype, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-(2 ** 63), 2 ** 63 - 1],
  uint64: [0, 2 ** 64 - 1],
};

/** Header + extensions + data of a NIfTI-1 single file ('n+1'). */
export function encodeNifti1(init: NiftiImageInit): Uint8Array {
  const { shape } = init;
  if (shape.length < 1 || shape.length > 7 || shape.some((n) => !Number.isInteger(n) || n < 0 || n > 32767)) {
    throw new ParameterError(
      FMRI_ERRORS.BAD_PARAMETER,
      'shape',
      `expected 1..7 integer dims each ≤ 32767 (NIfTI-1), received [${shape.join(', ')}]`,
    );
  }
  const nvox = shape.reduce((a, b) => a * b, 1);
  if (init.data.length !== nvox)
    throw new ParameterError(
      FMRI_ERRORS.BAD_PARAMETER,
      'data',
      `length ${init.data.length} does not match shape [${shape.join(', ')}] (${nvox} voxels)`,
    );
  const dtName = init.datatype ?? (init.data instanceof Float32Array ? 'float32' : 'float64');
  const dt = datatypeByName(dtName);
  if (!dt) throw new ParameterError(FMRI_ERRORS.UNKNOWN_METHOD, 'datatype', `unknown datatype '${dtName}'`);
  const affine = init.affine ?? defaultAffine(init.zooms);
  const colNorm = (j: number) => Math.hypot(affine[0][j], affine[1][j], affine[2][j]);
  const zooms = shape.map(
    (_, d) => init.zooms?.[d] ?? (d < 3 ? colNorm(d) : d === 3 && init.tr !== undefined ? init.tr : 1),
  );
  const exts = init.extensions ?? [];
  const extBytes = exts.reduce((a, e) => a + Math.ceil((e.content.length + 8) / 16) * 16, 0);
  const voxOffset = 352 + extBytes;
  const out = new Uint8Array(voxOffset + nvox * dt.bytes);
  const v = new DataView(out.buffer);
  const le = true;
  v.setInt32(0, 348, le);
  out[38] = 'r'.charCodeAt(0);
  v.setInt16(40, shape.length, le);
  for (let d = 0; d < 7; d++) v.setInt16(42 + 2 * d, shape[d] ?? 1, le);
  v.setInt16(68, init.intentCode ?? 0, le);
  v.setInt16(70, dt.code, le);
  v.setInt16(72, dt.bytes * 8, le);
  const q = affineToQuaternion(affine);
  v.setFloat32(76, q.qfac, le);
  for (let d = 0; d < 7; d++) v.setFloat32(80 + 4 * d, zooms[d] ?? 1, le);
  v.setFloat32(108, voxOffset, le);
  v.setFloat32(112, init.sclSlope ?? 1, le);
  v.setFloat32(116, init.sclInter ?? 0, le);
  out[123] = (init.spaceUnit ?? 2) | (init.timeUnit ?? 8);
  writeString(out, 148, 80, init.descrip ?? 'concord');
  v.setInt16(252, init.qformCode ?? 2, le);
  v.setInt16(254, init.sformCode ?? 2, le);
  v.setFloat32(256, q.b, le);
  v.setFloat32(260, q.c, le);
  v.setFloat32(264, q.d, le);
  for (let r = 0; r < 3; r++) v.setFloat32(268 + 4 * r, affine[r][3], le);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) v.setFloat32(280 + 16 * r + 4 * c, affine[r][c], le);
  writeString(out, 328, 16, init.intentName ?? '');
  writeString(out, 344, 4, 'n+1');
  let pos = 348;
  out[pos] = exts.length ? 1 : 0;
  pos = 352;
  for (const e of exts) {
    const esize = Math.ceil((e.content.length + 8) / 16) * 16;
    v.setInt32(pos, esize, le);
    v.setInt32(pos + 4, e.code, le);
    out.set(e.content, pos + 8);
    pos += esize;
  }
  writeData(init, dt.name, new DataView(out.buffer, voxOffset));
  return out;
}

function writeString(out: Uint8Array, offset: number, max: number, s: string): void {
  const b = new TextEncoder().encode(s).subarray(0, max - 1);
  out.set(b, offset);
}

function defaultAffine(zooms?: number[]): Affine {
  const z = [zooms?.[0] ?? 1, zooms?.[1] ?? 1, zooms?.[2] ?? 1];
  return [
    [z[0], 0, 0, 0],
    [0, z[1], 0, 0],
    [0, 0, z[2], 0],
    [0, 0, 0, 1],
  ];
}

function writeData(init: NiftiImageInit, dt: NiftiDatatype, v: DataView): void {
  const data = init.data;
  const n = data.length;
  // float datatypes have no range (and never look at it); an integer datatype without one would be a table bug
  const range = INT_RANGES[dt] ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const slope = init.sclSlope && Number.isFinite(init.sclSlope) ? init.sclSlope : 1;
  const inter = init.sclSlope && Number.isFinite(init.sclSlope) ? (init.sclInter ?? 0) : 0;
  const isBig = data instanceof BigInt64Array || data instanceof BigUint64Array;
  for (let i = 0; i < n; i++) {
    if (dt === 'float32') v.setFloat32(4 * i, Number(data[i]), true);
    else if (dt === 'float64') v.setFloat64(8 * i, Number(data[i]), true);
    else {
      let x: number;
      if (isBig) x = Number(data[i]);
      else x = Math.round((Number(data[i]) - inter) / slope);
      if (!(x >= range[0] && x <= range[1])) {
        throw new ParameterError(
          FMRI_ERRORS.BAD_PARAMETER,
          'data',
          `value ${data[i]} at flat index ${i} cannot be stored as ${dt} (range ${range[0]}..${range[1]}${slope !== 1 || inter !== 0 ? ` after scaling with slope ${slope}, inter ${inter}` : ''}); use a float datatype or scl_slope/scl_inter`,
        );
      }
      switch (dt) {
        case 'uint8':
          v.setUint8(i, x);
          break;
        case 'int8':
          v.setInt8(i, x);
          break;
        case 'int16':
          v.setInt16(2 * i, x, true);
          break;
        case 'uint16':
          v.setUint16(2 * i, x, true);
          break;
        case 'int32':
          v.setInt32(4 * i, x, true);
          break;
        case 'uint32':
          v.setUint32(4 * i, x, true);
          break;
        case 'int64':
          v.setBigInt64(8 * i, isBig ? (data[i] as unknown as bigint) : BigInt(x), true);
          break;
        case 'uint64':
          v.setBigUint64(8 * i, isBig ? (data[i] as unknown as bigint) : BigInt(x), true);
          break;
      }
    }
  }
}

/**
 * Quaternion parameters of the rotation part of an affine (nibabel's set_qform: column norms as zooms, qfac −1
 * for a left-handed affine with the third column flipped, orthonormalised rotation, w ≥ 0).
 */
export function affineToQuaternion(affine: Affine): { b: number; c: number; d: number; qfac: number } {
  const m = [0, 1, 2].map((i) => [0, 1, 2].map((j) => affine[i][j]));
  for (let j = 0; j < 3; j++) {
    const n = Math.hypot(m[0][j], m[1][j], m[2][j]) || 1;
    for (let i = 0; i < 3; i++) m[i][j] /= n;
  }
  const det =
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (let i = 0; i < 3; i++) m[i][2] = -m[i][2];
  // Shepperd's method on the (now proper) rotation
  const [r00, r11, r22] = [m[0][0], m[1][1], m[2][2]];
  const tr = r00 + r11 + r22;
  let w: number;
  let x: number;
  let y: number;
  let z: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = 0.25 * s;
    x = (m[2][1] - m[1][2]) / s;
    y = (m[0][2] - m[2][0]) / s;
    z = (m[1][0] - m[0][1]) / s;
  } else if (r00 > r11 && r00 > r22) {
    const s = Math.sqrt(1 + r00 - r11 - r22) * 2;
    w = (m[2][1] - m[1][2]) / s;
    x = 0.25 * s;
    y = (m[0][1] + m[1][0]) / s;
    z = (m[0][2] + m[2][0]) / s;
  } else if (r11 > r22) {
    const s = Math.sqrt(1 + r11 - r00 - r22) * 2;
    w = (m[0][2] - m[2][0]) / s;
    x = (m[0][1] + m[1][0]) / s;
    y = 0.25 * s;
    z = (m[1][2] + m[2][1]) / s;
  } else {
    const s = Math.sqrt(1 + r22 - r00 - r11) * 2;
    w = (m[1][0] - m[0][1]) / s;
    x = (m[0][2] + m[2][0]) / s;
    y = (m[1][2] + m[2][1]) / s;
    z = 0.25 * s;
  }
  if (w < 0) [w, x, y, z] = [-w, -x, -y, -z];
  return { b: x, c: y, d: z, qfac };
}

/** An in-memory NiftiImage from values (what `writeNifti` would write, without touching the disk). */
export function createNiftiImage(init: NiftiImageInit, file = '<memory>'): NiftiImage {
  const bytes = encodeNifti1(init);
  const header = parseNiftiHeader(bytes, file);
  const data = bytes.slice(header.voxOffset);
  return new NiftiImage(header, data, file);
}

function initFromImage(img: NiftiImage): NiftiImageInit {
  return {
    data: img.getRawData(),
    shape: img.shape,
    affine: img.affine,
    datatype: img.datatype,
    zooms: img.zooms,
    sclSlope: img.sclSlope,
    sclInter: img.sclInter,
    descrip: String(img.header.fields.descrip ?? ''),
    intentCode: Number(img.header.fields.intent_code ?? 0),
    intentName: String(img.header.fields.intent_name ?? ''),
    qformCode: img.qformCode || img.sformCode || 2,
    sformCode: img.sformCode || img.qformCode || 2,
    spaceUnit: img.header.xyztUnits & 0x07,
    timeUnit: img.header.xyztUnits & 0x38,
    extensions: img.extensions,
  };
}

/**
 * Write a NIfTI-1 file (.nii, or gzip-compressed when the path ends in .gz). An existing image is re-encoded
 * with its raw values, datatype, scaling, affine, zooms, units and extensions. Raw integer data of an image
 * are written unchanged (no rescaling).
 */
export function writeNifti(path: string, image: NiftiImage | NiftiImageInit): void {
  const init =
    image instanceof NiftiImage
      ? {
          ...initFromImage(image),
          sclSlope: undefined,
          sclInter: undefined,
          rawSlope: image.sclSlope,
          rawInter: image.sclInter,
        }
      : image;
  let bytes: Uint8Array;
  if ('rawSlope' in init) {
    // raw values are already stored integers: encode without rescaling, then put the scaling fields back
    const { rawSlope, rawInter, ...rest } = init as NiftiImageInit & { rawSlope: number; rawInter: number };
    bytes = encodeNifti1(rest);
    const v = new DataView(bytes.buffer);
    v.setFloat32(112, rawSlope, true);
    v.setFloat32(116, rawInter, true);
  } else bytes = encodeNifti1(init);
  writeFileAtomic(path, /\.gz$/i.test(path) ? gzipSync(bytes, { level: 6 }) : bytes);
}
