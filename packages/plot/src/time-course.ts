/** Score time courses (e.g. EEG time-resolved RSA): one line per series, optional ceiling band over time. */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './render.ts';

export interface TimePoint {
  /** Seconds. */
  time: number;
  value: number;
  series?: string;
  lower?: number;
  upper?: number;
}

export interface TimeCourseOptions {
  title?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

export function timeCourseSpec(points: TimePoint[], opts: TimeCourseOptions = {}): TopLevelSpec {
  const data = points.map((p) => ({ ...p, series: p.series ?? 'score', ms: p.time * 1000 }));
  const x = { field: 'ms', type: 'quantitative' as const, title: 'time (ms)' };
  const layers: object[] = [];
  if (data.some((d) => d.lower !== undefined && d.upper !== undefined)) {
    layers.push({
      transform: [{ filter: 'isValid(datum.lower) && isValid(datum.upper)' }],
      mark: { type: 'area', opacity: 0.2 },
      encoding: {
        x,
        y: { field: 'lower', type: 'quantitative' },
        y2: { field: 'upper' },
        color: { field: 'series', type: 'nominal' },
      },
    });
  }
  layers.push({
    mark: { type: 'line' },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: opts.yTitle ?? 'score' },
      color: { field: 'series', type: 'nominal', title: null },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: opts.title ?? 'Score over time',
    width: opts.width ?? 420,
    height: opts.height ?? 240,
    data: { values: data },
    layer: layers,
  } as TopLevelSpec;
}

export function timeCourse(points: TimePoint[], opts: TimeCourseOptions = {}): Promise<string> {
  return renderSvg(timeCourseSpec(points, opts));
}
