#!/usr/bin/env node
/**
 * Executes the notebooks in notebooks/ through their real Jupyter kernels (`jupyter nbconvert --execute`) and either
 * stores the fresh outputs (--update) or checks that the stored ones are current (--check, the default).
 *
 *   node scripts/notebooks-run.mjs [--update | --check] [--json] [--keep DIR] [NAME.ipynb ...]
 *   node scripts/notebooks-run.mjs --probe      prints 'ok' or why the notebooks cannot run here
 *
 * --check exits 1 when a cell errors (an `error` output or anything on stderr) or when the executed outputs differ
 * from the stored ones after normalising what legitimately varies between runs (durations, temporary paths,
 * loopback ports, memory addresses, ids from the service); it prints a line diff per changed cell. Figures are
 * compared too: an SVG in a normalised form (element ids renumbered, whitespace between tags dropped, coordinates
 * rounded to 0.1 px and other decimals to 6 significant digits), a PNG by a digest of its image chunks; a changed
 * figure is reported with its digest pair and the first elements that differ.
 * Exit 3 means the check could not run (no jupyter, or a kernel is not installed): callers skip visibly.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtAt, compiledIsCurrent } from './build-state.mjs';
import { installKernel, jupyterPath, pythonWithIpykernel } from './notebooks-kernel.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const notebooksDir = join(root, 'notebooks');
const JUPYTER = process.env.CONCORD_JUPYTER ?? 'jupyter';
/** A cell's whole run; the slowest notebook (learning rules) needs well under a minute on 2 cores. */
const CELL_TIMEOUT_S = 300;

