/**
 * The study folders the service knows: every sub-folder of `--studies DIR` holding a results.json (and DIR itself
 * when it holds one; a folder one level deeper as `<folder>.<sub>`, e.g. the learning-rule study's
 * out/learning-rules/quick as `learning-rules.quick`), plus the folders other parts of the service register (finished jobs' output folders). A study
 * is read from disk on each request, so a re-run shows at once; nothing is cached or copied.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { API_ERRORS, ApiError } from '../errors.ts';

/** A folder with a results.json, as some source names it. */
export interface StudyFolder {
  /** URL-safe id: the folder name, or `job-<jobId>` for a job's folder. */
  id: string;
  dir: string;
  origin: 'folder' | 'job';
  jobId?: string;
}

/** Row shape of the learning-rule study (issue 17) or of the simulated study (rows with region/time). */
export type StudyKind = 'learning-rules' | 'simulated';

export interface StudySummary {
  id: string;
  name: string;
  kind: StudyKind;
  profile: string | null;
  rowCount: number;
  origin: 'folder' | 'job';
  jobId: string | null;
  /** results.json's modification time (ISO 8601). */
  modified: string;
}

export interface StudyFile {
  /** Relative to the study folder, '/'-separated. */
  path: string;
  size: number;
  kind: 'report' | 'table' | 'figure' | 'network' | 'stimuli' | 'other';
}

export interface StudyResults {
  rows: Record<string, unknown>[];
  pairwise: Record<string, unknown>[];
  /** Everything else results.json holds (provenance, configuration, stimuli transform, ...). */
  meta: Record<string, unknown>;
}

export const STUDY_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$';
const ID_RE = new RegExp(STUDY_ID_PATTERN);
/** results.json larger than this is refused rather than parsed into the event loop. */
const MAX_RESULTS_BYTES = 64 * 1024 * 1024;
const MAX_LISTED_FILES = 1000;

export class StudyCatalog {
  private readonly extra: (() => Promise<StudyFolder[]> | StudyFolder[])[] = [];

  constructor(private readonly studiesDir?: string) {}

  /** The `--studies` folder, absolute (undefined when the service has none). */
  get root(): string | undefined {
    return this.studiesDir === undefined ? undefined : resolve(this.studiesDir);
  }

  /** Another source of folders (the jobs engine registers its finished jobs here). */
  addSource(source: () => Promise<StudyFolder[]> | StudyFolder[]): void {
    this.extra.push(source);
  }

  async folders(): Promise<StudyFolder[]> {
    const out = this.studyFolders();
    for (const source of this.extra)
      for (const f of await source()) if (existsSync(join(f.dir, 'results.json'))) out.push(f);
    // First one wins on a clash of ids (a folder named like a job's id).
    const seen = new Set<string>();
    return out.filter((f) => !seen.has(f.id) && seen.add(f.id) !== undefined);
  }

  /** The folders of `--studies DIR` only (no other source), in listing order. */
  studyFolders(): StudyFolder[] {
    const out: StudyFolder[] = [];
    const root = this.studiesDir;
    if (root !== undefined && existsSync(root)) {
      if (existsSync(join(root, 'results.json')))
        out.push({ id: safeId(basename(resolve(root))), dir: root, origin: 'folder' });
      for (const e of subfolders(root)) {
        const dir = join(root, e);
        if (existsSync(join(dir, 'results.json'))) out.push({ id: e, dir, origin: 'folder' });
        else
          for (const sub of subfolders(dir))
            if (existsSync(join(dir, sub, 'results.json')) && ID_RE.test(`${e}.${sub}`))
              out.push({ id: `${e}.${sub}`, dir: join(dir, sub), origin: 'folder' });
      }
    }
    return out;
  }

  async find(id: string): Promise<StudyFolder> {
    const f = (await this.folders()).find((s) => s.id === id);
    if (!f) throw new ApiError(404, API_ERRORS.NOT_FOUND, `id: no study '${id.slice(0, 100)}'`, { field: 'id' });
    return f;
  }

  summary(f: StudyFolder): StudySummary {
    const file = join(f.dir, 'results.json');
    const { rows, meta } = this.results(f);
    return {
      id: f.id,
      name: typeof meta.study === 'string' ? meta.study : f.id,
      kind: studyKind(rows),
      profile: typeof meta.profile === 'string' ? meta.profile : null,
      rowCount: rows.length,
      origin: f.origin,
      jobId: f.jobId ?? null,
      modified: statSync(file).mtime.toISOString(),
    };
  }

  results(f: StudyFolder): StudyResults {
    const file = join(f.dir, 'results.json');
    const size = statSync(file).size;
    if (size > MAX_RESULTS_BYTES)
      throw new ApiError(
        500,
        API_ERRORS.STORE,
        `${file}: results.json of ${size} bytes is over the page's limit of ${MAX_RESULTS_BYTES}`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ApiError(500, API_ERRORS.STORE, `${file}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { rows?: unknown }).rows))
      throw new ApiError(500, API_ERRORS.STORE, `${file}: expected an object with a "rows" array`);
    const { rows, pairwise, columns: _columns, ...meta } = parsed as Record<string, unknown>;
    const objects = (v: unknown) =>
      Array.isArray(v) ? v.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null) : [];
    return { rows: objects(rows), pairwise: objects(pairwise), meta };
  }

  /** Every file of the study folder (hidden ones and the simulated recordings under data/ excepted). */
  files(f: StudyFolder): StudyFile[] {
    const out: StudyFile[] = [];
    const walk = (dir: string, depth: number) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (out.length >= MAX_LISTED_FILES || e.name.startsWith('.')) continue;
        const full = join(dir, e.name);
        const rel = relative(f.dir, full).split('\\').join('/');
        if (e.isDirectory()) {
          if (depth < 3 && !(depth === 0 && e.name === 'data')) walk(full, depth + 1);
        } else if (e.isFile()) out.push({ path: rel, size: statSync(full).size, kind: fileKind(rel) });
      }
    };
    walk(f.dir, 0);
    return out;
  }
}

/** Sub-folders whose names can be ids (hidden ones left out), in name order. */
function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && ID_RE.test(e.name))
    .map((e) => e.name)
    .sort();
}

export function studyKind(rows: Record<string, unknown>[]): StudyKind {
  return rows.some((r) => typeof r.rule === 'string') ? 'learning-rules' : 'simulated';
}

function fileKind(path: string): StudyFile['kind'] {
  if (/\.html?$/i.test(path)) return 'report';
  if (/\.(csv|tsv|json)$/i.test(path)) return 'table';
  if (/\.(svg|png)$/i.test(path)) return path.startsWith('stimuli/') ? 'stimuli' : 'figure';
  if (/\.onnx$/i.test(path)) return 'network';
  if (/stimuli\.npy$/i.test(path)) return 'stimuli';
  return 'other';
}

function safeId(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return cleaned.slice(0, 100) || 'study';
}
