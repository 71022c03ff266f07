/**
 * Whether the compiled build (`pnpm build`: every package's dist/, the `concord` bin last) is current: no TypeScript
 * source, module or package.json of a workspace package is newer than the compiled bin. A walk over the src/
 * folders' modification times (a few ms). Used by `pnpm concord` (runs the sources when the build is stale) and by
 * scripts/notebooks-run.mjs (kernels load the compiled packages, so a stale build would fail with misleading errors).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Modification time of the compiled bin under `root`, or -1 when there is none. */
export function builtAt(root) {
  try {
    return statSync(join(root, 'packages/cli/dist/main.js')).mtimeMs;
  } catch {
    return -1;
  }
}

/** True when some .ts/.mjs/.json file (tests and benchmarks aside) under `dir` was modified after `since`. */
function newerSource(dir, since) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && newerSource(p, since)) return true;
    } else if (/(?<!\.test|\.bench|\.d)\.(ts|mjs|json)$/.test(e.name) && statSync(p).mtimeMs > since) return true;
  }
  return false;
}

/** True when the compiled build under `root` exists and no package source is newer than it. */
export function compiledIsCurrent(root) {
  const t = builtAt(root);
  if (t < 0) return false;
  for (const group of ['packages', 'services']) {
    let names;
    try {
      names = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const name of names) {
      const pkg = join(root, group, name);
      if (newerSource(join(pkg, 'src'), t)) return false;
      try {
        if (statSync(join(pkg, 'package.json')).mtimeMs > t) return false;
      } catch {
        // not a package
      }
    }
  }
  return true;
}
