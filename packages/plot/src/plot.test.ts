import { Matrix } from '@concord/core';
import { defined } from '@concord/core/testing';
import { describe, expect, it } from 'vitest';
import { layerProfile, layerProfileSpec, rdmHeatmap, rdmHeatmapSpec, svgToPng, timeCourse } from './index.ts';

function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

describe('rdmHeatmap', () => {
  const rdm = Matrix.from([
    [0, 1, 2],
    [1, 0, 3],
    [2, 3, 0],
  ]);

  it('encodes every entry once, in matrix order', () => {
    const spec = rdmHeatmapSpec(rdm, { labels: ['a', 'b', 'c'] }) as unknown as {
      data: { values: { row: string; col: string; d: number }[] };
    };
    const values = spec.data.values;
    expect(values).toHaveLength(9);
    const sortedRows = [...new Set(values.map((v) => v.row))].sort();
    expect(sortedRows.map((r) => r.slice(6))).toEqual(['a', 'b', 'c']);
    for (const v of values) {
      const i = sortedRows.indexOf(v.row);
      const j = sortedRows.indexOf(v.col);
      expect(v.d).toBe(rdm.get(i, j));
    }
  });

  it('maps the smallest and largest dissimilarities to the ends of the colour scale', async () => {
    const svg = await rdmHeatmap(
      Matrix.from([
        [0, 1],
        [1, 0],
      ]),
      { labels: ['x', 'y'] },
    );
    const cells = [...svg.matchAll(/d="M(\d+),(\d+)h24v24h-24Z" fill="rgb\((\d+), (\d+), (\d+)\)"/g)].map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
      rgb: [Number(m[3]), Number(m[4]), Number(m[5])],
    }));
    expect(cells).toHaveLength(4);
    // viridis: rgb(68, 1, 84) at the minimum (the zero diagonal), rgb(253, 231, 37) at the maximum
    for (const c of cells) expect(c.rgb).toEqual(c.x === c.y ? [68, 1, 84] : [253, 231, 37]);
    expect(svg).toContain('>x<');
    expect(svg).toContain('>y<');
  });

  it('renders a PNG whose size follows the SVG and the scale', async () => {
    const svg = await rdmHeatmap(rdm, { labels: ['a', 'b', 'c'] });
    const w = Number(defined(/<svg[^>]*width="(\d+)"/.exec(svg))[1]);
    const h = Number(defined(/<svg[^>]*height="(\d+)"/.exec(svg))[1]);
    const png = svgToPng(svg, { scale: 2 });
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(pngSize(png)).toEqual({ width: 2 * w, height: 2 * h });
  });
});

describe('layerProfile', () => {
  const points = [
    { layer: 'conv1', order: 0, value: 0.1, error: 0.02 },
    { layer: 'fc', order: 2, value: 0.2, error: 0.05 },
    { layer: 'conv2', order: 1, value: 0.3, error: 0.03 },
  ];

  it('orders layers by depth, draws error bars and the noise-ceiling band', () => {
    const spec = layerProfileSpec(points, { noiseCeiling: { lower: 0.35, upper: 0.5 } }) as unknown as {
      data: { values: { layer: string; lo: number; hi: number }[] };
      layer: { data?: { values: { lower: number; upper: number }[] }; encoding: { x?: { sort?: unknown } } }[];
    };
    const conv2 = defined(spec.data.values.find((v) => v.layer === 'conv2'));
    expect(conv2.lo).toBeCloseTo(0.27, 12);
    expect(conv2.hi).toBeCloseTo(0.33, 12);
    expect(defined(spec.layer[0].data).values[0]).toEqual({ lower: 0.35, upper: 0.5 });
    expect(defined(spec.layer[1].encoding.x).sort).toEqual({ field: 'order' });
  });

  it('renders every layer name', async () => {
    const svg = await layerProfile(points);
    const order = ['conv1', 'conv2', 'fc'].map((l) => svg.indexOf(`>${l}<`));
    expect(order.every((i) => i > 0)).toBe(true);
    // x-axis labels appear in depth order
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

describe('timeCourse', () => {
  it('plots time in milliseconds', async () => {
    const svg = await timeCourse([
      { time: -0.1, value: 0 },
      { time: 0.3, value: 1 },
    ]);
    expect(svg).toContain('time (ms)');
    expect(svg).toMatch(/>(-|\u2212)100</);
    expect(svg).toMatch(/>300</);
  });
});
