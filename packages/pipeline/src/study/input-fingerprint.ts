/**
 * What a comparison-study item reads from outside the store, fingerprinted into its params so the content key
 * changes when an input file does: every absolute path in the item's configuration that exists — a file as its size
 * and modification time, a folder as the same for every file below it (sorted). A recording replaced in place is
 * then recomputed instead of served stale from the store. Size + mtime, not a content hash: planning must stay cheap
 * for studies of many large fMRI runs (the learning study hashes its small datasets' bytes).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

function fileMark(path: string): string {
  const s = statSync(path);
  return `${s.size}:${Math.round(s.mtimeMs)}`;
}

function folderMarks(dir: string, prefix: string, out: Record<string, string>): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) folderMarks(p, `${prefix}${e.name}/`, out);
    else if (e.isFile()) out[`${prefix}${e.name}`] = fileMark(p);
  }
}

/** Fingerprints of the existing absolute paths among `value`'s strings (keys in `skip` are not followed). */
export function inputFingerprint(value: unknown, skip: ReadonlySet<string> = new Set()): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      if (!isAbsolute(v) || out[v] !== undefined || !existsSync(v)) return;
      if (statSync(v).isDirectory()) {
        const inner: Record<string, string> = {};
        folderMarks(v, '', inner);
        out[v] = Object.entries(inner)
          .map(([k, m]) => `${k}=${m}`)
          .join(';');
      } else out[v] = fileMark(v);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (!skip.has(k)) visit(x);
  };
  visit(value);
  return out;
}
