/**
 * Whole-store reads: the user list (a facet on the tenant index, the only request without
 * a user condition: it returns user ids, never memories), per-user statistics and the
 * scan that export, re-embed and migrate stream through. Cross-user stats and scans are
 * built user by user, so each request they send is still scoped to one tenant.
 */
import type { LayerName } from '../../types.ts';
import type { StoredRecord, StoreStats } from '../types.ts';
import { scopedFilter, versionFilter } from './filters.ts';
import { countPoints, type QdrantScope, scrollPages } from './points.ts';

export async function userIds(scope: QdrantScope): Promise<string[]> {
  const result = await scope.conn.call('list users', (client) =>
    client.facet(scope.memories, { key: 'userId', limit: 1_000_000, exact: true }),
  );
  return result.hits
    .filter((hit) => hit.count > 0)
    .map((hit) => String(hit.value))
    .sort();
}

async function userStats(scope: QdrantScope, userId: string): Promise<StoreStats> {
  const stats: StoreStats = { users: 0, memories: 0, versions: 0, bytes: 0, byLayer: {} };
  for await (const page of scrollPages(
    scope,
    scope.memories,
    scopedFilter({ userId, includeSuperseded: true }),
    {
      withPayload: ['layer', 'bytes'],
      pageSize: 2_000,
    },
  )) {
    for (const point of page) {
      const layer = point.payload?.layer as LayerName;
      const bytes = Number(point.payload?.bytes ?? 0);
      stats.memories += 1;
      stats.bytes += bytes;
      const entry = stats.byLayer[layer] ?? { count: 0, bytes: 0 };
      entry.count += 1;
      entry.bytes += bytes;
      stats.byLayer[layer] = entry;
    }
  }
  stats.users = stats.memories > 0 ? 1 : 0;
  stats.versions = await countPoints(scope, scope.history, versionFilter(userId));
  return stats;
}

export async function storeStats(scope: QdrantScope, userId?: string): Promise<StoreStats> {
  if (userId !== undefined) return userStats(scope, userId);
  const total: StoreStats = { users: 0, memories: 0, versions: 0, bytes: 0, byLayer: {} };
  for (const user of await userIds(scope)) {
    const stats = await userStats(scope, user);
    total.users += stats.users;
    total.memories += stats.memories;
    total.versions += stats.versions;
    total.bytes += stats.bytes;
    for (const [layer, value] of Object.entries(stats.byLayer) as Array<
      [LayerName, { count: number; bytes: number }]
    >) {
      const entry = total.byLayer[layer] ?? { count: 0, bytes: 0 };
      entry.count += value.count;
      entry.bytes += value.bytes;
      total.byLayer[layer] = entry;
    }
  }
  return total;
}

export async function* scanRecords(
  scope: QdrantScope,
  options: { userId?: string; batchSize?: number },
): AsyncGenerator<StoredRecord[]> {
  const users = options.userId === undefined ? await userIds(scope) : [options.userId];
  const pageSize = Math.max(1, options.batchSize ?? scope.batchSize);
  for (const userId of users) {
    const filter = scopedFilter({ userId, includeSuperseded: true });
    for await (const page of scrollPages(scope, scope.memories, filter, { withVector: true, pageSize })) {
      yield page.map((point) => scope.codec.record(point));
    }
  }
}
