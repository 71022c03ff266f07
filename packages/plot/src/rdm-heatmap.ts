/** RDM heatmap with condition labels. */
import type { Matrix } from '@concord/core';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './render.ts';

export interface RdmHeatmapOptions {
  title?: string;
  /** One label per condition (row/column order). */
  labels?: string[];
  /** Pixel size of one cell; the figure scales with the number of conditions. */
  cellSize?: number;
  /** Hide per-condition labels above this many conditions (they would overlap). */
  maxLabels?: number;
}

export function rdmHeatmapSpec(rdm: Matrix, opts: RdmHeatmapOptions = {}): TopLevelSpec {
  const n = rdm.rows;
  const labels = opts.labels ?? Array.from({ length: n }, (_, i) => String(i));
  // Zero-padded sort keys keep the matrix order whatever the labels are.
  const key = (i: number) => `${String(i).padStart(5, '0')} ${labels[i]}`;
  const values: { row: string; col: string; d: number }[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) values.push({ row: key(i), col: key(j), d: rdm.get(i, j) });
  const cell = opts.cellSize ?? Math.max(3, Math.min(24, Math.floor(480 / Math.max(1, n))));
  const showLabels = n <= (opts.maxLabels ?? 40);
  const labelExpr = 'substring(datum.label, 6)';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? 'RDM',
    width: cell * n,
    height: cell * n,
    data: { values },
    mark: 'rect',
    encoding: {
      x: {
        field: 'col',
        type: 'ordinal',
        sort: 'ascending',
        title: null,
        axis: showLabels ? { labelExpr, labelAngle: -90 } : null,
      },
      y: { field: 'row', type: 'ordinal', sort: 'ascending', title: null, axis: showLabels ? { labelExpr } : null },
      color: {
        field: 'd',
        type: 'quantitative',
        title: 'dissimilarity',
        scale: { scheme: 'viridis' },
        legend: { format: '.3~g' },
      },
    },
  };
}

export function rdmHeatmap(rdm: Matrix, opts: RdmHeatmapOptions = {}): Promise<string> {
  return renderSvg(rdmHeatmapSpec(rdm, opts));
}
