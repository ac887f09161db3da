/**
 * The meta point: one point in the history collection (system tenant, kind "meta") that
 * records which collection holds the memories and which embedding model made the stored
 * vectors. It is how a restarted process finds its data, how a different model is refused
 * (ModelMismatchError, as on SQLite) and how an allowed model change moves the memories
 * to the new model's collection (payloads only: vectors come back through re-embedding).
 */
import { z } from 'zod';
import type { ModelInfo } from '../types.ts';
import type { QdrantConnection } from './connection.ts';
import { metaFilter, SYSTEM_TENANT, scopedFilter } from './filters.ts';
import { META_POINT_ID } from './payload.ts';
import { type QdrantScope, scrollPages, upsertPoints } from './points.ts';

const MetaSchema = z.object({
  collection: z.string(),
  model: z.object({ id: z.string(), dimensions: z.number().int().positive() }).nullable(),
});
export type StoreMeta = z.infer<typeof MetaSchema>;

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
