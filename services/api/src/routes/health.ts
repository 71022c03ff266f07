/** GET /health (the process answers) and GET /ready (store open, workers up, not shutting down). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        summary: 'liveness',
        operationId: 'health',
        tags: ['health'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        summary: 'readiness: the store answers and the service is not shutting down',
        operationId: 'ready',
        tags: ['health'],
        response: {
          200: Type.Object({ status: Type.Literal('ready'), version: Type.String(), workers: Type.Integer() }),
          503: Type.Object({ statusCode: Type.Integer(), code: Type.String(), message: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      const ctx = app.concord;
      let storeOk = false;
      try {
        storeOk = ctx.db.open && ctx.db.prepare('SELECT 1 AS one').get() !== undefined;
      } catch {
        storeOk = false;
      }
      if (ctx.closing || !storeOk) {
        return reply.code(503).send({
          statusCode: 503,
          code: 'ERR_API_NOT_READY',
          message: ctx.closing ? 'shutting down' : 'the store is not available',
        });
      }
      const { VERSION } = await import('@concord/core');
      return { status: 'ready' as const, version: VERSION, workers: ctx.pool.threads };
    },
  );
}
