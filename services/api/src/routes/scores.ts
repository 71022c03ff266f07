/** GET /v1/scores (filter + keyset paging) and GET /v1/scores/:id. */
import type { FastifyInstance } from 'fastify';
import { API_ERRORS, ApiError } from '../errors.ts';
import {
  ErrorReply,
  ScoreIdParams,
  ScoreReply,
  ScoresPage,
  type ScoresQuery,
  ScoresQuery as ScoresQuerySchema,
} from '../schemas.ts';

export async function scoreRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/v1/scores',
    {
      schema: {
        summary: 'stored scores, filtered by labels and tags, oldest first; follow nextCursor for the next page',
        tags: ['scores'],
        security: [{ bearer: [] }],
        querystring: ScoresQuerySchema,
        response: { 200: ScoresPage, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const q = request.query as ScoresQuery;
      const tags = q.tag === undefined ? undefined : Array.isArray(q.tag) ? q.tag : [q.tag];
      return app.concord.scores.query({
        model: q.model,
        layer: q.layer,
        dataset: q.dataset,
        subject: q.subject,
        roi: q.roi,
        metric: q.metric,
        endpoint: q.endpoint,
        tags,
        after: q.cursor !== undefined ? Number(q.cursor) : undefined,
        limit: q.limit ?? 100,
      });
    },
  );

  app.get(
    '/v1/scores/:id',
    {
      schema: {
        summary: 'one stored score with its labels and provenance',
        tags: ['scores'],
        security: [{ bearer: [] }],
        params: ScoreIdParams,
        response: { 200: ScoreReply, '4xx': ErrorReply },
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id;
      const score = app.concord.scores.get(Number(id));
      if (!score) throw new ApiError(404, API_ERRORS.NOT_FOUND, `id: no stored score ${id}`, { field: 'id' });
      return score;
    },
  );
}
