/**
 * The learning-rule study's summary per rule: its plausibility criteria (declared by the rule), test accuracy over
 * seeds, and brain similarity at its highest-scoring layer (mean over seeds) per dataset and metric; then the
 * pairwise tests between rules as the study computed them.
 */
import { fmt, h, tableWrap } from './dom.js';

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const finite = (v) => typeof v === 'number' && Number.isFinite(v);
const yesNo = (v) => (v === true ? 'yes' : v === false ? 'no' : '–');

function table(id, caption, head, rows) {
  return tableWrap(
    caption,
    {},
    h(
      'table',
      { id },
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

export function criteriaTable(rows) {
  const rules = [...new Set(rows.map((r) => r.rule).filter(Boolean))];
  const targets = [...new Set(rows.map((r) => `${r.dataset} · ${r.metric}`))];
  const body = rules.map((rule) => {
    const own = rows.filter((r) => r.rule === rule);
    const first = own[0];
    const bySeed = new Map(own.map((r) => [r.network, r.testAccuracy]));
    const acc = mean([...bySeed.values()].filter(finite));
    const cells = targets.map((t) => {
      const inTarget = own.filter((r) => `${r.dataset} · ${r.metric}` === t && finite(r.value));
      const byLayer = new Map();
      for (const r of inTarget) byLayer.set(r.layer, [...(byLayer.get(r.layer) ?? []), r.value]);
      let best = null;
      for (const [layer, values] of byLayer) {
        const m = mean(values);
        if (best === null || m > best.value) best = { layer, value: m };
      }
      return h('td', { class: 'num' }, best ? `${fmt(best.value)} (${best.layer})` : '–');
    });
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, rule),
      h('td', {}, first.family ?? '–'),
      h('td', {}, yesNo(first.criteria?.asymmetricWeights)),
      h('td', {}, yesNo(first.criteria?.localErrors)),
      h('td', {}, yesNo(first.criteria?.singlePhase)),
      h('td', { class: 'num' }, fmt(bySeed.size)),
      h('td', { class: 'num' }, acc === null ? '–' : `${(acc * 100).toFixed(1)} %`),
      cells,
    );
  });
  return table(
    'criteria-table',
    'Per rule: plausibility criteria, test accuracy (mean over seeds) and brain similarity at the highest-scoring layer (mean over seeds; the report chooses layers by cross-validation)',
    ['rule', 'family', 'asymmetric weights', 'local errors', 'single phase', 'seeds', 'test accuracy', ...targets],
    body,
  );
}

export function pairwiseTable(pairwise) {
  return table(
    'pairwise-table',
    'Pairwise differences between rules (p corrected by FDR over all pairs)',
    ['a', 'b', 'difference', 'p', 'p corrected', 'significant at 0.05'],
    pairwise.map((p) =>
      h(
        'tr',
        {},
        h('td', {}, p.a),
        h('td', {}, p.b),
        h('td', { class: 'num' }, fmt(p.difference)),
        h('td', { class: 'num' }, fmt(p.p)),
        h('td', { class: 'num' }, fmt(p.pCorrected)),
        h('td', {}, finite(p.pCorrected) ? (p.pCorrected < 0.05 ? 'yes' : 'no') : '–'),
      ),
    ),
  );
}
