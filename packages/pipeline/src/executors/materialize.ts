/**
 * The last step of every executor: the final item's files folder is copied into the study's output folder (each
 * file through a temp name + rename, so a reader never sees half a file). Copying twice gives the same bytes, so a
 * finish re-run after a crash is harmless.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactStore } from '../plan/artifact-store.ts';
import type { PreparedPlan } from './prepared-plan.ts';

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst);
    else {
      const tmp = `${dst}.${process.pid}.tmp`;
      copyFileSync(src, tmp);
      renameSync(tmp, dst);
    }
  }
}

/** Copies the final item's files into plan.outputDir; returns the path of results.json there, if any. */
export function materializeOutputs(plan: PreparedPlan, store: ArtifactStore): string | null {
  const final = plan.final ? plan.items.find((it) => it.id === plan.final) : undefined;
  if (!final) return null;
  copyTree(store.filesDir(final.key), plan.outputDir);
  const results = join(plan.outputDir, 'results.json');
  return existsSync(results) ? results : null;
}
