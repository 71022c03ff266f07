/**
 * POST /v1/arrays: a raw .npy body (Content-Type application/octet-stream or application/x-npy), streamed to disk
 * and stored by its SHA-256; GET /v1/arrays/:id describes one, DELETE /v1/arrays/:id removes it. Any other content
 * type is a 415. A key sees (and uses as {arrayId}) only the arrays it uploaded, unless it is an admin key.
 */

import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { API_ERRORS, ApiError } from '../errors.ts';
import { ArrayIdParams, ArrayInfoReply, ErrorReply } from '../schemas.ts';

export async function arrayRoutes(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers();
  // Hand the raw stream to the handler: the store reads it chunk by chunk with its own size limit.
  app.addContentTypeParser(['application/octet-stream', 'application/x-npy'], (_request, payload, done) =>
    done(null, payload),
  );

  app.post(
    '/v1/arrays',
    {
      schema: {
        summary: 'upload a .npy array (raw body); returns its id (= sha256), shape and dtype',
        operationId: 'uploadArray',
        tags: ['arrays'],
        security: [{ bearer: [] }],
        consumes: ['application/octet-stream', 'application/x-npy'],
        response: { 200: ArrayInfoReply, '4xx': ErrorReply, '5xx': ErrorReply },
      },
    },
    async (request, reply) => {
      const ctx = app.concord;
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > ctx.limits.uploadLimit) {
        reply.header('connection', 'close');
        throw new ApiError(
          413,
          API_ERRORS.BODY_TOO_LARGE,
          `body: Content-Length ${declared} exceeds the ${ctx.limits.uploadLimit}-byte upload limit`,
          { field: 'body' },
        );
      }
      if (!request.body)
        throw new ApiError(400, API_ERRORS.UPLOAD_HEADER, 'body: empty upload; send the bytes of a .npy file', {
          field: 'body',
        });
      try {
        return await ctx.arrays.save(
          request.body as Readable,
          { maxBytes: ctx.limits.uploadLimit, maxHeaderBytes: ctx.limits.maxHeaderBytes },
          request.viewer,
        );
      } catch (e) {
        // The rest of a refused upload is not read; close the connection after the error reply.
        reply.header('connection', 'close');
        throw e;
      }
    },
  );

  app.get(
    '/v1/arrays/:id',
    {
      schema: {
        summary: 'describe an uploaded array',
        operationId: 'getArray',
        tags: ['arrays'],
        security: [{ bearer: [] }],
        params: ArrayIdParams,
        response: { 200: ArrayInfoReply, '4xx': ErrorReply },
      },
    },
    async (request) => app.concord.arrays.info((request.params as { id: string }).id, 'id', 404, request.viewer),
  );

  app.delete(
    '/v1/arrays/:id',
    {
      schema: {
        summary:
          "delete an uploaded array: a key drops its own upload (the bytes stay while another key's upload of the same content remains); an admin key removes it for everyone",
        operationId: 'deleteArray',
        tags: ['arrays'],
        security: [{ bearer: [] }],
        params: ArrayIdParams,
        response: { 204: Type.Null({ description: 'deleted' }), '4xx': ErrorReply },
      },
    },
    async (request, reply) => {
      app.concord.arrays.delete((request.params as { id: string }).id, request.viewer);
      return reply.code(204).send();
    },
  );
}
