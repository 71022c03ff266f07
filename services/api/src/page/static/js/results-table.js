/**
 * The results table: columns for the study's row shape, sort by any column (header buttons; aria-sort), filters by
 * rule / network / layer / dataset / metric, and rows shown a page at a time.
 */
import { announce, fmt, h, selectField, tableWrap } from './dom.js';

const PAGE = 100;

export const COLUMNS = {
  'learning-rules': [
    'network',
    'rule',
    'family',
    'seed',
    'testAccuracy',
    'layer',
    'dataset',
    'subjectCount',
    'metric',
    'value',
    'ciLower',
    'ciUpper',
    'p',
    'pCorrected',
    'ceilingLower',
    'ceilingUpper',
  ],
  simulated: [
    'network',
    'layer',
    'dataset',
    'modality',
    'region',
    'time',
    'metric',
    'value',
    'sem',
    'nSubjects',
    'ceilingLower',
    'ceilingUpper',
  ],
};

export const FILTER_FIELDS = ['rule', 'network', 'layer', 'dataset', 'metric'];

function compare(a, b) {
  const na = a === null || a === undefined;
  const nb = b === null || b === undefined;
  if (na || nb) return na === nb ? 0 : na ? 1 : -1; // missing values last
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Returns {element}; onFilter(filters) hears every filter change (the charts follow the same filters). */
export function resultsTable(kind, rows, onFilter = () => {}) {
  const columns = COLUMNS[kind].filter((c) => rows.some((r) => r[c] !== undefined));
  const filters = {};
  let sort = { column: null, direction: 'ascending' };
  let shown = PAGE;

  const caption = h('caption', {});
  const headRow = h('tr', {});
  const body = h('tbody', {});
  const more = h(
    'button',
    {
      type: 'button',
      onclick: () => {
        shown += PAGE;
        paint();
      },
    },
    `Show ${PAGE} more rows`,
  );

  const filterBar = h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter the results' });
  for (const field of FILTER_FIELDS) {
    const values = [...new Set(rows.map((r) => r[field]).filter((v) => v !== undefined && v !== null))].map(String);
    if (values.length === 0) continue;
    values.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const { element } = selectField(`filter-${field}`, field, values, (v) => {
      if (v) filters[field] = v;
      else delete filters[field];
      shown = PAGE;
      paint();
      onFilter({ ...filters });
    });
    filterBar.append(element);
  }

  for (const c of columns) {
    const numeric = rows.some((r) => typeof r[c] === 'number');
    const th = h('th', { scope: 'col', class: numeric ? 'num' : '', 'data-column': c });
    th.append(
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          onclick: () => {
            sort = {
              column: c,
              direction: sort.column === c && sort.direction === 'ascending' ? 'descending' : 'ascending',
            };
            paint();
            announce(`Sorted by ${c}, ${sort.direction}`);
          },
        },
        c,
      ),
    );
    headRow.append(th);
  }

  const paint = () => {
    let visible = rows.filter((r) => Object.entries(filters).every(([k, v]) => String(r[k]) === v));
    if (sort.column) {
      const sign = sort.direction === 'ascending' ? 1 : -1;
      visible = [...visible].sort((a, b) => {
        const missingFirst = compare(a[sort.column], b[sort.column]);
        const bothPresent = a[sort.column] != null && b[sort.column] != null;
        return bothPresent ? sign * missingFirst : missingFirst;
      });
    }
    for (const th of headRow.children) {
      if (th.dataset.column === sort.column) th.setAttribute('aria-sort', sort.direction);
      else th.removeAttribute('aria-sort');
    }
    caption.textContent = `Showing ${Math.min(shown, visible.length)} of ${visible.length} rows${
      visible.length === rows.length ? '' : ` (${rows.length} before filtering)`
    }`;
    body.replaceChildren(
      ...visible.slice(0, shown).map((r) =>
        h(
          'tr',
          {},
          columns.map((c) => h('td', { class: typeof r[c] === 'number' ? 'num' : '' }, fmt(r[c]))),
        ),
      ),
    );
    more.hidden = visible.length <= shown;
  };
  paint();
  const element = h(
    'div',
    {},
    filterBar,
    tableWrap('Results', {}, h('table', { id: 'results-table' }, caption, h('thead', {}, headRow), body)),
    h('div', { class: 'buttons' }, more),
  );
  return { element };
}
