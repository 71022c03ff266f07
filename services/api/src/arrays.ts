/**
 * Uploaded arrays: a raw .npy body is streamed to a temporary file while its SHA-256 is computed and its header
 * checked as soon as it arrives (a huge or malformed header is refused before the rest is read), then renamed to
 * `<sha256>.npy` in `<dataDir>/arrays`. The id IS the hash, so the same upload twice is stored once, and ids are
 * validated against /^[0-9a-f]{64}$/ before they touch a path (no traversal).
 *
 * Temporary files are named `.upload-<pid>-<random>.tmp`: a process killed mid-upload leaves one behind, and the
 * next process to open the store removes those whose process is gone (a live process sharing the store keeps
 * its uploads in flight). With claims (store/array-claims.ts) a key sees only the arrays it uploaded.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Viewer } from './auth.ts';
import { API_ERRORS, ApiError } from './errors.ts';
import { type ArrayClaims, OPEN_OWNER } from './store/array-claims.ts';

export interface ArrayInfo {
  id: string;
  shape: number[];
  dtype: string;
  sha256: string;
  bytes: number;
}

export interface UploadLimits {
  /** Whole upload, bytes. */
  maxBytes: number;
  /** The .npy header dict, bytes (numpy itself refuses > 10000 by default). */
  maxHeaderBytes: number;
}

const ID_PATTERN = /^[0-9a-f]{64}$/;
const TMP_PATTERN = /^\.upload-(?:(\d+)-)?[0-9a-f]+\.tmp$/;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
const DTYPES: Record<string, { name: string; size: number }> = {
  f8: { name: 'float64', size: 8 },
  f4: { name: 'float32', size: 4 },
  i1: { name: 'int8', size: 1 },
  i2: { name: 'int16', size: 2 },
  i4: { name: 'int32', size: 4 },
  i8: { name: 'int64', size: 8 },
  u1: { name: 'uint8', size: 1 },
  u2: { name: 'uint16', size: 2 },
  u4: { name: 'uint32', size: 4 },
  u8: { name: 'uint64', size: 8 },
  b1: { name: 'bool', size: 1 },
};

export interface NpyHeaderInfo {
  shape: number[];
  dtype: string;
  itemSize: number;
  dataOffset: number;
}

function headerError(message: string, offset: number, field?: string): ApiError {
  return new ApiError(
    400,
    API_ERRORS.UPLOAD_HEADER,
    `body (.npy upload)${field ? ` header field ${field}` : ''} at byte ${offset}: ${message}`,
    { field: field ?? 'body', offset },
  );
}

/**
 * Parse a .npy header from the first bytes. Returns undefined while more bytes are needed; throws as soon as the
 * bytes seen are wrong (magic, version, oversize header, unsupported dtype, bad shape).
 */
export function parseNpyPrefix(buf: Uint8Array, maxHeaderBytes: number): NpyHeaderInfo | undefined {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  for (let i = 0; i < Math.min(6, buf.length); i++) {
    if (buf[i] !== magic[i]) throw headerError('not a .npy file: expected the magic string \\x93NUMPY', 0, 'magic');
  }
  if (buf.length < 8) return undefined;
  const major = buf[6];
  if (major < 1 || major > 3)
    throw headerError(`unsupported format version ${major}.${buf[7]} (1.0, 2.0, 3.0 are known)`, 6, 'version');
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (hlen > maxHeaderBytes)
    throw headerError(`header length ${hlen} exceeds the ${maxHeaderBytes}-byte limit`, 8, 'header_len');
  const start = 8 + lenBytes;
  if (buf.length < start + hlen) return undefined;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([<>|=]?)([a-z]\d+)'/.exec(text);
  const dt = descr ? DTYPES[descr[2]] : undefined;
  if (!descr || !dt)
    throw headerError(
      `unsupported or missing descr in ${JSON.stringify(text.slice(0, 120))}; supported: ${Object.keys(DTYPES).join(', ')}`,
      start,
      'descr',
    );
  if (descr[1] === '>' && dt.size > 1)
    throw headerError('big-endian arrays are not accepted for upload; save with a little-endian dtype', start, 'descr');
  const fo = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fo) throw headerError('no fortran_order entry', start, 'fortran_order');
  const sh = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!sh) throw headerError('no shape entry', start, 'shape');
  const shape = sh[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((p) => {
      if (!/^\d{1,15}$/.test(p))
        throw headerError(`shape entry '${p.slice(0, 40)}' is not a non-negative integer`, start, 'shape');
      return Number.parseInt(p, 10);
    });
  if (shape.length > 2)
    throw headerError(`expected a 1-D or 2-D array, received shape (${shape.join(', ')})`, start, 'shape');
  return { shape, dtype: dt.name, itemSize: dt.size, dataOffset: start + hlen };
}

export class ArrayStore {
  readonly dir: string;
  /** Orphaned upload files removed when this store was opened. */
  readonly orphansRemoved: string[];
  private readonly claims: ArrayClaims | undefined;
  constructor(dataDir: string, claims?: ArrayClaims) {
    this.dir = join(dataDir, 'arrays');
    this.claims = claims;
    mkdirSync(this.dir, { recursive: true });
    this.orphansRemoved = this.removeOrphans();
  }

  /** Remove `.upload-*.tmp` files left by processes that are gone (killed mid-upload). */
  removeOrphans(): string[] {
    const removed: string[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = TMP_PATTERN.exec(name);
      if (!m) continue;
      // Files without a pid come from before pids were recorded: no live process can own them.
      if (m[1] !== undefined && processAlive(Number(m[1]))) continue;
      rmSync(join(this.dir, name), { force: true });
      removed.push(name);
    }
    return removed;
  }

