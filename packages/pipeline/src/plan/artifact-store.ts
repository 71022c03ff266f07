/**
 * A content-addressed artifact store in a directory (local or on a shared filesystem): key → result JSON plus a
 * folder of files. A result is written last and atomically (temp file + rename), so its presence means the item
 * finished; an item whose result exists is never recomputed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from './types.ts';

export class ArtifactStore {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  private resultPath(key: string): string {
    return join(this.root, key.slice(0, 2), `${key}.json`);
  }

  has(key: string): boolean {
    return existsSync(this.resultPath(key));
  }

  get(key: string): Json | undefined {
    const path = this.resultPath(key);
    if (!existsSync(path)) return undefined;
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  }

  put(key: string, result: Json): void {
    const path = this.resultPath(key);
    mkdirSync(join(this.root, key.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, JSON.stringify(result));
    renameSync(tmp, path);
  }

  /** The folder for an item's files (created on demand). Write files there atomically too. */
  filesDir(key: string): string {
    const dir = join(this.root, key.slice(0, 2), key);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}
