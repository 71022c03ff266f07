/** Test helpers other packages' tests use (a private redis-server). Not part of the runtime API. */
export { hasRedisServer, REDIS_SERVER, startTestRedis, type TestRedis } from './jobs/redis-server.ts';
