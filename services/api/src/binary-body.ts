/**
 * Binary request bodies for the compute routes, so array inputs skip JSON entirely:
 * - `application/x-npy`: one or more .npy files back to back (what repeated `np.save(f, ...)` on one file
 *   writes), assigned in order to the route's array fields (e.g. /v1/compare: a, b, then sigmaK if present);
 *   the other fields come from the query string (`?method=spearman`).
 * - `multipart/form-data`: one part per field, named by it; array fields as .npy parts (content type
 *   application/x-npy or application/octet-stream, or a filename ending in .npy), the others as text.
 * Text values (query or form) are read by the field's schema: strings as written, numbers and booleans parsed,
 * anything else (lists, objects) as JSON. The result is the same body object a JSON request gives, with each
 * array as a BinaryArray that input.ts converts under the same rules (shapes, finiteness, element limits).
 */
import { decodeNpy } from '@concord/io';
import secureJson from 'secure-json-parse';
import type { TObject, TSchema } from 'typebox';
import { parseNpyPrefix } from './arrays.ts';
import { API_ERRORS, ApiError } from './errors.ts';

export const NPY_TYPE = 'application/x-npy';
export const MULTIPART_TYPE = 'multipart/form-data';

/** A decoded .npy array (1-D or 2-D, as float64) from a binary body; `source` names it in errors. */
export class BinaryArray {
  constructor(
    readonly shape: number[],
    readonly data: Float64Array,
    readonly source: string,
  ) {}
}

/** What the content-type parsers hand on: the raw bytes and their kind, turned into a body by toBody(). */
export class RawBinaryBody {
  constructor(
    readonly kind: 'npy' | 'multipart',
    readonly bytes: Buffer,
    readonly contentType: string,
  ) {}
}

function invalid(field: string, message: string): ApiError {
  return new ApiError(400, API_ERRORS.VALIDATION, `${field}: ${message}`, { field });
}

/** Decode one whole .npy (exactly `bytes`) as float64. */
function decodeArray(bytes: Buffer, source: string, field: string, maxHeaderBytes: number): BinaryArray {
  const head = parseNpyPrefix(bytes, maxHeaderBytes);
  if (!head) throw invalid(field, `${source} ends inside its .npy header (${bytes.length} bytes)`);
  let decoded: ReturnType<typeof decodeNpy>;
  try {
    decoded = decodeNpy(bytes, source);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ApiError(400, API_ERRORS.UPLOAD_HEADER, `${field}: ${message}`, { field });
  }
  const data =
    decoded.data instanceof Float64Array
      ? decoded.data
      : Float64Array.from(decoded.data as ArrayLike<number | bigint>, (v) => Number(v));
  return new BinaryArray([...decoded.shape], data, source);
}

/** Split a body of back-to-back .npy files. */
export function splitNpyStream(bytes: Buffer, maxHeaderBytes: number): BinaryArray[] {
  const out: BinaryArray[] = [];
  let at = 0;
  while (at < bytes.length) {
    const source = `array ${out.length} of the body (byte ${at})`;
    const rest = bytes.subarray(at);
    const head = parseNpyPrefix(rest, maxHeaderBytes);
    if (!head) throw invalid('body', `${source} ends inside its .npy header`);
    const count = head.shape.reduce((a, b) => a * b, 1);
    const end = head.dataOffset + count * head.itemSize;
    if (end > rest.length)
      throw new ApiError(
        400,
        'ERR_IO_NPY_TRUNCATED',
        `body: ${source}: shape (${head.shape.join(', ')}) of ${head.dtype} needs ${end} bytes, ${rest.length} remain`,
        { field: 'body', offset: at },
      );
    out.push(decodeArray(rest.subarray(0, end), source, 'body', maxHeaderBytes));
    at += end;
  }
  if (out.length === 0) throw invalid('body', 'empty application/x-npy body; send one or more .npy files');
  return out;
}

