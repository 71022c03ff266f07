/**
 * Charts: Vega-Lite specs made by the service (@concord/plot) embedded with vega-embed (tooltips on every mark; the
 * action menu exports SVG/PNG). Each chart is a <figure> with its title as caption; filters hide non-matching ones.
 */
import { h } from './dom.js';

// A 92×92 RDM is 8,464 marks: as SVG that is tens of thousands of DOM nodes per heatmap (slow to lay out and to
// audit). Charts with more marks than this draw on a canvas, which is labelled as one image.
const SVG_MARK_LIMIT = 2000;

export function chartGrid(charts) {
  const figures = charts.map((c) => {
    const target = h('div', { class: 'vega-target' });
    const figure = h(
      'figure',
      { class: 'chart', 'data-kind': c.kind, 'data-dataset': c.dataset ?? '', 'data-metric': c.metric ?? '' },
      h('figcaption', {}, c.title),
      target,
    );
    return { chart: c, figure, target, embedded: false };
  });
  const element = h(
    'div',
    { class: 'charts' },
    figures.map((f) => f.figure),
  );
  const embedVisible = async () => {
    for (const f of figures) {
      if (f.figure.hidden || f.embedded) continue;
      f.embedded = true;
      // The specs name the Vega-Lite v5 schema; the served vega-lite (v6) compiles them as they are.
      const { $schema: _schema, ...rest } = f.chart.spec;
      const spec = { ...rest, config: { ...(rest.config ?? {}), mark: { tooltip: true } } };
      const marks = Array.isArray(f.chart.spec.data?.values) ? f.chart.spec.data.values.length : 0;
      const renderer = marks > SVG_MARK_LIMIT ? 'canvas' : 'svg';
      await window.vegaEmbed(f.target, spec, {
        actions: { export: true, source: false, compiled: false, editor: false },
        renderer,
      });
      f.figure.dataset.renderer = renderer;
      const drawn = f.target.querySelector('svg.marks, canvas.marks');
      drawn?.setAttribute('aria-label', f.chart.title);
      if (renderer === 'canvas') drawn?.setAttribute('role', 'img');
      // vega-embed's action menu opens from an icon-only <summary>: give it a name screen readers can announce.
      f.target.querySelector('details > summary')?.setAttribute('aria-label', `Export or save: ${f.chart.title}`);
    }
  };
  /** Show the charts whose dataset/metric match (charts without one always show). */
  const filter = (filters) => {
    for (const f of figures) {
      const c = f.chart;
      f.figure.hidden =
        (filters.dataset && c.dataset && c.dataset !== filters.dataset) ||
        (filters.metric && c.metric && c.metric !== filters.metric) ||
        false;
    }
    return embedVisible();
  };
  return { element, filter, embed: embedVisible };
}
