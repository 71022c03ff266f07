/**
 * Resolve a client-supplied relative path inside a folder, or refuse. Refused: absolute paths, `..` segments,
 * backslashes, NUL bytes, hidden segments (".x"), and anything whose real path (symlinks followed) leaves the folder.
 */
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export type SafePath = { ok: true; path: string; size: number } | { ok: false; reason: string };

export function resolveInside(root: string, relative: string): SafePath {
  if (relative.length === 0) return { ok: false, reason: 'empty path' };
  if (relative.length > 500) return { ok: false, reason: 'path longer than 500 characters' };
  if (/[\\\0]/.test(relative)) return { ok: false, reason: 'backslash or NUL byte in the path' };
  if (relative.startsWith('/')) return { ok: false, reason: 'absolute path' };
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.')))
    return { ok: false, reason: "empty, '.', '..' or hidden segment in the path" };
  let realRoot: string;
  let real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(join(root, ...segments));
  } catch {
    return { ok: false, reason: 'no such file' };
  }
  if (!real.startsWith(realRoot + sep)) return { ok: false, reason: 'the path leaves the study folder' };
  const st = statSync(real);
  if (!st.isFile()) return { ok: false, reason: 'not a file' };
  return { ok: true, path: real, size: st.size };
}
