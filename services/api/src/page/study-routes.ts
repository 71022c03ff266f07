/**
 * The page's data routes (protected like every /v1 route): GET /v1/studies, GET /v1/studies/:id (results, files),
 * GET /v1/studies/:id/charts (Vega-Lite specs) and GET /v1/studies/:id/files/* (downloads, path-traversal safe).
 */
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { API_ERRORS, ApiError } from '../errors.ts';
import { ErrorReply } from '../schemas.ts';
import { resolveInside } from './safe-path.ts';
import { STUDY_ID_PATTERN, type StudyCatalog, studyKind } from './study-catalog.ts';
import { studyCharts } from './study-charts.ts';

const StudyParams = Type.Object({ id: Type.String({ pattern: STUDY_ID_PATTERN, description: 'a study id' }) });

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
  html: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  txt: 'text/plain; charset=utf-8',
  md: 'text/plain; charset=utf-8',
  yaml: 'text/plain; charset=utf-8',
  yml: 'text/plain; charset=utf-8',
};

export async function studyRoutes(app: FastifyInstance, opts: { catalog: StudyCatalog }): Promise<void> {
  const { catalog } = opts;
  const common = { tags: ['studies'], security: [{ bearer: [] }] };

  app.get(
    '/v1/studies',
    {
      schema: {
        ...common,
        summary: 'the study folders the service knows (--studies DIR and finished jobs), newest first',
        operationId: 'listStudies',
        response: { '4xx': ErrorReply },
      },
    },
    async () => {
      const folders = await catalog.folders();
      // Listing the studies imports their scores (new or changed results.json only).
      app.concord.studyScores.importFolders(folders);
      const studies = folders.flatMap((f) => {
        try {
          return [catalog.summary(f)];
        } catch (e) {
          // One unreadable folder must not hide the others; it is logged and left out.
          app.log.warn({ err: e, dir: f.dir }, 'study folder left out of the list');
          return [];
        }
      });
      studies.sort((a, b) => b.modified.localeCompare(a.modified));
      return { studies };
    },
  );

  app.get(
    '/v1/studies/:id',
    {
      schema: {
        ...common,
        summary: "a study's results.json rows, pairwise tests, provenance and its files",
        operationId: 'getStudy',
        params: StudyParams,
        response: { '4xx': ErrorReply },
      },
    },
    async (request) => {
      const f = await catalog.find((request.params as { id: string }).id);
      const results = catalog.results(f);
      return { ...catalog.summary(f), ...results, files: catalog.files(f) };
    },
  );

  app.get(
    '/v1/studies/:id/charts',
    {
      schema: {
        ...common,
        summary: "a study's figures as Vega-Lite specs (layer profiles, time courses, RDM heatmaps)",
        operationId: 'getStudyCharts',
        params: StudyParams,
        response: { '4xx': ErrorReply },
      },
    },
    async (request) => {
      const f = await catalog.find((request.params as { id: string }).id);
      const { rows } = catalog.results(f);
      return { charts: studyCharts(studyKind(rows), rows, f.dir) };
    },
  );

  app.get(
    '/v1/studies/:id/files/*',
    {
      schema: {
        ...common,
        summary: 'one file of a study folder (results, figures, exported ONNX networks, stimuli)',
        operationId: 'getStudyFile',
        // The wildcard (the file's path) is checked by resolveInside; TypeBox cannot name a '*' property.
        params: StudyParams,
        response: { '4xx': ErrorReply },
      },
    },
    async (request, reply) => {
      const params = request.params as { id: string; '*': string };
      const f = await catalog.find(params.id);
      const found = resolveInside(f.dir, params['*']);
      if (!found.ok)
        throw new ApiError(
          404,
          API_ERRORS.NOT_FOUND,
          `path: no file '${params['*'].slice(0, 200)}' in study ${params.id} (${found.reason})`,
          {
            field: 'path',
          },
        );
      const ext = /\.([A-Za-z0-9]+)$/.exec(found.path)?.[1]?.toLowerCase() ?? '';
      const type = CONTENT_TYPES[ext];
      reply.header('content-type', type ?? 'application/octet-stream');
      reply.header('content-length', String(found.size));
      reply.header('x-content-type-options', 'nosniff');
      // Files are data, never active content on the service's origin (an SVG or HTML could carry script).
      reply.header('content-security-policy', 'sandbox');
      if (type === undefined)
        reply.header('content-disposition', `attachment; filename="${found.path.split('/').pop()?.replace(/"/g, '')}"`);
      return reply.send(createReadStream(found.path));
    },
  );
}
