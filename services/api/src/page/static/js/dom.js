/** Building DOM nodes without innerHTML: every value from the service becomes text, never markup. */

/**
 * h('a', {href: '#/x', class: 'y', onclick: fn}, 'text', child): attributes with value false/null/undefined are left
 * out, `true` sets an empty attribute, `on*` keys add listeners; children may be nodes, strings, numbers or arrays.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A number for a table cell: 4 significant decimals, '–' for missing. */
export function fmt(v) {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'NaN';
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** Tell screen-reader users what changed (the page's one live region). */
export function announce(text) {
  const el = document.getElementById('announcer');
  if (el) el.textContent = text;
}

export function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}

/** A labelled <select> of the distinct values (plus "all"). */
export function selectField(id, label, values, onChange) {
  const select = h(
    'select',
    { id, onchange: () => onChange(select.value) },
    h('option', { value: '' }, 'all'),
    values.map((v) => h('option', { value: v }, v)),
  );
  return { element: h('div', { class: 'field' }, h('label', { for: id }, label), select), select };
}

/**
 * The scrolling box around a wide table: focusable and named, so keyboard users can scroll it (WCAG 2.1.1; axe
 * `scrollable-region-focusable`).
 */
export function tableWrap(label, attrs = {}, ...children) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label, ...attrs }, ...children);
}
