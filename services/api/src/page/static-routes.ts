/**
 * The web page's own files, public like /health (they hold no data; the data routes they call need a key once keys
 * exist): `/` (index.html), `/app/*` (the page's ES modules and stylesheet), `/vendor/*` (vega, vega-lite and
 * vega-embed) and `/vendor/yaml/*` (the yaml parser's ES modules, for study files written in YAML), all served from
 * node_modules so the page works without network access.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { API_ERRORS, ApiError } from '../errors.ts';
import { resolveInside } from './safe-path.ts';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');
const require = createRequire(import.meta.url);

/** A package's folder, found from its main entry (their exports maps hide the browser builds from resolve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === name) return dir;
    } catch {
      // not a package root; go up
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = up;
  }
}

/** The browser builds (UMD: they set window.vega, window.vegaLite, window.vegaEmbed). */
export function vendorFiles(): Record<string, string> {
  return {
    'vega.min.js': join(packageDir('vega'), 'build/vega.min.js'),
    'vega-lite.min.js': join(packageDir('vega-lite'), 'build/vega-lite.min.js'),
    'vega-embed.min.js': join(packageDir('vega-embed'), 'build/vega-embed.min.js'),
  };
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/**
 * Scripts only from this service; vega compiles its expressions with Function (hence 'unsafe-eval') and vega-embed
 * adds a style element (hence inline styles).
 */
const PAGE_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function sendFile(reply: FastifyReply, path: string): FastifyReply {
  const ext = /\.([a-z]+)$/.exec(path)?.[1] ?? '';
  reply.header('content-type', TYPES[ext] ?? 'application/octet-stream');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cache-control', 'no-cache');
  if (ext === 'html') reply.header('content-security-policy', PAGE_CSP);
  return reply.send(readFileSync(path));
}

export async function staticRoutes(app: FastifyInstance): Promise<void> {
  const vendor = vendorFiles();
  const hidden = { schema: { hide: true }, config: { public: true } };
  app.get('/', hidden, async (_request, reply) => sendFile(reply, join(STATIC_DIR, 'index.html')));
  app.get('/app/*', hidden, async (request, reply) => {
    const rel = (request.params as { '*': string })['*'];
    const found = resolveInside(STATIC_DIR, rel);
    if (!found.ok) throw new ApiError(404, API_ERRORS.NOT_FOUND, `no page file '${rel.slice(0, 200)}'`);
    return sendFile(reply, found.path);
  });
  const yamlDir = join(packageDir('yaml'), 'browser/dist');
  app.get('/vendor/yaml/*', hidden, async (request, reply) => {
    const rel = (request.params as { '*': string })['*'];
    const found = resolveInside(yamlDir, rel);
    if (!found.ok) throw new ApiError(404, API_ERRORS.NOT_FOUND, `no vendor file 'yaml/${rel.slice(0, 200)}'`);
    return sendFile(reply, found.path);
  });
  app.get('/vendor/:file', hidden, async (request, reply) => {
    const file = (request.params as { file: string }).file;
    const path = Object.hasOwn(vendor, file) ? vendor[file] : undefined;
    if (path === undefined) throw new ApiError(404, API_ERRORS.NOT_FOUND, `no vendor file '${file.slice(0, 100)}'`);
    return sendFile(reply, path);
  });
}
