/**
 * The meta point: one point in the history collection (system tenant, kind "meta") that
 * records which collection holds the memories and which embedding model made the stored
 * vectors. It is how a restarted process finds its data, how a different model is refused
 * (ModelMismatchError, as on SQLite) and how an allowed model change moves the memories
 * to the new model's collection (payloads only: vectors come back through re-embedding).
 * It also names the key the payloads were sealed with, so a key rotation (or turning
 * encryption on) rewrites every payload under the current key once.
 */
import { z } from 'zod';
import type { ModelInfo } from '../types.ts';
import type { QdrantConnection } from './connection.ts';
import { metaFilter, SYSTEM_TENANT, scopedFilter, versionFilter } from './filters.ts';
import { META_POINT_ID } from './payload.ts';
import { type QdrantScope, scrollPages, upsertPoints } from './points.ts';

const MetaSchema = z.object({
  collection: z.string(),
  model: z.object({ id: z.string(), dimensions: z.number().int().positive() }).nullable(),
  /** Key id and blind-index scheme the payloads were sealed and tokenized with (keywordIndexTag; "plain": no encryption). */
  payloadKey: z.string().default('plain'),
});
export type StoreMeta = z.output<typeof MetaSchema>;

export async function readMeta(conn: QdrantConnection, history: string): Promise<StoreMeta | null> {
  const page = await conn.call('read store meta', (client) =>
    client.scroll(history, { filter: metaFilter(), limit: 1, with_payload: true, with_vector: false }),
  );
  const payload = page.points[0]?.payload;
  return payload ? MetaSchema.parse(payload) : null;
}

export async function writeMeta(scope: QdrantScope, meta: StoreMeta): Promise<void> {
  await upsertPoints(scope, scope.history, [
    { id: META_POINT_ID, vector: {}, payload: { kind: 'meta', userId: SYSTEM_TENANT, ...meta } },
  ]);
}

export function sameModel(a: ModelInfo, b: ModelInfo): boolean {
  return a.id === b.id && a.dimensions === b.dimensions;
}

/** Copies every memory point (payload only) from `source` into the scope's collection. */
export async function copyPayloads(scope: QdrantScope, source: string): Promise<number> {
  let copied = 0;
  const users = await scope.conn.call('list users', (client) =>
    client.facet(source, { key: 'userId', limit: 1_000_000, exact: true }),
  );
  for (const hit of users.hits) {
    const userId = String(hit.value);
    const filter = scopedFilter({ userId, includeSuperseded: true });
    for await (const page of scrollPages(scope, source, filter)) {
      await upsertPoints(
        scope,
        scope.memories,
        page.map((point) => ({ id: point.id, vector: {}, payload: point.payload ?? {} })),
      );
      copied += page.length;
    }
  }
  return copied;
}

/**
 * Rewrites every memory and version payload with the store's current codec: after a key
 * rotation (old keys still decrypt via previousKeys) or when encryption is turned on for
 * an existing store. Blind-index tokens depend on the key, so keyword search needs this.
 */
export async function rewritePayloads(scope: QdrantScope, users: string[]): Promise<number> {
  let rewritten = 0;
  for (const userId of users) {
    const scoped = scopedFilter({ userId, includeSuperseded: true });
    for await (const page of scrollPages(scope, scope.memories, scoped, { withVector: true })) {
      const points = page.map((point) => {
        const record = scope.codec.record(point);
        return scope.codec.memoryPoint(record.memory, record.vector);
      });
      await upsertPoints(scope, scope.memories, points);
      rewritten += points.length;
    }
    for await (const page of scrollPages(scope, scope.history, versionFilter(userId))) {
      await upsertPoints(
        scope,
        scope.history,
        page.map((point) => scope.codec.versionPoint(scope.codec.version(point))),
      );
    }
  }
  return rewritten;
}