  /** May `viewer` use this array? Without claims or a viewer (an open service), every array is visible. */
  private visible(id: string, viewer: Viewer | undefined): boolean {
    if (!this.claims || !viewer || viewer.admin) return true;
    return viewer.keyId !== null && this.claims.has(id, viewer.keyId);
  }

  /**
   * Delete an array for `viewer`: a key drops its own claim (the file goes with the last claim), an admin key
   * removes the array whatever its claims. Throws 404 when the viewer cannot see it.
   */
  delete(id: string, viewer: Viewer | undefined, field = 'id'): void {
    const path = this.pathOf(id, field, 404, viewer);
    const remove = () => {
      rmSync(path, { force: true });
      this.infos.delete(id);
    };
    if (!this.claims) {
      remove();
      return;
    }
    const owner = !viewer || viewer.admin ? undefined : (viewer.keyId ?? OPEN_OWNER);
    if (!this.claims.release(id, owner, remove))
      throw new ApiError(404, API_ERRORS.ARRAY_NOT_FOUND, `${field}: no uploaded array with id ${id}`, { field });
  }

  /**
   * The file of an id; throws 400 for a malformed id (never builds a path from it) and 422/404 for a missing one
   * (or one `viewer` may not see: it looks missing).
   */
  pathOf(id: unknown, field = 'arrayId', missingStatus = 422, viewer?: Viewer): string {
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      throw new ApiError(
        400,
        API_ERRORS.BAD_ID,
        `${field}: expected a 64-character lowercase hex id (the sha256 returned by POST /v1/arrays), received ${JSON.stringify(String(id).slice(0, 80))}`,
        { field },
      );
    }
    const path = join(this.dir, `${id}.npy`);
    if (!existsSync(path) || !this.visible(id, viewer))
      throw new ApiError(missingStatus, API_ERRORS.ARRAY_NOT_FOUND, `${field}: no uploaded array with id ${id}`, {
        field,
      });
    return path;
  }

  /** Headers of stored arrays; an id is a content hash, so its description never changes. */
  private readonly infos = new Map<string, ArrayInfo>();

  info(id: string, field = 'arrayId', missingStatus = 422, viewer?: Viewer): ArrayInfo {
    const path = this.pathOf(id, field, missingStatus, viewer);
    const known = this.infos.get(id);
    if (known) return known;
    const read = this.readInfo(id, path);
    if (this.infos.size >= 10_000) this.infos.clear();
    this.infos.set(id, read);
    return read;
  }

  private readInfo(id: string, path: string): ArrayInfo {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(65536 + 12);
      const n = readSync(fd, head, 0, head.length, 0);
      const h = parseNpyPrefix(head.subarray(0, n), 65536);
      if (!h) throw new ApiError(500, API_ERRORS.INTERNAL, `stored array ${id} has an unreadable header`);
      return { id, shape: h.shape, dtype: h.dtype, sha256: id, bytes: statSync(path).size };
    } finally {
      closeSync(fd);
    }
  }

  /** Stream an upload to disk. Rejects (and leaves no file behind) on any limit or format failure. */
  async save(body: Readable, limits: UploadLimits, viewer?: Viewer): Promise<ArrayInfo> {
    const tmp = join(this.dir, `.upload-${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
    const hash = createHash('sha256');
    const out = createWriteStream(tmp);
    let total = 0;
    let prefix: Buffer = Buffer.alloc(0);
    let header: NpyHeaderInfo | undefined;
    const prefixCap = limits.maxHeaderBytes + 12;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > limits.maxBytes) {
          throw new ApiError(413, API_ERRORS.BODY_TOO_LARGE, `body: upload exceeds the ${limits.maxBytes}-byte limit`, {
            field: 'body',
          });
        }
        if (!header) {
          prefix = Buffer.concat([prefix, chunk.subarray(0, Math.max(0, prefixCap - prefix.length))]);
          header = parseNpyPrefix(prefix, limits.maxHeaderBytes);
        }
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      if (!header) header = parseNpyPrefix(prefix, limits.maxHeaderBytes);
      if (!header) throw headerError(`the body ends inside the header (${total} bytes)`, total, 'header');
      const count = header.shape.reduce((a, b) => a * b, 1);
      const need = header.dataOffset + count * header.itemSize;
      if (total !== need) {
        throw new ApiError(
          400,
          'ERR_IO_NPY_TRUNCATED',
          `body (.npy upload): shape (${header.shape.join(', ')}) of ${header.dtype} needs ${need} bytes in all, the body has ${total}`,
          {
            field: 'body',
            offset: header.dataOffset,
            expected: need,
            received: total,
          },
        );
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      const sha256 = hash.digest('hex');
      const place = () => renameSync(tmp, join(this.dir, `${sha256}.npy`));
      if (this.claims) this.claims.claim(sha256, viewer?.keyId ?? OPEN_OWNER, place);
      else place();
      return { id: sha256, shape: header.shape, dtype: header.dtype, sha256, bytes: total };
    } catch (e) {
      // The file may not even exist yet (the open is asynchronous): wait for the stream to close, then remove it.
      await new Promise<void>((resolve) => {
        if (out.closed) resolve();
        else {
          out.once('close', () => resolve());
          out.destroy();
        }
      });
      rmSync(tmp, { force: true });
      throw e;
    }
  }
}
