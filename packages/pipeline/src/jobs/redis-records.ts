/**
 * A job's records in Redis (beside BullMQ's own): the prepared plan, its state, which items are done, their small
 * outputs, per-item execution counts and failures. Workers on any machine read and write these; with Redis' AOF on
 * they survive a Redis restart.
 */
import type { Redis } from 'ioredis';
import type { ItemFailure } from '../executors/events.ts';
import type { PreparedPlan } from '../executors/prepared-plan.ts';
import type { Json } from '../plan/types.ts';

export const PREFIX = 'concord';
export const QUEUE = 'concord-items';

export interface JobRecord {
  plan: PreparedPlan;
  state: 'running' | 'cancelled';
  created: string;
  attempts: number;
  backoffMs: number;
  results: string | null;
}

const k = (jobId: string, part?: string) => `${PREFIX}:job:${jobId}${part ? `:${part}` : ''}`;

/** Outputs larger than this stay only in the artifact store. */
const INLINE_OUTPUT_BYTES = 64 * 1024;

export class JobRecords {
  private readonly plans = new Map<string, PreparedPlan>();
  constructor(readonly redis: Redis) {}

  async create(jobId: string, rec: JobRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(k(jobId), {
        plan: JSON.stringify(rec.plan),
        state: rec.state,
        created: rec.created,
        attempts: String(rec.attempts),
        backoffMs: String(rec.backoffMs),
      })
      .zadd(`${PREFIX}:jobs`, Date.parse(rec.created), jobId)
      .exec();
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const h = await this.redis.hgetall(k(jobId));
    if (!h.plan) return undefined;
    let plan = this.plans.get(jobId);
    if (!plan) {
      plan = JSON.parse(h.plan) as PreparedPlan;
      this.plans.set(jobId, plan);
    }
    return {
      plan,
      state: h.state === 'cancelled' ? 'cancelled' : 'running',
      created: h.created ?? '',
      attempts: Number(h.attempts ?? 3),
      backoffMs: Number(h.backoffMs ?? 1000),
      results: h.results ?? null,
    };
  }

  async ids(limit = 100): Promise<string[]> {
    return this.redis.zrevrange(`${PREFIX}:jobs`, 0, limit - 1);
  }

  async setCancelled(jobId: string): Promise<void> {
    await this.redis.hset(k(jobId), 'state', 'cancelled');
  }

  async setResults(jobId: string, path: string | null): Promise<void> {
    if (path) await this.redis.hset(k(jobId), 'results', path);
  }

  /** Counts one execution of an item; returns the attempt number. */
  async countExecution(jobId: string, item: string): Promise<number> {
    return this.redis.hincrby(k(jobId, 'attempts'), item, 1);
  }

  async executions(jobId: string): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(k(jobId, 'attempts'));
    return Object.fromEntries(Object.entries(h).map(([i, n]) => [i, Number(n)]));
  }

  async markDone(jobId: string, item: string, output: Json): Promise<void> {
    const text = JSON.stringify(output);
    const m = this.redis.multi();
    if (text.length <= INLINE_OUTPUT_BYTES) m.hset(k(jobId, 'outputs'), item, text);
    m.sadd(k(jobId, 'done'), item);
    await m.exec();
  }

  async done(jobId: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(k(jobId, 'done')));
  }

  async isDone(jobId: string, items: string[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    const r = await this.redis.smismember(k(jobId, 'done'), ...items);
    return r.map((x) => x === 1);
  }

  /** Small outputs carried in the record (undefined where only the store has it). */
  async outputs(jobId: string, items: string[]): Promise<(Json | undefined)[]> {
    if (items.length === 0) return [];
    const r = await this.redis.hmget(k(jobId, 'outputs'), ...items);
    return r.map((t) => (t === null ? undefined : (JSON.parse(t) as Json)));
  }

  async markFailed(jobId: string, f: ItemFailure): Promise<void> {
    await this.redis.hset(k(jobId, 'failed'), f.item, JSON.stringify(f));
  }

  async failures(jobId: string): Promise<ItemFailure[]> {
    const h = await this.redis.hgetall(k(jobId, 'failed'));
    return Object.values(h).map((t) => JSON.parse(t) as ItemFailure);
  }
}
