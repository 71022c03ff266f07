/** A study: summary, (learning-rule study) criteria and pairwise tables, results table, charts, files. */
import { api } from '../api.js';
import { chartGrid } from '../charts.js';
import { criteriaTable, pairwiseTable } from '../criteria-table.js';
import { fmt, h } from '../dom.js';
import { fileList } from '../files.js';
import { resultsTable } from '../results-table.js';

export async function renderStudy(view, id, signal) {
  const path = `/v1/studies/${encodeURIComponent(id)}`;
  const [study, { charts }] = await Promise.all([api(path, { signal }), api(`${path}/charts`, { signal })]);
  const learning = study.kind === 'learning-rules';
  view.append(
    h('p', {}, h('a', { href: '#/' }, '← Studies and jobs')),
    h('h1', {}, `Study: ${study.name}`),
    h(
      'p',
      { class: 'muted' },
      `${learning ? 'Learning-rule study' : 'Network–brain comparison study'}${study.profile ? `, profile ${study.profile}` : ''} · ${fmt(study.rowCount)} result rows · written ${new Date(study.modified).toLocaleString()}`,
      study.jobId ? [' · ', h('a', { href: `#/jobs/${encodeURIComponent(study.jobId)}` }, `job ${study.jobId}`)] : null,
    ),
  );

  if (learning) {
    view.append(h('h2', {}, 'Rules: criteria, accuracy and brain similarity'), criteriaTable(study.rows));
    if (study.pairwise.length > 0) view.append(h('h2', {}, 'Pairwise tests'), pairwiseTable(study.pairwise));
  }

  // One grid per kind of chart, all following the results table's dataset/metric filters.
  const parts = [];
  const table = resultsTable(study.kind, study.rows, (filters) => {
    for (const p of parts) void p.filter(filters);
  });
  view.append(h('h2', { id: 'results-title' }, 'Results'), table.element);

  const kinds = [
    ['profile', 'Layer profiles (error bars: CI or standard error; grey band: noise ceiling)'],
    ['time-course', 'Time courses'],
    ['rdm', 'RDMs'],
  ];
  view.append(h('h2', {}, 'Figures'));
  if (charts.length === 0) view.append(h('p', { class: 'muted' }, 'No figures for this study.'));
  for (const [kind, title] of kinds) {
    const some = charts.filter((c) => c.kind === kind);
    if (some.length === 0) continue;
    view.append(
      h('h3', {}, title),
      h('p', { class: 'hint' }, `${some.length} chart${some.length === 1 ? '' : 's'}; the filters above apply.`),
    );
    const part = chartGrid(some);
    view.append(part.element);
    parts.push(part);
  }

  if (study.meta.stimuli?.transform)
    view.append(
      h('h2', {}, 'Stimulus conversion'),
      h('pre', { class: 'events' }, JSON.stringify(study.meta.stimuli.transform, null, 2)),
    );
  view.append(h('h2', {}, 'Files'), fileList(id, study.files));
  view.append(
    h(
      'details',
      {},
      h('summary', {}, 'Provenance and configuration'),
      h('pre', { class: 'events' }, JSON.stringify(study.meta, null, 2)),
    ),
  );
  await Promise.all(parts.map((p) => p.embed()));
}