export function listNotebooks() {
  return readdirSync(notebooksDir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort();
}

/** Why the notebooks cannot be executed here, or null when they can. */
export function missingPrerequisite() {
  // Kernels load the compiled packages: a missing or stale build would fail cell by cell with misleading errors.
  if (builtAt(root) < 0) return 'packages are not compiled (pnpm build)';
  if (!compiledIsCurrent(root)) return 'the compiled packages are older than their sources (pnpm build)';
  const v = spawnSync(JUPYTER, ['nbconvert', '--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return 'jupyter nbconvert is not installed (Debian: jupyter-nbconvert)';
  const py = pythonWithIpykernel();
  if (!py) return 'no python3 with ipykernel (Debian: python3-ipykernel)';
  if (!existsSync(join(notebooksDir, 'node_modules', 'tslab', 'package.json')))
    return 'tslab is not installed in notebooks/node_modules (pnpm install)';
  return null;
}

/** Executes one notebook into a temporary directory; returns the executed notebook (parsed) and nbconvert's log. */
export function executeNotebook(name) {
  const out = mkdtempSync(join(tmpdir(), 'concord-nb-'));
  try {
    // Kernels load the compiled dist/: a `--conditions=@concord/source` inherited from a test runner's NODE_OPTIONS
    // would send them to the TypeScript sources.
    const { NODE_OPTIONS: _inherited, ...rest } = process.env;
    const env = { ...rest, JUPYTER_PATH: jupyterPath, PYDEVD_DISABLE_FILE_VALIDATION: '1' };
    const r = spawnSync(
      JUPYTER,
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--allow-errors',
        `--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`,
        '--output-dir',
        out,
        join(notebooksDir, name),
      ],
      { cwd: notebooksDir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const file = join(out, name);
    if (r.status !== 0 || !existsSync(file)) {
      throw new Error(`jupyter nbconvert failed on ${name} (exit ${r.status}):\n${r.stderr}`);
    }
    return { notebook: JSON.parse(readFileSync(file, 'utf8')), log: r.stderr };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const text = (t) => (Array.isArray(t) ? t.join('') : (t ?? ''));

/** Replaces the parts of an output text that differ between runs without the result changing. */
export function normaliseText(s) {
  return s
    .replace(/\b\d+(\.\d+)?\s?(ms|s|seconds?|min)\b/g, '<duration>')
    .replace(/\/tmp\/[\w.\-/]+/g, '<tmp>')
    .replace(/(127\.0\.0\.1|localhost):\d+/g, '$1:<port>')
    .replace(/0x[0-9a-f]{6,}/gi, '<address>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?\b/g, '<timestamp>')
    .replace(/[ \t]+$/gm, '');
}

/** SVG attributes whose numbers are positions and sizes in pixels: compared to 0.1 px. */
const SVG_GEOMETRY = new Set([
  'd',
  'transform',
  'points',
  'x',
  'y',
  'x1',
  'x2',
  'y1',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'dx',
  'dy',
  'width',
  'height',
  'viewBox',
]);
const DECIMAL = /-?\d*\.\d+(?:e[-+]?\d+)?/gi;
const zeroless = (v) => (Object.is(v, -0) ? 0 : v);
const toTenth = (s) => String(zeroless(Number(Number(s).toFixed(1))));
const toSixDigits = (s) => String(zeroless(Number(Number(s).toPrecision(6))));

/**
 * The comparable form of an SVG figure: what a re-run may change without the figure changing is taken out. Element
 * ids (vega numbers its gradients and clip paths per process: gradient_0, clip3) are renumbered in order of
 * appearance with their url(#…)/href="#…" references; whitespace between tags and runs of it are dropped;
 * coordinates and sizes are rounded to 0.1 px, and the other decimals (data values in aria-labels, gradient stops,
 * opacities) to 6 significant digits, so float noise in the last digits compares equal and a moved mark does not.
 */
export function normaliseSvg(svg) {
  const ids = new Map();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1])) ids.set(m[1], `id${ids.size}`);
  const id = (old) => ids.get(old) ?? old;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, pre, old) => `${pre}${id(old)}"`)
    .replace(/url\(\s*#([^)\s]+)\s*\)/g, (_, old) => `url(#${id(old)})`)
    .replace(/(href=")#([^"]+)"/g, (_, pre, old) => `${pre}#${id(old)}"`)
    .replace(/>\s+</g, '><')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/([\w:-]+)="([^"]*)"/g, (_, name, value) => {
      const round = SVG_GEOMETRY.has(name) ? toTenth : toSixDigits;
      return `${name}="${value.replace(DECIMAL, round)}"`;
    })
    .replace(/>([^<]+)</g, (_, t) => `>${t.replace(DECIMAL, toSixDigits)}<`);
}

/**
 * The bytes of a PNG that make its picture: the critical chunks (IHDR, PLTE, IDAT, IEND — type with an upper-case
 * first letter), without the ancillary ones a writer may stamp per run (tIME, tEXt); not a PNG: all of it.
 */
function pngImageBytes(bytes) {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || signature.some((b, i) => bytes[i] !== b)) return bytes;
  const parts = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const end = at + 12 + length;
    if (end > bytes.length) return bytes;
    const type = bytes.subarray(at + 4, at + 8);
    if (type[0] >= 0x41 && type[0] <= 0x5a) parts.push(bytes.subarray(at + 4, at + 8 + length));
    at = end;
  }
  return Buffer.concat(parts);
}

const digest = (data) => createHash('sha256').update(data).digest('hex').slice(0, 16);

/** A figure's comparable form: `key` (equal for equal figures), `digest` and, for SVG, its elements. */
export function figureForm(mime, value) {
  if (mime === 'image/svg+xml') {
    const key = normaliseSvg(text(value));
    return { key, digest: digest(key), elements: key.split(/(?=<)/) };
  }
  const bytes = Buffer.from(text(value).replace(/\s+/g, ''), 'base64');
  const image = pngImageBytes(bytes);
  const size =
    mime === 'image/png' && image !== bytes && image.length >= 12
      ? ` ${image.readUInt32BE(4)}×${image.readUInt32BE(8)}`
      : '';
  const d = `${digest(image)}${size}`;
  return { key: d, digest: d, elements: null };
}

/** The first elements that differ between two figures' normalised SVGs (common start and end left out). */
function elementDiff(a, b, show = 3) {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const stored = a.slice(start, a.length - end);
  const executed = b.slice(start, b.length - end);
  const cut = (e) => (e.length > 200 ? `${e.slice(0, 200)}…` : e);
  const lines = [`first difference at element ${start + 1} of ${a.length} (stored) / ${b.length} (executed):`];
  lines.push(...stored.slice(0, show).map((e) => `- ${cut(e)}`));
  if (stored.length > show) lines.push(`- … ${stored.length - show} more stored elements differ`);
  lines.push(...executed.slice(0, show).map((e) => `+ ${cut(e)}`));
  if (executed.length > show) lines.push(`+ … ${executed.length - show} more executed elements differ`);
  return lines;
}

/** The figures (image/* outputs) of one cell's outputs, in order. */
function figuresOf(outputs) {
  const figures = [];
  for (const o of outputs ?? [])
    for (const [mime, value] of Object.entries(o.data ?? {}).sort(([a], [b]) => a.localeCompare(b)))
      if (mime.startsWith('image/')) figures.push({ mime, value });
  return figures;
}

/** The comparable form of one cell's outputs: one line list (a figure is one line with its mime type and digest). */
export function normaliseOutputs(outputs) {
  const lines = [];
  for (const o of outputs ?? []) {
    if (o.output_type === 'stream') lines.push(`[${o.name}]`, ...normaliseText(text(o.text)).split('\n'));
    else if (o.output_type === 'error') lines.push(`[error] ${o.ename}: ${normaliseText(o.evalue)}`);
    else {
      for (const [mime, value] of Object.entries(o.data ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        if (mime.startsWith('image/')) lines.push(`[${mime}] ${figureForm(mime, value).digest}`);
        else lines.push(`[${mime}]`, ...normaliseText(text(value)).split('\n'));
      }
    }
  }
  return lines.filter((l, i, a) => !(l === '' && (i === a.length - 1 || a[i + 1].startsWith('['))));
}

/** Errors in an executed notebook: error outputs and stderr streams (tslab reports type errors on stderr). */
export function cellErrors(nb) {
  const errors = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== 'code') return;
    for (const o of c.outputs ?? []) {
      if (o.output_type === 'error') errors.push(`cell ${i + 1}: ${o.ename}: ${o.evalue}`);
      if (o.output_type === 'stream' && o.name === 'stderr')
        errors.push(`cell ${i + 1} wrote to stderr: ${text(o.text)}`);
    }
  });
  return errors;
}

/** A line diff (longest common subsequence; cells are short) with - for stored and + for executed lines. */
export function lineDiff(a, b) {
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out;
}

/** Differences between the stored and the executed notebook's outputs, one readable block per changed cell. */
export function outputDrift(stored, executed) {
  const drift = [];
  const code = (nb) => nb.cells.filter((c) => c.cell_type === 'code');
  const a = code(stored);
  const b = code(executed);
  if (a.length !== b.length) return [`the stored notebook has ${a.length} code cells, the executed one ${b.length}`];
  const isFigure = (l) => /^\[image\/[^\]]+\] /.test(l);
  const withoutDigests = (lines) => lines.map((l) => (isFigure(l) ? l.slice(0, l.indexOf(']') + 1) : l)).join('\n');
  for (let k = 0; k < a.length; k++) {
    const before = normaliseOutputs(a[k].outputs);
    const after = normaliseOutputs(b[k].outputs);
    if (before.join('\n') === after.join('\n')) continue;
    const first = text(a[k].source).split('\n')[0];
    const parts = [];
    // Text outputs, or the number or kinds of figures, changed: the cell's line diff (figures as digest lines).
    if (withoutDigests(before) !== withoutDigests(after))
      parts.push(`code cell ${k + 1} (${first}) — stored (-) vs executed (+):\n${lineDiff(before, after).join('\n')}`);
    const figuresBefore = figuresOf(a[k].outputs);
    const figuresAfter = figuresOf(b[k].outputs);
    for (let f = 0; f < Math.min(figuresBefore.length, figuresAfter.length); f++) {
      if (figuresBefore[f].mime !== figuresAfter[f].mime) continue;
      const x = figureForm(figuresBefore[f].mime, figuresBefore[f].value);
      const y = figureForm(figuresAfter[f].mime, figuresAfter[f].value);
      if (x.key === y.key) continue;
      const lines = [
        `figure ${f + 1} in code cell ${k + 1} (${first}) changed: ${figuresBefore[f].mime} ${x.digest} (stored) → ${y.digest} (executed)`,
      ];
      if (x.elements && y.elements) lines.push(...elementDiff(x.elements, y.elements));
      parts.push(lines.join('\n'));
    }
    drift.push(parts.join('\n'));
  }
  return drift;
}

/** The stored form: executed outputs without per-run timing metadata, written atomically. */
export function storeNotebook(name, executed) {
  for (const c of executed.cells) {
    if (c.metadata) delete c.metadata.execution;
  }
  const file = join(notebooksDir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(executed, null, 1)}\n`);
  renameSync(tmp, file);
}

function main(argv) {
  const update = argv.includes('--update');
  const json = argv.includes('--json');
  const names = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--keep');
  const missing = missingPrerequisite();
  if (argv.includes('--probe')) {
    console.log(missing ?? 'ok');
    process.exit(0);
  }
  if (missing) {
    console.error(`notebooks: cannot execute: ${missing}`);
    process.exit(3);
  }
  installKernel();
  const report = [];
  // A notebook is named by its file name in notebooks/ (a path to it works too: notebooks/01-quickstart.ipynb).
  for (const name of names.length ? names.map((n) => basename(n)) : listNotebooks()) {
    if (!existsSync(join(notebooksDir, name))) {
      console.error(`notebooks: no notebook ${name} in ${notebooksDir}`);
      process.exit(2);
    }
    const stored = JSON.parse(readFileSync(join(notebooksDir, name), 'utf8'));
    const { notebook } = executeNotebook(name);
    const errors = cellErrors(notebook);
    const drift = update ? [] : outputDrift(stored, notebook);
    if (update && errors.length === 0) storeNotebook(name, notebook);
    // --keep DIR: the executed notebook as it came out, errors included (for looking at a failing run).
    const keep = argv.indexOf('--keep');
    if (keep >= 0 && argv[keep + 1])
      writeFileSync(join(resolve(argv[keep + 1]), name), JSON.stringify(notebook, null, 1));
    report.push({ name, errors, drift, stored: update && errors.length === 0 });
    if (!json) {
      const state = errors.length ? 'ERRORS' : drift.length ? 'OUTPUTS CHANGED' : update ? 'stored' : 'current';
      console.log(`${name}: ${state}`);
      for (const e of errors) console.log(`  ${e.replace(/\n/g, '\n  ')}`);
      for (const d of drift) console.log(`  ${d.replace(/\n/g, '\n  ')}`);
    }
  }
  if (json) console.log(JSON.stringify(report, null, 2));
  const failed = report.some((r) => r.errors.length || r.drift.length);
  if (failed && update) console.error('notebooks: not stored where a cell errored (see above)');
  else if (failed)
    console.error('notebooks: re-run `pnpm --filter @concord/notebooks update` if the change is intended');
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
