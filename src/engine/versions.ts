/**
 * Versioned writes: every update or rollback writes the full next state as version + 1
 * (the store keeps the snapshot), re-embedding only when the content changed. Writers of
 * one memory in this process queue up (KeyedQueue); a writer in another process makes the
 * store refuse a stale version with ConflictError, and the change is re-applied on the
 * fresh state a few times at most. Reads go through getOwned, which reports another
 * user's memory exactly like a missing one.
 */
import { MemoryError, NotFoundError, ValidationError } from '../errors.ts';
import { admitWrite, type EngineContext } from '../layers/context.ts';
import { memoryBytes } from '../stores/shared/records.ts';
import type { Memory, VersionOp } from '../types.ts';
import { nowIso } from '../util/clock.ts';
import { parseId, parseUserId } from './validate.ts';

/** How often a change is re-applied after losing a race with another process. */
const WRITE_ATTEMPTS = 3;

export async function getOwned(ctx: EngineContext, userId: string, id: string): Promise<Memory> {
  const user = parseUserId(userId);
  const memoryId = parseId(id);
  const memory = await ctx.store.get(user, memoryId);
  if (!memory) {
    throw new NotFoundError(
      `Memory ${memoryId} was not found for user ${user}; check the id with "strata list --user ${user}".`,
      { details: { id: memoryId, userId: user } },
    );
  }
  return memory;
}

export async function writeVersion(
  ctx: EngineContext,
  userId: string,
  id: string,
  changes: Partial<Memory>,
  op: Extract<VersionOp, 'update' | 'rollback'>,
): Promise<Memory> {
  for (let attempt = 1; ; attempt++) {
    const current = await getOwned(ctx, userId, id);
    const next: Memory = {
      ...current,
      ...changes,
      version: current.version + 1,
      updatedAt: nowIso(ctx.clock),
    };
    const contentChanged = next.content !== current.content;
    if (contentChanged) next.embeddingModel = ctx.embedder.id;
    const vector = contentChanged ? await ctx.embedder.embed(next.content) : undefined;
    try {
      const grows = { userId: current.userId, memories: 0, bytes: memoryBytes(next) - memoryBytes(current) };
      await admitWrite(ctx, [grows], () =>
        ctx.store.update([vector === undefined ? { memory: next, op } : { memory: next, vector, op }]),
      );
      return next;
    } catch (error) {
      const conflict = MemoryError.isInstance(error) && error.code === 'conflict';
      if (!conflict || attempt >= WRITE_ATTEMPTS) throw error;
    }
  }
}

/** The fields a rollback restores from an earlier version (identity and usage stay current). */
export async function rollbackChanges(
  ctx: EngineContext,
  userId: string,
  id: string,
  version: number,
): Promise<Partial<Memory>> {
  await getOwned(ctx, userId, id);
  if (!Number.isInteger(version) || version < 1) {
    throw new ValidationError(`version must be a positive integer, got ${JSON.stringify(version)}.`, {
      details: { field: 'version' },
    });
  }
  const versions = await ctx.store.history(userId, id);
  const old = versions.find((v) => v.version === version)?.memory;
  if (!old) {
    const known = versions.map((v) => v.version).join(', ');
    throw new NotFoundError(`Memory ${id} has no version ${version}; its versions are ${known}.`);
  }
  const { content, layer, importance, metadata, links, sources, supersededBy } = old;
  return { content, layer, importance, metadata, links, sources, supersededBy };
}

/** Runs tasks with the same key one after another, in call order. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
