/**
 * Re-embedding after a model change: pages through every memory, and each memory whose
 * vector is missing or was made by another model is embedded again with embedMany and
 * its vector replaced, WRITE_BATCH at a time, so memory stays bounded by one batch
 * whatever the store's size. It is resumable: a run that is interrupted leaves each
 * memory tagged with the model of its vector, and the next run only redoes the stale
 * ones. Writing between pages is safe for every store: SQLite pages by key (no cursor
 * stays open), the in-memory store scans a snapshot, Qdrant scrolls by point id.
 * Progress counts memories checked out of all memories in the store.
 */

import type { EngineContext } from '../layers/context.ts';
import type { ReembedProgress } from './strata-memory.ts';

const WRITE_BATCH = 512;

interface Stale {
  userId: string;
  id: string;
  content: string;
}

export async function reembedAll(
  ctx: EngineContext,
  onProgress?: (progress: ReembedProgress) => void,
): Promise<{ reembedded: number }> {
  const model = { id: ctx.embedder.id, dimensions: ctx.embedder.dimensions };
  let total = (await ctx.store.stats()).memories;
  onProgress?.({ done: 0, total });
  let pending: Stale[] = [];
  let checked = 0;
  let reembedded = 0;
  const flush = async () => {
    const slice = pending;
    pending = [];
    const vectors = await ctx.embedder.embedMany(slice.map((item) => item.content));
    await ctx.store.replaceVectors(
      slice.map((item, i) => ({ userId: item.userId, id: item.id, vector: vectors[i]! })),
      model,
    );
    reembedded += slice.length;
  };
  for await (const batch of ctx.store.scan({ batchSize: WRITE_BATCH })) {
    for (const { memory, vector } of batch) {
      if (vector === null || memory.embeddingModel !== model.id || vector.length !== model.dimensions) {
        pending.push({ userId: memory.userId, id: memory.id, content: memory.content });
      }
    }
    if (pending.length >= WRITE_BATCH) await flush();
    checked += batch.length;
    total = Math.max(total, checked);
    onProgress?.({ done: checked, total });
  }
  if (pending.length > 0) await flush();
  if (reembedded > 0) ctx.logger.info({ reembedded, model: model.id }, 'reembed finished');
  return { reembedded };
}
