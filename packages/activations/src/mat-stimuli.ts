/**
 * Stimulus images stored inside MAT files: a struct array with an image field (e.g. `stimuli_92objs(k).image` of
 * Kriegeskorte et al. 2008, 175×175×3 uint8), a cell array of images, or one 4-D uint8 array (H×W×C×N as MATLAB
 * stores stacks, or N×H×W×C). Scalar and text fields of a struct array become stimulus descriptors.
 */
import { createHash } from 'node:crypto';
import { type Descriptors, FileFormatError } from '@concord/core';
import {
  loadHdf5,
  type MatArray,
  type MatCell,
  type MatStruct,
  type MatStructArray,
  type MatValue,
  readMat,
} from '@concord/io';
import { ACTIVATIONS_ERRORS } from './errors.ts';
import { type ImageOptions, imagePreprocessing, probeRaw, resizePixels } from './images.ts';
import { writePixels } from './preprocess.ts';
import type { Stimuli } from './stimuli.ts';

export interface MatStimuliOptions extends ImageOptions {
  /** The variable holding the stimuli (default: the first struct array, cell array or 4-D array that holds images). */
  variable?: string;
  /** For a struct array: the field holding each image (default 'image', else the first 3-D uint8 field). */
  field?: string;
}

interface RawImage {
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

function isArray(v: MatValue | undefined): v is MatArray {
  return (
    !!v &&
    typeof v === 'object' &&
    ArrayBuffer.isView((v as MatArray).data) &&
    typeof (v as MatArray).dtype === 'string'
  );
}

function isImage(v: MatValue | undefined): v is MatArray {
  if (!isArray(v) || v.dtype !== 'uint8' || v.shape[0] < 2 || v.shape[1] < 2) return false;
  return v.shape.length === 3 ? v.shape[2] === 3 || v.shape[2] === 1 : v.shape.length === 2;
}

function rawImage(v: MatArray): RawImage {
  const [height, width, channels = 1] = v.shape;
  return { pixels: v.data as Uint8Array, height, width, channels };
}

function fromStructs(
  structs: MatStruct[],
  field: string | undefined,
  file: string,
  variable: string,
): { images: RawImage[]; descriptors: Descriptors } {
  const fields = Object.keys(structs[0] ?? {});
  const f = field ?? (fields.includes('image') ? 'image' : fields.find((k) => isImage(structs[0][k])));
  if (!f || !fields.includes(f)) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.STIMULI,
      file,
      `struct array '${variable}' has no image field${field ? ` '${field}'` : ''}; fields are ${fields.join(', ')}`,
      { field: variable },
    );
  }
  const images = structs.map((s, i) => {
    const v = s[f];
    if (!isImage(v))
      throw new FileFormatError(
        ACTIVATIONS_ERRORS.STIMULI,
        file,
        `${variable}(${i + 1}).${f} is not an H×W×3 or H×W uint8 image`,
        { field: `${variable}.${f}` },
      );
    return rawImage(v);
  });
  const descriptors: Descriptors = {};
  for (const k of fields) {
    if (k === f) continue;
    const col = structs.map((s) => {
      const v = s[k];
      if (typeof v === 'string') return v;
      if (isArray(v) && v.data.length === 1) return Number(v.data[0]);
      return undefined;
    });
    if (col.every((c) => c !== undefined)) descriptors[k] = col as (string | number)[];
  }
  return { images, descriptors };
}

