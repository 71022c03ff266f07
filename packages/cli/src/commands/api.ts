/**
 * `concord serve` (the HTTP service) and `concord api-key create|list|revoke` (keys stored hashed in the service's
 * database). The service package is imported on use, so other commands do not pay for loading Fastify.
 */
import { resolve } from 'node:path';
import { type Command, numberOption, requiredNumber, requiredString, UsageError } from '../command.ts';

const dataDirOption = {
  'data-dir': {
    type: 'string',
    value: 'DIR',
    description: 'directory of the database and uploaded arrays (default: $CONCORD_DATA_DIR or ~/.concord)',
  },
} as const;

async function dataDirOf(opts: Record<string, unknown>, cwd: string): Promise<string> {
  const given = typeof opts['data-dir'] === 'string' ? (opts['data-dir'] as string) : undefined;
  if (given !== undefined) return resolve(cwd, given);
  const { defaultDataDir } = await import('@concord/api');
  return defaultDataDir();
}

const serve: Command = {
  name: 'serve',
  summary: 'run the HTTP service (scores over JSON; OpenAPI at /docs; the web page at /) until SIGTERM',
  options: {
    host: {
      type: 'string',
      value: 'HOST',
      description: 'address to bind (loopback unless told otherwise)',
      default: '127.0.0.1',
    },
    port: { type: 'string', value: 'PORT', description: 'TCP port (0 picks a free one)', default: '8080' },
    ...dataDirOption,
    threads: {
      type: 'string',
      value: 'N',
      description: 'worker threads for heavy requests (default: CPU count − 1, at least 1)',
    },
    'inline-below': {
      type: 'string',
      value: 'N',
      description: 'tasks with fewer input elements run on the event loop instead of a worker (default 20000)',
    },
    'body-limit': {
      type: 'string',
      value: 'BYTES',
      description: 'largest JSON body (413 beyond)',
      default: String(16 * 1024 * 1024),
    },
    'upload-limit': {
      type: 'string',
      value: 'BYTES',
      description: 'largest .npy upload (413 beyond)',
      default: String(1024 * 1024 * 1024),
    },
    studies: {
      type: 'string',
      value: 'DIR',
      description:
        'a folder of study folders (each with a results.json) shown by the web page at / and GET /v1/studies',
    },
    redis: {
      type: 'string',
      value: 'URL',
      description: 'run /v1/jobs on BullMQ workers over this Redis (concord jobs worker) instead of the local pool',
    },
    store: {
      type: 'string',
      value: 'DIR',
      description:
        'the artifact store of /v1/jobs; with --redis, the one the workers use (concord jobs worker --store DIR). Default: $CONCORD_STORE, else <data-dir>/artifacts',
    },
    'log-level': {
      type: 'string',
      value: 'LEVEL',
      description: 'fatal|error|warn|info|debug (JSON lines on stderr)',
      default: 'warn',
    },
    'headers-timeout': {
      type: 'string',
      value: 'SECONDS',
      description: 'a client must send its request line and headers within this (408 and closed beyond; default 10)',
    },
    'request-timeout': {
      type: 'string',
      value: 'SECONDS',
      description: 'a client must send its whole request, body included, within this (default 120)',
    },
    'keep-alive-timeout': {
      type: 'string',
      value: 'SECONDS',
      description: 'an idle keep-alive connection is closed after this (default 5)',
    },
    'auth-failure-limit': {
      type: 'string',
      value: 'N',
      description: 'failed authentications per minute per client address before 429s (default 30)',
    },
  },
  details:
    'Prints "listening on http://HOST:PORT" to stderr once it accepts connections. SIGTERM or SIGINT: stops accepting,\n' +
    'lets in-flight requests finish, stops the workers and closes the database, then exits 0.\n' +
    'Once any API key exists (concord api-key create), every /v1 route needs "Authorization: Bearer <key>".\n' +
    'Jobs (/v1/jobs) run on a local worker pool, or with --redis URL on `concord jobs worker` processes; give the\n' +
    'service and every worker the same --store DIR (a shared filesystem when workers run on other machines).',
  async run(opts, _pos, ctx) {
    const port = requiredNumber(opts, 'port', { integer: true, min: 0 });
    if (port > 65535) throw new UsageError(`--port: expected an integer from 0 to 65535, received '${opts.port}'`);
    const threads = numberOption(opts, 'threads', { integer: true, min: 0 });
    const inlineBelow = numberOption(opts, 'inline-below', { integer: true, min: 0 });
    const bodyLimit = requiredNumber(opts, 'body-limit', { integer: true, min: 1024 });
    const uploadLimit = requiredNumber(opts, 'upload-limit', { integer: true, min: 1024 });
    const level = requiredString(opts, 'log-level');
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(level))
      throw new UsageError(`--log-level: expected one of fatal, error, warn, info, debug, received '${level}'`);
    // Timeouts in seconds on the command line, milliseconds in the service; a zero or negative time is refused.
    const seconds = (name: string) => {
      const s = numberOption(opts, name, { min: 0.001 });
      return s === undefined ? undefined : Math.round(s * 1000);
    };
    const headersMs = seconds('headers-timeout');
    const requestMs = seconds('request-timeout');
    const keepAliveMs = seconds('keep-alive-timeout');
    // Node refuses a headers timeout above the request timeout; the service's defaults are 10 s and 120 s
    // (services/api DEFAULT_TIMEOUTS, which the package entry does not export).
    const effectiveHeaders = headersMs ?? 10_000;
    const effectiveRequest = requestMs ?? 120_000;
    if (effectiveRequest < effectiveHeaders)
      throw new UsageError(
        `--request-timeout (${effectiveRequest / 1000} s) must be at least --headers-timeout (${effectiveHeaders / 1000} s${headersMs === undefined ? ', the default' : ''}): the whole request includes its headers`,
      );
    const authFailureLimit = numberOption(opts, 'auth-failure-limit', { integer: true, min: 1 });
    // The artifact store: the flag, else the one `concord jobs worker` defaults to when $CONCORD_STORE names it,
    // else the service's own under its data directory.
    const storeFlag = typeof opts.store === 'string' ? resolve(ctx.cwd, opts.store) : undefined;
    const store = storeFlag ?? (process.env.CONCORD_STORE ? resolve(ctx.cwd, process.env.CONCORD_STORE) : undefined);
    const { startServer } = await import('@concord/api/server');
    const dataDir = await dataDirOf(opts, ctx.cwd);
    const server = await startServer({
      host: requiredString(opts, 'host'),
      port,
      dataDir,
      bodyLimit,
      uploadLimit,
      ...(threads !== undefined ? { threads } : {}),
      ...(inlineBelow !== undefined ? { inlineBelow } : {}),
      ...(authFailureLimit !== undefined ? { authFailureLimit } : {}),
      timeouts: {
        ...(headersMs !== undefined ? { headersMs } : {}),
        ...(requestMs !== undefined ? { requestMs } : {}),
        ...(keepAliveMs !== undefined ? { keepAliveMs } : {}),
      },
      logger: { level, stream: ctx.stderr },
      ...(typeof opts.studies === 'string' ? { studies: resolve(ctx.cwd, opts.studies) } : {}),
      jobs: {
        ...(typeof opts.redis === 'string' ? { redis: opts.redis } : {}),
        ...(store !== undefined ? { store } : {}),
      },
    });
    ctx.stderr.write(`listening on ${server.url}\n`);
    await server.closed;
    ctx.stderr.write('closed\n');
    return 0;
  },
};

