/**
 * A stimulus set Concord makes itself (no download): seeded renderings of objects in categories — faces, houses,
 * stars, fish, stripes (texture) and blobs — drawn as SVG and rasterised to PNG by resvg. Exemplars of a category
 * vary in colour, size, position, rotation and detail, so a network's layers see both category and low-level
 * structure.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@concord/core';
import { writeFileAtomic } from '@concord/io';
import { svgToPng } from '@concord/plot';

export const STIMULUS_CATEGORIES = ['face', 'house', 'star', 'fish', 'stripes', 'blob'] as const;
export type StimulusCategory = (typeof STIMULUS_CATEGORIES)[number];

export interface GeneratedStimulus {
  file: string;
  name: string;
  category: StimulusCategory;
  /** Position in the set (stimulus index). */
  index: number;
}

function hsl(rng: Rng, sat = 65, light = 50): string {
  return `hsl(${Math.floor(rng.uniform(0, 360))}, ${sat}%, ${light}%)`;
}

function drawObject(category: StimulusCategory, rng: Rng, size: number): string {
  const c = size / 2;
  const s = rng.uniform(0.55, 0.8) * size * 0.5; // object radius
  const dx = rng.uniform(-0.08, 0.08) * size;
  const dy = rng.uniform(-0.08, 0.08) * size;
  const rot = rng.uniform(-25, 25);
  const fill = hsl(rng);
  const g = (body: string) => `<g transform="translate(${c + dx} ${c + dy}) rotate(${rot})">${body}</g>`;
  switch (category) {
    case 'face': {
      const eye = s * rng.uniform(0.1, 0.16);
      return g(
        `<circle r="${s}" fill="${hsl(rng, 45, 70)}"/>` +
          `<circle cx="${-s * 0.38}" cy="${-s * 0.25}" r="${eye}" fill="#222"/><circle cx="${s * 0.38}" cy="${-s * 0.25}" r="${eye}" fill="#222"/>` +
          `<path d="M ${-s * 0.45} ${s * 0.3} Q 0 ${s * rng.uniform(0.45, 0.75)} ${s * 0.45} ${s * 0.3}" stroke="#622" stroke-width="${s * 0.08}" fill="none"/>`,
      );
    }
    case 'house': {
      const w = s * rng.uniform(1.2, 1.6);
      const h = s * rng.uniform(0.9, 1.2);
      return g(
        `<rect x="${-w / 2}" y="${-h * 0.2}" width="${w}" height="${h}" fill="${fill}"/>` +
          `<polygon points="${-w * 0.62},${-h * 0.2} 0,${-h * 1.0} ${w * 0.62},${-h * 0.2}" fill="${hsl(rng, 50, 35)}"/>` +
          `<rect x="${-w * 0.12}" y="${h * 0.35}" width="${w * 0.24}" height="${h * 0.45}" fill="#443"/>`,
      );
    }
    case 'star': {
      const k = 5 + rng.int(3);
      const inner = rng.uniform(0.35, 0.5);
      const pts: string[] = [];
      for (let i = 0; i < 2 * k; i++) {
        const r = i % 2 === 0 ? s : s * inner;
        const a = (Math.PI * i) / k - Math.PI / 2;
        pts.push(`${(r * Math.cos(a)).toFixed(2)},${(r * Math.sin(a)).toFixed(2)}`);
      }
      return g(`<polygon points="${pts.join(' ')}" fill="${fill}"/>`);
    }
    case 'fish': {
      const b = s * rng.uniform(0.45, 0.6);
      return g(
        `<ellipse rx="${s * 0.8}" ry="${b}" fill="${fill}"/>` +
          `<polygon points="${s * 0.7},0 ${s * 1.15},${-b} ${s * 1.15},${b}" fill="${fill}"/>` +
          `<circle cx="${-s * 0.45}" cy="${-b * 0.25}" r="${s * 0.09}" fill="#111"/>`,
      );
    }
    case 'stripes': {
      const n = 4 + rng.int(5);
      const band = (2 * s) / n;
      let body = '';
      for (let i = 0; i < n; i += 2)
        body += `<rect x="${-s}" y="${-s + i * band}" width="${2 * s}" height="${band}" fill="${fill}"/>`;
      return g(`<rect x="${-s}" y="${-s}" width="${2 * s}" height="${2 * s}" fill="${hsl(rng, 30, 85)}"/>${body}`);
    }
    case 'blob': {
      const k = 9;
      const pts: string[] = [];
      for (let i = 0; i < k; i++) {
        const a = (2 * Math.PI * i) / k;
        const r = s * rng.uniform(0.6, 1.0);
        pts.push(`${(r * Math.cos(a)).toFixed(2)} ${(r * Math.sin(a)).toFixed(2)}`);
      }
      // Smooth closed curve through the points (quadratic segments between midpoints).
      const p = pts.map((q) => q.split(' ').map(Number));
      let d = '';
      for (let i = 0; i < k; i++) {
        const a = p[i];
        const b = p[(i + 1) % k];
        const m = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        d += i === 0 ? `M ${m[0]} ${m[1]} ` : `Q ${a[0]} ${a[1]} ${m[0]} ${m[1]} `;
      }
      d += `Q ${p[0][0]} ${p[0][1]} ${(p[0][0] + p[1][0]) / 2} ${(p[0][1] + p[1][1]) / 2} Z`;
      return g(`<path d="${d}" fill="${fill}"/>`);
    }
  }
}

export function stimulusSvg(category: StimulusCategory, rng: Rng, size: number): string {
  const bg = `hsl(${Math.floor(rng.uniform(0, 360))}, 15%, ${Math.floor(rng.uniform(80, 95))}%)`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}"><rect width="${size}" height="${size}" fill="${bg}"/>${drawObject(category, rng, size)}</svg>`;
}

/**
 * Write `perCategory` PNG exemplars of each category into `dir` (names sort in presentation order) plus
 * `stimuli.tsv` (file, condition, category). Same seed → same bytes.
 */
export function generateStimuli(
  dir: string,
  opts: { categories?: readonly StimulusCategory[]; perCategory?: number; size?: number; seed?: number } = {},
): GeneratedStimulus[] {
  const categories = opts.categories ?? STIMULUS_CATEGORIES;
  const per = opts.perCategory ?? 4;
  const size = opts.size ?? 128;
  const rng = new Rng(opts.seed ?? 1);
  mkdirSync(dir, { recursive: true });
  const out: GeneratedStimulus[] = [];
  for (const category of categories) {
    for (let e = 0; e < per; e++) {
      const index = out.length;
      const name = `${String(index).padStart(3, '0')}_${category}${e + 1}`;
      const file = join(dir, `${name}.png`);
      const png = svgToPng(stimulusSvg(category, rng, size), { scale: 1 });
      writeFileSync(file, png);
      out.push({ file, name, category, index });
    }
  }
  writeFileAtomic(
    join(dir, 'stimuli.tsv'),
    `file\tcondition\tcategory\n${out.map((s) => `${s.name}.png\t${s.name}\t${s.category}`).join('\n')}\n`,
  );
  return out;
}
