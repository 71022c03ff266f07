/**
 * Every notebook in notebooks/ executes through its real Jupyter kernel (`jupyter nbconvert --execute`: tslab for the
 * TypeScript ones, ipykernel for the Python one) and its stored outputs are current. The work is done by
 * scripts/notebooks-run.mjs (also `pnpm --filter @concord/notebooks check|update`); this suite runs it per notebook
 * and shows its report — the erroring cells, or a line diff of the outputs that changed — when it fails.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { repoPath } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';

const script = repoPath('scripts', 'notebooks-run.mjs');
const notebooks = readdirSync(repoPath('notebooks'))
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

function run(args: string[]) {
  const { NODE_OPTIONS: _sourceCondition, ...env } = process.env;
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
}

const probe = run(['--probe']).stdout.trim();
const missing = probe === 'ok' ? null : probe || 'scripts/notebooks-run.mjs --probe failed';

interface Report {
  name: string;
  errors: string[];
  drift: string[];
}

type Output = Record<string, unknown>;

/** scripts/notebooks-run.mjs's outputDrift on two one-cell notebooks (in a child: the script is plain ESM). */
function driftOf(stored: Output[], executed: Output[]): string[] {
  const nb = (outputs: Output[]) => ({ cells: [{ cell_type: 'code', source: 'x', outputs }] });
  // The notebooks go in on stdin: a real figure is larger than one command-line argument may be.
  const code = `let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => import(${JSON.stringify(pathToFileURL(script).href)}).then((m) => { const [a, b] = JSON.parse(s); console.log(JSON.stringify(m.outputDrift(a, b))); }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    input: JSON.stringify([nb(stored), nb(executed)]),
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as string[];
}

/** outputDrift on two notebooks whose one cell printed these lines. */
function drift(stored: string[], executed: string[]): string[] {
  const stream = (lines: string[]) => [{ output_type: 'stream', name: 'stdout', text: lines }];
  return driftOf(stream(stored), stream(executed));
}

const display = (mime: string, value: string | string[]): Output => ({
  output_type: 'display_data',
  data: { [mime]: value, 'text/plain': ['<figure>'] },
  metadata: {},
});

/** The first SVG figure stored in a notebook (03: the time course with its cluster marked). */
function storedSvg(name: string): string {
  const nb = JSON.parse(readFileSync(repoPath('notebooks', name), 'utf8')) as {
    cells: { outputs?: { data?: Record<string, string | string[]> }[] }[];
  };
  for (const c of nb.cells)
    for (const o of c.outputs ?? []) {
      const svg = o.data?.['image/svg+xml'];
      if (svg) return Array.isArray(svg) ? svg.join('') : svg;
    }
  throw new Error(`no SVG figure in ${name}`);
}

/** A PNG from its chunks (CRCs left zero: the comparison reads types and data only). */
function png(chunks: [string, Buffer][]): string {
  const parts: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of chunks) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    parts.push(head, data, Buffer.alloc(4));
  }
  return Buffer.concat(parts).toString('base64');
}

describe('output comparison', () => {
  it('reports a changed number as a line diff (stored -, executed +)', () => {
    const d = drift(['lower 0.372\n', 'upper 0.666\n'], ['lower 0.373\n', 'upper 0.666\n']);
    expect(d).toHaveLength(1);
    expect(d[0]).toContain('- lower 0.372');
    expect(d[0]).toContain('+ lower 0.373');
    expect(d[0]).not.toContain('upper');
  });

  it('ignores what varies between runs: durations, temporary paths, loopback ports, addresses', () => {
    const d = drift(
      ['took 1.2 s at http://127.0.0.1:40001 in /tmp/concord-a1/x.nii, 0x7f00aa11bb22\n'],
      ['took 0.9 s at http://127.0.0.1:51234 in /tmp/concord-zz/x.nii, 0x7f00cc33dd44\n'],
    );
    expect(d).toEqual([]);
  });
});

describe('figure comparison', () => {
  const svg = storedSvg('03-eeg-time-resolved-rsa.ipynb');
  // Every decimal in the figure: the plotted coordinates (x steps like 43.33333333333333) and data values.
  const decimals = [...svg.matchAll(/-?\d+\.\d{6,}/g)];

  it('a stored figure with float noise in the last digits, renumbered ids and other line breaks is unchanged', () => {
    expect(decimals.length).toBeGreaterThan(20);
    // Noise of 1e-9 relative on every long decimal: far below 0.1 px and below 6 significant digits.
    const noisy = svg.replace(/-?\d+\.\d{6,}/g, (n) => String(Number(n) * (1 + 1e-9)));
    expect(noisy).not.toBe(svg);
    // A gradient id as vega numbers it per process, and the SVG split into lines as Jupyter stores text.
    const withGradient = (id: string, s: string) =>
      s.replace(
        '</svg>',
        `<defs><linearGradient id="${id}"><stop offset="0.25"/></linearGradient></defs><rect fill="url(#${id})" width="1.04" height="2"/></svg>`,
      );
    const stored = withGradient('gradient_0', svg);
    const executed = withGradient('gradient_7', noisy)
      .replace(/></g, '>\n<')
      .split(/(?<=\n)/);
    expect(driftOf([display('image/svg+xml', stored)], [display('image/svg+xml', executed)])).toEqual([]);
  });

  it('a changed figure alone is reported: the cell, both digests and the element that differs', () => {
    // Move one plotted path (the first line of the time course) by 2 px: the text outputs are untouched.
    const path = /<path[^>]*d="M([\d.]+),([\d.]+)L/.exec(svg.slice(svg.indexOf('mark-line')));
    expect(path).not.toBeNull();
    const [whole, x, y] = path as RegExpExecArray;
    const moved = svg.replace(whole, whole.replace(`M${x},${y}L`, `M${x},${Number(y) + 2}L`));
    expect(moved).not.toBe(svg);
    const d = driftOf([display('image/svg+xml', svg)], [display('image/svg+xml', moved)]);
    expect(d).toHaveLength(1);
    const [, storedDigest, executedDigest] =
      /changed: image\/svg\+xml ([0-9a-f]{16}) \(stored\) → ([0-9a-f]{16}) \(executed\)/.exec(d[0]) ?? [];
    expect(storedDigest).toBeDefined();
    expect(storedDigest).not.toBe(executedDigest);
    expect(d[0]).toMatch(/^figure 1 in code cell 1 \(x\) changed/);
    const rounded = (v: string) => String(Number(Number(v).toFixed(1)));
    expect(d[0]).toContain(`- <path`);
    expect(d[0]).toContain(`M${rounded(x)},${rounded(y)}L`);
    expect(d[0]).toContain(`M${rounded(x)},${rounded(String(Number(y) + 2))}L`);
    // No line diff of the text outputs: they did not change.
    expect(d[0]).not.toContain('stored (-) vs executed (+)');
  });

  it('a changed data value in a label is reported even when no coordinate moves', () => {
    // The time course's line carries its first point's value in its aria-label (0.0670070334274 in 03).
    const label = /(aria-label="time \(ms\): [^;"]+; [^:"]+: )(-?\d+\.\d+)/.exec(svg);
    expect(label).not.toBeNull();
    const [whole, head, value] = label as RegExpExecArray;
    const changed = svg.replace(whole, `${head}${Number(value) + 0.001}`);
    const d = driftOf([display('image/svg+xml', svg)], [display('image/svg+xml', changed)]);
    expect(d).toHaveLength(1);
    expect(d[0]).toContain(String(Number(Number(value).toPrecision(6))));
  });

  it('a figure that appears or disappears is reported in the cell line diff', () => {
    const d = driftOf([display('image/svg+xml', svg)], []);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/- \[image\/svg\+xml\] [0-9a-f]{16}/);
  });

  it('PNG figures compare by a digest of their image chunks (a per-run tIME/tEXt stamp does not count)', () => {
    const ihdr = Buffer.from([0, 0, 0, 2, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    const a = png([
      ['IHDR', ihdr],
      ['tIME', Buffer.from('2024')],
      ['IDAT', Buffer.from([1, 2, 3])],
      ['IEND', Buffer.alloc(0)],
    ]);
    const sameImage = png([
      ['IHDR', ihdr],
      ['tEXt', Buffer.from('other')],
      ['IDAT', Buffer.from([1, 2, 3])],
      ['IEND', Buffer.alloc(0)],
    ]);
    const otherPixels = png([
      ['IHDR', ihdr],
      ['IDAT', Buffer.from([1, 2, 4])],
      ['IEND', Buffer.alloc(0)],
    ]);
    expect(driftOf([display('image/png', a)], [display('image/png', sameImage)])).toEqual([]);
    const d = driftOf([display('image/png', a)], [display('image/png', otherPixels)]);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(
      /^figure 1 in code cell 1 \(x\) changed: image\/png [0-9a-f]{16} 2×1 \(stored\) → [0-9a-f]{16} 2×1 \(executed\)/,
    );
  });
});

it('finds the five notebooks', () => {
  expect(notebooks.length).toBeGreaterThanOrEqual(5);
});

describe.skipIf(missing !== null)(
  `notebooks execute through their kernels${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    for (const name of notebooks) {
      it(`${name}: no cell errors and the stored outputs are current`, () => {
        const r = run(['--check', '--json', name]);
        expect(r.stdout, r.stderr).toContain('"name"');
        const [report] = JSON.parse(r.stdout) as Report[];
        expect(report.errors.join('\n')).toBe('');
        expect(report.drift.join('\n\n')).toBe('');
        expect(r.status).toBe(0);
      }, 300_000);
    }
  },
);
