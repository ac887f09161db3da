/**
 * Per-user storage quotas (memory count and bytes), enforced where memories are written.
 * The server hands the engine a {@link WriteGate} on every writing call (gatedMemory wraps
 * the engine once, so every surface that writes through deps.memory is covered: REST
 * add/turns/import/patch, the Open WebUI outlet, the proxy, MCP, the outbox's retries). The
 * engine admits each store write with what it produces (a turn's memories across layers are
 * one write), and the gate checks and writes under a per-user lock, so parallel requests of
 * one user cannot pass a limit between them: a write that does not fit is refused whole.
 * Usage is read from the store inside the lock when not cached (or older than ttlMs, for
 * writers in other processes) and counted exactly after each admitted write; deletes drop
 * the cached figure.
 */
import type { ProducedWrite, StrataMemory, WriteGate, WriteOptions } from '../engine/strata-memory.ts';
import { PayloadTooLargeError, QuotaExceededError } from '../errors.ts';
import { systemClock } from '../util/clock.ts';

interface Usage {
  memories: number;
  bytes: number;
  at: number;
}

export interface QuotaGuard extends WriteGate {
  /** Drops the cached usage of a user (after deletes); the next write reads it again. */
  forget(userId: string): void;
  /** Drops every cached usage (after maintenance that may delete). */
  forgetAll(): void;
}

export interface QuotaLimits {
  maxMemoriesPerUser: number;
  maxBytesPerUser: number;
}

export function createQuotaGuard(
  memory: Pick<StrataMemory, 'stats'>,
  limits: QuotaLimits,
  ttlMs = 5_000,
  now: () => number = () => systemClock.now().getTime(),
): QuotaGuard {
  const cache = new Map<string, Usage>();
  const locks = new Map<string, Promise<void>>();
  const usage = async (userId: string): Promise<Usage> => {
    const cached = cache.get(userId);
    if (cached && now() - cached.at < ttlMs) return cached;
    const stats = await memory.stats(userId);
    const fresh = { memories: stats.memories, bytes: stats.bytes, at: now() };
    cache.set(userId, fresh);
    if (cache.size > 50_000) cache.delete(cache.keys().next().value as string);
    return fresh;
  };
  /** Runs `task` holding the lock of `userId` (writes of one user one at a time). */
  const locked = async <T>(userId: string, task: () => Promise<T>): Promise<T> => {
    const previous = locks.get(userId) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    locks.set(userId, tail);
    try {
      return await result;
    } finally {
      if (locks.get(userId) === tail) locks.delete(userId);
    }
  };
  const check = (userId: string, current: Usage, produced: ProducedWrite) => {
    if (produced.memories > 0 && current.memories + produced.memories > limits.maxMemoriesPerUser) {
      throw new QuotaExceededError(
        `Quota exceeded: user ${userId} has ${current.memories} memories and this write adds ${produced.memories}; the limit is ${limits.maxMemoriesPerUser} (server.quotas.maxMemoriesPerUser). Nothing of it was stored; delete memories or raise the limit.`,
        {
          details: {
            limit: 'server.quotas.maxMemoriesPerUser',
            max: limits.maxMemoriesPerUser,
            used: current.memories,
            adds: produced.memories,
          },
        },
      );
    }
    if (produced.bytes > 0 && current.bytes + produced.bytes > limits.maxBytesPerUser) {
      throw new PayloadTooLargeError(
        `Quota exceeded: user ${userId} stores ${current.bytes} bytes and this write adds ${produced.bytes}, passing the limit of ${limits.maxBytesPerUser} bytes (server.quotas.maxBytesPerUser). Nothing of it was stored.`,
        {
          details: {
            limit: 'server.quotas.maxBytesPerUser',
            max: limits.maxBytesPerUser,
            used: current.bytes,
            adds: produced.bytes,
          },
        },
      );
    }
  };
  const admitAll = async <T>(produced: ProducedWrite[], write: () => Promise<T>): Promise<T> => {
    const [first, ...rest] = produced;
    if (!first) return write();
    return locked(first.userId, async () => {
      const current = await usage(first.userId);
      check(first.userId, current, first);
      let result: T;
      try {
        result = await admitAll(rest, write);
      } catch (error) {
        // A failed write may have stored part of itself (a store without transactions).
        cache.delete(first.userId);
        throw error;
      }
      current.memories += first.memories;
      current.bytes += first.bytes;
      return result;
    });
  };
  return {
    admit(produced, write) {
      // One entry per user, locked in a fixed order so two multi-user writes cannot deadlock.
      const byUser = new Map<string, ProducedWrite>();
      for (const each of produced) {
        const entry = byUser.get(each.userId) ?? { userId: each.userId, memories: 0, bytes: 0 };
        entry.memories += each.memories;
        entry.bytes += each.bytes;
        byUser.set(each.userId, entry);
      }
      const ordered = [...byUser.values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));
      return admitAll(ordered, write);
    },
    forget(userId) {
      cache.delete(userId);
    },
    forgetAll() {
      cache.clear();
    },
  };
}

/**
 * The engine with the quota gate on every writing call; deletes and maintenance drop the
 * cached usage they change. Everything else is the engine's own.
 */
export function gatedMemory(memory: StrataMemory, guard: QuotaGuard): StrataMemory {
  const gated = <O extends WriteOptions>(options: O | undefined): O & WriteOptions => ({
    ...(options as O),
    gate: guard,
  });
  return {
    get layers() {
      return memory.layers;
    },
    get isReady() {
      return memory.isReady;
    },
    add: (input, options) => memory.add(input, gated(options)),
    addMany: (inputs, options) => memory.addMany(inputs, gated(options)),
    update: (userId, id, patch, options) => memory.update(userId, id, patch, gated(options)),
    rollback: (userId, id, version, options) => memory.rollback(userId, id, version, gated(options)),
    observeTurn: (turn, options) => memory.observeTurn(turn, gated(options)),
    import: (ndjson, options) => memory.import(ndjson, gated(options)),
    async delete(userId, id) {
      try {
        await memory.delete(userId, id);
      } finally {
        guard.forget(userId);
      }
    },
    async deleteUser(userId) {
      try {
        return await memory.deleteUser(userId);
      } finally {
        guard.forget(userId);
      }
    },
    async consolidate(options) {
      try {
        return await memory.consolidate(options);
      } finally {
        guard.forgetAll();
      }
    },
    async flushSummaries() {
      try {
        return await memory.flushSummaries();
      } finally {
        guard.forgetAll();
      }
    },
    get: (userId, id) => memory.get(userId, id),
    getMedia: (userId, id) => memory.getMedia(userId, id),
    list: (query) => memory.list(query),
    history: (userId, id) => memory.history(userId, id),
    search: (query) => memory.search(query),
    recall: (request) => memory.recall(request),
    explain: (request) => memory.explain(request),
    feedback: (input) => memory.feedback(input),
    emotionClusters: (userId) => memory.emotionClusters(userId),
    export: (userId, options) => memory.export(userId, options),
    users: () => memory.users(),
    stats: (userId) => memory.stats(userId),
    reembed: (onProgress) => memory.reembed(onProgress),
    backup: (destination) => memory.backup(destination),
    rotateKeys: () => memory.rotateKeys(),
    changeLog: {
      ...memory.changeLog,
      // A peer's entries change what a user holds: the next write recounts.
      async apply(userId, entries, keys, via) {
        try {
          return await memory.changeLog.apply(userId, entries, keys, via);
        } finally {
          guard.forget(userId);
        }
      },
    },
    ready: () => memory.ready(),
    close: () => memory.close(),
  };
}
