/**
 * NiftiImage: a parsed header plus the voxel bytes (native byte order), with nibabel's view of the image:
 * shape, datatype, affine (`get_best_affine`), zooms, scaling, orientation codes, units, TR.
 *
 * Data layout: voxel (i, j, k, t, ...) is at flat index i + nx·(j + ny·(k + nz·t)) — x fastest, exactly the
 * on-disk (Fortran) order, so a volume is a contiguous block. `getData()` returns the scaled values in that order.
 */
import { ConcordRangeError, type DType, FileFormatError, type FloatArray } from '@concord/core';
import { type Affine, axcodes, bestAffine, qformAffine, sformAffine } from './affine.ts';
import { type NiftiDatatype, type RawArray, rawView } from './datatypes.ts';
import { FMRI_ERRORS } from './errors.ts';
import type { NiftiExtension, NiftiFormat, NiftiHeader } from './nifti-header.ts';

const SPACE_UNITS: Record<number, string> = { 0: 'unknown', 1: 'meter', 2: 'mm', 3: 'micron' };
const TIME_UNITS: Record<number, string> = {
  0: 'unknown',
  8: 'sec',
  16: 'msec',
  24: 'usec',
  32: 'hz',
  40: 'ppm',
  48: 'rads',
};
const TIME_TO_SECONDS: Record<string, number> = { sec: 1, msec: 1e-3, usec: 1e-6, unknown: 1 };

/**
 * The scaling nibabel applies: (slope, inter) from the header unless slope is 0 or not finite, in which case
 * no scaling at all (slope 1, inter 0). A finite slope with a non-finite intercept is an error in nibabel too.
 */
export function effectiveScaling(slope: number, inter: number, file = '<header>'): [number, number] {
  if (slope === 0 || !Number.isFinite(slope)) return [1, 0];
  if (!Number.isFinite(inter)) {
    throw new FileFormatError(
      FMRI_ERRORS.BAD_HEADER,
      file,
      `scl_slope is ${slope} but scl_inter is ${inter}; a valid slope needs a finite intercept`,
      { field: 'scl_inter', received: inter },
    );
  }
  return [slope, inter];
}

export interface GetDataOptions {
  /**
   * Output element type. Default: 'float32' when the file stores float32 without scaling (then the result is a
   * view that shares memory with the image, no copy), else 'float64' (what nibabel's get_fdata returns).
   */
  dtype?: DType;
}

export class NiftiImage {
  readonly file: string;
  readonly header: NiftiHeader;
  /** Voxel bytes in native (little-endian) order, or null when the data file is absent. */
  private readonly bytes: Uint8Array | null;
  private readonly missingData?: string;

  constructor(header: NiftiHeader, bytes: Uint8Array | null, file: string, missingData?: string) {
    this.header = header;
    this.bytes = bytes;
    this.file = file;
    if (missingData !== undefined) this.missingData = missingData;
  }

  get format(): NiftiFormat {
    return this.header.format;
  }

  get shape(): number[] {
    return this.header.shape.slice();
  }

  get ndim(): number {
    return this.header.shape.length;
  }

  /** The on-disk datatype name ('int16', 'float32', ...); throws for datatypes Concord does not read. */
  get datatype(): NiftiDatatype {
    if (!this.header.datatype)
      throw new FileFormatError(
        FMRI_ERRORS.UNSUPPORTED_DATATYPE,
        this.file,
        this.header.unsupportedReason ?? `datatype code ${this.header.datatypeCode} is not supported`,
        {
          field: 'datatype',
          received: this.header.datatypeCode,
        },
      );
    return this.header.datatype.name;
  }

  get littleEndian(): boolean {
    return this.header.littleEndian;
  }

  /** The voxel-to-world affine nibabel reports (sform, else qform, else the pixdim fallback). */
  get affine(): Affine {
    return bestAffine(this.header);
  }

  get qform(): Affine {
    return qformAffine(this.header);
  }

  get sform(): Affine {
    return sformAffine(this.header);
  }

  get qformCode(): number {
    return this.header.qformCode;
  }

  get sformCode(): number {
    return this.header.sformCode;
  }

  /** pixdim[1..ndim] as nibabel's get_zooms (spatial zooms made positive; time not converted). */
  get zooms(): number[] {
    return this.header.pixdim.slice(1, this.header.shape.length + 1);
  }

  /** Orientation codes of the three voxel axes, e.g. ['L', 'A', 'S'] (nibabel aff2axcodes). */
  get axcodes(): (string | null)[] {
    return axcodes(this.affine);
  }

  get units(): { space: string; time: string } {
    const u = this.header.xyztUnits;
    return { space: SPACE_UNITS[u & 0x07] ?? 'unknown', time: TIME_UNITS[u & 0x38] ?? 'unknown' };
  }

  /** Repetition time in seconds (pixdim[4] converted from the header's time unit); undefined for 3-D images. */
  get tr(): number | undefined {
    if (this.header.shape.length < 4) return undefined;
    const f = TIME_TO_SECONDS[this.units.time];
    return f === undefined ? undefined : this.header.pixdim[4] * f;
  }

  /** scl_slope / scl_inter as stored. */
  get sclSlope(): number {
    return this.header.sclSlope;
  }

  get sclInter(): number {
    return this.header.sclInter;
  }

  /** [slope, inter] actually applied (nibabel's rule: slope 0 or non-finite means no scaling). */
  get scaling(): [number, number] {
    return effectiveScaling(this.header.sclSlope, this.header.sclInter, this.file);
  }

  get extensions(): NiftiExtension[] {
    return this.header.extensions;
  }

