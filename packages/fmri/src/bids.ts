/**
 * BIDS helpers: `*_bold.json` sidecars (with the inheritance principle: top-level `task-<label>_bold.json` first,
 * then more specific files override) and finding the runs of a subject/task in a BIDS-shaped folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FileFormatError } from '@concord/core';
import { FMRI_ERRORS } from './errors.ts';

export interface BoldSidecar {
  RepetitionTime?: number;
  SliceTiming?: number[];
  TaskName?: string;
  [key: string]: unknown;
}

/** Read one sidecar JSON; RepetitionTime (when present) must be a positive number of seconds. */
export function readBoldSidecar(path: string): BoldSidecar {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new FileFormatError(FMRI_ERRORS.FILE_NOT_FOUND, path, 'no such file');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(FMRI_ERRORS.BAD_EVENTS, path, `not valid JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new FileFormatError(FMRI_ERRORS.BAD_EVENTS, path, 'expected a JSON object');
  const s = json as BoldSidecar;
  if (s.RepetitionTime !== undefined && !(typeof s.RepetitionTime === 'number' && s.RepetitionTime > 0)) {
    throw new FileFormatError(
      FMRI_ERRORS.BAD_EVENTS,
      path,
      `RepetitionTime must be a positive number of seconds, received ${JSON.stringify(s.RepetitionTime)}`,
      { field: 'RepetitionTime' },
    );
  }
  return s;
}

export interface BidsRun {
  subject: string;
  session?: string;
  task: string;
  run?: number;
  /** Other entities of the file name (acq, dir, rec, echo, ...). */
  entities: Record<string, string>;
  bold: string;
  events?: string;
  /** The merged sidecar (inheritance applied), if any sidecar was found. */
  sidecar?: BoldSidecar;
  sidecarFiles: string[];
}

function entitiesOf(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of name.split('_')) {
    const m = /^([a-zA-Z]+)-([a-zA-Z0-9]+)$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Runs of `subject` (label without 'sub-') and `task` under a BIDS root, sorted by session then run. */
export function findBidsRuns(root: string, subject: string, task: string, opts: { session?: string } = {}): BidsRun[] {
  const subDir = join(root, `sub-${subject}`);
  if (!existsSync(subDir))
    throw new FileFormatError(FMRI_ERRORS.FILE_NOT_FOUND, subDir, `no folder for subject '${subject}' under ${root}`);
  const funcDirs: { dir: string; session?: string }[] = [];
  if (existsSync(join(subDir, 'func'))) funcDirs.push({ dir: join(subDir, 'func') });
  for (const e of readdirSync(subDir)) {
    if (e.startsWith('ses-') && statSync(join(subDir, e)).isDirectory() && existsSync(join(subDir, e, 'func')))
      funcDirs.push({ dir: join(subDir, e, 'func'), session: e.slice(4) });
  }
  const runs: BidsRun[] = [];
  for (const { dir, session } of funcDirs) {
    if (opts.session !== undefined && session !== opts.session) continue;
    for (const f of readdirSync(dir).sort()) {
      const m = /^(.*)_bold\.nii(\.gz)?$/.exec(f);
      if (!m) continue;
      const ents = entitiesOf(m[1]);
      if (ents.sub !== subject || ents.task !== task) continue;
      const stem = m[1];
      const eventsPath = join(dir, `${stem}_events.tsv`);
      const sidecarFiles = sidecarChain(root, subDir, dir, stem, ents);
      const sidecar = sidecarFiles.length ? Object.assign({}, ...sidecarFiles.map(readBoldSidecar)) : undefined;
      const { sub: _s, ses: _ss, task: _t, run, ...rest } = ents;
      runs.push({
        subject,
        ...(session !== undefined ? { session } : {}),
        task,
        ...(run !== undefined ? { run: Number(run) } : {}),
        entities: rest,
        bold: join(dir, f),
        ...(existsSync(eventsPath) ? { events: eventsPath } : {}),
        ...(sidecar ? { sidecar } : {}),
        sidecarFiles,
      });
    }
  }
  return runs.sort(
    (a, b) =>
      (a.session ?? '').localeCompare(b.session ?? '') || (a.run ?? 0) - (b.run ?? 0) || a.bold.localeCompare(b.bold),
  );
}

/** Sidecars applying to a bold file, least specific first (BIDS inheritance principle). */
function sidecarChain(
  root: string,
  subDir: string,
  funcDir: string,
  stem: string,
  ents: Record<string, string>,
): string[] {
  const candidates = [
    join(root, `task-${ents.task}_bold.json`),
    join(subDir, `sub-${ents.sub}_task-${ents.task}_bold.json`),
    join(funcDir, `${stem}_bold.json`),
  ];
  if (ents.ses)
    candidates.splice(2, 0, join(funcDir, '..', `sub-${ents.sub}_ses-${ents.ses}_task-${ents.task}_bold.json`));
  return [...new Set(candidates)].filter((p) => existsSync(p) && basename(p).endsWith('_bold.json'));
}
