/**
 * The store's write operations over a prepared QdrantScope. Qdrant has no multi-point
 * transactions, so "all or nothing" is built from checks and compensation: every
 * precondition (taken ids, stale versions, foreign ids, vector sizes) is verified for the
 * whole batch before the first write, and if a write fails half way the points already
 * written are put back (best effort, logged when that fails too).
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { ConflictError, ValidationError } from '../../errors.ts';
import type { Memory, MemoryVersion, VersionOp } from '../../types.ts';
import type { Logger } from '../../util/logger.ts';
import { checkCommitBatch, checkVector, versionOf } from '../shared/records.ts';
import type { CommitBatch, ModelInfo, StoredRecord, UpdateChange } from '../types.ts';
import { foreignFilter, scopedFilter, versionFilter } from './filters.ts';
import { type PointStruct, vectorFromPoint } from './payload.ts';
import {
  chunk,
  countPoints,
  deleteByFilter,
  fetchMemoryPoints,
  type QdrantScope,
  upsertPoints,
} from './points.ts';

function groupByUser<T>(items: T[], userOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = userOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

async function assertNotForeign(scope: QdrantScope, userId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const foreign = await countPoints(scope, scope.memories, foreignFilter(userId, ids));
  if (foreign > 0) {
    throw new ConflictError(
      `${foreign} of these memory ids belong to another user; refusing to overwrite them (use new ids).`,
    );
  }
}

/** Writes points; on failure runs `undo` (best effort) and rethrows the original error. */
async function compensated(logger: Logger, write: () => Promise<void>, undo: () => Promise<void>) {
  try {
    await write();
  } catch (error) {
    await undo().catch((undoError: unknown) =>
      logger.error({ err: (undoError as Error).message }, 'qdrant: could not undo a partial write'),
    );
    throw error;
  }
}

/** Writes the memories' points, then their history entries' points. */
async function upsertRecords(scope: QdrantScope, records: StoredRecord[], versions: MemoryVersion[]) {
  await upsertPoints(
    scope,
    scope.memories,
    records.map((r) => scope.codec.memoryPoint(r.memory, r.vector)),
  );
  await upsertPoints(
    scope,
    scope.history,
    versions.map((version) => scope.codec.versionPoint(version)),
  );
}

async function removeMemories(scope: QdrantScope, userId: string, ids: string[]): Promise<void> {
  await deleteByFilter(scope, scope.memories, scopedFilter({ userId, ids, includeSuperseded: true }));
  await deleteByFilter(scope, scope.history, versionFilter(userId, ids));
}

/** A validated write: `write` puts the points, `undo` puts back what was there (best effort). */
interface PlannedWrite {
  write: () => Promise<void>;
  undo: () => Promise<void>;
}

async function planInsert(scope: QdrantScope, records: StoredRecord[], op: VersionOp): Promise<PlannedWrite> {
  const seen = new Set<string>();
  for (const { memory, vector } of records) {
    if (seen.has(memory.id)) throw new ConflictError(`Memory id ${memory.id} appears twice in one insert.`);
    seen.add(memory.id);
    checkVector(vector, scope.model, memory.id);
  }
  const groups = groupByUser(records, (record) => record.memory.userId);
  for (const [userId, group] of groups) {
    const ids = group.map((record) => record.memory.id);
    const taken = await fetchMemoryPoints(scope, userId, ids);
    if (taken.length > 0) {
      const id = scope.codec.memory(taken[0]!).id;
      throw new ConflictError(`A memory with id ${id} already exists; use update() or a new id.`);
    }
    await assertNotForeign(scope, userId, ids);
  }
  return {
    write: async () => {
      if (records.length === 0) return;
      await upsertRecords(
        scope,
        records,
        records.map((r) => versionOf(r.memory, op)),
      );
    },
    undo: async () => {
      for (const [userId, group] of groups)
        await removeMemories(
          scope,
          userId,
          group.map((r) => r.memory.id),
        );
    },
  };
}

async function planUpdate(scope: QdrantScope, changes: UpdateChange[]): Promise<PlannedWrite> {
  const previous: PointStruct[] = [];
  const next = new Map<string, PointStruct>();
  const versions: PointStruct[] = [];
  for (const [userId, group] of groupByUser(changes, (change) => change.memory.userId)) {
    const ids = [...new Set(group.map((change) => change.memory.id))];
    const stored = new Map<string, { memory: Memory; vector: Float32Array | null }>();
    for (const point of await fetchMemoryPoints(scope, userId, ids, true)) {
      const memory = scope.codec.memory(point);
      stored.set(memory.id, { memory, vector: vectorFromPoint(point) });
      previous.push(scope.codec.memoryPoint(memory, vectorFromPoint(point)));
    }
    for (const { memory, vector, op } of group) {
      const current = stored.get(memory.id);
      if (current === undefined) {
        throw new ConflictError(`Memory ${memory.id} does not exist for this user; nothing was updated.`);
      }
      if (memory.version !== current.memory.version + 1) {
        throw new ConflictError(
          `Memory ${memory.id} is at version ${current.memory.version}, but the update expected to write version ${memory.version}; reload and retry.`,
          { retryable: true, details: { id: memory.id, storedVersion: current.memory.version } },
        );
      }
      checkVector(vector, scope.model, memory.id);
      const state = { memory, vector: vector === undefined ? current.vector : vector };
      stored.set(memory.id, state);
      next.set(memory.id, scope.codec.memoryPoint(state.memory, state.vector));
      versions.push(scope.codec.versionPoint(versionOf(memory, op)));
    }
  }
  return {
    write: async () => {
      if (changes.length === 0) return;
      await upsertPoints(scope, scope.memories, [...next.values()]);
      await upsertPoints(scope, scope.history, versions);
    },
    undo: async () => {
      if (changes.length === 0) return;
      await upsertPoints(scope, scope.memories, previous);
      const written = versions.map((point) => String(point.id));
      for (const [userId, group] of groupByUser(changes, (change) => change.memory.userId)) {
        const ids = group.map((change) => change.memory.id);
        await deleteByFilter(scope, scope.history, versionFilter(userId, ids, written));
      }
    },
  };
}