function findStimuli(
  vars: Record<string, MatValue>,
  o: MatStimuliOptions,
  file: string,
): { variable: string; images: RawImage[]; descriptors: Descriptors } {
  // Struct arrays with the image field named explicitly come first (other structs may hold small uint8 arrays).
  const wanted = o.field ?? 'image';
  const hasField = (n: string) =>
    Array.isArray((vars[n] as MatStructArray)?.structs) && wanted in ((vars[n] as MatStructArray).structs[0] ?? {});
  const names = o.variable ? [o.variable] : Object.keys(vars).sort((a, b) => Number(hasField(b)) - Number(hasField(a)));
  if (o.variable && !(o.variable in vars)) {
    throw new FileFormatError(
      ACTIVATIONS_ERRORS.STIMULI,
      file,
      `no variable '${o.variable}'; variables are ${Object.keys(vars).join(', ')}`,
      { field: o.variable },
    );
  }
  for (const name of names) {
    const v = vars[name];
    const sa =
      v && typeof v === 'object' && Array.isArray((v as MatStructArray).structs) ? (v as MatStructArray) : undefined;
    if (sa && sa.structs.length > 0) {
      const fields = Object.keys(sa.structs[0]);
      if (o.variable || fields.includes(o.field ?? 'image') || fields.some((k) => isImage(sa.structs[0][k])))
        return { variable: name, ...fromStructs(sa.structs, o.field, file, name) };
    }
    const cell = v && typeof v === 'object' && Array.isArray((v as MatCell).cell) ? (v as MatCell) : undefined;
    if (cell && cell.cell.length > 0 && cell.cell.every((c) => isImage(c))) {
      return { variable: name, images: cell.cell.map((c) => rawImage(c as MatArray)), descriptors: {} };
    }
    if (isArray(v) && v.dtype === 'uint8' && v.shape.length === 4) {
      const [a, b, c, d] = v.shape;
      const data = v.data as Uint8Array;
      if (c === 3 || c === 1) {
        // H×W×C×N (MATLAB's stack order), in C order: index ((y·W + x)·C + ch)·N + n.
        const images = Array.from({ length: d }, (_, n) => {
          const px = new Uint8Array(a * b * c);
          for (let p = 0; p < a * b * c; p++) px[p] = data[p * d + n];
          return { pixels: px, height: a, width: b, channels: c };
        });
        return { variable: name, images, descriptors: {} };
      }
      if (d === 3 || d === 1) {
        const size = b * c * d;
        return {
          variable: name,
          images: Array.from({ length: a }, (_, n) => ({
            pixels: data.subarray(n * size, (n + 1) * size),
            height: b,
            width: c,
            channels: d,
          })),
          descriptors: {},
        };
      }
    }
    if (o.variable) break;
  }
  throw new FileFormatError(
    ACTIVATIONS_ERRORS.STIMULI,
    file,
    `${o.variable ? `variable '${o.variable}' holds` : 'found'} no stimulus images (a struct array with an image field, a cell array of uint8 images, or a 4-D uint8 array)`,
    o.variable ? { field: o.variable } : {},
  );
}

export async function loadMatStimuli(file: string, o: MatStimuliOptions = {}): Promise<Stimuli> {
  await loadHdf5(); // a v7.3 MAT file is HDF5
  const { variable, images, descriptors } = findStimuli(readMat(file), o, file);
  const first = images[0];
  const probe = probeRaw(first.height, first.width, first.channels, o);
  const r = probe.resolved;
  if (!r.resize) {
    images.forEach((im, i) => {
      if (im.height !== first.height || im.width !== first.width || im.channels !== first.channels) {
        throw new FileFormatError(
          ACTIVATIONS_ERRORS.STIMULI,
          file,
          `image ${i + 1} of '${variable}' is ${im.height}×${im.width}×${im.channels}, image 1 is ${first.height}×${first.width}×${first.channels}; give a size to resize`,
          { field: variable },
        );
      }
    });
  }
  const count = images.length;
  const size = probe.shape.reduce((a, b) => a * b, 1);
  let hashed: string | undefined;
  return {
    count,
    shape: probe.shape,
    dtype: 'float32',
    descriptors: {
      stimulus: Array.from({ length: count }, (_, i) => i + 1),
      index: Array.from({ length: count }, (_, i) => i),
      ...descriptors,
    },
    source: `${file}:${variable}`,
    preprocessing: {
      ...imagePreprocessing(r),
      kind: 'mat',
      variable,
      decoder: r.resize ? imagePreprocessing(r).decoder : 'none (raw uint8)',
    },
    async hash() {
      if (!hashed) {
        const h = createHash('sha256').update(variable);
        for (const im of images) h.update(JSON.stringify([im.height, im.width, im.channels])).update(im.pixels);
        hashed = h.digest('hex');
      }
      return hashed;
    },
    async batch(start, end) {
      if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= count && start < end)) {
        throw new FileFormatError(
          ACTIVATIONS_ERRORS.STIMULI,
          file,
          `batch [${start}, ${end}) is outside [0, ${count})`,
        );
      }
      const out = new Float32Array((end - start) * size);
      for (let i = start; i < end; i++) {
        const im = images[i];
        const px = r.resize ? await resizePixels(im.pixels, im.height, im.width, im.channels, r) : im.pixels;
        writePixels(px, r.height, r.width, r.channels, r, out, (i - start) * size);
      }
      return { data: out, shape: [end - start, ...probe.shape] };
    },
  };
}
