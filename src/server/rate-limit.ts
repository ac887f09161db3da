/**
 * Token-bucket rate limiting per API key and per user. Each bucket holds a minute's worth
 * of requests and refills continuously, so bursts are allowed up to the per-minute limit
 * and a refused caller learns exactly how long to wait (Retry-After). Idle buckets are
 * pruned so thousands of users do not grow the map forever.
 */
import { RateLimitedError } from '../errors.ts';
import { systemClock } from '../util/clock.ts';

interface Bucket {
  tokens: number;
  updated: number;
}

export interface RateLimiter {
  /** Takes one token from `scope:id`'s bucket or throws RateLimitedError naming the limit. */
  take(scope: 'key' | 'user', id: string): void;
}

export function createRateLimiter(
  limits: { perKeyPerMinute: number; perUserPerMinute: number },
  now: () => number = () => systemClock.now().getTime(),
): RateLimiter {
  const buckets = new Map<string, Bucket>();
  let lastPrune = now();
  const prune = (at: number) => {
    if (at - lastPrune < 60_000) return;
    lastPrune = at;
    for (const [name, bucket] of buckets) if (at - bucket.updated > 120_000) buckets.delete(name);
  };
  return {
    take(scope, id) {
      const perMinute = scope === 'key' ? limits.perKeyPerMinute : limits.perUserPerMinute;
      const rate = perMinute / 60_000;
      const at = now();
      prune(at);
      const name = `${scope}\u0000${id}`;
      const bucket = buckets.get(name) ?? { tokens: perMinute, updated: at };
      bucket.tokens = Math.min(perMinute, bucket.tokens + (at - bucket.updated) * rate);
      bucket.updated = at;
      buckets.set(name, bucket);
      if (bucket.tokens < 1) {
        const retryAfter = Math.ceil((1 - bucket.tokens) / rate / 1000);
        const setting =
          scope === 'key' ? 'server.rateLimit.perKeyPerMinute' : 'server.rateLimit.perUserPerMinute';
        throw new RateLimitedError(
          `Rate limit exceeded: more than ${perMinute} requests per minute for this ${scope} (${setting}); retry after ${retryAfter}s.`,
          retryAfter,
          { details: { limit: setting, perMinute } },
        );
      }
      bucket.tokens -= 1;
    },
  };
}