const keyCreate: Command = {
  name: 'api-key create',
  summary: 'create an API key (shown once; stored hashed)',
  options: {
    name: { type: 'string', value: 'NAME', description: 'who or what the key is for', required: true },
    'rate-limit': {
      type: 'string',
      value: 'N',
      description: 'requests per minute for this key (default: the service default, 600)',
    },
    admin: {
      type: 'boolean',
      description: "an admin key: sees and deletes every key's scores and arrays (others see only their own)",
    },
    ...dataDirOption,
  },
  async run(opts, _pos, ctx) {
    const rateLimit = numberOption(opts, 'rate-limit', { integer: true, min: 1 });
    const admin = opts.admin === true;
    const { openDatabase, ApiKeyStore } = await import('@concord/api');
    const db = openDatabase(await dataDirOf(opts, ctx.cwd));
    try {
      const created = new ApiKeyStore(db).create(requiredString(opts, 'name'), rateLimit ?? null, { admin });
      ctx.output(
        created,
        (r: typeof created) =>
          `${r.key}\n(id ${r.id}; shown once: store it now. Send it as "Authorization: Bearer <key>".)`,
      );
    } finally {
      db.close();
    }
    return 0;
  },
};

const keyList: Command = {
  name: 'api-key list',
  summary: 'list API keys (ids, names, limits, revocation; never the secrets)',
  options: { ...dataDirOption },
  async run(opts, _pos, ctx) {
    const { openDatabase, ApiKeyStore } = await import('@concord/api');
    const db = openDatabase(await dataDirOf(opts, ctx.cwd));
    try {
      const keys = new ApiKeyStore(db).list();
      ctx.output({ keys }, (r: { keys: typeof keys }) =>
        r.keys.length === 0
          ? 'no API keys (the service is open to every local client)'
          : r.keys
              .map(
                (k) =>
                  `${k.id}  ${k.name}${k.admin ? '  (admin)' : ''}  ${k.rateLimit ?? 'default'}/min  created ${k.createdAt}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ''}`,
              )
              .join('\n'),
      );
    } finally {
      db.close();
    }
    return 0;
  },
};

const keyRevoke: Command = {
  name: 'api-key revoke',
  summary: 'revoke an API key by id (requests with it then get 401)',
  options: { ...dataDirOption },
  positionals: [{ name: 'ID', description: 'the key id (from api-key list) or the full key' }],
  async run(opts, pos, ctx) {
    const { openDatabase, ApiKeyStore } = await import('@concord/api');
    const db = openDatabase(await dataDirOf(opts, ctx.cwd));
    try {
      const ok = new ApiKeyStore(db).revoke(pos[0]);
      if (!ok) throw new UsageError(`ID: no active API key '${pos[0].slice(0, 80)}' (see concord api-key list)`);
      ctx.output({ id: pos[0], revoked: true }, () => `revoked ${pos[0]}`);
    } finally {
      db.close();
    }
    return 0;
  },
};

export const apiCommands: Command[] = [serve, keyCreate, keyList, keyRevoke];
