/**
 * The last step of every executor: the final item's files folder is copied into the study's output folder (each
 * file through a temp name + rename, so a reader never sees half a file). Copying twice gives the same bytes, so a
 * finish re-run after a crash is harmless. Text files that name the item's folder by absolute path (results.json
 * lists the recordings it wrote) are rewritten to name the output folder, so results.json is the same whichever
 * executor and store produced it.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ArtifactStore } from '../plan/artifact-store.ts';
import type { PreparedPlan } from './prepared-plan.ts';

/** Text outputs may name their own files by absolute path (results.json's `files`): relocated on copy. */
const TEXT = new Set(['.json', '.csv', '.html', '.md', '.txt', '.svg', '.tsv']);

function copyTree(from: string, to: string, root: { from: string; to: string }): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst, root);
    else {
      const tmp = `${dst}.${process.pid}.tmp`;
      if (TEXT.has(extname(entry.name).toLowerCase())) {
        writeFileSync(tmp, readFileSync(src, 'utf8').split(root.from).join(root.to));
      } else copyFileSync(src, tmp);
      renameSync(tmp, dst);
    }
  }
}

/** Copies the final item's files into plan.outputDir; returns the path of results.json there, if any. */
export function materializeOutputs(plan: PreparedPlan, store: ArtifactStore): string | null {
  const final = plan.final ? plan.items.find((it) => it.id === plan.final) : undefined;
  if (!final) return null;
  const from = store.filesDir(final.key);
  copyTree(from, plan.outputDir, { from, to: plan.outputDir });
  const results = join(plan.outputDir, 'results.json');
  return existsSync(results) ? results : null;
}
