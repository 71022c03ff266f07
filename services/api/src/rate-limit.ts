/**
 * Per-key rate limits: a token bucket per API key (capacity = the per-minute limit, refilled continuously), in
 * memory. A refused request gets 429 with Retry-After in seconds.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** Take one token for `key` under `perMinute`; returns 0 when allowed, else the seconds to wait. */
  take(key: string, perMinute: number, now = performance.now()): number {
    const ratePerMs = perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / ratePerMs / 1000));
  }
}
