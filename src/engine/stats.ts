/**
 * Engine statistics: the store's counts (every layer present, zero when empty) joined
 * with the embedder's model and cache figures and the media blobs (whose bytes count in
 * `bytes`, so quotas cover them), as MemoryStats for every surface.
 */

import type { EngineContext } from '../layers/context.ts';
import { LAYERS, type MemoryStats } from '../types.ts';

export async function engineStats(ctx: EngineContext, userId?: string): Promise<MemoryStats> {
  const stats = await ctx.store.stats(userId);
  // Media blobs count in the bytes a user stores (the quotas read this figure).
  const media = (await ctx.media?.blobs.usage(userId)) ?? { blobs: 0, bytes: 0 };
  const e = ctx.embedder.stats();
  const byLayer = Object.fromEntries(
    LAYERS.map((layer) => [
      layer,
      { count: stats.byLayer[layer]?.count ?? 0, bytes: stats.byLayer[layer]?.bytes ?? 0 },
    ]),
  ) as MemoryStats['byLayer'];
  return {
    users: stats.users,
    memories: stats.memories,
    versions: stats.versions,
    bytes: stats.bytes + media.bytes,
    byLayer,
    media,
    embedder: {
      model: e.model,
      dimensions: e.dimensions,
      cacheHits: e.cacheHits,
      cacheMisses: e.cacheMisses,
      cacheHitRate: e.cacheHitRate,
      queueDepth: e.queueDepth,
    },
    store: { kind: ctx.store.kind, path: ctx.store.location },
  };
}
