/**
 * The scores browser over GET /v1/scores: a filter form (its fields are the query parameters the service's OpenAPI
 * document lists, so it follows the service's vocabulary), a table of the page, and "next page" by cursor.
 */
import { api } from '../api.js';
import { errorText, fmt, h, tableWrap } from '../dom.js';

const FALLBACK_FIELDS = ['model', 'layer', 'dataset', 'subject', 'roi', 'metric', 'endpoint', 'tag'];

async function filterFields() {
  try {
    const doc = await (await fetch('/docs/json')).json();
    const params = doc.paths?.['/v1/scores']?.get?.parameters ?? [];
    const names = params
      .filter((p) => p.in === 'query' && p.name !== 'cursor' && p.name !== 'limit')
      .map((p) => p.name);
    return names.length > 0 ? names : FALLBACK_FIELDS;
  } catch {
    return FALLBACK_FIELDS;
  }
}

function labelsOf(item) {
  return item.labels && typeof item.labels === 'object' ? item.labels : {};
}

export async function renderScores(view, signal) {
  view.append(
    h('h1', {}, 'Scores'),
    h('p', { class: 'muted' }, 'Scores stored by the service (GET /v1/scores), oldest first.'),
  );
  const fields = await filterFields();
  const inputs = Object.fromEntries(
    fields.map((f) => [f, h('input', { id: `score-${f}`, name: f, type: 'text', autocomplete: 'off' })]),
  );
  const limit = h(
    'select',
    { id: 'score-limit', name: 'limit' },
    ['25', '100', '500'].map((n) => h('option', { value: n, selected: n === '100' }, n)),
  );
  const status = h('p', { role: 'status' });
  const table = tableWrap('Scores', { id: 'scores-result' });
  const next = h('button', { type: 'button', hidden: true }, 'Next page');
  let cursor = null;

  const load = async (fromCursor) => {
    const q = new URLSearchParams();
    for (const [f, input] of Object.entries(inputs)) if (input.value.trim()) q.append(f, input.value.trim());
    q.set('limit', limit.value);
    if (fromCursor) q.set('cursor', fromCursor);
    status.textContent = 'Loading…';
    try {
      const page = await api(`/v1/scores?${q}`, { signal });
      const items = page.items ?? [];
      const labelKeys = [...new Set(items.flatMap((i) => Object.keys(labelsOf(i))))];
      const head = ['id', 'created', 'endpoint', 'metric', 'value', ...labelKeys, 'tags'];
      table.replaceChildren(
        h(
          'table',
          { id: 'scores-table' },
          h('caption', {}, `${items.length} scores${fromCursor ? ' (next page)' : ''}`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              head.map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            items.map((i) =>
              h(
                'tr',
                {},
                h('td', {}, i.id),
                h('td', {}, i.createdAt ?? '–'),
                h('td', {}, i.endpoint ?? '–'),
                h('td', {}, i.metric ?? '–'),
                h('td', { class: 'num' }, fmt(i.value)),
                labelKeys.map((k) => h('td', {}, fmt(labelsOf(i)[k]))),
                h('td', {}, (i.tags ?? []).join(', ')),
              ),
            ),
          ),
        ),
      );
      cursor = page.nextCursor ?? null;
      next.hidden = cursor === null;
      status.textContent = items.length === 0 ? 'No scores match.' : '';
    } catch (e) {
      status.textContent = '';
      table.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(e)));
    }
  };
  next.addEventListener('click', () => load(cursor));
  const form = h(
    'form',
    {
      id: 'scores-form',
      onsubmit: (e) => {
        e.preventDefault();
        void load(null);
      },
    },
    h(
      'div',
      { class: 'filters' },
      fields.map((f) => h('div', { class: 'field' }, h('label', { for: `score-${f}` }, f), inputs[f])),
      h('div', { class: 'field' }, h('label', { for: 'score-limit' }, 'per page'), limit),
    ),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Search scores')),
  );
  view.append(form, status, table, h('div', { class: 'buttons' }, next));
  await load(null);
}
