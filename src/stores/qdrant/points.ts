/**
 * Point I/O shared by the store's operations: paged scrolls, id lookups (always through a
 * user-scoped filter, never the unscoped "retrieve by id" endpoint), and batched upserts
 * that run `parallelism` batches of `batchSize` points at a time.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import type { ModelInfo } from '../types.ts';
import type { QdrantConnection } from './connection.ts';
import { type QdrantFilter, scopedFilter } from './filters.ts';
import type { PointCodec, PointStruct } from './payload.ts';

export interface QdrantScope {
  conn: QdrantConnection;
  /** Collection of memory points (vectors of the active model). */
  memories: string;
  /** Collection of version points and the meta point (no vectors). */
  history: string;
  batchSize: number;
  parallelism: number;
  /** The model whose vectors the memories collection holds. */
  model: ModelInfo;
  /** Point encoding (encrypted or not). */
  codec: PointCodec;
}

export type RawPoint = Schemas['Record'];
type WithPayload = boolean | string[];

export interface ScrollOptions {
  withPayload?: WithPayload;
  withVector?: boolean;
  pageSize?: number;
  /** Stop after this many points. */
  max?: number;
}

/** Pages through every point matching the filter. */
export async function* scrollPages(
  scope: QdrantScope,
  collection: string,
  filter: QdrantFilter,
  options: ScrollOptions = {},
): AsyncGenerator<RawPoint[]> {
  let offset: Schemas['ExtendedPointId'] | null | undefined;
  let seen = 0;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  do {
    const limit = Math.min(options.pageSize ?? scope.batchSize, max - seen);
    if (limit <= 0) return;
    const page = await scope.conn.call('scroll points', (client) =>
      client.scroll(collection, {
        filter,
        limit,
        with_payload: options.withPayload ?? true,
        with_vector: options.withVector === true ? ['dense'] : false,
        ...(offset === undefined || offset === null ? {} : { offset }),
      }),
    );
    seen += page.points.length;
    if (page.points.length > 0) yield page.points;
    const nextOffset = page.next_page_offset;
    offset = typeof nextOffset === 'string' || typeof nextOffset === 'number' ? nextOffset : null;
  } while (offset !== null);
}

export async function scrollAll(
  scope: QdrantScope,
  collection: string,
  filter: QdrantFilter,
  options: ScrollOptions = {},
): Promise<RawPoint[]> {
  const out: RawPoint[] = [];
  for await (const page of scrollPages(scope, collection, filter, options)) out.push(...page);
  return out;
}

/** One user's memory points by memory id (superseded included), through the scoped filter. */
export async function fetchMemoryPoints(
  scope: QdrantScope,
  userId: string,
  ids: string[],
  withVector = false,
): Promise<RawPoint[]> {
  if (ids.length === 0) return [];
  const out: RawPoint[] = [];
  for (let start = 0; start < ids.length; start += scope.batchSize) {
    const chunk = ids.slice(start, start + scope.batchSize);
    const filter = scopedFilter({ userId, ids: chunk, includeSuperseded: true });
    out.push(...(await scrollAll(scope, scope.memories, filter, { withVector, pageSize: chunk.length })));
  }
  return out;
}

export async function countPoints(
  scope: QdrantScope,
  collection: string,
  filter: QdrantFilter,
): Promise<number> {
  const result = await scope.conn.call('count points', (client) =>
    client.count(collection, { filter, exact: true }),
  );
  return result.count;
}

/** Runs `fn` over the items with at most `parallelism` in flight. */
export async function inParallel<T>(
  items: T[],
  parallelism: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(parallelism, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** Upserts in batches (wait=true, so a resolved call means the points are stored). */
export async function upsertPoints(
  scope: QdrantScope,
  collection: string,
  points: PointStruct[],
): Promise<void> {
  await inParallel(chunk(points, scope.batchSize), scope.parallelism, async (batch) => {
    await scope.conn.call('upsert points', (client) =>
      client.upsert(collection, { wait: true, points: batch }),
    );
  });
}

export async function deleteByFilter(
  scope: QdrantScope,
  collection: string,
  filter: QdrantFilter,
): Promise<void> {
  await scope.conn.call('delete points', (client) => client.delete(collection, { wait: true, filter }));
}