  /** Voxels per volume (product of the first three dims, 1 for missing ones). */
  get volumeSize(): number {
    const s = this.header.shape;
    return (s[0] ?? 1) * (s[1] ?? 1) * (s[2] ?? 1);
  }

  /** Number of volumes: the product of dims 4..7 (1 for a 3-D image). */
  get nVolumes(): number {
    return this.header.shape.slice(3).reduce((a, b) => a * b, 1);
  }

  get hasData(): boolean {
    return this.bytes !== null;
  }

  private requireBytes(): Uint8Array {
    if (this.bytes === null) {
      throw new FileFormatError(
        FMRI_ERRORS.MISSING_IMG,
        this.file,
        this.missingData ?? 'image data are not available',
        { field: 'data' },
      );
    }
    return this.bytes;
  }

  /** The stored values (unscaled), as a typed array of the on-disk type in native byte order (shares memory). */
  getRawData(): RawArray {
    const dt = this.datatype;
    return rawView(dt, this.requireBytes());
  }

  /** Scaled values of the whole image, x fastest (see the class comment). */
  getData(opts: GetDataOptions = {}): FloatArray {
    const bytes = this.requireBytes();
    const [slope, inter] = this.scaling;
    const dt = this.datatype;
    const dtype = opts.dtype ?? (dt === 'float32' && slope === 1 && inter === 0 ? 'float32' : 'float64');
    const raw = rawView(dt, bytes);
    if (dtype === 'float32' && dt === 'float32' && slope === 1 && inter === 0) return raw as Float32Array;
    if (dtype === 'float64' && dt === 'float64' && slope === 1 && inter === 0) return raw as Float64Array;
    const out = dtype === 'float32' ? new Float32Array(raw.length) : new Float64Array(raw.length);
    scaleInto(raw, 0, raw.length, slope, inter, out, 0);
    return out;
  }

  /** Scaled volume t (3-D block; t indexes dims 4..7 flattened with dim 4 fastest). */
  getVolume(t: number, opts: GetDataOptions = {}): FloatArray {
    const nv = this.nVolumes;
    if (!Number.isInteger(t) || t < 0 || t >= nv)
      throw new ConcordRangeError(FMRI_ERRORS.INDEX_OUT_OF_RANGE, `${this.file}: volume ${t} is outside [0, ${nv})`, {
        field: 't',
        received: t,
      });
    const raw = rawView(this.datatype, this.requireBytes());
    const [slope, inter] = this.scaling;
    const n = this.volumeSize;
    const out = (opts.dtype ?? 'float64') === 'float32' ? new Float32Array(n) : new Float64Array(n);
    scaleInto(raw, t * n, n, slope, inter, out, 0);
    return out;
  }

  /** Flat index of voxel (i, j, k, t...) with bounds checks. */
  flatIndex(index: readonly number[]): number {
    const s = this.header.shape;
    if (index.length < Math.min(3, s.length) || index.length > Math.max(s.length, 3)) {
      throw new ConcordRangeError(
        FMRI_ERRORS.INDEX_OUT_OF_RANGE,
        `${this.file}: voxel index [${index.join(', ')}] has ${index.length} coordinates; the image has shape [${s.join(', ')}]`,
        { field: 'index', received: index },
      );
    }
    let flat = 0;
    let stride = 1;
    for (let d = 0; d < index.length; d++) {
      const size = s[d] ?? 1;
      const v = index[d];
      if (!Number.isInteger(v) || v < 0 || v >= size) {
        throw new ConcordRangeError(
          FMRI_ERRORS.INDEX_OUT_OF_RANGE,
          `${this.file}: voxel index [${index.join(', ')}] is outside shape [${s.join(', ')}] (axis ${d})`,
          { field: `index[${d}]`, received: v },
        );
      }
      flat += v * stride;
      stride *= size;
    }
    return flat;
  }

  /** Scaled value of one voxel: (i, j, k) for 3-D, (i, j, k, t) for 4-D (missing trailing indices are 0). */
  getVoxel(index: readonly number[]): number {
    const raw = rawView(this.datatype, this.requireBytes());
    const [slope, inter] = this.scaling;
    const v = raw[this.flatIndex(index)];
    return scaleOne(v, slope, inter);
  }

  /** Scaled values of voxel (i, j, k) over all volumes. */
  getTimeSeries(ijk: readonly number[]): Float64Array {
    const base = this.flatIndex(ijk.slice(0, 3));
    const raw = rawView(this.datatype, this.requireBytes());
    const [slope, inter] = this.scaling;
    const n = this.volumeSize;
    const out = new Float64Array(this.nVolumes);
    for (let t = 0; t < out.length; t++) out[t] = scaleOne(raw[base + t * n], slope, inter);
    return out;
  }
}

function scaleOne(v: number | bigint, slope: number, inter: number): number {
  const x = Number(v);
  return slope === 1 && inter === 0 ? x : x * slope + inter;
}

/** out[outOffset + k] = raw[start + k]·slope + inter, in float64 arithmetic (as nibabel's get_fdata). */
export function scaleInto(
  raw: RawArray,
  start: number,
  n: number,
  slope: number,
  inter: number,
  out: FloatArray,
  outOffset: number,
): void {
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
    for (let k = 0; k < n; k++) out[outOffset + k] = Number(raw[start + k]) * slope + inter;
    return;
  }
  const r = raw as Exclude<RawArray, BigInt64Array | BigUint64Array>;
  if (slope === 1 && inter === 0) {
    for (let k = 0; k < n; k++) out[outOffset + k] = r[start + k];
  } else {
    for (let k = 0; k < n; k++) out[outOffset + k] = r[start + k] * slope + inter;
  }
}
