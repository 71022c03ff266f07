/** Per-layer score profile: one line per network (and metric), error bars, and the noise-ceiling band. */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './render.ts';

export interface ProfilePoint {
  layer: string;
  /** Position of the layer along the x axis (network order). */
  order: number;
  value: number;
  /** Standard error (or half-width) for error bars. */
  error?: number;
  /** Line grouping, e.g. network name. */
  series?: string;
}

export interface LayerProfileOptions {
  title?: string;
  yTitle?: string;
  noiseCeiling?: { lower: number; upper: number };
  width?: number;
  height?: number;
}

export function layerProfileSpec(points: ProfilePoint[], opts: LayerProfileOptions = {}): TopLevelSpec {
  const data = points.map((p) => ({
    ...p,
    series: p.series ?? 'model',
    lo: p.value - (p.error ?? 0),
    hi: p.value + (p.error ?? 0),
  }));
  const x = {
    field: 'layer',
    type: 'ordinal' as const,
    sort: { field: 'order' },
    title: 'layer',
    axis: { labelAngle: -40 },
  };
  const layers: object[] = [];
  if (opts.noiseCeiling) {
    layers.push({
      data: { values: [{ lower: opts.noiseCeiling.lower, upper: opts.noiseCeiling.upper }] },
      mark: { type: 'rect', color: '#bbbbbb', opacity: 0.4 },
      encoding: { y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } },
    });
  }
  layers.push(
    {
      mark: { type: 'rule' },
      encoding: {
        x,
        y: { field: 'lo', type: 'quantitative' },
        y2: { field: 'hi' },
        color: { field: 'series', type: 'nominal', title: 'network' },
      },
    },
    {
      mark: { type: 'line', point: true },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: opts.yTitle ?? 'score' },
        color: { field: 'series', type: 'nominal', title: 'network' },
      },
    },
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? 'Score by layer',
    width: opts.width ?? Math.max(240, 60 * new Set(points.map((p) => p.layer)).size),
    height: opts.height ?? 260,
    data: { values: data },
    layer: layers,
  } as TopLevelSpec;
}

export function layerProfile(points: ProfilePoint[], opts: LayerProfileOptions = {}): Promise<string> {
  return renderSvg(layerProfileSpec(points, opts));
}
