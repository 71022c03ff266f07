/**
 * GET /v1/scores (filter + keyset paging), GET /v1/scores/:id and DELETE /v1/scores/:id. A key sees and deletes
 * the scores it stored; an admin key sees and deletes all; another key's score looks absent (404). Scores imported
 * from the --studies folders are seen by every key (as the folders are) and deleted by admin keys only (403).
 */

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Viewer } from '../auth.ts';
import { API_ERRORS, ApiError } from '../errors.ts';
import {
  ErrorReply,
  ScoreIdParams,
  ScoreReply,
  ScoresPage,
  type ScoresQuery,
  ScoresQuery as ScoresQuerySchema,
} from '../schemas.ts';
import type { StoredScore } from '../store/scores.ts';

/**
 * A stored score as the API shows it: the score record's fields and (a study's score) every field of its
 * results.json row at the top level, then the stored score's own fields, which keep their meaning.
 */
export function scoreItem(s: StoredScore): Record<string, unknown> {
  const { row, shared: _shared, ...stored } = s;
  return { ...s.record, ...(row ?? {}), ...stored };
}

/** A key sees its own scores; an admin key (and anyone on a service without keys) sees all. */
function ownerFilter(viewer: Viewer): string | undefined {
  return viewer.admin || viewer.keyId === null ? undefined : viewer.keyId;
}

export async function scoreRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/v1/scores',
    {
      schema: {
        summary: 'stored scores, filtered by labels and tags, oldest first; follow nextCursor for the next page',
        operationId: 'listScores',
        tags: ['scores'],
        security: [{ bearer: [] }],
        querystring: ScoresQuerySchema,
        response: { 200: ScoresPage, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const q = request.query as ScoresQuery;
      const owner = ownerFilter(request.viewer);
      const tags = q.tag === undefined ? undefined : Array.isArray(q.tag) ? q.tag : [q.tag];
      // Studies finished since the last look (a study folder's results.json written by the CLI) are imported first.
      app.concord.studyScores.syncFolders();
      const page = app.concord.scores.query({
        network: q.model ?? q.network,
        layer: q.layer,
        dataset: q.dataset,
        subject: q.subject,
        region: q.roi ?? q.region,
        metric: q.metric,
        endpoint: q.endpoint,
        tags,
        after: q.cursor !== undefined ? Number(q.cursor) : undefined,
        limit: q.limit ?? 100,
        owner,
      });
      return { ...page, items: page.items.map(scoreItem) };
    },
  );

  app.get(
    '/v1/scores/:id',
    {
      schema: {
        summary: 'one stored score with its labels and provenance',
        operationId: 'getScore',
        tags: ['scores'],
        security: [{ bearer: [] }],
        params: ScoreIdParams,
        response: { 200: ScoreReply, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id;
      const score = app.concord.scores.get(Number(id), ownerFilter(request.viewer));
      if (!score) throw new ApiError(404, API_ERRORS.NOT_FOUND, `id: no stored score ${id}`, { field: 'id' });
      return scoreItem(score);
    },
  );

  app.delete(
    '/v1/scores/:id',
    {
      schema: {
        summary: "delete a stored score (the key's own; an admin key may delete any)",
        operationId: 'deleteScore',
        tags: ['scores'],
        security: [{ bearer: [] }],
        params: ScoreIdParams,
        response: { 204: Type.Null({ description: 'deleted' }), '4xx': ErrorReply },
      },
    },
    async (request, reply) => {
      const id = (request.params as { id: string }).id;
      const outcome = app.concord.scores.delete(Number(id), ownerFilter(request.viewer));
      if (outcome === 'absent')
        throw new ApiError(404, API_ERRORS.NOT_FOUND, `id: no stored score ${id}`, { field: 'id' });
      if (outcome === 'shared')
        throw new ApiError(
          403,
          API_ERRORS.FORBIDDEN,
          `id: score ${id} was imported from a study folder every key sees; only an admin key deletes it`,
          { field: 'id' },
        );
      return reply.code(204).send();
    },
  );
}
