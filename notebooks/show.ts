/**
 * Display helpers shared by the TypeScript notebooks: HTML tables, figures from @concord/plot, and a progress line
 * that overwrites itself in the cell (tslab's newDisplay → Jupyter update_display_data).
 */
import * as tslab from 'tslab';

export type Cell = string | number | boolean | null | undefined;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function formatCell(v: Cell, digits: number): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  if (v === null || v === undefined) return '';
  return String(v);
}

/** Rows of objects as an HTML table (columns in the first row's key order); numbers rounded to `digits`. */
export function table(rows: Record<string, Cell>[], opts: { caption?: string; digits?: number } = {}): void {
  const digits = opts.digits ?? 3;
  const columns = rows.length ? Object.keys(rows[0]) : [];
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cells = columns.map((c) => {
        const v = r[c];
        const align = typeof v === 'number' ? ' style="text-align:right"' : '';
        return `<td${align}>${escapeHtml(formatCell(v, digits))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : '';
  tslab.display.html(`<table>${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`);
}

/** An SVG figure (what @concord/plot's functions resolve to) inline in the cell. */
export function figure(svg: string): void {
  tslab.display.svg(svg);
}

/** A progress line for long work: one display entry, overwritten at each step, left at its final state. */
export function progress(label: string): (done: number, total: number, note?: string) => void {
  const entry = tslab.newDisplay();
  let lastPercent = -1;
  return (done, total, note) => {
    const percent = Math.floor((100 * done) / Math.max(total, 1));
    // Only whole-percent changes are sent, so a tight loop does not flood the notebook front end.
    if (percent === lastPercent && done !== total) return;
    lastPercent = percent;
    const width = 30;
    const filled = Math.round((width * done) / Math.max(total, 1));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    entry.text(`${label} ${bar} ${done}/${total}${note ? ` ${note}` : ''}`);
  };
}
