/**
 * buildApp(options): the Concord HTTP service as a Fastify instance that NEVER listens (tests use `inject`;
 * server.ts listens). Owns the store (SQLite + uploaded arrays), the compute pool, auth and rate limits, and the
 * one error handler that turns every failure into `{statusCode, code, message, field?}`.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '@concord/core';
import type { JobEngine } from '@concord/pipeline';
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
import { authenticator, type Viewer } from './auth.ts';
import { API_ERRORS, ApiError, errorBody } from './errors.ts';
import { createJobEngine, type JobsOptions } from './jobs/engine.ts';
import { StudyScores } from './jobs/import-scores.ts';
import { jobRoutes } from './jobs/routes.ts';
import { parseJsonBody } from './json-body.ts';
import { patchBinaryBodies } from './openapi-binary.ts';
import { pageRoutes } from './page/plugin.ts';
import { StudyCatalog } from './page/study-catalog.ts';
import { ComputePool, type PoolOptions } from './pool.ts';
import { RateLimiter } from './rate-limit.ts';
import { arrayRoutes } from './routes/arrays.ts';
import { COMPUTE_DOCS, computeRoutes } from './routes/compute.ts';
import { healthRoutes } from './routes/health.ts';
import { scoreRoutes } from './routes/scores.ts';
import { ApiKeyStore } from './store/api-keys.ts';
import { ArrayClaims } from './store/array-claims.ts';
import { type Db, openDatabase } from './store/database.ts';
import { JobOwners } from './store/job-owners.ts';
import { ResultsImporter } from './store/score-sources.ts';
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
  /** Failed authentications per minute per client address before 429s. Default 30. */
  authFailureLimit?: number;
  /** Connection timeouts (slow or idle clients are cut off); see ServiceTimeouts. */
  timeouts?: Partial<ServiceTimeouts>;
  /** Fastify logger: false (default), true, or options. */
  logger?: FastifyServerOptions['logger'];
  /** Serve the OpenAPI document (/docs/json) and Swagger UI (/docs). Default true. */
  docs?: boolean;
  /** A folder of study folders (each with a results.json) that the web page and GET /v1/studies show. */
  studies?: string;
  /** Where /v1/jobs runs studies (default: the local worker pool; BullMQ with `redis`). */
  jobs?: JobsOptions;
}

/**
 * How long a client may take. Node enforces the first two for every connection (a socket that sends nothing at all
 * is cut off by `headersMs` too), checking every `checkIntervalMs`; a slow client gets 408 and is closed. The time
 * a handler takes to answer (a long computation) is not limited by them.
 */
export interface ServiceTimeouts {
  /** The request line and all headers must arrive within this. Default 10 s. */
  headersMs: number;
  /** The whole request, body included, must arrive within this. Default 120 s (a 1 GiB upload needs ≥ 9 MB/s). */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveMs: number;
  /** How often Node checks the two limits above. Default 1 s. */
  checkIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<ServiceTimeouts> = {
  headersMs: 10_000,
  requestMs: 120_000,
  keepAliveMs: 5_000,
  checkIntervalMs: 1_000,
};

/** A route as registered: what the auth test suite walks (every route added later is covered). */
export interface RouteEntry {
  method: string;
  url: string;
  public: boolean;
  params: Record<string, { pattern?: string }>;
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
  /** Every route registered, in order (HEAD twins of GET routes included). */
  routes: RouteEntry[];
  /** The study folders of GET /v1/studies and the web page; the jobs engine adds its finished jobs' folders. */
  studies: StudyCatalog;
  /** The engine behind /v1/jobs. */
  jobs: JobEngine;
  /** Where jobs' output folders are created. */
  jobsDir: string;
  /** Which key submitted each job (a key sees only its own jobs). */
  jobOwners: JobOwners;
  /** Imports finished studies' results.json rows into `scores` (the --studies folders and finished jobs). */
  studyScores: StudyScores;
}

declare module 'fastify' {
  interface FastifyInstance {
    concord: AppContext;
  }
  interface FastifyRequest {
    apiKeyId: string | null;
    /** Set by the auth hook on every non-public route. */
    viewer: Viewer;
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
    const expected =
      request.routeOptions.url === '/v1/arrays'
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
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
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
  const scores = new ScoreStore(db);
  const studies = new StudyCatalog(options.studies);
  const jobOwners = new JobOwners(db);
  const ctx: AppContext = {
    db,
    scores,
    keys: new ApiKeyStore(db),
    arrays: new ArrayStore(dataDir, new ArrayClaims(db)),
    pool: new ComputePool(options),
    limits: {
      bodyLimit,
      uploadLimit: options.uploadLimit ?? 1024 * 1024 * 1024,
      maxHeaderBytes: options.maxHeaderBytes ?? 64 * 1024,
      maxElements: options.maxElements ?? 50_000_000,
    },
    closing: false,
    log: app.log,
    routes: [],
    studies,
    jobs: await createJobEngine(options.jobs ?? {}, dataDir),
    jobsDir: join(dataDir, 'jobs'),
    jobOwners,
    studyScores: new StudyScores(new ResultsImporter(db, scores, VERSION), studies, jobOwners, app.log),
  };
  if (ctx.arrays.orphansRemoved.length > 0)
    app.log.warn({ files: ctx.arrays.orphansRemoved }, 'removed uploads left unfinished by a process that is gone');
  app.decorate('concord', ctx);
  app.decorateRequest('apiKeyId', null);
  app.decorateRequest('viewer', null as unknown as Viewer);
  app.addHook('onRoute', (route) => {
    // The API docs (registered by @fastify/swagger-ui) are public like /health; everything else declares it.
    if (route.url === '/docs' || route.url.startsWith('/docs/')) route.config = { ...route.config, public: true };
    const params = (route.schema?.params as { properties?: Record<string, { pattern?: string }> } | undefined)
      ?.properties;
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      ctx.routes.push({ method, url: route.url, public: route.config?.public === true, params: params ?? {} });
    }
  });

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

  app.addHook(
    'onRequest',
    authenticator({
      keys: ctx.keys,
      defaultRateLimit: options.defaultRateLimit ?? 600,
      authFailureLimit: options.authFailureLimit ?? 30,
      keyLimiter: new RateLimiter(),
      failureLimiter: new RateLimiter(),
      isClosing: () => ctx.closing,
    }),
  );

  if (options.docs !== false) {
    await app.register(swagger, {
      transformObject: (doc) =>
        'openapiObject' in doc
          ? patchBinaryBodies(doc.openapiObject as Record<string, unknown>, COMPUTE_DOCS)
          : doc.swaggerObject,
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
  await app.register(jobRoutes);
  await app.register(pageRoutes, { catalog: ctx.studies });
  // The studies that finished while the service was down (or were run by the CLI) join the stored scores: the
  // --studies folders before the service answers; finished jobs' folders in the background, since listing them
  // may wait on Redis.
  app.addHook('onReady', async () => {
    ctx.studyScores.syncFolders();
    void ctx.studies
      .folders()
      .then((folders) => {
        if (!ctx.closing) ctx.studyScores.importFolders(folders.filter((f) => f.origin === 'job'));
      })
      .catch((err: unknown) => app.log.warn({ err }, "could not list finished jobs' folders at start-up"));
  });

  app.addHook('preClose', async () => {
    ctx.closing = true;
  });
  app.addHook('onClose', async () => {
    await ctx.pool.close();
    await ctx.jobs.close();
    db.close();
  });
  return app;
}
