/**
 * buildApp(options): the Concord HTTP service as a Fastify instance that NEVER listens (tests use `inject`;
 * server.ts listens). Owns the store (SQLite + uploaded arrays), the compute pool, auth and rate limits, and the
 * one error handler that turns every failure into `{statusCode, code, message, field?}`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '@concord/core';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { ArrayStore } from './arrays.ts';
import { API_ERRORS, ApiError, errorBody } from './errors.ts';
import { parseJsonBody } from './json-body.ts';
import { ComputePool, type PoolOptions } from './pool.ts';
import { RateLimiter } from './rate-limit.ts';
import { arrayRoutes } from './routes/arrays.ts';
import { computeRoutes } from './routes/compute.ts';
import { healthRoutes } from './routes/health.ts';
import { scoreRoutes } from './routes/scores.ts';
import { ApiKeyStore } from './store/api-keys.ts';
import { type Db, openDatabase } from './store/database.ts';
import { ScoreStore } from './store/scores.ts';
import { validationError } from './validation.ts';

export interface AppOptions extends PoolOptions {
  /** Where the SQLite database and uploaded arrays live. Default: $CONCORD_DATA_DIR or ~/.concord. */
  dataDir?: string;
  /** JSON body limit in bytes (413 beyond). Default 16 MiB; larger data goes through POST /v1/arrays. */
  bodyLimit?: number;
  /** .npy upload limit in bytes. Default 1 GiB. */
  uploadLimit?: number;
  /** Longest .npy header dict accepted in an upload. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** Elements per numeric field (inline or uploaded). Default 50,000,000. */
  maxElements?: number;
  /** Requests per minute for keys created without their own limit. Default 600. */
  defaultRateLimit?: number;
  /** Fastify logger: false (default), true, or options. */
  logger?: FastifyServerOptions['logger'];
  /** Serve the OpenAPI document (/docs/json) and Swagger UI (/docs). Default true. */
  docs?: boolean;
}

export interface AppContext {
  db: Db;
  scores: ScoreStore;
  keys: ApiKeyStore;
  arrays: ArrayStore;
  pool: ComputePool;
  limits: { bodyLimit: number; uploadLimit: number; maxHeaderBytes: number; maxElements: number };
  /** True once close() began: /ready answers 503 and new /v1 requests are refused. */
  closing: boolean;
  log: FastifyBaseLogger;
}

declare module 'fastify' {
  interface FastifyInstance {
    concord: AppContext;
  }
  interface FastifyRequest {
    apiKeyId: string | null;
  }
}

/** Fastify's own errors, reworded to name the field (schema failures) or the header (content type). */
function describeFastifyError(err: unknown, request: FastifyRequest): unknown {
  const v = err as { validation?: Parameters<typeof validationError>[0]; validationContext?: string; code?: string };
  if (v.validation) {
    const part = v.validationContext ?? 'body';
    const source = { body: request.body, querystring: request.query, params: request.params, headers: request.headers }[
      part
    ];
    return validationError(v.validation, part, source);
  }
  if (v.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const got = request.headers['content-type'];
    const expected = request.url.startsWith('/v1/arrays')
      ? 'application/octet-stream (the bytes of a .npy file)'
      : 'application/json';
    return new ApiError(
      415,
      API_ERRORS.UNSUPPORTED_MEDIA_TYPE,
      `content-type: expected ${expected}, received ${got ? JSON.stringify(got.slice(0, 100)) : 'none'}`,
      { field: 'content-type' },
    );
  }
  return err;
}

export function defaultDataDir(): string {
  return process.env.CONCORD_DATA_DIR ?? join(homedir(), '.concord');
}

export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const dataDir = options.dataDir ?? defaultDataDir();
  const bodyLimit = options.bodyLimit ?? 16 * 1024 * 1024;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    // Ids and query strings stay short; keeps hostile URLs cheap.
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  const db = openDatabase(dataDir);
  const ctx: AppContext = {
    db,
    scores: new ScoreStore(db),
    keys: new ApiKeyStore(db),
    arrays: new ArrayStore(dataDir),
    pool: new ComputePool(options),
    limits: {
      bodyLimit,
      uploadLimit: options.uploadLimit ?? 1024 * 1024 * 1024,
      maxHeaderBytes: options.maxHeaderBytes ?? 64 * 1024,
      maxElements: options.maxElements ?? 50_000_000,
    },
    closing: false,
    log: app.log,
  };
  app.decorate('concord', ctx);
  app.decorateRequest('apiKeyId', null);

  app.setErrorHandler((err, request, reply) => {
    const e = describeFastifyError(err, request);
    const body = errorBody(e);
    if (body.statusCode >= 500) request.log.error({ err }, 'request failed');
    const retryAfter = (e as { details?: { retryAfter?: number } }).details?.retryAfter;
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    reply.code(body.statusCode).type('application/json').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body = errorBody(
      new ApiError(404, API_ERRORS.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}`),
    );
    reply.code(404).send(body);
  });

  const limiter = new RateLimiter();
  const defaultRate = options.defaultRateLimit ?? 600;
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1')) return;
    if (ctx.closing)
      throw new ApiError(503, API_ERRORS.SHUTTING_DOWN, 'the service is shutting down; retry on another instance');
    if (!ctx.keys.anyKeys()) return;
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) {
      reply.header('www-authenticate', 'Bearer');
      throw new ApiError(
        401,
        API_ERRORS.UNAUTHORIZED,
        'authorization: this service requires an API key: send "Authorization: Bearer <key>"',
        { field: 'authorization' },
      );
    }
    const check = ctx.keys.check(m[1]);
    if (!check.ok) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      if (check.reason === 'revoked')
        throw new ApiError(401, API_ERRORS.KEY_REVOKED, 'authorization: this API key was revoked', {
          field: 'authorization',
        });
      throw new ApiError(
        401,
        API_ERRORS.UNAUTHORIZED,
        `authorization: ${check.reason === 'malformed' ? 'malformed API key (expected ck_<id>_<secret>)' : 'unknown API key'}`,
        { field: 'authorization' },
      );
    }
    const perMinute = check.key.rateLimit ?? defaultRate;
    const wait = limiter.take(check.key.id, perMinute);
    if (wait > 0) {
      throw new ApiError(
        429,
        API_ERRORS.RATE_LIMITED,
        `rate limit of ${perMinute} requests per minute for key ${check.key.id} exceeded; retry in ${wait} s`,
        { retryAfter: wait },
      );
    }
    request.apiKeyId = check.key.id;
  });

  if (options.docs !== false) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Concord API',
          version: VERSION,
          description:
            'Similarity scores (RSA, CKA, ...) between neural-network representations and brain recordings; numbers identical to the Concord libraries and CLI.',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'required on /v1 routes once any API key exists' },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  await app.register(healthRoutes);
  await app.register(computeRoutes);
  await app.register(arrayRoutes);
  await app.register(scoreRoutes);

  app.addHook('preClose', async () => {
    ctx.closing = true;
  });
  app.addHook('onClose', async () => {
    await ctx.pool.close();
    db.close();
  });
  return app;
}
