/**
 * Token-bucket rate limits in memory: one bucket per key (an API key id, or a client address for failed
 * authentication), capacity = the per-minute limit, refilled continuously. Every answer carries what the
 * `RateLimit-*` headers report (limit, remaining, seconds until the bucket is full again) and, when refused, the
 * seconds to wait (`Retry-After`).
 */
export interface RateState {
  /** True when a token was taken (or, for peek, when one is available). */
  ok: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  reset: number;
  /** Seconds until the next token (0 when ok). */
  retryAfter: number;
}

/** Buckets kept before full (idle) ones are dropped: bounds memory under a flood of distinct addresses. */
const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Take one token for `key` under `perMinute`. */
  take(key: string, perMinute: number, now = performance.now()): RateState {
    return this.state(key, perMinute, now, true);
  }

  /** The state of `key` without taking a token (`ok`: at least one token is left). */
  peek(key: string, perMinute: number, now = performance.now()): RateState {
    return this.state(key, perMinute, now, false);
  }

  get size(): number {
    return this.buckets.size;
  }

  private state(key: string, perMinute: number, now: number, take: boolean): RateState {
    const ratePerMs = perMinute / 60_000;
    let b = this.buckets.get(key);
    if (!b) {
      if (!take) return { ok: true, limit: perMinute, remaining: perMinute, reset: 0, retryAfter: 0 };
      if (this.buckets.size >= MAX_BUCKETS) this.prune(now, ratePerMs, perMinute);
      b = { tokens: perMinute, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
    b.at = now;
    let ok = b.tokens >= 1;
    if (take && ok) b.tokens -= 1;
    else if (take) ok = false;
    const reset = Math.ceil((perMinute - b.tokens) / ratePerMs / 1000);
    const retryAfter = b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / ratePerMs / 1000));
    return { ok, limit: perMinute, remaining: Math.floor(b.tokens), reset, retryAfter: ok ? 0 : retryAfter };
  }

  /** Drop buckets that have refilled (they carry no information); if none has, drop the oldest half. */
  private prune(now: number, ratePerMs: number, perMinute: number): void {
    for (const [k, v] of this.buckets) {
      if (v.tokens + (now - v.at) * ratePerMs >= perMinute) this.buckets.delete(k);
    }
    if (this.buckets.size < MAX_BUCKETS) return;
    let drop = this.buckets.size / 2;
    for (const k of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(k);
    }
  }
}
