/**
 * Per-user storage quotas (memory count and bytes). Reading stats for every write would
 * cost a scan on large stores, so usage is cached per user for a few seconds and bumped
 * locally after each successful write; the limit is therefore enforced within a small
 * margin, which is what a quota needs, and refusals name the setting to raise.
 */
import type { StrataMemory } from '../engine/strata-memory.ts';
import { PayloadTooLargeError, QuotaExceededError } from '../errors.ts';
import { systemClock } from '../util/clock.ts';

interface Usage {
  memories: number;
  bytes: number;
  at: number;
}

export interface QuotaGuard {
  /** Throws if the user is at or over a limit, or if `incomingBytes` would cross the byte limit. */
  check(userId: string, incomingBytes: number): Promise<void>;
  /** Records a successful write so the cached usage stays close to the truth. */
  record(userId: string, memories: number, bytes: number): void;
  forget(userId: string): void;
}

export function createQuotaGuard(
  memory: StrataMemory,
  limits: { maxMemoriesPerUser: number; maxBytesPerUser: number },
  ttlMs = 5_000,
  now: () => number = () => systemClock.now().getTime(),
): QuotaGuard {
  const cache = new Map<string, Usage>();
  const usage = async (userId: string): Promise<Usage> => {
    const cached = cache.get(userId);
    if (cached && now() - cached.at < ttlMs) return cached;
    const stats = await memory.stats(userId);
    const fresh = { memories: stats.memories, bytes: stats.bytes, at: now() };
    cache.set(userId, fresh);
    if (cache.size > 50_000) cache.delete(cache.keys().next().value as string);
    return fresh;
  };
  return {
    async check(userId, incomingBytes) {
      const current = await usage(userId);
      if (current.memories >= limits.maxMemoriesPerUser) {
        throw new QuotaExceededError(
          `Quota exceeded: user has ${current.memories} memories, the limit is ${limits.maxMemoriesPerUser} (server.quotas.maxMemoriesPerUser). Delete memories or raise the limit.`,
          { details: { limit: 'server.quotas.maxMemoriesPerUser', max: limits.maxMemoriesPerUser } },
        );
      }
      if (current.bytes + incomingBytes > limits.maxBytesPerUser) {
        throw new PayloadTooLargeError(
          `Quota exceeded: user stores ${current.bytes} bytes, this write would pass the limit of ${limits.maxBytesPerUser} bytes (server.quotas.maxBytesPerUser).`,
          { details: { limit: 'server.quotas.maxBytesPerUser', max: limits.maxBytesPerUser } },
        );
      }
    },
    record(userId, memories, bytes) {
      const cached = cache.get(userId);
      if (cached) {
        cached.memories += memories;
        cached.bytes += bytes;
      }
    },
    forget(userId) {
      cache.delete(userId);
    },
  };
}