export async function insert(scope: QdrantScope, logger: Logger, records: StoredRecord[], op: VersionOp) {
  const planned = await planInsert(scope, records, op);
  await compensated(logger, planned.write, planned.undo);
}

export async function update(scope: QdrantScope, logger: Logger, changes: UpdateChange[]) {
  const planned = await planUpdate(scope, changes);
  await compensated(logger, planned.write, planned.undo);
}

/**
 * Inserts then updates, best effort all or nothing: both halves are validated before the
 * first write, and a failure undoes the updates and then the inserts.
 */
export async function commit(scope: QdrantScope, logger: Logger, batch: CommitBatch) {
  const inserts = batch.insert ?? [];
  const updates = batch.update ?? [];
  checkCommitBatch(inserts, updates);
  const inserting = await planInsert(scope, inserts, 'create');
  const updating = await planUpdate(scope, updates);
  await compensated(
    logger,
    async () => {
      await inserting.write();
      await updating.write();
    },
    async () => {
      await updating.undo();
      await inserting.undo();
    },
  );
}

export async function restore(scope: QdrantScope, records: StoredRecord[], history: MemoryVersion[]) {
  for (const { memory, vector } of records) checkVector(vector, scope.model, memory.id);
  const byId = new Map<string, MemoryVersion[]>();
  for (const version of history) byId.set(version.memoryId, [...(byId.get(version.memoryId) ?? []), version]);
  const groups = groupByUser(records, (record) => record.memory.userId);
  for (const [userId, group] of groups)
    await assertNotForeign(
      scope,
      userId,
      group.map((r) => r.memory.id),
    );
  for (const [userId, group] of groups) {
    const versions = group.flatMap(({ memory }) => {
      const list = (byId.get(memory.id) ?? []).filter((v) => v.memory.userId === userId);
      return list.length > 0 ? list : [versionOf(memory, 'import')];
    });
    // Replacing the history: drop versions the import does not carry, then write.
    await deleteByFilter(
      scope,
      scope.history,
      versionFilter(
        userId,
        group.map((r) => r.memory.id),
      ),
    );
    await upsertRecords(scope, group, versions);
  }
}

export async function touch(scope: QdrantScope, userId: string, ids: string[], at: string, boost: number) {
  const points = await fetchMemoryPoints(scope, userId, [...new Set(ids)]);
  const operations: Schemas['UpdateOperation'][] = points.map((point) => {
    const memory = scope.codec.memory(point);
    const touched = {
      ...memory,
      accessCount: memory.accessCount + 1,
      lastAccessedAt: at,
      strength: memory.strength + boost,
    };
    return {
      set_payload: {
        payload: scope.codec.memoryPayload(touched),
        filter: scopedFilter({ userId, ids: [memory.id], includeSuperseded: true }),
      },
    };
  });
  for (const batch of chunk(operations, scope.batchSize)) {
    await scope.conn.call('touch points', (client) =>
      client.batchUpdate(scope.memories, { wait: true, operations: batch }),
    );
  }
}

export async function remove(scope: QdrantScope, userId: string, ids: string[]): Promise<number> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return 0;
  const filter = scopedFilter({ userId, ids: unique, includeSuperseded: true });
  const existing = await countPoints(scope, scope.memories, filter);
  await deleteByFilter(scope, scope.memories, filter);
  await deleteByFilter(scope, scope.history, versionFilter(userId, unique));
  return existing;
}

export async function removeUser(scope: QdrantScope, userId: string): Promise<number> {
  const filter = scopedFilter({ userId, includeSuperseded: true });
  const existing = await countPoints(scope, scope.memories, filter);
  await deleteByFilter(scope, scope.memories, filter);
  await deleteByFilter(scope, scope.history, versionFilter(userId));
  return existing;
}

export async function replaceVectors(
  scope: QdrantScope,
  items: Array<{ userId: string; id: string; vector: Float32Array }>,
  model: ModelInfo,
) {
  const points: PointStruct[] = [];
  for (const [userId, group] of groupByUser(items, (item) => item.userId)) {
    for (const item of group) checkVector(item.vector, model, item.id);
    const stored = new Map(
      (
        await fetchMemoryPoints(
          scope,
          userId,
          group.map((item) => item.id),
        )
      ).map((point) => {
        const memory = scope.codec.memory(point);
        return [memory.id, memory] as const;
      }),
    );
    for (const item of group) {
      const memory = stored.get(item.id);
      if (memory === undefined) {
        throw new ValidationError(
          `Memory ${item.id} does not exist for user ${userId}; no vectors were replaced.`,
        );
      }
      points.push(scope.codec.memoryPoint({ ...memory, embeddingModel: model.id }, item.vector));
    }
  }
  await upsertPoints(scope, scope.memories, points);
}