export interface FormPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** RFC 7578 multipart/form-data over a buffered body (bodies are bounded by bodyLimit). */
export function parseMultipart(bytes: Buffer, contentType: string): FormPart[] {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  if (!m) throw invalid('content-type', 'multipart/form-data without a boundary parameter');
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  const parts: FormPart[] = [];
  let at = bytes.indexOf(boundary);
  if (at < 0) throw invalid('body', 'no multipart boundary found in the body');
  for (;;) {
    at += boundary.length;
    if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) break; // closing "--boundary--"
    if (bytes[at] !== 0x0d || bytes[at + 1] !== 0x0a)
      throw invalid('body', `malformed multipart boundary line at byte ${at}`);
    at += 2;
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) throw invalid('body', `multipart part at byte ${at} has no end of headers`);
    const headers = bytes.toString('latin1', at, headEnd).split('\r\n');
    const next = bytes.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), headEnd + 4);
    if (next < 0) throw invalid('body', `multipart part at byte ${at} is not closed by a boundary`);
    const part: FormPart = { name: '', data: bytes.subarray(headEnd + 4, next) };
    for (const h of headers) {
      const colon = h.indexOf(':');
      const key = h.slice(0, colon).trim().toLowerCase();
      const value = h.slice(colon + 1).trim();
      if (key === 'content-disposition') {
        const name = /(?:^|;)\s*name="([^"]*)"/i.exec(value);
        const filename = /;\s*filename="([^"]*)"/i.exec(value);
        if (name) part.name = Buffer.from(name[1], 'latin1').toString('utf8');
        if (filename) part.filename = Buffer.from(filename[1], 'latin1').toString('utf8');
      } else if (key === 'content-type') part.contentType = value.toLowerCase();
    }
    if (!part.name) throw invalid('body', `multipart part at byte ${at} has no name in its Content-Disposition`);
    parts.push(part);
    at = next + 2;
  }
  return parts;
}

const isNpyPart = (p: FormPart): boolean =>
  p.contentType === NPY_TYPE ||
  p.contentType === 'application/octet-stream' ||
  (p.filename?.toLowerCase().endsWith('.npy') ?? false);

function kindOf(schema: TSchema | undefined): 'string' | 'number' | 'boolean' | 'json' {
  const s = schema as { type?: string; anyOf?: { type?: string }[] } | undefined;
  if (!s) return 'json';
  if (s.type === 'string') return 'string';
  if (s.type === 'number' || s.type === 'integer') return 'number';
  if (s.type === 'boolean') return 'boolean';
  if (s.anyOf?.every((b) => b.type === 'string')) return 'string';
  return 'json';
}

/** A text value (query parameter or form field) as the field's schema reads it. */
export function coerceText(schema: TSchema | undefined, text: string, field: string): unknown {
  switch (kindOf(schema)) {
    case 'string':
      return text;
    case 'number': {
      const v = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(v))
        throw invalid(field, `expected a finite number, received ${JSON.stringify(text.slice(0, 40))}`);
      return v;
    }
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw invalid(field, `expected true or false, received ${JSON.stringify(text.slice(0, 40))}`);
    default:
      try {
        return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
      } catch {
        throw invalid(field, `expected JSON (a list or an object), received ${JSON.stringify(text.slice(0, 40))}`);
      }
  }
}

/** The route's body object from a binary body plus (application/x-npy) the query string. */
export function toBody(
  raw: RawBinaryBody,
  query: Record<string, unknown>,
  schema: TObject,
  arrayFields: readonly string[],
  maxHeaderBytes: number,
): Record<string, unknown> {
  const props = schema.properties as Record<string, TSchema>;
  const body: Record<string, unknown> = {};
  const text = (name: string, value: string, where: string) => {
    if (Object.hasOwn(body, name)) throw invalid(`body.${name}`, `given twice (${where})`);
    body[name] = coerceText(props[name], value, `body.${name}`);
  };
  if (raw.kind === 'npy') {
    const arrays = splitNpyStream(raw.bytes, maxHeaderBytes);
    if (arrays.length > arrayFields.length)
      throw invalid(
        'body',
        `${arrays.length} arrays in the application/x-npy body; this route takes at most ${arrayFields.length} (${arrayFields.join(', ')}, in that order)`,
      );
    arrays.forEach((a, i) => {
      body[arrayFields[i]] = a;
    });
    for (const [name, value] of Object.entries(query)) {
      if (arrayFields.includes(name))
        throw invalid(`query.${name}`, 'an array field comes from the application/x-npy body, not the query string');
      if (typeof value !== 'string') throw invalid(`query.${name}`, 'given more than once');
      text(name, value, 'query string');
    }
    return body;
  }
  for (const part of parseMultipart(raw.bytes, raw.contentType)) {
    if (isNpyPart(part)) {
      if (Object.hasOwn(body, part.name)) throw invalid(`body.${part.name}`, 'given twice (form parts)');
      body[part.name] = decodeArray(
        part.data,
        `form part ${JSON.stringify(part.name)}`,
        `body.${part.name}`,
        maxHeaderBytes,
      );
    } else text(part.name, part.data.toString('utf8'), 'form parts');
  }
  return body;
}
