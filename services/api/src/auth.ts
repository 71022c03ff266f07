/**
 * Who may call what. Decided on the route the router MATCHED (`request.routeOptions.config.public`), never on the
 * text of the URL: percent-encoded, absolute-form, dot-segment or case variants of a path reach the same route
 * object, so they meet the same check. Fail closed: a request that matched no route (404) needs a key like any
 * protected route once keys exist, so probing paths without a key teaches nothing.
 *
 * Failed authentication is rate-limited per client address (a token bucket of `authFailureLimit` per minute);
 * while an address is over that budget every non-public request from it gets 429 before its key is even looked at.
 * Valid keys have their own per-key budget. Every answer that went through a budget carries RateLimit-* headers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_ERRORS, ApiError } from './errors.ts';
import type { RateLimiter, RateState } from './rate-limit.ts';
import type { ApiKeyStore } from './store/api-keys.ts';

/** Who is asking: a key (admin or not), or nobody on a service without keys (which is open: everything visible). */
export interface Viewer {
  keyId: string | null;
  admin: boolean;
}

export const OPEN_VIEWER: Viewer = Object.freeze({ keyId: null, admin: true });

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without a key (health, readiness, the API docs). Everything else needs one once keys exist. */
    public?: boolean;
  }
}

export interface AuthOptions {
  keys: ApiKeyStore;
  /** Per-key requests per minute for keys without their own limit. */
  defaultRateLimit: number;
  /** Failed authentications per minute per client address. */
  authFailureLimit: number;
  keyLimiter: RateLimiter;
  failureLimiter: RateLimiter;
  isClosing(): boolean;
}

/** RateLimit-* (draft-ietf-httpapi-ratelimit-headers) and, when refused, Retry-After. */
export function setRateLimitHeaders(reply: FastifyReply, s: RateState): void {
  reply.header('ratelimit-limit', String(s.limit));
  reply.header('ratelimit-remaining', String(s.remaining));
  reply.header('ratelimit-reset', String(s.reset));
  reply.header('ratelimit-policy', `${s.limit};w=60`);
  if (!s.ok) reply.header('retry-after', String(s.retryAfter));
}

function tooManyFailures(s: RateState, address: string): ApiError {
  return new ApiError(
    429,
    API_ERRORS.RATE_LIMITED,
    `too many failed authentications from ${address} (limit ${s.limit} per minute); retry in ${s.retryAfter} s`,
    { retryAfter: s.retryAfter },
  );
}

function unauthorized(reply: FastifyReply, code: string, message: string, invalidToken: boolean): ApiError {
  reply.header('www-authenticate', invalidToken ? 'Bearer error="invalid_token"' : 'Bearer');
  return new ApiError(401, code, `authorization: ${message}`, { field: 'authorization' });
}

/** The onRequest hook: sets request.viewer or throws 401/429/503. */
export function authenticator(o: AuthOptions) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.routeOptions.config?.public === true) return;
    if (o.isClosing())
      throw new ApiError(503, API_ERRORS.SHUTTING_DOWN, 'the service is shutting down; retry on another instance');
    if (!o.keys.anyKeys()) {
      request.viewer = OPEN_VIEWER;
      return;
    }
    const address = request.ip;
    const before = o.failureLimiter.peek(address, o.authFailureLimit);
    if (!before.ok) {
      setRateLimitHeaders(reply, before);
      throw tooManyFailures(before, address);
    }
    const fail = (code: string, message: string, invalidToken: boolean): never => {
      const s = o.failureLimiter.take(address, o.authFailureLimit);
      setRateLimitHeaders(reply, s);
      if (!s.ok) throw tooManyFailures(s, address);
      throw unauthorized(reply, code, message, invalidToken);
    };
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m)
      return fail(
        API_ERRORS.UNAUTHORIZED,
        'this service requires an API key: send "Authorization: Bearer <key>"',
        false,
      );
    const check = o.keys.check(m[1]);
    if (!check.ok) {
      if (check.reason === 'revoked') return fail(API_ERRORS.KEY_REVOKED, 'this API key was revoked', true);
      return fail(
        API_ERRORS.UNAUTHORIZED,
        check.reason === 'malformed' ? 'malformed API key (expected ck_<id>_<secret>)' : 'unknown API key',
        true,
      );
    }
    const perMinute = check.key.rateLimit ?? o.defaultRateLimit;
    const s = o.keyLimiter.take(check.key.id, perMinute);
    setRateLimitHeaders(reply, s);
    if (!s.ok) {
      throw new ApiError(
        429,
        API_ERRORS.RATE_LIMITED,
        `rate limit of ${perMinute} requests per minute for key ${check.key.id} exceeded; retry in ${s.retryAfter} s`,
        { retryAfter: s.retryAfter },
      );
    }
    request.viewer = { keyId: check.key.id, admin: check.key.admin };
    request.apiKeyId = check.key.id;
  };
}
